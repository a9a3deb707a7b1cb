/** Data-source queries: filters, sorts, opaque cursors, short pages, shuffled default order, result cap. */

import { floorMinute } from "./clock.ts";
import { bodyInvalid, NotionError, validationError } from "./errors.ts";
import { hash32, normalizeId, Rng } from "./ids.ts";
import type { DataSource, Page, PropSchema, Store } from "./model.ts";
import { findProp, rawValue } from "./properties.ts";
import { plainText } from "./rich_text.ts";

/** Query behaviour knobs (set through `/_emulator/limits`). */
export interface QueryLimits {
  /** Maximum results one query can page through (Notion: 10,000). */
  resultCap: number;
  /** Probability that a page of results is shorter than page_size although more results follow. */
  shortPageRate: number;
  /** Order when no sorts are given: a per-query shuffle (default) or creation order. */
  unsortedOrder: "shuffle" | "created_time";
  /** What page_size > 100 does: reject with 400 (default) or clamp to 100. */
  pageSizeOverflow: "reject" | "clamp";
  /** Emulated ms before a new page shows up in queries (read-after-write lag; 0 = none). */
  queryLagMs: number;
}

/** Notion's defaults. */
export const DEFAULT_QUERY_LIMITS: QueryLimits = {
  resultCap: 10_000,
  shortPageRate: 0.1,
  unsortedOrder: "shuffle",
  pageSizeOverflow: "reject",
  queryLagMs: 0,
};

type Pred = (page: Page) => boolean;

interface Cursor {
  /** cache key hash */
  k: number;
  /** position of the next result */
  p: number;
  /** id of the last result returned */
  l: string | null;
  /** shuffle seed (unsorted queries) */
  s: number | null;
}

