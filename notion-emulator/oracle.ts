/** The oracle: the rows a correct sync must hold for a data source, computed from emulator state. */

import { minuteIso } from "./clock.ts";
import type { DataSource, Page, PropSchema, Store } from "./model.ts";
import { rawValue } from "./properties.ts";
import { plainText } from "./rich_text.ts";

/** One expected row: page id, timestamps and every property value, keyed by property id. */
export interface OracleRow {
  page_id: string;
  created_time: string;
  last_edited_time: string;
  properties: Record<string, { name: string; type: string; value: unknown }>;
}

/** Normalised value of a property, as the sync should store it (complete lists, plain names). */
export function oracleValue(store: Store, page: Page, p: PropSchema): unknown {
  const v = rawValue(store, page, p);
  const option = (id: string | null) =>
    p.config.options?.find((o: any) => o.id === id)?.name ?? null;
  switch (p.type) {
    case "title":
    case "rich_text":
      return { plain_text: plainText(v), rich_text: v };
    case "select":
    case "status":
      return option(v);
    case "multi_select":
      return (v as string[]).map(option);
    case "files":
      return (v as any[]).map((f) =>
        f.type === "external"
          ? { name: f.name, type: "external", url: f.url }
          : { name: f.name, type: "file", file_key: f.key }
      );
    case "created_time":
    case "last_edited_time":
      return minuteIso(v);
    case "formula":
      return v?.[v.type] ?? null;
    case "rollup":
      return v?.type === "array" ? v.array : v?.[v.type] ?? null;
    case "unique_id":
      return v === null ? null : p.config.prefix ? `${p.config.prefix}-${v}` : v;
    default:
      return v ?? null;
  }
}

/** Expected rows (live pages) and the ids of trashed pages of a data source. */
export function oracle(
  store: Store,
  ds: DataSource,
): { data_source_id: string; rows: OracleRow[]; trashed: string[] } {
  const rows: OracleRow[] = [];
  const trashed: string[] = [];
  for (const page of store.dsPages.get(ds.id)?.values() ?? []) {
    const id = page.id;
    if (page.in_trash) {
      trashed.push(id);
      continue;
    }
    const properties: OracleRow["properties"] = {};
    for (const p of ds.schema) {
      properties[p.id] = { name: p.name, type: p.type, value: oracleValue(store, page, p) };
    }
    rows.push({
      page_id: id,
      created_time: minuteIso(page.created_time),
      last_edited_time: minuteIso(page.last_edited_time),
      properties,
    });
  }
  rows.sort((a, b) => (a.page_id < b.page_id ? -1 : 1));
  return { data_source_id: ds.id, rows, trashed: trashed.sort() };
}
