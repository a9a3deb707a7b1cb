/** Rendering of top-level objects (page, data source, database, block, user) in Notion's key order. */

import { databaseIso, minuteIso } from "./clock.ts";
import { compactId } from "./ids.ts";
import type { Block, Database, DataSource, Page, Parent, Store } from "./model.ts";
import {
  fullUser,
  pageUrl,
  type RenderOpts,
  renderProperties,
  renderSchemaProp,
} from "./properties.ts";
import { plainText } from "./rich_text.ts";

/** The Notion-Version shapes the emulator distinguishes. */
export type ApiVersion = "2022-06-28" | "2025-09-03" | "2026-03-11";

/** Per-request rendering context. */
export interface Ctx extends RenderOpts {
  version: ApiVersion;
}

function partialUser(id: string) {
  return { object: "user", id };
}

/** Renders a parent reference the way the given API version shows it. */
export function renderParent(
  store: Store,
  parent: Parent,
  version: ApiVersion,
): Record<string, unknown> {
  switch (parent.type) {
    case "workspace":
      return { type: "workspace", workspace: true };
    case "data_source_id": {
      const ds = store.state.dataSources[parent.id];
      if (version === "2022-06-28") return { type: "database_id", database_id: ds?.databaseId };
      return { type: "data_source_id", data_source_id: parent.id, database_id: ds?.databaseId };
    }
    default:
      return { type: parent.type, [parent.type]: parent.id };
  }
}

function withArchived(ctx: Ctx, obj: Record<string, unknown>, inTrash: boolean) {
  if (ctx.version !== "2026-03-11") obj.archived = inTrash;
  return obj;
}

/** Renders a page object; `only` limits properties to these property ids (filter_properties). */
export function renderPage(
  store: Store,
  page: Page,
  ctx: Ctx,
  only?: Set<string>,
): Record<string, unknown> {
  const title = plainText(
    page.parent.type === "data_source_id"
      ? page.props[
        store.state.dataSources[page.parent.id]?.schema.find((p) => p.type === "title")?.id ??
          "title"
      ]
      : page.props.title,
  );
  return withArchived(ctx, {
    object: "page",
    id: page.id,
    created_time: minuteIso(page.created_time),
    last_edited_time: minuteIso(page.last_edited_time),
    created_by: partialUser(page.created_by),
    last_edited_by: partialUser(page.last_edited_by),
    cover: page.cover ?? null,
    icon: page.icon ?? null,
    parent: renderParent(store, page.parent, ctx.version),
    in_trash: page.in_trash,
    is_archived: page.is_archived,
    is_locked: page.is_locked,
    properties: renderProperties(store, page, ctx, only),
    url: pageUrl(title, page.id),
    public_url: null,
  }, page.in_trash);
}

/** Renders a data source object. */
export function renderDataSource(store: Store, ds: DataSource, ctx: Ctx): Record<string, unknown> {
  const db = store.state.databases[ds.databaseId];
  const properties: Record<string, unknown> = {};
  for (const p of ds.schema) properties[p.name] = renderSchemaProp(store, ds, p);
  return withArchived(ctx, {
    object: "data_source",
    id: ds.id,
    cover: ds.cover ?? null,
    icon: ds.icon ?? null,
    created_time: minuteIso(ds.created_time),
    created_by: partialUser(ds.created_by),
    last_edited_by: partialUser(ds.last_edited_by),
    last_edited_time: minuteIso(ds.last_edited_time),
    title: ds.title,
    description: ds.description,
    is_inline: db?.is_inline ?? false,
    properties,
    parent: { type: "database_id", database_id: ds.databaseId },
    database_parent: db ? renderParent(store, db.parent, ctx.version) : null,
    url: `https://app.notion.com/p/${compactId(ds.databaseId)}`,
    public_url: null,
    in_trash: ds.in_trash,
  }, ds.in_trash);
}

/** Renders a database object (2022-06-28: with the schema of its single data source). */
export function renderDatabase(store: Store, db: Database, ctx: Ctx): Record<string, unknown> {
  const out: Record<string, unknown> = {
    object: "database",
    id: db.id,
    title: db.title,
    description: db.description,
    parent: renderParent(store, db.parent, ctx.version),
    is_inline: db.is_inline,
    in_trash: db.in_trash,
    is_locked: db.is_locked,
    created_time: databaseIso(db.created_time),
    last_edited_time: databaseIso(db.last_edited_time),
  };
  const sources = db.dataSourceIds.map((id) => store.state.dataSources[id]).filter((d) =>
    d && !d.in_trash
  );
  if (ctx.version === "2022-06-28") {
    const ds = sources[0];
    const properties: Record<string, unknown> = {};
    if (ds) { for (const p of ds.schema) properties[p.name] = renderSchemaProp(store, ds, p); }
    out.properties = properties;
  } else {
    out.data_sources = sources.map((d) => ({ id: d.id, name: plainText(d.title) }));
  }
  out.icon = db.icon ?? null;
  out.cover = db.cover ?? null;
  out.url = `https://app.notion.com/p/${compactId(db.id)}`;
  out.public_url = null;
  return withArchived(ctx, out, db.in_trash);
}

function blockShell(
  store: Store,
  obj: Block | Page | Database,
  ctx: Ctx,
  type: string,
  data: unknown,
  hasChildren: boolean,
) {
  return withArchived(ctx, {
    object: "block",
    id: obj.id,
    parent: renderParent(store, obj.parent, ctx.version),
    created_time: minuteIso(obj.created_time),
    last_edited_time: minuteIso(obj.last_edited_time),
    created_by: partialUser(obj.created_by),
    last_edited_by: partialUser(obj.last_edited_by),
    has_children: hasChildren,
    in_trash: obj.in_trash,
    type,
    [type]: data,
  }, obj.in_trash);
}

/** Renders a block; pages and databases render as child_page / child_database blocks. */
export function renderBlock(store: Store, id: string, ctx: Ctx): Record<string, unknown> | null {
  const s = store.state;
  const page = s.pages[id];
  if (page) {
    const title = plainText(page.props.title ?? []) || store.pageTitle(id) || "";
    return blockShell(
      store,
      page,
      ctx,
      "child_page",
      { title },
      liveChildren(store, page.children),
    );
  }
  const db = s.databases[id];
  if (db) {
    return blockShell(store, db, ctx, "child_database", { title: plainText(db.title) }, false);
  }
  const b = s.blocks[id];
  if (!b) return null;
  return blockShell(store, b, ctx, b.type, b.data, liveChildren(store, b.children));
}

function liveChildren(store: Store, ids: string[]): boolean {
  const s = store.state;
  return ids.some((c) => !((s.blocks[c] ?? s.pages[c] ?? s.databases[c])?.in_trash ?? true));
}

/** Renders a full user (users endpoints); the integration's bot includes its workspace. */
export function renderUser(store: Store, id: string): Record<string, unknown> {
  const u = store.state.users[id];
  if (u?.type === "bot") {
    return {
      object: "user",
      id: u.id,
      name: u.name,
      avatar_url: u.avatar_url,
      type: "bot",
      bot: {
        owner: { type: "workspace", workspace: true },
        workspace_name: store.state.workspace.name,
        workspace_id: store.state.workspace.id,
        workspace_limits: { max_file_upload_size_in_bytes: 5242880 },
      },
    };
  }
  return fullUser(store, id);
}
