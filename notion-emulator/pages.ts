/** Page writes: create, update (partial merge), trash/restore, move; dual relations kept in sync. */

import { bodyInvalid, notFound, NotionError, validationError } from "./errors.ts";
import { normalizeId } from "./ids.ts";
import type { DataSource, Integration, Page, Parent, PropSchema, Store } from "./model.ts";
import { emptyValue, encodePropId, findProp, writeValue } from "./properties.ts";
import { normalizeRichText } from "./rich_text.ts";
import { createBlocks } from "./blocks.ts";
import { cachedJson } from "./raw_json.ts";

/** Who performs a write: the integration's bot, or a person through the control API. */
export interface Actor {
  userId: string;
  integration?: Integration;
}

/** Message Notion answers when a trashed page is updated. */
export const ARCHIVED_PAGE_MESSAGE =
  "Can't update a page that is archived. You must unarchive the page before updating.";

/** Resolves a page id visible to the actor, or throws Notion's 404. */
export function visiblePage(store: Store, actor: Actor, rawId: string): Page {
  const id = normalizeId(rawId);
  const page = id ? store.state.pages[id] : undefined;
  if (!page || (actor.integration && !store.canSee(actor.integration, page.id))) {
    if (!id) {
      throw bodyInvalid("path.page_id", `should be a valid uuid, instead was \`"${rawId}"\``);
    }
    throw notFound("page", id, integrationInfo(actor));
  }
  return page;
}

/** Name and bot id of the actor's integration (for 404 messages). */
export function integrationInfo(actor: Actor): { name: string; botId: string } {
  return actor.integration
    ? { name: actor.integration.name, botId: actor.integration.botId }
    : { name: "emulator", botId: actor.userId };
}

function resolveParent(store: Store, actor: Actor, raw: any, version: string): Parent {
  if (!raw || typeof raw !== "object") {
    throw bodyInvalid("body.parent", "should be defined, instead was `undefined`");
  }
  const info = integrationInfo(actor);
  const check = (kind: string, id: string | null, exists: boolean, label = kind) => {
    if (!id) throw bodyInvalid(`body.parent.${kind}`, "should be a valid uuid");
    if (!exists || (actor.integration && !store.canSee(actor.integration, id))) {
      throw notFound(label, id, info);
    }
    return id;
  };
  if (raw.data_source_id !== undefined) {
    if (version === "2022-06-28") {
      throw bodyInvalid("body.parent.data_source_id", "should be not present");
    }
    const id = normalizeId(String(raw.data_source_id));
    check("data_source_id", id, !!id && !!store.state.dataSources[id], "data_source");
    return { type: "data_source_id", id: id! };
  }
  if (raw.database_id !== undefined) {
    const id = normalizeId(String(raw.database_id));
    check("database_id", id, !!id && !!store.state.databases[id], "database");
    const db = store.state.databases[id!];
    const sources = db.dataSourceIds.filter((d) => !store.state.dataSources[d]?.in_trash);
    if (sources.length !== 1) {
      throw validationError(
        `Database with ID: ${id} has multiple data sources. Use a data_source_id parent instead.`,
      );
    }
    return { type: "data_source_id", id: sources[0] };
  }
  if (raw.page_id !== undefined) {
    const id = normalizeId(String(raw.page_id));
    check("page_id", id, !!id && !!store.state.pages[id], "page");
    return { type: "page_id", id: id! };
  }
  if (raw.workspace === true) return { type: "workspace" };
  throw bodyInvalid("body.parent", "should have a `data_source_id`, `database_id` or `page_id`");
}

function schemaOf(store: Store, page: Page): DataSource | null {
  return page.parent.type === "data_source_id"
    ? store.state.dataSources[page.parent.id] ?? null
    : null;
}

/** Applies a `properties` request object to a page, validating every key against the schema. */
export function applyProperties(store: Store, page: Page, props: unknown, actor: Actor): string[] {
  if (props === undefined) return [];
  if (!props || typeof props !== "object" || Array.isArray(props)) {
    throw bodyInvalid("body.properties", "should be an object");
  }
  const ds = schemaOf(store, page);
  const changed: string[] = [];
  const entries = Object.entries(props as Record<string, unknown>);
  if (!ds) {
    for (const [key, value] of entries) {
      if (key !== "title") {
        throw validationError(`${key} is not a property that exists.`);
      }
      const v = value && typeof value === "object" && !Array.isArray(value) && "title" in value
        ? (value as any).title
        : value;
      page.props.title = normalizeRichText(v ?? [], "body.properties.title.title", store);
      changed.push("title");
    }
    return changed;
  }
  // Validate everything before mutating anything.
  const writes: Array<[PropSchema, unknown]> = [];
  for (const [key, value] of entries) {
    const p = findProp(ds, key);
    if (!p) throw validationError(`${key} is not a property that exists.`);
    const stored = writeValue(store, ds, p, value, `body.properties.${key}`, page.id);
    // Rich text is serialised once, when written, and spliced into every later response.
    if (p.type === "title" || p.type === "rich_text") cachedJson(stored as object);
    writes.push([p, stored]);
  }
  for (const [p, value] of writes) {
    const before = page.props[p.id];
    page.props[p.id] = value;
    if (p.type === "relation" && p.config.type === "dual_property" && p.config.synced_property_id) {
      syncDual(store, page, p, (before as string[] | undefined) ?? [], value as string[], actor);
    }
    changed.push(p.id);
  }
  return changed;
}