/** Stateful query engine (result cache, invalidated cursors, randomness for short pages). */
export class QueryEngine {
  limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS };
  #cache = new Map<string, { version: number; ids: string[] }>();
  #rng = new Rng(4242);
  /** Cursors that a fault invalidated. */
  invalidCursors = new Set<string>();

  /** Runs a query and returns the list envelope (results as page objects, rendered by the caller). */
  run(
    store: Store,
    ds: DataSource,
    body: any,
    me: string,
  ): { pages: Page[]; next_cursor: string | null; has_more: boolean; incomplete: boolean } {
    const pageSize = this.#pageSize(body.page_size);
    const filter = body.filter === undefined || body.filter === null
      ? () => true
      : compileFilter(store, ds, body.filter, "body.filter", 0, me);
    const sorts = body.sorts ?? [];
    if (!Array.isArray(sorts)) throw bodyInvalid("body.sorts", "should be an array");
    let cursor: Cursor | null = null;
    if (body.start_cursor !== undefined && body.start_cursor !== null) {
      cursor = this.#decode(String(body.start_cursor));
    }
    const seed = sorts.length === 0 && this.limits.unsortedOrder === "shuffle"
      ? cursor?.s ?? this.#rng.int(2 ** 31)
      : null;
    const archived = body.is_archived === true || body.archived === true;
    const lagBucket = this.limits.queryLagMs > 0 ? Math.floor(store.now() / 1000) : 0;
    const key = JSON.stringify([ds.id, body.filter ?? null, sorts, seed, archived, lagBucket]);
    const k = hash32(key);
    if (cursor && cursor.k !== k) {
      throw validationError(
        "The start_cursor provided is invalid: it does not belong to this query (filter and sorts must not change between pages).",
      );
    }
    let entry = this.#cache.get(key);
    if (!entry || entry.version !== store.version) {
      entry = {
        version: store.version,
        ids: this.#evaluate(store, ds, filter, sorts, seed, archived),
      };
      if (this.#cache.size > 64) this.#cache.clear();
      this.#cache.set(key, entry);
    }
    const ids = entry.ids;
    let start = 0;
    if (cursor) {
      const idx = cursor.l ? ids.indexOf(cursor.l, Math.max(0, cursor.p - 1 - 5)) : -1;
      start = idx >= 0 ? idx + 1 : Math.min(cursor.p, ids.length);
    }
    const cap = this.limits.resultCap;
    const limit = Math.min(ids.length, cap);
    let size = pageSize;
    if (this.limits.shortPageRate > 0 && this.#rng.next() < this.limits.shortPageRate && size > 1) {
      size = 1 + this.#rng.int(size - 1);
    }
    const end = Math.min(start + size, limit);
    const pages = ids.slice(start, end).map((id) => store.state.pages[id]);
    const hasMore = end < limit;
    const next: Cursor = {
      k,
      p: end,
      l: pages.length ? pages[pages.length - 1].id : cursor?.l ?? null,
      s: seed,
    };
    return {
      pages,
      has_more: hasMore,
      next_cursor: hasMore ? encodeCursor(next) : null,
      incomplete: ids.length > cap,
    };
  }

  /** Marks every cursor issued so far for this text as invalid (fault injection). */
  invalidate(cursor: string): void {
    this.invalidCursors.add(cursor);
  }

  #pageSize(raw: unknown): number {
    if (raw === undefined || raw === null) return 100;
    if (typeof raw !== "number" || !Number.isInteger(raw) || raw < 1) {
      throw bodyInvalid(
        "body.page_size",
        `should be a number greater than or equal to \`1\`, instead was \`${JSON.stringify(raw)}\``,
      );
    }
    if (raw > 100) {
      if (this.limits.pageSizeOverflow === "clamp") return 100;
      throw validationError(
        `body failed validation: body.page_size should be ≤ \`100\`, instead was \`${raw}\`.`,
      );
    }
    return raw;
  }

  #decode(text: string): Cursor {
    if (this.invalidCursors.has(text)) {
      throw validationError(`The start_cursor provided is invalid: ${text}`);
    }
    try {
      const c = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/")));
      if (typeof c.k === "number" && typeof c.p === "number") return c;
    } catch { /* fall through */ }
    throw validationError(`The start_cursor provided is invalid: ${text}`);
  }

  #evaluate(
    store: Store,
    ds: DataSource,
    filter: Pred,
    sorts: any[],
    seed: number | null,
    archived: boolean,
  ): string[] {
    const pages: Page[] = [];
    const horizon = this.limits.queryLagMs > 0 ? store.now() - this.limits.queryLagMs : Infinity;
    for (const p of store.dsPages.get(ds.id)?.values() ?? []) {
      if (p.in_trash || p.is_archived !== archived || p.created_time > horizon) continue;
      if (filter(p)) pages.push(p);
    }
    const n = pages.length;
    if (sorts.length === 1 && sorts[0]?.timestamp !== undefined && n < PACK) {
      // Fast path for the sync's usual sort: integer minutes packed with the position, sorted natively.
      const field = sorts[0].timestamp;
      sortExtractor(store, ds, sorts[0], 0); // validates
      const desc = sorts[0].direction === "descending";
      return packedOrder(pages, (p) => {
        const minute = Math.floor(
          (field === "created_time" ? p.created_time : p.last_edited_time) / 60000,
        );
        return desc ? MAX_MINUTE - minute : minute;
      });
    }
    if (sorts.length) {
      const extract = sorts.map((s, i) => sortExtractor(store, ds, s, i));
      const keyed = pages.map((p, pos) => ({ p, pos, keys: extract.map((f) => f(p)) }));
      const dirs = sorts.map((s: any) => (s.direction === "descending" ? -1 : 1));
      keyed.sort((a, b) => {
        for (let i = 0; i < dirs.length; i++) {
          const c = compareKeys(a.keys[i], b.keys[i], dirs[i]);
          if (c) return c;
        }
        return a.pos - b.pos;
      });
      return keyed.map((x) => x.p.id);
    }
    if (seed !== null && n < PACK) {
      return packedOrder(pages, (p) => (Math.imul(idHash(p) ^ seed, 0x9e3779b1) >>> 0));
    }
    pages.sort((a, b) => b.created_time - a.created_time || (a.id < b.id ? -1 : 1));
    return pages.map((p) => p.id);
  }
}

