/** The `/v1` routes: each handler takes a parsed request and returns the JSON body (without request_id). */

import { childrenOf, childTrashed, createBlocks, updateBlock } from "./blocks.ts";
import {
  createDatabase,
  createDataSource,
  updateDatabase,
  updateDataSource,
  visibleDatabase,
  visibleDataSource,
} from "./databases.ts";
import { bodyInvalid, invalidUrl, notFound, NotionError, validationError } from "./errors.ts";
import { normalizeId } from "./ids.ts";
import type { Integration, Page, Store } from "./model.ts";
import {
  type Ctx,
  renderBlock,
  renderDatabase,
  renderDataSource,
  renderPage,
  renderUser,
} from "./objects.ts";
import {
  type Actor,
  ARCHIVED_PAGE_MESSAGE,
  createPage,
  integrationInfo,
  movePage,
  setTrash,
  updatePage,
  visiblePage,
} from "./pages.ts";
import { encodePropId, findProp, fullUser, rawValue, renderValue } from "./properties.ts";
import type { QueryEngine } from "./query.ts";
import { plainText } from "./rich_text.ts";
import { RawBody, RawJson, utf8 } from "./raw_json.ts";

/** A parsed `/v1` request. */
export interface ApiRequest {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: any;
  ctx: Ctx;
  integration: Integration;
  actor: Actor;
}

/** Shared services the handlers use. */
export interface ApiDeps {
  store: Store;
  queries: QueryEngine;
  /** Search indexing delay in emulated ms (pages newer than this are not yet searchable). */
  searchDelayMs: number;
}

type Handler = (deps: ApiDeps, req: ApiRequest, params: string[]) => unknown;

const ROUTES: Array<[string, string, Handler]> = [
  ["GET", "users/me", (d, r) => ({ ...renderUser(d.store, r.integration.botId) })],
  ["GET", "users", listUsers],
  ["GET", "users/:id", getUser],
  [
    "POST",
    "databases",
    (d, r) => renderDatabase(d.store, createDatabase(d.store, r.actor, r.body), r.ctx),
  ],
  ["GET", "databases/:id", getDatabase],
  [
    "PATCH",
    "databases/:id",
    (d, r, [id]) =>
      renderDatabase(
        d.store,
        updateDatabase(d.store, r.actor, visibleDatabase(d.store, r.actor, id), r.body),
        r.ctx,
      ),
  ],
  ["POST", "databases/:id/query", legacyQuery],
  [
    "POST",
    "data_sources",
    (d, r) => renderDataSource(d.store, createDataSource(d.store, r.actor, r.body), r.ctx),
  ],
  [
    "GET",
    "data_sources/:id",
    (d, r, [id]) => renderDataSource(d.store, visibleDataSource(d.store, r.actor, id), r.ctx),
  ],
  [
    "PATCH",
    "data_sources/:id",
    (d, r, [id]) =>
      renderDataSource(
        d.store,
        updateDataSource(d.store, r.actor, visibleDataSource(d.store, r.actor, id), r.body),
        r.ctx,
      ),
  ],
  [
    "POST",
    "data_sources/:id/query",
    (d, r, [id]) => queryDataSource(d, r, visibleDataSource(d.store, r.actor, id).id),
  ],
  [
    "POST",
    "pages",
    (d, r) =>
      renderPage(
        d.store,
        createPage(d.store, r.actor, r.body, r.ctx.version),
        r.ctx,
        onlyProps(d, r, null),
      ),
  ],
  ["GET", "pages/:id", (d, r, [id]) => {
    const page = visiblePage(d.store, r.actor, id);
    return renderPage(d.store, page, r.ctx, onlyProps(d, r, page));
  }],
  ["PATCH", "pages/:id", (d, r, [id]) => {
    const page = updatePage(
      d.store,
      r.actor,
      visiblePage(d.store, r.actor, id),
      r.body,
      r.ctx.version,
    );
    return renderPage(d.store, page, r.ctx, onlyProps(d, r, page));
  }],
  [
    "POST",
    "pages/:id/move",
    (d, r, [id]) =>
      renderPage(
        d.store,
        movePage(d.store, r.actor, visiblePage(d.store, r.actor, id), r.body, r.ctx.version),
        r.ctx,
      ),
  ],
  ["GET", "pages/:id/properties/:prop", propertyItem],
  ["GET", "blocks/:id", (d, r, [id]) => renderBlock(d.store, visibleBlock(d, r, id), r.ctx)],
  ["PATCH", "blocks/:id", patchBlock],
  ["DELETE", "blocks/:id", deleteBlock],
  ["GET", "blocks/:id/children", listChildren],
  ["PATCH", "blocks/:id/children", appendChildren],
  ["POST", "search", search],
];

