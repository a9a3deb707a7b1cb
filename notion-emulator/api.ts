/** The `/v1` routes: each handler takes a parsed request and returns the JSON body (without request_id). */

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
  createPage,
  integrationInfo,
  movePage,
  updatePage,
  visiblePage,
} from "./pages.ts";
import { findProp, fullUser } from "./properties.ts";
import type { QueryEngine } from "./query.ts";
import { ByteWriter, RawBody, RawJson } from "./raw_json.ts";
import {
  appendChildren,
  deleteBlock,
  listChildren,
  paginateArray,
  patchBlock,
  propertyItem,
  search,
  visibleBlock,
} from "./api_content.ts";

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
  // Rendered pages differ per integration (mentions of pages it cannot see read "Untitled").
  const onlyKey = `${r.integration.botId}|${only ? [...only].sort().join(",") : "*"}`;
  const out = new ByteWriter();
  out.text(`{"object":"list","results":[`);
  res.pages.forEach((p, i) => {
    if (i > 0) out.text(",");
    writePage(d, out, p, r.ctx, only, onlyKey);
  });
  const status = res.incomplete
    ? `,"request_status":{"type":"incomplete","incomplete_reason":"query_result_limit_reached"}`
    : "";
  out.text(
    `],"next_cursor":${JSON.stringify(res.next_cursor)},"has_more":${res.has_more},` +
      `"type":"page_or_data_source","page_or_data_source":{}${status}`,
  );
  return new RawBody(out);
}

/** Recently rendered pages (bounded, so a 10,000-page scan does not pin its whole output in memory). */
const PAGE_JSON = new Map<Page, { stamp: string; json: Uint8Array }>();
const PAGE_JSON_MAX = 3000;

/**
 * A page's JSON text, reused while nothing in the workspace changed within the same minute
 * (formulas read the clock, file URLs are signed per read): any write invalidates every entry.
 */
function writePage(
  d: ApiDeps,
  out: ByteWriter,
  page: Page,
  ctx: Ctx,
  only: Set<string> | undefined,
  onlyKey: string,
): void {
  const stamp = `${d.store.version}|${
    Math.floor(d.store.now() / 60000)
  }|${ctx.version}|${ctx.baseUrl}|${onlyKey}`;
  const hit = PAGE_JSON.get(page);
  if (hit && hit.stamp === stamp) return out.bytes(hit.json);
  const raw = new RawJson();
  const start = out.length;
  raw.writeTo(out, renderPage(d.store, page, { ...ctx, raw }, only));
  PAGE_JSON.delete(page);
  PAGE_JSON.set(page, { stamp, json: out.since(start).slice() });
  if (PAGE_JSON.size > PAGE_JSON_MAX) PAGE_JSON.delete(PAGE_JSON.keys().next().value!);
}

/** Re-exported for the control API. */
export { fullUser, NotionError };