/** Positions fit in 20 bits; keys must be integers below 2^32 so key × 2^20 + position stays exact. */
const PACK = 1 << 20;
const MAX_MINUTE = 2 ** 31;
const ID_HASH = Symbol("idHash");

/** Hash of a page id, memoised on the page under a symbol (symbols are not persisted). */
function idHash(p: Page): number {
  const holder = p as unknown as Record<symbol, number>;
  let h = holder[ID_HASH];
  if (h === undefined) {
    h = hash32(p.id);
    holder[ID_HASH] = h;
  }
  return h;
}

/** Orders pages by an integer key (ties keep insertion order) using a native Float64Array sort. */
function packedOrder(pages: Page[], key: (p: Page) => number): string[] {
  const packed = new Float64Array(pages.length);
  for (let i = 0; i < pages.length; i++) packed[i] = key(pages[i]) * PACK + i;
  packed.sort();
  const out = new Array<string>(pages.length);
  for (let i = 0; i < packed.length; i++) out[i] = pages[packed[i] % PACK].id;
  return out;
}

function encodeCursor(c: Cursor): string {
  return btoa(JSON.stringify(c)).replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}

function compareKeys(a: unknown, b: unknown, dir: number): number {
  const ea = a === null || a === undefined || a === "";
  const eb = b === null || b === undefined || b === "";
  if (ea || eb) return ea === eb ? 0 : ea ? 1 : -1; // empty values last in both directions
  if (typeof a === "number" && typeof b === "number") return (a - b) * dir;
  const sa = String(a);
  const sb = String(b);
  return (sa < sb ? -1 : sa > sb ? 1 : 0) * dir;
}

function sortExtractor(store: Store, ds: DataSource, s: any, i: number): (page: Page) => unknown {
  if (!s || typeof s !== "object") throw bodyInvalid(`body.sorts[${i}]`, "should be an object");
  if (s.direction !== undefined && s.direction !== "ascending" && s.direction !== "descending") {
    throw bodyInvalid(`body.sorts[${i}].direction`, "should be `ascending` or `descending`");
  }
  if (s.timestamp !== undefined) {
    if (s.timestamp === "created_time") return (page) => floorMinute(page.created_time);
    if (s.timestamp === "last_edited_time") return (page) => floorMinute(page.last_edited_time);
    throw bodyInvalid(
      `body.sorts[${i}].timestamp`,
      "should be `created_time` or `last_edited_time`",
    );
  }
  const p = findProp(ds, String(s.property ?? ""));
  if (!p) throw validationError(`Could not find sort property with name or id: ${s.property}`);
  return (page) => comparable(store, page, p);
}

function comparable(store: Store, page: Page, p: PropSchema): unknown {
  const v = rawValue(store, page, p);
  switch (p.type) {
    case "title":
    case "rich_text":
      return plainText(v).toLowerCase();
    case "select":
    case "status": {
      const idx = p.config.options.findIndex((o: any) => o.id === v);
      return idx < 0 ? null : idx;
    }
    case "multi_select":
      return (v as string[]).length ? p.config.options.findIndex((o: any) => o.id === v[0]) : null;
    case "date":
      return v ? dateEpoch(v.start, v.time_zone) : null;
    case "checkbox":
      return v ? 1 : 0;
    case "created_time":
    case "last_edited_time":
      return floorMinute(v);
    case "people":
      return (v as string[]).length ? store.state.users[v[0]]?.name ?? "" : null;
    case "created_by":
    case "last_edited_by":
      return store.state.users[v]?.name ?? "";
    case "relation":
      return (v as string[]).length || null;
    case "files":
      return (v as any[]).length ? v[0].name : null;
    case "formula":
      return v?.type === "date"
        ? (v.date ? dateEpoch(v.date.start, null) : null)
        : v?.[v.type] ?? null;
    case "rollup":
      return v?.type === "array"
        ? v.array.length
        : v?.type === "date"
        ? (v.date ? dateEpoch(v.date.start, null) : null)
        : v?.[v.type] ?? null;
    default:
      return v ?? null;
  }
}