function syncDual(
  store: Store,
  page: Page,
  p: PropSchema,
  before: string[],
  after: string[],
  actor: Actor,
) {
  const synced = p.config.synced_property_id as string;
  const added = after.filter((id) => !before.includes(id));
  const removed = before.filter((id) => !after.includes(id));
  for (const id of added) {
    const other = store.state.pages[id];
    if (!other) continue;
    const list: string[] = other.props[synced] ?? [];
    if (!list.includes(page.id)) other.props[synced] = [...list, page.id];
    store.touch(other, actor.userId);
    store.emit("page.properties_updated", other.id, "page", actor.userId, [encodePropId(synced)]);
  }
  for (const id of removed) {
    const other = store.state.pages[id];
    if (!other) continue;
    other.props[synced] = (other.props[synced] ?? []).filter((x: string) => x !== page.id);
    store.touch(other, actor.userId);
    store.emit("page.properties_updated", other.id, "page", actor.userId, [encodePropId(synced)]);
  }
}

function checkIcon(raw: unknown, path: string): unknown {
  if (raw === undefined) return undefined;
  if (raw === null) return null;
  if (typeof raw !== "object") throw bodyInvalid(path, "should be an object or `null`");
  const r = raw as any;
  const type = r.type ?? (r.emoji ? "emoji" : r.external ? "external" : undefined);
  if (type === "emoji") return { type: "emoji", emoji: String(r.emoji) };
  if (type === "external") return { type: "external", external: { url: String(r.external?.url) } };
  throw bodyInvalid(path, "should be an `emoji` or `external` object");
}

/** Creates a page (POST /v1/pages). */
export function createPage(
  store: Store,
  actor: Actor,
  body: any,
  version: string,
  fixedId?: string,
): Page {
  if (!body || typeof body !== "object") throw bodyInvalid("body", "should be an object");
  const parent = resolveParent(store, actor, body.parent, version);
  if (body.properties === undefined) {
    throw bodyInvalid("body.properties", "should be defined, instead was `undefined`");
  }
  const now = store.now();
  const page: Page = {
    id: fixedId ?? store.newId(),
    parent,
    props: {},
    icon: checkIcon(body.icon, "body.icon") ?? null,
    cover: checkIcon(body.cover, "body.cover") ?? null,
    is_archived: false,
    is_locked: false,
    in_trash: false,
    children: [],
    created_time: now,
    last_edited_time: now,
    created_by: actor.userId,
    last_edited_by: actor.userId,
  };
  const ds = schemaOf(store, page);
  if (ds) {
    for (const p of ds.schema) {
      if (p.type === "unique_id") {
        const n = ds.uniqueNext[p.id] ?? 1;
        ds.uniqueNext[p.id] = n + 1;
        page.props[p.id] = n;
      } else if (p.type === "status") page.props[p.id] = emptyValue(p);
    }
  } else page.props.title = [];
  applyProperties(store, page, body.properties, actor);
  if (body.children !== undefined) {
    page.children = createBlocks(
      store,
      actor.userId,
      { type: "page_id", id: page.id },
      body.children,
      "body.children",
    );
  }
  store.state.pages[page.id] = page;
  if (parent.type === "data_source_id") store.indexPage(page, parent.id);
  if (parent.type === "page_id") store.state.pages[parent.id]?.children.push(page.id);
  store.changed();
  store.emit("page.created", page.id, "page", actor.userId);
  return page;
}

