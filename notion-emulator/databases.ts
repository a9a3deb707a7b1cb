/** Databases and data sources: creation, container updates, schema changes with stable property ids. */

import { bodyInvalid, notFound, validationError } from "./errors.ts";
import { normalizeId } from "./ids.ts";
import type { Database, DataSource, PropSchema, Store } from "./model.ts";
import { encodePropId, findProp, normalizeConfig, PROPERTY_TYPES } from "./properties.ts";
import { normalizeRichText, plainText, textToRichText } from "./rich_text.ts";
import { type Actor, integrationInfo } from "./pages.ts";

/** Resolves a visible database id or throws Notion's 404. */
export function visibleDatabase(store: Store, actor: Actor, rawId: string): Database {
  const id = normalizeId(rawId);
  const db = id ? store.state.databases[id] : undefined;
  if (!db || (actor.integration && !store.canSee(actor.integration, db.id))) {
    if (!id) {
      throw bodyInvalid("path.database_id", `should be a valid uuid, instead was \`"${rawId}"\``);
    }
    throw notFound("database", id, integrationInfo(actor));
  }
  return db;
}

/** Resolves a visible data source id or throws Notion's 404. */
export function visibleDataSource(store: Store, actor: Actor, rawId: string): DataSource {
  const id = normalizeId(rawId);
  const ds = id ? store.state.dataSources[id] : undefined;
  if (!ds || (actor.integration && !store.canSee(actor.integration, ds.id))) {
    if (!id) {
      throw bodyInvalid(
        "path.data_source_id",
        `should be a valid uuid, instead was \`"${rawId}"\``,
      );
    }
    throw notFound("data_source", id, integrationInfo(actor));
  }
  return ds;
}

function propType(def: any, path: string): string {
  if (!def || typeof def !== "object") throw bodyInvalid(path, "should be an object");
  const type = def.type ?? Object.keys(def).find((k) => PROPERTY_TYPES.has(k));
  if (!type || !PROPERTY_TYPES.has(type)) {
    throw bodyInvalid(`${path}.type`, "should be a valid property type");
  }
  return type;
}

/** Adds a property definition to a data source; returns it. Dual relations create their twin. */
function addProperty(
  store: Store,
  ds: DataSource,
  name: string,
  def: any,
  path: string,
  fixedId?: string,
): PropSchema {
  const type = propType(def, path);
  if (type === "title" && ds.schema.some((p) => p.type === "title")) {
    throw validationError("Cannot create more than one title property.");
  }
  const p: PropSchema = {
    id: type === "title" ? "title" : fixedId ?? uniquePropId(store, ds),
    name,
    description: typeof def.description === "string" ? def.description : null,
    type,
    config: {},
  };
  p.config = normalizeConfig(store, ds, type, def[type], path);
  ds.schema.push(p);
  if (type === "unique_id") ds.uniqueNext[p.id] = 1;
  if (type === "relation" && p.config.type === "dual_property") {
    linkDual(store, ds, p, def[type]?.dual_property);
  }
  return p;
}

function uniquePropId(store: Store, ds: DataSource): string {
  for (;;) {
    const id = store.rng.propertyId();
    if (!ds.schema.some((p) => p.id === id)) return id;
  }
}

function linkDual(store: Store, ds: DataSource, p: PropSchema, raw: any) {
  const tds = store.state.dataSources[p.config.data_source_id];
  if (!tds || p.config.synced_property_id) return;
  const name = typeof raw?.synced_property_name === "string"
    ? raw.synced_property_name
    : `Related to ${plainText(ds.title) || "Untitled"} (${p.name})`;
  const twin: PropSchema = {
    id: uniquePropId(store, tds),
    name,
    description: null,
    type: "relation",
    config: { data_source_id: ds.id, type: "dual_property", synced_property_id: p.id },
  };
  tds.schema.push(twin);
  p.config.synced_property_id = twin.id;
}