/** Body keys each endpoint accepts (the SDK's bodyParams); anything else is refused as Notion does. */
const BODY_KEYS: Record<string, string[]> = {
  "POST pages": [
    "parent",
    "properties",
    "icon",
    "cover",
    "content",
    "children",
    "markdown",
    "allow_async",
    "template",
    "position",
  ],
  "PATCH pages/:id": [
    "archived",
    "properties",
    "icon",
    "cover",
    "is_locked",
    "template",
    "erase_content",
    "in_trash",
    "is_archived",
  ],
  "POST pages/:id/move": ["parent"],
  "POST data_sources": ["parent", "properties", "title", "icon"],
  "PATCH data_sources/:id": [
    "archived",
    "title",
    "icon",
    "properties",
    "in_trash",
    "parent",
    "description",
    "cover",
  ],
  "POST data_sources/:id/query": [
    "archived",
    "sorts",
    "filter",
    "start_cursor",
    "page_size",
    "in_trash",
    "result_type",
    "is_archived",
  ],
  "POST databases/:id/query": [
    "archived",
    "sorts",
    "filter",
    "start_cursor",
    "page_size",
    "in_trash",
  ],
  "POST databases": [
    "parent",
    "title",
    "description",
    "is_inline",
    "initial_data_source",
    "icon",
    "cover",
    "properties",
  ],
  "PATCH databases/:id": [
    "parent",
    "title",
    "description",
    "is_inline",
    "icon",
    "cover",
    "in_trash",
    "is_locked",
    "archived",
  ],
  "POST search": ["sort", "query", "start_cursor", "page_size", "filter"],
  "PATCH blocks/:id/children": ["after", "children", "position"],
};

/** Refuses unknown body keys ("body.x should be not present, instead was `…`."), and `archived` under 2026-03-11. */
export function checkBodyKeys(key: string, body: unknown, version: string): void {
  const allowed = BODY_KEYS[key];
  if (!allowed || !body || typeof body !== "object" || Array.isArray(body)) return;
  for (const [k, v] of Object.entries(body)) {
    if (!allowed.includes(k) || (k === "archived" && version === "2026-03-11")) {
      throw bodyInvalid(`body.${k}`, `should be not present, instead was \`${JSON.stringify(v)}\``);
    }
  }
}

/** Finds the handler for a method and path (segments after `/v1/`). */
export function route(
  method: string,
  segments: string[],
): { handler: Handler; params: string[]; key: string } | null {
  for (const [m, pattern, handler] of ROUTES) {
    const parts = pattern.split("/");
    if (m !== method || parts.length !== segments.length) continue;
    const params: string[] = [];
    let ok = true;
    for (let i = 0; i < parts.length; i++) {
      if (parts[i].startsWith(":")) params.push(segments[i]);
      else if (parts[i] !== segments[i]) ok = false;
    }
    if (ok) return { handler, params, key: `${m} ${pattern}` };
  }
  return null;
}

/** Runs a `/v1` request against the store. */
export function handleApi(deps: ApiDeps, req: ApiRequest): unknown {
  if (req.ctx.version === "2022-06-28" && req.segments[0] === "data_sources") throw invalidUrl();
  const r = route(req.method, req.segments);
  if (!r) throw invalidUrl();
  checkBodyKeys(r.key, req.body, req.ctx.version);
  return r.handler(deps, req, r.params);
}

function listUsers(d: ApiDeps, r: ApiRequest) {
  const users = Object.keys(d.store.state.users).map((id) => renderUser(d.store, id));
  return paginateArray(users, r.query, "user");
}

function getUser(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
  const id = normalizeId(raw);
  if (!id || !d.store.state.users[id]) throw notFound("user", raw, integrationInfo(r.actor));
  return renderUser(d.store, id);
}

function getDatabase(d: ApiDeps, r: ApiRequest, [id]: string[]) {
  const db = visibleDatabase(d.store, r.actor, id);
  if (r.ctx.version === "2022-06-28" && db.dataSourceIds.length > 1) {
    throw validationError(
      `Databases with multiple data sources are not supported in this API version. Database ID: ${db.id}.`,
    );
  }
  return renderDatabase(d.store, db, r.ctx);
}

function legacyQuery(d: ApiDeps, r: ApiRequest, [id]: string[]) {
  if (r.ctx.version !== "2022-06-28") throw invalidUrl();
  const db = visibleDatabase(d.store, r.actor, id);
  if (db.dataSourceIds.length !== 1) {
    throw validationError(
      `Databases with multiple data sources are not supported in this API version. Database ID: ${db.id}.`,
    );
  }
  return queryDataSource(d, r, db.dataSourceIds[0]);
}