/** Updates a page (PATCH /v1/pages/{id}): properties, icon, cover, lock and trash state. */
export function updatePage(
  store: Store,
  actor: Actor,
  page: Page,
  body: any,
  version: string,
): Page {
  if (!body || typeof body !== "object") throw bodyInvalid("body", "should be an object");
  if (version === "2026-03-11" && body.archived !== undefined) {
    throw bodyInvalid(
      "body.archived",
      "should be not present, instead was `" + body.archived + "`",
    );
  }
  const trash: boolean | undefined = body.in_trash ?? body.archived;
  const hasEdits = ["properties", "icon", "cover", "is_locked", "is_archived"].some((k) =>
    body[k] !== undefined
  );
  if (page.in_trash && trash !== false && (hasEdits || trash === true)) {
    throw validationError(ARCHIVED_PAGE_MESSAGE);
  }
  const restored = trash === false && page.in_trash;
  if (restored) setTrash(store, page, false);
  const icon = checkIcon(body.icon, "body.icon");
  const cover = checkIcon(body.cover, "body.cover");
  const changed = applyProperties(store, page, body.properties, actor);
  if (icon !== undefined) page.icon = icon;
  if (cover !== undefined) page.cover = cover;
  const lockFlip = typeof body.is_locked === "boolean" && body.is_locked !== page.is_locked;
  if (typeof body.is_locked === "boolean") page.is_locked = body.is_locked;
  if (typeof body.is_archived === "boolean") page.is_archived = body.is_archived;
  if (trash === true) setTrash(store, page, true);
  store.touch(page, actor.userId);
  if (restored) store.emit("page.undeleted", page.id, "page", actor.userId);
  if (changed.length) {
    store.emit("page.properties_updated", page.id, "page", actor.userId, changed.map(encodePropId));
  }
  if (lockFlip) {
    store.emit(page.is_locked ? "page.locked" : "page.unlocked", page.id, "page", actor.userId);
  }
  if (trash === true) store.emit("page.deleted", page.id, "page", actor.userId);
  return page;
}

/** Trashes or restores a page (and its child pages' visibility follows the parent). */
export function setTrash(store: Store, page: Page, inTrash: boolean): void {
  page.in_trash = inTrash;
  store.changed();
}

/** Moves a page to another page or data source, keeping properties whose name and type match. */
export function movePage(store: Store, actor: Actor, page: Page, body: any, version: string): Page {
  const parent = resolveParent(store, actor, body?.parent, version);
  const fromDs = schemaOf(store, page);
  const oldParent = page.parent;
  if (oldParent.type === "data_source_id") store.unindexPage(page.id, oldParent.id);
  if (oldParent.type === "page_id") {
    const op = store.state.pages[oldParent.id];
    if (op) op.children = op.children.filter((c) => c !== page.id);
  }
  page.parent = parent;
  const toDs = schemaOf(store, page);
  const oldProps = page.props;
  const props: Record<string, unknown> = {};
  if (toDs) {
    for (const p of toDs.schema) {
      const from = fromDs?.schema.find((q) => q.name === p.name && q.type === p.type) ??
        (p.type === "title"
          ? fromDs?.schema.find((q) => q.type === "title") ?? { id: "title", type: "title" }
          : undefined);
      if (
        from && oldProps[from.id] !== undefined &&
        !["relation", "select", "multi_select", "status"].includes(p.type)
      ) {
        props[p.id] = oldProps[from.id];
      } else if (p.type === "unique_id") {
        const n = toDs.uniqueNext[p.id] ?? 1;
        toDs.uniqueNext[p.id] = n + 1;
        props[p.id] = n;
      }
    }
    store.indexPage(page, toDs.id);
  } else {
    const titleProp = fromDs?.schema.find((q) => q.type === "title");
    props.title = oldProps[titleProp?.id ?? "title"] ?? [];
    if (parent.type === "page_id") store.state.pages[parent.id]?.children.push(page.id);
  }
  page.props = props;
  store.touch(page, actor.userId);
  store.emit("page.moved", page.id, "page", actor.userId);
  return page;
}

/** Deletes a page for good (as a person emptying the trash): afterwards every API call answers 404. */
export function purgePage(store: Store, page: Page): void {
  for (const child of page.children) {
    const sub = store.state.pages[child];
    if (sub) purgePage(store, sub);
    delete store.state.blocks[child];
  }
  if (page.parent.type === "data_source_id") store.unindexPage(page.id, page.parent.id);
  if (page.parent.type === "page_id") {
    const parent = store.state.pages[page.parent.id];
    if (parent) parent.children = parent.children.filter((c) => c !== page.id);
  }
  delete store.state.pages[page.id];
  store.changed();
}

/** Deletes a database for good (as emptying it from the trash in Notion): its data sources and
 * their pages are gone, the API answers 404 for all of them. */
export function purgeDatabase(store: Store, databaseId: string): void {
  const db = store.state.databases[databaseId];
  if (!db) return;
  for (const dsId of db.dataSourceIds) {
    for (const page of [...(store.dsPages.get(dsId)?.values() ?? [])]) purgePage(store, page);
    store.dsPages.delete(dsId);
    delete store.state.dataSources[dsId];
  }
  if (db.parent.type === "page_id") {
    const parent = store.state.pages[db.parent.id];
    if (parent) parent.children = parent.children.filter((c) => c !== databaseId);
  }
  delete store.state.databases[databaseId];
  store.changed();
}

/** Throws Notion's 409 conflict error. */
export function conflictError(): NotionError {
  return new NotionError(
    409,
    "conflict_error",
    "Conflict occurred while saving. Please try again.",
  );
}
