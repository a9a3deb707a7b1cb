/** `/v1` handlers for page content, property items, search and list pagination helpers. */

import { childrenOf, childTrashed, createBlocks, updateBlock } from "./blocks.ts";
import { updateDatabase } from "./databases.ts";
import { bodyInvalid, notFound, validationError } from "./errors.ts";
import { normalizeId } from "./ids.ts";
import { renderBlock, renderDataSource, renderPage } from "./objects.ts";
import {
  ARCHIVED_PAGE_MESSAGE,
  integrationInfo,
  setTrash,
  updatePage,
  visiblePage,
} from "./pages.ts";
import { encodePropId, findProp, rawValue, renderValue } from "./properties.ts";
import { plainText } from "./rich_text.ts";

import type { ApiDeps, ApiRequest } from "./api.ts";

/** Reads `page_size` from a query string (1–100). */
export function pageSizeOf(query: URLSearchParams, fallback = 100): number {
  const raw = query.get("page_size");
  if (raw === null) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw bodyInvalid("query.page_size", "should be a positive integer");
  }
  if (n > 100) {
    throw validationError(
      `body failed validation: query.page_size should be ≤ \`100\`, instead was \`${n}\`.`,
    );
  }
  return n;
}

/** Decodes an offset cursor of the list endpoints (400 when it is not one of ours). */
export function offsetCursor(raw: string | null | undefined): number {
  if (raw === null || raw === undefined) return 0;
  let text = "";
  try {
    text = atob(String(raw));
  } catch { /* not base64: rejected below */ }
  const n = text.startsWith("o:") ? Number(text.slice(2)) : NaN;
  if (!Number.isInteger(n) || n < 0) {
    throw validationError(`The start_cursor provided is invalid: ${raw}`);
  }
  return n;
}

/** Pages through an in-memory list with offset cursors. */
export function paginateArray(items: unknown[], query: URLSearchParams, type: string) {
  const size = pageSizeOf(query);
  const start = offsetCursor(query.get("start_cursor"));
  const end = Math.min(items.length, start + size);
  return {
    object: "list",
    results: items.slice(start, end),
    next_cursor: end < items.length ? btoa(`o:${end}`) : null,
    has_more: end < items.length,
    type,
    [type]: {},
  };
}

const PAGINATED_ITEMS = new Set(["title", "rich_text", "relation", "people", "rollup"]);

/** GET /v1/pages/{id}/properties/{property_id}: one item, or paginated list items. */
export function propertyItem(d: ApiDeps, r: ApiRequest, [pageId, rawProp]: string[]) {
  const page = visiblePage(d.store, r.actor, pageId);
  const ds = page.parent.type === "data_source_id"
    ? d.store.state.dataSources[page.parent.id]
    : undefined;
  const p = ds
    ? findProp(ds, rawProp)
    : rawProp === "title"
    ? { id: "title", name: "title", type: "title", description: null, config: {} }
    : undefined;
  if (!p) throw notFound("property", rawProp, integrationInfo(r.actor));
  const opts = { baseUrl: r.ctx.baseUrl, truncate: false };
  const value = renderValue(d.store, page, p, opts);
  const id = encodePropId(p.id);
  if (!PAGINATED_ITEMS.has(p.type)) {
    const { id: _id, type: _type, has_more: _hm, ...rest } = value;
    return { object: "property_item", id, type: p.type, ...rest };
  }
  const size = pageSizeOf(r.query, 25);
  const start = offsetCursor(r.query.get("start_cursor"));
  let elements: unknown[];
  let rollupValue: Record<string, unknown> | undefined;
  if (p.type === "rollup") {
    const raw = rawValue(d.store, page, p);
    const rel = ds!.schema.find((x) => x.id === p.config.relation_property_id);
    const relIds: string[] = rel ? page.props[rel.id] ?? [] : [];
    elements = raw.type === "array"
      ? raw.array
      : relIds.map((rid) => ({ type: "relation", relation: { id: rid } }));
    rollupValue = raw;
  } else elements = value[p.type] as unknown[];
  const end = Math.min(elements.length, start + size);
  const hasMore = end < elements.length;
  const results = elements.slice(start, end).map((el) => {
    if (p.type === "rollup") return { object: "property_item", ...(el as object), id };
    const item = p.type === "relation" ? { id: (el as any).id } : el;
    return { object: "property_item", type: p.type, id, [p.type]: item };
  });
  const next = hasMore ? btoa(`o:${end}`) : null;
  let envelopeValue: unknown = {};
  if (p.type === "rollup") {
    envelopeValue = hasMore
      ? { type: "incomplete", incomplete: {}, function: rollupValue!.function }
      : rollupValue;
  }
  return {
    object: "list",
    results,
    next_cursor: next,
    has_more: hasMore,
    type: "property_item",
    property_item: {
      id,
      next_url: next
        ? `${r.ctx.baseUrl}/v1/pages/${page.id}/properties/${id}?start_cursor=${
          encodeURIComponent(next)
        }`
        : null,
      type: p.type,
      [p.type]: envelopeValue,
    },
  };
}