function filterPropertyIds(
  d: ApiDeps,
  r: ApiRequest,
  dsId: string | null,
): Set<string> | undefined {
  const raw = [...r.query.getAll("filter_properties"), ...r.query.getAll("filter_properties[]")];
  if (raw.length === 0) return undefined;
  const ds = dsId ? d.store.state.dataSources[dsId] : undefined;
  const ids = new Set<string>();
  for (const key of raw) {
    if (!ds) {
      if (key === "title") ids.add("title");
      continue;
    }
    const p = findProp(ds, key);
    if (!p) throw validationError(`Could not find property with name or id: ${key}`);
    ids.add(p.id);
  }
  return ids;
}

function onlyProps(d: ApiDeps, r: ApiRequest, page: Page | null) {
  const dsId = page?.parent.type === "data_source_id"
    ? page.parent.id
    : normalizeId(String(r.body?.parent?.data_source_id ?? ""));
  return filterPropertyIds(d, r, dsId);
}

function queryDataSource(d: ApiDeps, r: ApiRequest, dsId: string) {
  const ds = d.store.state.dataSources[dsId];
  const body = r.body ?? {};
  if (typeof body !== "object" || Array.isArray(body)) {
    throw bodyInvalid("body", "should be an object");
  }
  const only = filterPropertyIds(d, r, ds.id);
  const res = d.queries.run(d.store, ds, body, r.integration.botId);
  const onlyKey = only ? [...only].sort().join(",") : "*";
  const chunks: Uint8Array[] = [LIST_HEAD];
  res.pages.forEach((p, i) => {
    if (i > 0) chunks.push(COMMA);
    chunks.push(...pageJson(d, p, r.ctx, only, onlyKey));
  });
  const status = res.incomplete
    ? `,"request_status":{"type":"incomplete","incomplete_reason":"query_result_limit_reached"}`
    : "";
  chunks.push(utf8(
    `],"next_cursor":${JSON.stringify(res.next_cursor)},"has_more":${res.has_more},` +
      `"type":"page_or_data_source","page_or_data_source":{}${status}`,
  ));
  return new RawBody(chunks);
}

const LIST_HEAD = utf8(`{"object":"list","results":[`);
const COMMA = utf8(",");

const PAGE_JSON = new WeakMap<Page, { stamp: string; json: Uint8Array[] }>();

/**
 * A page's JSON text, reused while nothing in the workspace changed within the same minute
 * (formulas read the clock, file URLs are signed per read): any write invalidates every entry.
 */
function pageJson(
  d: ApiDeps,
  page: Page,
  ctx: Ctx,
  only: Set<string> | undefined,
  onlyKey: string,
): Uint8Array[] {
  const stamp = `${d.store.version}|${
    Math.floor(d.store.now() / 60000)
  }|${ctx.version}|${ctx.baseUrl}|${onlyKey}`;
  const hit = PAGE_JSON.get(page);
  if (hit && hit.stamp === stamp) return hit.json;
  const raw = new RawJson();
  const json = raw.encode(renderPage(d.store, page, { ...ctx, raw }, only));
  PAGE_JSON.set(page, { stamp, json });
  return json;
}

function pageSizeOf(query: URLSearchParams, fallback = 100): number {
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

function offsetCursor(raw: string | null | undefined): number {
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

function paginateArray(items: unknown[], query: URLSearchParams, type: string) {
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

function propertyItem(d: ApiDeps, r: ApiRequest, [pageId, rawProp]: string[]) {
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

function visibleBlock(d: ApiDeps, r: ApiRequest, raw: string): string {
  const id = normalizeId(raw);
  const s = d.store.state;
  const exists = id && (s.blocks[id] || s.pages[id] || s.databases[id]);
  if (!exists || !d.store.canSee(r.integration, id!)) {
    if (!id) throw bodyInvalid("path.block_id", `should be a valid uuid, instead was \`"${raw}"\``);
    throw notFound("block", id, integrationInfo(r.actor));
  }
  return id!;
}

function patchBlock(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
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

function deleteBlock(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
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

function listChildren(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
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

function appendChildren(d: ApiDeps, r: ApiRequest, [raw]: string[]) {
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

function search(d: ApiDeps, r: ApiRequest) {
  const body = r.body ?? {};
  const q = typeof body.query === "string" ? body.query.toLowerCase() : "";
  const want = body.filter?.value;
  if (
    want !== undefined && want !== "page" &&
    want !== (r.ctx.version === "2022-06-28" ? "database" : "data_source")
  ) {
    throw bodyInvalid("body.filter.value", "should be `page` or `data_source`");
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

/** Re-exported for the control API. */
export { fullUser, NotionError };