/** Builds a data source from a `properties` request (exactly one title property). */
export function newDataSource(
  store: Store,
  actor: Actor,
  databaseId: string,
  body: any,
  path: string,
  fixedIds: { id?: string; propIds?: Record<string, string> } = {},
): DataSource {
  const now = store.now();
  const ds: DataSource = {
    id: fixedIds.id ?? store.newId(),
    databaseId,
    title: normalizeRichText(body?.title ?? [], `${path}.title`, store),
    description: normalizeRichText(body?.description ?? [], `${path}.description`, store),
    icon: body?.icon ?? null,
    cover: body?.cover ?? null,
    schema: [],
    uniqueNext: {},
    in_trash: false,
    created_time: now,
    last_edited_time: now,
    created_by: actor.userId,
    last_edited_by: actor.userId,
  };
  store.state.dataSources[ds.id] = ds;
  store.dsPages.set(ds.id, new Map());
  const props = body?.properties ?? { Name: { title: {} } };
  if (typeof props !== "object" || Array.isArray(props)) {
    throw bodyInvalid(`${path}.properties`, "should be an object");
  }
  const entries = Object.entries(props as Record<string, any>);
  if (entries.filter(([, d]) => propType(d, path) === "title").length !== 1) {
    delete store.state.dataSources[ds.id];
    throw validationError("Data sources must have exactly one title property.");
  }
  // Title first, then relations/rollups after the properties they reference.
  const order = [...entries].sort(([, a], [, b]) =>
    rank(propType(a, path)) - rank(propType(b, path))
  );
  try {
    for (const [name, def] of order) {
      addProperty(store, ds, name, def, `${path}.properties.${name}`, fixedIds.propIds?.[name]);
    }
  } catch (e) {
    delete store.state.dataSources[ds.id];
    throw e;
  }
  // Present properties in request order.
  ds.schema.sort((a, b) =>
    entries.findIndex(([n]) => n === a.name) - entries.findIndex(([n]) => n === b.name)
  );
  return ds;
}

function rank(type: string): number {
  return type === "title" ? 0 : type === "rollup" ? 3 : type === "formula" ? 2 : 1;
}

function parentForDatabase(store: Store, actor: Actor, raw: any) {
  if (raw?.workspace === true) return { type: "workspace" as const };
  const id = normalizeId(String(raw?.page_id ?? ""));
  if (!id) throw bodyInvalid("body.parent.page_id", "should be defined, instead was `undefined`");
  if (!store.state.pages[id] || (actor.integration && !store.canSee(actor.integration, id))) {
    throw notFound("page", id, integrationInfo(actor));
  }
  return { type: "page_id" as const, id };
}

/** Creates a database with its initial data source (POST /v1/databases). */
export function createDatabase(store: Store, actor: Actor, body: any): Database {
  const parent = parentForDatabase(store, actor, body?.parent);
  const now = store.now();
  const title = normalizeRichText(body?.title ?? [], "body.title", store);
  const db: Database = {
    id: store.newId(),
    parent,
    title,
    description: normalizeRichText(body?.description ?? [], "body.description", store),
    icon: body?.icon ?? null,
    cover: body?.cover ?? null,
    is_inline: !!body?.is_inline,
    is_locked: false,
    in_trash: false,
    dataSourceIds: [],
    created_time: now,
    last_edited_time: now,
    created_by: actor.userId,
    last_edited_by: actor.userId,
  };
  store.state.databases[db.id] = db;
  const initial = body?.initial_data_source ??
    (body?.properties ? { properties: body.properties } : {});
  try {
    const ds = newDataSource(
      store,
      actor,
      db.id,
      { title, ...initial },
      "body.initial_data_source",
    );
    db.dataSourceIds.push(ds.id);
    store.emit("database.created", db.id, "database", actor.userId);
    store.emit("data_source.created", ds.id, "data_source", actor.userId);
  } catch (e) {
    delete store.state.databases[db.id];
    throw e;
  }
  if (parent.type === "page_id") store.state.pages[parent.id].children.push(db.id);
  store.changed();
  return db;
}

/** Updates container attributes of a database (PATCH /v1/databases/{id}). */
export function updateDatabase(store: Store, actor: Actor, db: Database, body: any): Database {
  if (body?.title !== undefined) db.title = normalizeRichText(body.title, "body.title", store);
  if (body?.description !== undefined) {
    db.description = normalizeRichText(body.description, "body.description", store);
  }
  if (body?.icon !== undefined) db.icon = body.icon;
  if (body?.cover !== undefined) db.cover = body.cover;
  if (typeof body?.is_inline === "boolean") db.is_inline = body.is_inline;
  if (typeof body?.is_locked === "boolean") db.is_locked = body.is_locked;
  const trash = body?.in_trash ?? body?.archived;
  if (typeof trash === "boolean" && trash !== db.in_trash) {
    store.emit(trash ? "database.deleted" : "database.undeleted", db.id, "database", actor.userId);
  }
  if (typeof trash === "boolean") db.in_trash = trash;
  if (body?.parent !== undefined) db.parent = parentForDatabase(store, actor, body.parent);
  store.touch(db, actor.userId);
  return db;
}

/** Creates an extra data source in a database (POST /v1/data_sources). */
export function createDataSource(store: Store, actor: Actor, body: any): DataSource {
  const dbId = normalizeId(String(body?.parent?.database_id ?? ""));
  if (!dbId) {
    throw bodyInvalid("body.parent.database_id", "should be defined, instead was `undefined`");
  }
  const db = visibleDatabase(store, actor, dbId);
  if (body?.properties === undefined) {
    throw bodyInvalid("body.properties", "should be defined, instead was `undefined`");
  }
  const ds = newDataSource(store, actor, db.id, body, "body");
  db.dataSourceIds.push(ds.id);
  store.changed();
  store.emit("data_source.created", ds.id, "data_source", actor.userId);
  return ds;
}