/** Resolves a block, page or database id the integration can see, or throws 404. */
export function visibleBlock(d: ApiDeps, r: ApiRequest, raw: string): string {
  const id = normalizeId(raw);
  const s = d.store.state;
  const exists = id && (s.blocks[id] || s.pages[id] || s.databases[id]);
  if (!exists || !d.store.canSee(r.integration, id!)) {
    if (!id) throw bodyInvalid("path.block_id", `should be a valid uuid, instead was \`"${raw}"\``);
    throw notFound("block", id, integrationInfo(r.actor));
  }
  return id!;
}

/** PATCH /v1/blocks/{id}: edits a block (or a page/database addressed as a block). */
export function patchBlock(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
  const id = visibleBlock(d, r, raw);
  const s = d.store.state;
  if (s.pages[id]) {
    updatePage(d.store, r.actor, s.pages[id], r.body, r.ctx.version);
  } else if (s.databases[id]) {
    updateDatabase(d.store, r.actor, s.databases[id], r.body);
  } else {
    updateBlock(d.store, r.actor.userId, s.blocks[id], r.body);
    contentUpdated(d, id, r.actor.userId);
  }
  return renderBlock(d.store, id, r.ctx);
}

/** DELETE /v1/blocks/{id}: trashes a block, page or database and returns it as a block. */
export function deleteBlock(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
  const id = visibleBlock(d, r, raw);
  const s = d.store.state;
  const obj = s.pages[id] ?? s.databases[id] ?? s.blocks[id];
  if (obj.in_trash && s.pages[id]) throw validationError(ARCHIVED_PAGE_MESSAGE);
  if (s.pages[id]) setTrash(d.store, s.pages[id], true);
  else obj.in_trash = true;
  d.store.touch(obj, r.actor.userId);
  if (s.pages[id]) d.store.emit("page.deleted", id, "page", r.actor.userId);
  else if (s.databases[id]) d.store.emit("database.deleted", id, "database", r.actor.userId);
  else contentUpdated(d, id, r.actor.userId);
  return renderBlock(d.store, id, r.ctx);
}

/** GET /v1/blocks/{id}/children: live children, block-id cursors. */
export function listChildren(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
  const id = visibleBlock(d, r, raw);
  const children = (childrenOf(d.store, id) ?? []).filter((c) => !childTrashed(d.store, c));
  const size = pageSizeOf(r.query);
  const cursor = r.query.get("start_cursor");
  let start = 0;
  if (cursor) {
    start = children.indexOf(normalizeId(cursor) ?? cursor);
    if (start < 0) throw validationError(`The start_cursor provided is invalid: ${cursor}`);
  }
  const end = Math.min(children.length, start + size);
  return {
    object: "list",
    results: children.slice(start, end).map((c) => renderBlock(d.store, c, r.ctx)),
    next_cursor: end < children.length ? children[end] : null,
    has_more: end < children.length,
    type: "block",
    block: {},
  };
}

