/** Data-source queries: filters, sorts, opaque cursors, short pages, shuffled default order, result cap. */

import { floorMinute } from "./clock.ts";
import { bodyInvalid, validationError } from "./errors.ts";
import { hash32, Rng } from "./ids.ts";
import type { DataSource, Page, PropSchema, Store } from "./model.ts";
import { findProp, rawValue } from "./properties.ts";
import { plainText } from "./rich_text.ts";
import { compileFilter, dateEpoch, type Pred } from "./filters.ts";

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

/** Stateful query engine (result cache, randomness for short pages and shuffles). */
export class QueryEngine {
  limits: QueryLimits = { ...DEFAULT_QUERY_LIMITS };
  #cache = new Map<string, { version: number; ids: string[] | Shuffled }>();
  #rng = new Rng(4242);

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
    // The cursor names the query; the cache also expires with time (relative dates, now(), lag).
    const identity = JSON.stringify([ds.id, body.filter ?? null, sorts, seed, archived]);
    const k = hash32(identity);
    const bucket = Math.floor(store.now() / (this.limits.queryLagMs > 0 ? 1000 : 60_000));
    const key = `${identity}|${bucket}`;
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
      this.#cache.delete(key);
      this.#cache.set(key, entry);
      // Keep the few most recent queries (each holds up to the whole data source's order).
      if (this.#cache.size > 16) this.#cache.delete(this.#cache.keys().next().value!);
    }
    let start = 0;
    const cap = this.limits.resultCap;
    let size = pageSize;
    if (this.limits.shortPageRate > 0 && this.#rng.next() < this.limits.shortPageRate && size > 1) {
      size = 1 + this.#rng.int(size - 1);
    }
    if (!cursor && entry.ids instanceof Shuffled && !entry.ids.sorted) {
      // A first page of an unsorted query only needs its first rows, not the whole order.
      const total = entry.ids.length;
      const head = entry.ids.head(Math.min(size, total, cap));
      const hasMoreHead = head.length < Math.min(total, cap);
      return {
        pages: head.map((id) => store.state.pages[id]),
        has_more: hasMoreHead,
        next_cursor: hasMoreHead
          ? encodeCursor({
            k,
            p: head.length,
            l: head.length ? head[head.length - 1] : null,
            s: seed,
          })
          : null,
        incomplete: total > cap,
      };
    }
    const ids = entry.ids instanceof Shuffled ? entry.ids.all() : entry.ids;
    if (cursor) {
      const idx = cursor.l ? ids.indexOf(cursor.l, Math.max(0, cursor.p - 1 - 5)) : -1;
      start = idx >= 0 ? idx + 1 : Math.min(cursor.p, ids.length);
    }
    const limit = Math.min(ids.length, cap);
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
  ): string[] | Shuffled {
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
      return new Shuffled(pages, (p) => (Math.imul(idHash(p) ^ seed, 0x9e3779b1) >>> 0));
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

/** A shuffled order computed lazily: the first rows by selection, the whole order only when paged on. */
class Shuffled {
  #packed: Float64Array;
  #ids: string[] | null = null;

  constructor(private pages: Page[], key: (p: Page) => number) {
    this.#packed = new Float64Array(pages.length);
    for (let i = 0; i < pages.length; i++) this.#packed[i] = key(pages[i]) * PACK + i;
  }

  /** Number of rows. */
  get length(): number {
    return this.pages.length;
  }

  /** True once the whole order has been computed. */
  get sorted(): boolean {
    return this.#ids !== null;
  }

  /** The first n ids of the order (the n smallest keys), without sorting everything. */
  head(n: number): string[] {
    if (this.#ids) return this.#ids.slice(0, n);
    const best: number[] = [];
    for (const v of this.#packed) {
      if (best.length === n && v >= best[n - 1]) continue;
      let lo = 0;
      let hi = best.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (best[mid] < v) lo = mid + 1;
        else hi = mid;
      }
      best.splice(lo, 0, v);
      if (best.length > n) best.pop();
    }
    return best.map((v) => this.pages[v % PACK].id);
  }

  /** The whole order. */
  all(): string[] {
    if (!this.#ids) {
      const sorted = this.#packed.slice().sort();
      this.#ids = Array.from(sorted, (v) => this.pages[v % PACK].id);
    }
    return this.#ids;
  }
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