/** Applies a schema/attribute update to a data source (PATCH /v1/data_sources/{id}). */
export function updateDataSource(
  store: Store,
  actor: Actor,
  ds: DataSource,
  body: any,
): DataSource {
  if (body?.title !== undefined) ds.title = normalizeRichText(body.title, "body.title", store);
  if (body?.description !== undefined) {
    ds.description = normalizeRichText(body.description, "body.description", store);
  }
  if (body?.icon !== undefined) ds.icon = body.icon;
  if (body?.cover !== undefined) ds.cover = body.cover;
  if (body?.parent !== undefined) {
    const target = visibleDatabase(store, actor, String(body.parent?.database_id ?? ""));
    const from = store.state.databases[ds.databaseId];
    if (from) from.dataSourceIds = from.dataSourceIds.filter((id) => id !== ds.id);
    if (!target.dataSourceIds.includes(ds.id)) target.dataSourceIds.push(ds.id);
    ds.databaseId = target.id;
    store.changed();
  }
  const trash = body?.in_trash ?? body?.archived;
  const flipped = typeof trash === "boolean" && trash !== ds.in_trash;
  if (typeof trash === "boolean") ds.in_trash = trash;
  const updated = body?.properties !== undefined ? changeSchema(store, ds, body.properties) : [];
  store.touch(ds, actor.userId);
  if (updated.length) {
    store.emit("data_source.schema_updated", ds.id, "data_source", actor.userId, updated);
  }
  if (flipped) {
    store.emit(
      ds.in_trash ? "data_source.deleted" : "data_source.undeleted",
      ds.id,
      "data_source",
      actor.userId,
    );
  }
  return ds;
}

/** Adds, renames, retypes or removes (`null`) properties; ids never change on rename. */
export function changeSchema(
  store: Store,
  ds: DataSource,
  props: any,
): Array<{ id: string; name: string | null; action: "created" | "updated" | "deleted" }> {
  const updated: Array<
    { id: string; name: string | null; action: "created" | "updated" | "deleted" }
  > = [];
  if (!props || typeof props !== "object") {
    throw bodyInvalid("body.properties", "should be an object");
  }
  for (const [key, def] of Object.entries(props as Record<string, any>)) {
    const path = `body.properties.${key}`;
    const existing = findProp(ds, key);
    if (def === null) {
      if (!existing) throw validationError(`${key} is not a property that exists.`);
      if (existing.type === "title") throw validationError("Cannot delete the title property.");
      ds.schema = ds.schema.filter((p) => p !== existing);
      updated.push({ id: encodePropId(existing.id), name: null, action: "deleted" });
      continue;
    }
    if (!existing) {
      const added = addProperty(
        store,
        ds,
        typeof def.name === "string" ? def.name : key,
        def,
        path,
      );
      updated.push({ id: encodePropId(added.id), name: added.name, action: "created" });
      continue;
    }
    updated.push({
      id: encodePropId(existing.id),
      name: typeof def.name === "string" ? def.name : existing.name,
      action: "updated",
    });
    if (typeof def.name === "string" && def.name !== existing.name) {
      if (ds.schema.some((p) => p !== existing && p.name === def.name)) {
        throw validationError(`A property named ${def.name} already exists.`);
      }
      existing.name = def.name;
    }
    if (typeof def.description === "string") existing.description = def.description;
    const type = def.type ?? Object.keys(def).find((k) => PROPERTY_TYPES.has(k));
    if (type && PROPERTY_TYPES.has(type)) {
      if (existing.type === "title" && type !== "title") {
        throw validationError("Cannot change the type of the title property.");
      }
      const retyped = type !== existing.type;
      existing.config = normalizeConfig(store, ds, type, def[type], path, existing);
      if (retyped) convertValues(store, ds, existing, type);
      existing.type = type;
      if (type === "relation" && existing.config.type === "dual_property") {
        linkDual(store, ds, existing, def[type]?.dual_property);
      }
    }
  }
  store.changed();
  return updated;
}

function convertValues(store: Store, ds: DataSource, p: PropSchema, to: string) {
  // A retype keeps what can be kept as text; everything else is cleared, as Notion does.
  for (const page of store.dsPages.get(ds.id)?.values() ?? []) {
    const v = page.props[p.id];
    if (to === "rich_text" && (typeof v === "number" || typeof v === "string")) {
      page.props[p.id] = textToRichText(String(v));
    } else if (to === "rich_text" && Array.isArray(v) && p.type === "title") {
      page.props[p.id] = v;
    } else delete page.props[p.id];
  }
}
