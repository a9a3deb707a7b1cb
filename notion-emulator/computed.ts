/** Computed values: formulas over a page's properties and rollups over related pages. */

import { minuteIso } from "./clock.ts";
import { evalFormula, formulaResult, type FValue, parseFormula } from "./formula.ts";
import type { DataSource, Page, PropSchema, Store } from "./model.ts";
import { plainText } from "./rich_text.ts";
import { optionValue, rawValue, relationIds, type RenderOpts, renderValue } from "./properties.ts";

/** The data source a page belongs to, if any. */
export function dsOf(store: Store, page: Page): DataSource | undefined {
  return page.parent.type === "data_source_id"
    ? store.state.dataSources[page.parent.id]
    : undefined;
}

/** Converts a property's raw value into a formula runtime value. */
function formulaInput(store: Store, page: Page, p: PropSchema, depth: number): FValue {
  const v = rawValue(store, page, p, depth + 1);
  switch (p.type) {
    case "title":
    case "rich_text":
      return plainText(v);
    case "select":
    case "status":
      return optionValue(p, v)?.name ?? "";
    case "multi_select":
      return (v as string[]).map((id) => optionValue(p, id)?.name ?? "");
    case "people":
      return (v as string[]).map((id) => store.state.users[id]?.name ?? "");
    case "relation":
      // Notion evaluates formulas over at most 25 related pages.
      return (v as string[]).slice(0, 25).map((id) => store.pageTitle(id) ?? "");
    case "created_time":
    case "last_edited_time":
      return { start: minuteIso(v), end: null, time_zone: null };
    case "created_by":
    case "last_edited_by":
      return store.state.users[v]?.name ?? "";
    case "formula": {
      const r = v as any;
      return r?.[r.type] ?? null;
    }
    case "rollup": {
      const r = v as any;
      return r?.type === "array" ? r.array.length : r?.[r.type] ?? null;
    }
    case "unique_id":
      return v;
    default:
      return v ?? null;
  }
}

/** Evaluates a formula property for a page. */
export function computeFormula(store: Store, page: Page, p: PropSchema, depth: number) {
  const ds = dsOf(store, page);
  if (!ds) return { type: "string", string: null };
  try {
    const ast = parseFormula(p.config.expression);
    const value = evalFormula(ast, (name) => {
      const q = ds.schema.find((x) => x.name === name || x.id === name);
      return q ? formulaInput(store, page, q, depth) : null;
    }, () => store.now());
    return formulaResult(value);
  } catch {
    return { type: "string", string: null };
  }
}

/** Computes a rollup property for a page over its related pages. */
export function computeRollup(store: Store, page: Page, p: PropSchema, depth: number) {
  const ds = dsOf(store, page);
  const rel = ds?.schema.find((x) => x.id === p.config.relation_property_id);
  const fn: string = p.config.function;
  const tds = rel ? store.state.dataSources[rel.config.data_source_id] : undefined;
  const target = tds?.schema.find((x) => x.id === p.config.rollup_property_id);
  if (!rel || !tds || !target) return { type: "unsupported", unsupported: {}, function: fn };
  const related = relationIds(page, rel).map((id) => store.state.pages[id]).filter((x) =>
    x && !x.in_trash
  );
  const values = related.map((rp) => rawValue(store, rp, target, depth + 1));
  const isEmpty = (v: any) =>
    v === null || v === undefined || v === false || (Array.isArray(v) && v.length === 0);
  const nums = values.map((
    v,
  ) => (typeof v === "number" ? v : v?.type === "number" ? v.number : null))
    .filter((v): v is number => typeof v === "number");
  const dates = values.map((v) =>
    typeof v === "number" && (target.type === "created_time" || target.type === "last_edited_time")
      ? floorIso(v)
      : v?.start ?? null
  ).filter((v): v is string => typeof v === "string").sort();
  const number = (n: number | null) => ({ type: "number", number: n, function: fn });
  const date = (start: string | null, end: string | null = null) => ({
    type: "date",
    date: start ? { start, end, time_zone: null } : null,
    function: fn,
  });
  switch (fn) {
    case "count":
    case "count_all":
      return number(values.length);
    case "count_values":
      return number(
        values.reduce((s, v) => s + (Array.isArray(v) ? v.length : isEmpty(v) ? 0 : 1), 0),
      );
    case "empty":
    case "count_empty":
      return number(values.filter(isEmpty).length);
    case "not_empty":
    case "count_not_empty":
      return number(values.filter((v) => !isEmpty(v)).length);
    case "unique":
    case "count_unique_values":
      return number(new Set(values.map((v) => JSON.stringify(v))).size);
    case "percent_empty":
      return number(values.length ? values.filter(isEmpty).length / values.length : 0);
    case "percent_not_empty":
      return number(values.length ? values.filter((v) => !isEmpty(v)).length / values.length : 0);
    case "checked":
      return number(values.filter((v) => v === true).length);
    case "unchecked":
      return number(values.filter((v) => v === false).length);
    case "percent_checked":
      return number(values.length ? values.filter((v) => v === true).length / values.length : 0);
    case "percent_unchecked":
      return number(values.length ? values.filter((v) => v === false).length / values.length : 0);
    case "sum":
      return number(nums.reduce((s, n) => s + n, 0));
    case "average":
      return number(nums.length ? nums.reduce((s, n) => s + n, 0) / nums.length : null);
    case "median": {
      const s = [...nums].sort((a, b) => a - b);
      return number(
        s.length
          ? (s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2)
          : null,
      );
    }
    case "min":
      return number(nums.length ? Math.min(...nums) : null);
    case "max":
      return number(nums.length ? Math.max(...nums) : null);
    case "range":
      return number(nums.length ? Math.max(...nums) - Math.min(...nums) : null);
    case "earliest_date":
      return date(dates[0] ?? null);
    case "latest_date":
      return date(dates[dates.length - 1] ?? null);
    case "date_range":
      return date(dates[0] ?? null, dates[dates.length - 1] ?? null);
    default: {
      // show_original, show_unique and anything else: the related values as an array.
      const opts: RenderOpts = { baseUrl: "", truncate: true };
      return {
        type: "array",
        array: related.map((rp) => {
          const { id: _id, ...rest } = renderValue(store, rp, target, opts);
          return rest;
        }),
        function: fn,
      };
    }
  }
}

function floorIso(ms: number): string {
  return minuteIso(ms);
}
