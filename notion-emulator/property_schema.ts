/** Property definitions: types, ids, option and relation/rollup config, schema rendering. */

import { bodyInvalid, tooLong, validationError } from "./errors.ts";
import { parseFormula } from "./formula.ts";
import { hash32, normalizeId } from "./ids.ts";
import type { DataSource, PropSchema, Store } from "./model.ts";
import type { RawJson } from "./raw_json.ts";

export const READ_ONLY_TYPES = new Set([
  "formula",
  "rollup",
  "created_time",
  "created_by",
  "last_edited_time",
  "last_edited_by",
  "unique_id",
  "button",
]);

/** Every property type the emulator models. */
export const PROPERTY_TYPES = new Set([
  "title",
  "rich_text",
  "number",
  "select",
  "multi_select",
  "status",
  "date",
  "people",
  "files",
  "checkbox",
  "url",
  "email",
  "phone_number",
  "formula",
  "relation",
  "rollup",
  "created_time",
  "created_by",
  "last_edited_time",
  "last_edited_by",
  "unique_id",
  "button",
]);

const OPTION_COLORS = [
  "default",
  "gray",
  "brown",
  "orange",
  "yellow",
  "green",
  "blue",
  "purple",
  "pink",
  "red",
];

/** Options used to render values. */
export interface RenderOpts {
  /** Public base URL of the emulator, for signed file URLs. */
  baseUrl: string;
  /** Truncate relation/people/mentions at 25 (page objects) or not (property items). */
  truncate: boolean;
  /** When set, rich text is emitted as pre-serialised fragments (large list responses). */
  raw?: RawJson;
  /** Visibility for the requesting integration: mentions of pages it cannot see read "Untitled". */
  canSee?: (id: string) => boolean;
}

/** Finds a property by id or name (ids win, as Notion does; URL-encoded ids are accepted). */
export function findProp(ds: DataSource, key: string): PropSchema | undefined {
  let decoded = key;
  try {
    decoded = decodeURIComponent(key);
  } catch { /* keep raw */ }
  return ds.schema.find((p) => p.id === key || p.id === decoded) ??
    ds.schema.find((p) => p.name === key);
}

/** URL-encodes a property id the way Notion shows it (`M;Bw` → `M%3BBw`). */
export function encodePropId(id: string): string {
  if (id === "title") return id;
  let enc = ENCODED.get(id);
  if (enc === undefined) {
    enc = encodeURIComponent(id);
    ENCODED.set(id, enc);
  }
  return enc;
}

const ENCODED = new Map<string, string>();

/** A new select/status option (commas refused, colour chosen from the name when absent). */
export function newOption(store: Store, name: string, color?: string, id?: string) {
  if (name.includes(",")) {
    throw validationError(`Invalid select option, commas not allowed: ${name}`);
  }
  if (name.length > 100) throw tooLong("name.length", 100, name.length);
  return {
    id: id ?? store.rng.propertyId(),
    name,
    color: color && OPTION_COLORS.includes(color) ? color : OPTION_COLORS[hash32(name) % 10],
    description: null,
  };
}

function defaultStatusConfig(store: Store) {
  const notStarted = newOption(store, "Not started", "default");
  const inProgress = newOption(store, "In progress", "blue");
  const done = newOption(store, "Done", "green");
  return {
    options: [notStarted, inProgress, done],
    groups: [
      { id: store.rng.propertyId(), name: "To-do", color: "gray", option_ids: [notStarted.id] },
      {
        id: store.rng.propertyId(),
        name: "In progress",
        color: "blue",
        option_ids: [inProgress.id],
      },
      { id: store.rng.propertyId(), name: "Complete", color: "green", option_ids: [done.id] },
    ],
  };
}

