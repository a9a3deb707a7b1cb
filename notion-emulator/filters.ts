/** Query filters: compiled predicates for every property, timestamp and compound condition. */

import { floorMinute } from "./clock.ts";
import { bodyInvalid, NotionError, validationError } from "./errors.ts";
import { normalizeId } from "./ids.ts";
import type { DataSource, Page, PropSchema, Store } from "./model.ts";
import { emptyValue, findProp, rawValue } from "./properties.ts";
import { plainText } from "./rich_text.ts";
import { tzOffset } from "./dates.ts";

/** A compiled filter. */
export type Pred = (page: Page) => boolean;

const EPOCHS = new Map<string, number>();

/** Epoch ms of a Notion date string (date-only = UTC midnight; time_zone applied when no offset). */
export function dateEpoch(start: string, tz: string | null): number {
  const key = tz ? `${start}|${tz}` : start;
  let epoch = EPOCHS.get(key);
  if (epoch === undefined) {
    epoch = parseDate(start, tz);
    if (EPOCHS.size > 100_000) EPOCHS.clear();
    EPOCHS.set(key, epoch);
  }
  return epoch;
}

function parseDate(start: string, tz: string | null): number {
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
const STORED_TYPES = new Set([
  "title",
  "rich_text",
  "number",
  "select",
  "multi_select",
  "status",
  "date",
  "people",
  "checkbox",
  "url",
  "email",
  "phone_number",
  "files",
]);
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
  // Stored types are read straight from the page (the hot path of a 10,000-row scan).
  const id = prop.id;
  const empty = emptyValue(prop);
  const val = STORED_TYPES.has(prop.type)
    ? (p: Page) => p.props[id] ?? empty
    : (p: Page) => rawValue(store, p, prop);
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