/** Offset of a time zone at an instant, in ms. */
function tzOffset(epoch: number, tz: string): number {
  try {
    const parts = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    }).formatToParts(new Date(epoch));
    const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
    const asUtc = Date.UTC(
      get("year"),
      get("month") - 1,
      get("day"),
      get("hour"),
      get("minute"),
      get("second"),
    );
    return asUtc - Math.floor(epoch / 1000) * 1000;
  } catch {
    return 0;
  }
}

/** Epoch ms of a Notion date string (date-only = UTC midnight; time_zone applied when no offset). */
export function dateEpoch(start: string, tz: string | null): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(start)) return Date.parse(`${start}T00:00:00Z`);
  if (/(Z|[+-]\d{2}:\d{2})$/.test(start)) return Date.parse(start);
  const guess = Date.parse(`${start}Z`);
  return tz ? guess - tzOffset(guess, tz) : guess;
}

const DAY = 86_400_000;

function relativeDate(v: string, now: number): string | null {
  const day = (offset: number) =>
    new Date(Math.floor(now / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
  switch (v) {
    case "today":
      return day(0);
    case "tomorrow":
      return day(1);
    case "yesterday":
      return day(-1);
    case "one_week_ago":
      return day(-7);
    case "one_week_from_now":
      return day(7);
    case "one_month_ago":
      return day(-30);
    case "one_month_from_now":
      return day(30);
    default:
      return null;
  }
}

/** Builds a predicate over an epoch value (or null) for a date condition. */
function dateCondition(
  cond: any,
  path: string,
  now: number,
): (v: number | null, end?: number | null) => boolean {
  if (!cond || typeof cond !== "object") throw bodyInvalid(path, "should be an object");
  const keys = Object.keys(cond);
  if (keys.length !== 1) throw bodyInvalid(path, "should have exactly one condition");
  const op = keys[0];
  const arg = cond[op];
  if (op === "is_empty") return (v) => (v === null) === (arg === true);
  if (op === "is_not_empty") return (v) => (v !== null) === (arg === true);
  const ranges: Record<string, [number, number]> = {
    past_week: [now - 7 * DAY, now],
    past_month: [now - 30 * DAY, now],
    past_year: [now - 365 * DAY, now],
    next_week: [now, now + 7 * DAY],
    next_month: [now, now + 30 * DAY],
    next_year: [now, now + 365 * DAY],
  };
  if (op === "this_week") {
    const d = new Date(Math.floor(now / DAY) * DAY);
    const monday = d.getTime() - ((d.getUTCDay() + 6) % 7) * DAY;
    ranges.this_week = [monday, monday + 7 * DAY - 1];
  }
  if (ranges[op]) {
    const [a, b] = ranges[op];
    return (v) => v !== null && v >= a && v <= b;
  }
  if (typeof arg !== "string") throw bodyInvalid(`${path}.${op}`, "should be a string");
  const text = relativeDate(arg, now) ?? arg;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const t = dateOnly ? Date.parse(`${text}T00:00:00Z`) : Date.parse(text);
  if (isNaN(t)) {
    throw bodyInvalid(
      `${path}.${op}`,
      `should be a valid ISO 8601 date string, instead was \`"${arg}"\``,
    );
  }
  const hi = dateOnly ? t + DAY : t; // exclusive upper bound of the named day / instant
  switch (op) {
    case "equals":
      return dateOnly ? (v) => v !== null && v >= t && v < hi : (v) => v === t;
    case "before":
      return (v) => v !== null && v < t;
    case "after":
      return dateOnly ? (v) => v !== null && v >= hi : (v) => v !== null && v > t;
    case "on_or_before":
      return dateOnly ? (v) => v !== null && v < hi : (v) => v !== null && v <= t;
    case "on_or_after":
      return (v) => v !== null && v >= t;
    default:
      throw bodyInvalid(path, `has an unknown date condition \`${op}\``);
  }
}

function textCondition(cond: any, path: string): (s: string) => boolean {
  const [op] = Object.keys(cond ?? {});
  const arg = cond?.[op];
  if (op === "is_empty") return (s) => (s === "") === (arg === true);
  if (op === "is_not_empty") return (s) => (s !== "") === (arg === true);
  if (typeof arg !== "string") throw bodyInvalid(`${path}.${op}`, "should be a string");
  const a = arg.toLowerCase();
  switch (op) {
    case "equals":
      return (s) => s === arg;
    case "does_not_equal":
      return (s) => s !== arg;
    case "contains":
      return (s) => s.toLowerCase().includes(a);
    case "does_not_contain":
      return (s) => !s.toLowerCase().includes(a);
    case "starts_with":
      return (s) => s.toLowerCase().startsWith(a);
    case "ends_with":
      return (s) => s.toLowerCase().endsWith(a);
    default:
      throw bodyInvalid(path, `has an unknown text condition \`${op}\``);
  }
}

function numberCondition(cond: any, path: string): (n: number | null) => boolean {
  const [op] = Object.keys(cond ?? {});
  const arg = cond?.[op];
  if (op === "is_empty") return (n) => (n === null) === (arg === true);
  if (op === "is_not_empty") return (n) => (n !== null) === (arg === true);
  if (typeof arg !== "number") throw bodyInvalid(`${path}.${op}`, "should be a number");
  switch (op) {
    case "equals":
      return (n) => n === arg;
    case "does_not_equal":
      return (n) => n !== arg;
    case "greater_than":
      return (n) => n !== null && n > arg;
    case "less_than":
      return (n) => n !== null && n < arg;
    case "greater_than_or_equal_to":
      return (n) => n !== null && n >= arg;
    case "less_than_or_equal_to":
      return (n) => n !== null && n <= arg;
    default:
      throw bodyInvalid(path, `has an unknown number condition \`${op}\``);
  }
}

function checkboxCondition(cond: any, path: string): (b: boolean) => boolean {
  if (typeof cond?.equals === "boolean") return (b) => b === cond.equals;
  if (typeof cond?.does_not_equal === "boolean") return (b) => b !== cond.does_not_equal;
  throw bodyInvalid(path, "should have `equals` or `does_not_equal` with a boolean");
}

function listCondition(
  cond: any,
  path: string,
  norm: (x: string) => string,
): (items: string[]) => boolean {
  const [op] = Object.keys(cond ?? {});
  const arg = cond?.[op];
  if (op === "is_empty") return (xs) => (xs.length === 0) === (arg === true);
  if (op === "is_not_empty") return (xs) => (xs.length > 0) === (arg === true);
  if (typeof arg !== "string") throw bodyInvalid(`${path}.${op}`, "should be a string");
  const want = norm(arg);
  if (op === "contains") return (xs) => xs.includes(want);
  if (op === "does_not_contain") return (xs) => !xs.includes(want);
  throw bodyInvalid(path, `has an unknown condition \`${op}\``);
}

function optionCondition(p: PropSchema, cond: any, path: string): (id: string | null) => boolean {
  const [op] = Object.keys(cond ?? {});
  const arg = cond?.[op];
  if (op === "is_empty") return (v) => (v === null) === (arg === true);
  if (op === "is_not_empty") return (v) => (v !== null) === (arg === true);
  const names = Array.isArray(arg) ? arg : [arg];
  if (names.some((n) => typeof n !== "string")) {
    throw bodyInvalid(`${path}.${op}`, "should be a string");
  }
  const ids = new Set(
    p.config.options.filter((o: any) => names.includes(o.name) || names.includes(o.id)).map((
      o: any,
    ) => o.id),
  );
  if (op === "equals") return (v) => v !== null && ids.has(v);
  if (op === "does_not_equal") return (v) => v === null || !ids.has(v);
  throw bodyInvalid(path, `has an unknown condition \`${op}\``);
}

/** Compiles a filter object into a predicate, validating it as Notion does (≤ 2 nesting levels). */
export function compileFilter(
  store: Store,
  ds: DataSource,
  f: any,
  path: string,
  depth: number,
  me: string,
): Pred {
  if (!f || typeof f !== "object" || Array.isArray(f)) {
    throw bodyInvalid(path, "should be an object");
  }
  const now = store.now();
  for (const op of ["and", "or"] as const) {
    if (f[op] !== undefined) {
      if (!Array.isArray(f[op])) throw bodyInvalid(`${path}.${op}`, "should be an array");
      if (depth >= 2) {
        throw validationError(
          `body failed validation: ${path}.${op} should not be present: filters can be nested at most two levels deep.`,
        );
      }
      const parts = f[op].map((x: any, i: number) =>
        compileFilter(store, ds, x, `${path}.${op}[${i}]`, depth + 1, me)
      );
      return op === "and"
        ? (p) => parts.every((q: Pred) => q(p))
        : (p) => parts.some((q: Pred) => q(p));
    }
  }
  if (f.timestamp !== undefined) {
    if (f.property !== undefined) {
      throw bodyInvalid(`${path}.property`, "should be not present when `timestamp` is set");
    }
    if (f.timestamp !== "created_time" && f.timestamp !== "last_edited_time") {
      throw bodyInvalid(`${path}.timestamp`, "should be `created_time` or `last_edited_time`");
    }
    const field = f.timestamp as "created_time" | "last_edited_time";
    const cond = dateCondition(f[field], `${path}.${field}`, now);
    return (p) => cond(floorMinute(p[field]));
  }
  if (typeof f.property !== "string") {
    throw bodyInvalid(`${path}.property`, "should be defined, instead was `undefined`");
  }
  const prop = findProp(ds, f.property);
  if (!prop) throw validationError(`Could not find property with name or id: ${f.property}`);
  const condKey = Object.keys(f).find((k) => k !== "property" && k !== "type");
  if (!condKey) throw bodyInvalid(path, "should have a condition");
  const cp = `${path}.${condKey}`;
  return propertyPredicate(store, prop, condKey, f[condKey], cp, now, me);
}

const TEXT_TYPES = new Set(["title", "rich_text", "url", "email", "phone_number"]);
const PEOPLE_TYPES = new Set(["people", "created_by", "last_edited_by"]);

function propertyPredicate(
  store: Store,
  prop: PropSchema,
  condKey: string,
  cond: any,
  cp: string,
  now: number,
  me: string,
): Pred {
  const val = (p: Page) => rawValue(store, p, prop);
  const t = prop.type;
  const mismatch = () =>
    validationError(
      `body failed validation: filter type \`${condKey}\` does not match property "${prop.name}" of type \`${t}\`.`,
    );
  if (TEXT_TYPES.has(t)) {
    if (!TEXT_TYPES.has(condKey)) throw mismatch();
    const c = textCondition(cond, cp);
    return (p) => {
      const v = val(p);
      return c(Array.isArray(v) ? plainText(v) : v ?? "");
    };
  }
  switch (t) {
    case "number": {
      if (condKey !== "number") throw mismatch();
      const c = numberCondition(cond, cp);
      return (p) => c(val(p));
    }
    case "unique_id": {
      if (condKey !== "unique_id" && condKey !== "number") throw mismatch();
      const c = numberCondition(cond, cp);
      return (p) => c(val(p));
    }
    case "checkbox": {
      if (condKey !== "checkbox") throw mismatch();
      const c = checkboxCondition(cond, cp);
      return (p) => c(val(p));
    }
    case "select":
    case "status": {
      if (condKey !== t) throw mismatch();
      const c = optionCondition(prop, cond, cp);
      return (p) => c(val(p));
    }
    case "multi_select": {
      if (condKey !== "multi_select") throw mismatch();
      const byName = new Map(prop.config.options.map((o: any) => [o.name, o.id]));
      const c = listCondition(cond, cp, (n) => (byName.get(n) as string) ?? `\u0000${n}`);
      return (p) => c(val(p));
    }
    case "date":
    case "created_time":
    case "last_edited_time": {
      if (condKey !== "date" && condKey !== t) throw mismatch();
      const c = dateCondition(cond, cp, now);
      if (t === "date") {
        return (p) => {
          const v = val(p);
          return c(v ? dateEpoch(v.start, v.time_zone) : null);
        };
      }
      return (p) => c(floorMinute(val(p)));
    }
    case "people":
    case "created_by":
    case "last_edited_by": {
      if (!PEOPLE_TYPES.has(condKey)) throw mismatch();
      const c = listCondition(cond, cp, (x) => (x === "me" ? me : normalizeId(x) ?? x));
      return (p) => {
        const v = val(p);
        return c(Array.isArray(v) ? v : [v]);
      };
    }
    case "relation": {
      if (condKey !== "relation") throw mismatch();
      const c = listCondition(cond, cp, (x) => normalizeId(x) ?? x);
      return (p) => c(val(p));
    }
    case "files": {
      if (condKey !== "files") throw mismatch();
      const c = listCondition(cond, cp, (x) => x);
      return (p) => c((val(p) as any[]).map((f) => f.name));
    }
    case "formula": {
      if (condKey !== "formula") throw mismatch();
      const [sub] = Object.keys(cond ?? {});
      const inner = cond?.[sub];
      const pick = (p: Page) => {
        const r = val(p);
        return r?.[r.type] ?? null;
      };
      if (sub === "string") {
        const c = textCondition(inner, `${cp}.string`);
        return (p) => c(pick(p) ?? "");
      }
      if (sub === "number") {
        const c = numberCondition(inner, `${cp}.number`);
        return (p) => c(pick(p));
      }
      if (sub === "checkbox") {
        const c = checkboxCondition(inner, `${cp}.checkbox`);
        return (p) => c(!!pick(p));
      }
      if (sub === "date") {
        const c = dateCondition(inner, `${cp}.date`, now);
        return (p) => {
          const d = pick(p);
          return c(d ? dateEpoch(d.start, d.time_zone) : null);
        };
      }
      throw bodyInvalid(cp, "should have a `string`, `number`, `checkbox` or `date` condition");
    }
    case "rollup": {
      if (condKey !== "rollup") throw mismatch();
      const [sub] = Object.keys(cond ?? {});
      const inner = cond?.[sub];
      if (sub === "number") {
        const c = numberCondition(inner, `${cp}.number`);
        return (p) => c(val(p)?.number ?? null);
      }
      if (sub === "date") {
        const c = dateCondition(inner, `${cp}.date`, now);
        return (p) => {
          const d = val(p)?.date;
          return c(d ? dateEpoch(d.start, null) : null);
        };
      }
      if (sub === "any" || sub === "every" || sub === "none") {
        const [itemType] = Object.keys(inner ?? {});
        const matchItem = rollupItemMatcher(
          itemType,
          inner?.[itemType],
          `${cp}.${sub}.${itemType}`,
          now,
        );
        return (p) => {
          const items: any[] = val(p)?.array ?? [];
          if (sub === "any") return items.some(matchItem);
          if (sub === "every") return items.every(matchItem);
          return !items.some(matchItem);
        };
      }
      throw bodyInvalid(cp, "should have an `any`, `every`, `none`, `number` or `date` condition");
    }
    default:
      throw validationError(
        `Filtering on property "${prop.name}" of type \`${t}\` is not supported.`,
      );
  }
}

function rollupItemMatcher(
  type: string,
  cond: any,
  path: string,
  now: number,
): (item: any) => boolean {
  if (TEXT_TYPES.has(type)) {
    const c = textCondition(cond, path);
    return (it) => c(Array.isArray(it[it.type]) ? plainText(it[it.type]) : it[it.type] ?? "");
  }
  if (type === "number") {
    const c = numberCondition(cond, path);
    return (it) => c(it.number ?? null);
  }
  if (type === "checkbox") {
    const c = checkboxCondition(cond, path);
    return (it) => c(!!it.checkbox);
  }
  if (type === "select" || type === "status") {
    return (it) => {
      const name = it[it.type]?.name ?? null;
      if (cond?.equals !== undefined) return name === cond.equals;
      if (cond?.does_not_equal !== undefined) return name !== cond.does_not_equal;
      if (cond?.is_empty) return name === null;
      return name !== null;
    };
  }
  if (type === "date") {
    const c = dateCondition(cond, path, now);
    return (it) => c(it.date ? dateEpoch(it.date.start, it.date.time_zone) : null);
  }
  throw new NotionError(
    400,
    "validation_error",
    `body failed validation: ${path} is not a supported rollup item filter.`,
  );
}