/** PATCH /v1/blocks/{id}/children: appends blocks (optionally after one). */
export function appendChildren(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
  const id = visibleBlock(d, r, raw);
  const s = d.store.state;
  const owner = s.pages[id] ?? s.blocks[id];
  if (!owner) throw validationError(`Block ${id} does not support children.`);
  if (owner.in_trash) {
    throw validationError(
      "Can't edit block that is archived. You must unarchive the block before editing.",
    );
  }
  const parent = s.pages[id] ? { type: "page_id" as const, id } : { type: "block_id" as const, id };
  const ids = createBlocks(d.store, r.actor.userId, parent, r.body?.children, "body.children");
  const after = r.body?.after ? normalizeId(String(r.body.after)) : null;
  const at = after ? owner.children.indexOf(after) : -1;
  if (at >= 0) owner.children.splice(at + 1, 0, ...ids);
  else owner.children.push(...ids);
  d.store.touch(owner, r.actor.userId);
  contentUpdated(d, ids[0] ?? id, r.actor.userId);
  return {
    object: "list",
    results: ids.map((c) => renderBlock(d.store, c, r.ctx)),
    next_cursor: null,
    has_more: false,
    type: "block",
    block: {},
  };
}

/** Emits page.content_updated for the page that contains a block. */
function contentUpdated(d: ApiDeps, blockId: string, userId: string) {
  const pageId = d.store.ancestors(blockId).find((a) => d.store.state.pages[a]);
  if (pageId) d.store.emit("page.content_updated", pageId, "page", userId);
}

/** POST /v1/search: title search over pages and data sources the integration can see. */
export function search(d: ApiDeps, r: ApiRequest) {
  const body = r.body ?? {};
  const q = typeof body.query === "string" ? body.query.toLowerCase() : "";
  const want = body.filter?.value;
  if (
    want !== undefined && want !== "page" &&
    want !== (r.ctx.version === "2022-06-28" ? "database" : "data_source")
  ) {
    throw bodyInvalid("body.filter.value", "should be `page` or `data_source`");
  }
  if (body.sort !== undefined && body.sort?.timestamp !== "last_edited_time") {
    throw bodyInvalid("body.sort.timestamp", "should be `last_edited_time`");
  }
  const dir = body.sort?.direction === "ascending" ? 1 : -1;
  const horizon = d.store.now() - d.searchDelayMs;
  const s = d.store.state;
  const hits: Array<{ t: number; render: () => unknown }> = [];
  if (want !== "data_source" && want !== "database") {
    for (const p of Object.values(s.pages)) {
      if (p.in_trash || p.created_time > horizon || !d.store.canSee(r.integration, p.id)) continue;
      if (q && !(d.store.pageTitle(p.id) ?? "").toLowerCase().includes(q)) continue;
      hits.push({ t: p.last_edited_time, render: () => renderPage(d.store, p, r.ctx) });
    }
  }
  if (want !== "page") {
    for (const ds of Object.values(s.dataSources)) {
      if (ds.in_trash || ds.created_time > horizon || !d.store.canSee(r.integration, ds.id)) {
        continue;
      }
      const db = s.databases[ds.databaseId];
      if (q && !plainText(db?.title).toLowerCase().includes(q)) continue;
      hits.push({ t: ds.last_edited_time, render: () => renderDataSource(d.store, ds, r.ctx) });
    }
  }
  hits.sort((a, b) => (a.t - b.t) * dir);
  const size = typeof body.page_size === "number" ? Math.min(100, body.page_size) : 100;
  const start = offsetCursor(body.start_cursor);
  const end = Math.min(hits.length, start + size);
  return {
    object: "list",
    results: hits.slice(start, end).map((h) => h.render()),
    next_cursor: end < hits.length ? btoa(`o:${end}`) : null,
    has_more: end < hits.length,
    type: "page_or_data_source",
    page_or_data_source: {},
  };
}