/** Normalises the config of a property definition request into the stored config. */
export function normalizeConfig(
  store: Store,
  ds: DataSource,
  type: string,
  raw: any,
  path: string,
  existing?: PropSchema,
): Record<string, any> {
  const cfg = raw ?? {};
  switch (type) {
    case "number":
      return { format: typeof cfg.format === "string" ? cfg.format : "number" };
    case "select":
    case "multi_select": {
      const prev: any[] = existing?.type === type ? existing.config.options : [];
      if (!Array.isArray(cfg.options)) return { options: prev };
      return {
        options: cfg.options.map((o: any) => {
          const old = prev.find((p) => p.id === o.id || p.name === o.name);
          return newOption(
            store,
            String(o.name ?? old?.name ?? ""),
            o.color ?? old?.color,
            old?.id,
          );
        }),
      };
    }
    case "status": {
      if (existing?.type === "status") return existing.config;
      if (Array.isArray(cfg.options) && cfg.options.length > 0) {
        const options = cfg.options.map((o: any) => newOption(store, String(o.name), o.color));
        const groups = Array.isArray(cfg.groups) && cfg.groups.length
          ? cfg.groups.map((g: any) => ({
            id: store.rng.propertyId(),
            name: String(g.name),
            color: g.color ?? "gray",
            option_ids: (g.option_names ?? g.options ?? []).map((n: string) =>
              options.find((o: any) => o.name === n || o.id === n)?.id
            ).filter(Boolean),
          }))
          : [{
            id: store.rng.propertyId(),
            name: "To-do",
            color: "gray",
            option_ids: options.map((o: any) => o.id),
          }];
        return { options, groups };
      }
      return defaultStatusConfig(store);
    }
    case "formula":
      if (typeof cfg.expression !== "string") {
        throw bodyInvalid(
          `${path}.formula.expression`,
          "should be defined, instead was `undefined`",
        );
      }
      try {
        parseFormula(cfg.expression);
      } catch (e) {
        throw validationError(`Formula is invalid: ${(e as Error).message}`);
      }
      return { expression: cfg.expression };
    case "relation": {
      if (cfg.database_id && !cfg.data_source_id) {
        throw bodyInvalid(
          `${path}.relation.data_source_id`,
          "should be defined, instead was `undefined`",
        );
      }
      const target = normalizeId(String(cfg.data_source_id ?? ""));
      const tds = target ? store.state.dataSources[target] : undefined;
      if (!tds) {
        throw validationError(`Could not find data source with ID: ${cfg.data_source_id}.`);
      }
      const kind = cfg.type ?? (cfg.dual_property ? "dual_property" : "single_property");
      if (kind === "dual_property") {
        const prevSynced = existing?.type === "relation"
          ? existing.config.synced_property_id
          : null;
        return { data_source_id: tds.id, type: "dual_property", synced_property_id: prevSynced };
      }
      return { data_source_id: tds.id, type: "single_property" };
    }
    case "rollup": {
      const rel = ds.schema.find((p) =>
        p.type === "relation" &&
        (p.id === cfg.relation_property_id || p.name === cfg.relation_property_name)
      );
      if (!rel) {
        throw validationError(
          `Relation property ${
            cfg.relation_property_name ?? cfg.relation_property_id
          } does not exist.`,
        );
      }
      const tds = store.state.dataSources[rel.config.data_source_id];
      const target = tds?.schema.find((p) =>
        p.id === cfg.rollup_property_id || p.name === cfg.rollup_property_name
      );
      if (!target) {
        throw validationError(
          `Rollup property ${cfg.rollup_property_name ?? cfg.rollup_property_id} does not exist.`,
        );
      }
      return {
        function: typeof cfg.function === "string" ? cfg.function : "show_original",
        relation_property_id: rel.id,
        rollup_property_id: target.id,
      };
    }
    case "unique_id":
      return { prefix: typeof cfg.prefix === "string" ? cfg.prefix : null };
    default:
      if (!PROPERTY_TYPES.has(type)) {
        throw bodyInvalid(`${path}.type`, `should be a valid property type`);
      }
      return {};
  }
}

/** Renders one schema entry as Notion returns it in a data source. */
export function renderSchemaProp(
  store: Store,
  ds: DataSource,
  p: PropSchema,
): Record<string, unknown> {
  let cfg: Record<string, unknown> = p.config;
  if (p.type === "relation") {
    const tds = store.state.dataSources[p.config.data_source_id];
    cfg = {
      database_id: tds?.databaseId ?? null,
      data_source_id: p.config.data_source_id,
      type: p.config.type,
      [p.config.type]: p.config.type === "dual_property"
        ? {
          synced_property_id: p.config.synced_property_id
            ? encodePropId(p.config.synced_property_id)
            : null,
          synced_property_name: tds?.schema.find((x) =>
            x.id === p.config.synced_property_id
          )?.name ??
            null,
        }
        : {},
    };
  } else if (p.type === "rollup") {
    const rel = ds.schema.find((x) => x.id === p.config.relation_property_id);
    const tds = rel ? store.state.dataSources[rel.config.data_source_id] : undefined;
    const target = tds?.schema.find((x) => x.id === p.config.rollup_property_id);
    cfg = {
      function: p.config.function,
      relation_property_name: rel?.name ?? null,
      relation_property_id: encodePropId(p.config.relation_property_id),
      rollup_property_name: target?.name ?? null,
      rollup_property_id: encodePropId(p.config.rollup_property_id),
    };
  }
  return {
    id: encodePropId(p.id),
    name: p.name,
    description: p.description,
    type: p.type,
    [p.type]: cfg,
  };
}
