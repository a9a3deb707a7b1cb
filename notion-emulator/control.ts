/** The control API under `/_emulator/`: seed, inspect, edit as a person, clock, faults, limits, log. */

import { updateDataSource } from "./databases.ts";
import { bodyInvalid, errorBody, NotionError } from "./errors.ts";
import type { FaultRule } from "./faults.ts";
import { normalizeId } from "./ids.ts";
import { type Ctx, renderDataSource, renderPage } from "./objects.ts";
import { oracle } from "./oracle.ts";
import { type Actor, createPage, movePage, purgeDatabase, purgePage, updatePage } from "./pages.ts";
import { encodePropId, fileSignature } from "./properties.ts";
import { plainText } from "./rich_text.ts";
import { buildState, type SeedInput } from "./seed.ts";
import { type Emulator, json } from "./server.ts";

/** Hooks the control API needs from its host. */
export interface ControlHost {
  emulator: Emulator;
  /** Persists state now (no-op without `--state`). */
  save(): Promise<void>;
}

/** Handles a `/_emulator/...` request. */
export async function handleControl(host: ControlHost, req: Request, url: URL): Promise<Response> {
  const em = host.emulator;
  const store = em.store;
  const parts = url.pathname.replace(/^\/_emulator\/?/, "").split("/").filter(Boolean);
  const method = req.method.toUpperCase();
  let body: any = {};
  if (method !== "GET" && method !== "DELETE") {
    const text = await req.text();
    if (text.trim()) {
      try {
        body = JSON.parse(text);
      } catch {
        return json({ error: { code: "invalid_json", message: "Body is not JSON." } }, 400);
      }
    }
  }
  const ctx: Ctx = { version: "2025-09-03", baseUrl: url.origin, truncate: true };
  const person = (raw?: string): Actor => {
    const id = raw
      ? normalizeId(raw)
      : Object.values(store.state.users).find((u) => u.type === "person")?.id;
    if (!id || !store.state.users[id]) throw bodyInvalid("as_user", "should be a known user id");
    return { userId: id };
  };
  try {
    const key = `${method} ${parts[0] ?? ""}`;
    switch (key) {
      case "GET workspace":
        return json(workspace(em));
      case "POST reset": {
        const seed: SeedInput = body.seed ?? "demo";
        store.load(buildState(seed));
        store.clock.set(store.state.clock.now);
        if (typeof body.time_scale === "number") store.clock.setScale(body.time_scale);
        em.limiter.clear();
        em.faults.clear();
        em.webhooks.unsubscribe();
        em.log.length = 0;
        return json(workspace(em));
      }
      case "POST databases": {
        const id = normalizeId(parts[1] ?? "") ?? "";
        if (parts[2] !== "purge" || !store.state.databases[id]) {
          return json(
            { error: { code: "not_found", message: `No database ${parts[1]} to purge` } },
            404,
          );
        }
        purgeDatabase(store, id);
        return json({ purged: id });
      }
      case "POST pages": {
        if (parts[1]) {
          const page = store.state.pages[normalizeId(parts[1]) ?? ""];
          if (!page) {
            return json({ error: { code: "not_found", message: `No page ${parts[1]}` } }, 404);
          }
          if (parts[2] === "purge") {
            purgePage(store, page);
            return json({ purged: page.id });
          }
          const actor = person(body.as_user);
          if (parts[2] === "move") movePage(store, actor, page, body, "2025-09-03");
          else updatePage(store, actor, page, body, "2025-09-03");
          return json(renderPage(store, page, ctx));
        }
        const page = createPage(store, person(body.as_user), body, "2025-09-03");
        return json(renderPage(store, page, ctx));
      }
      case "GET pages": {
        const page = store.state.pages[normalizeId(parts[1] ?? "") ?? ""];
        if (!page) {
          return json({ error: { code: "not_found", message: `No page ${parts[1]}` } }, 404);
        }
        return json(renderPage(store, page, { ...ctx, truncate: false }));
      }
      case "POST data_sources": {
        const ds = store.state.dataSources[normalizeId(parts[1] ?? "") ?? ""];
        if (!ds) {
          return json({ error: { code: "not_found", message: `No data source ${parts[1]}` } }, 404);
        }
        updateDataSource(store, person(body.as_user), ds, body);
        return json(renderDataSource(store, ds, ctx));
      }
      case "GET clock":
        return json(clockInfo(em));
      case "POST clock": {
        if (typeof body.scale === "number") store.clock.setScale(body.scale);
        if (typeof body.set === "string") store.clock.set(Date.parse(body.set));
        if (typeof body.advance_ms === "number") store.clock.advance(body.advance_ms);
        if (typeof body.advance_seconds === "number") {
          store.clock.advance(body.advance_seconds * 1000);
        }
        return json(clockInfo(em));
      }
      case "GET faults":
        return json({ rules: em.faults.list() });
      case "POST faults": {
        const rules: FaultRule[] = Array.isArray(body.rules) ? body.rules : [body];
        for (const r of rules) {
          if (!r || typeof r.action !== "string") {
            throw bodyInvalid("rules[].action", "should be defined");
          }
        }
        return json({ ids: em.faults.add(rules) });
      }
      case "DELETE faults":
        em.faults.clear(parts[1]);
        return json({ rules: em.faults.list() });
      case "GET limits":
        return json(limits(em));
      case "POST limits": {
        const rl = body.rate_limit ?? {};
        const cfg = em.limiter.config;
        if (typeof rl.requests === "number") cfg.requests = rl.requests;
        if (typeof rl.window_seconds === "number") cfg.windowSeconds = rl.window_seconds;
        if (rl.workspace_requests !== undefined) cfg.workspaceRequests = rl.workspace_requests;
        if (typeof rl.mode === "string") cfg.mode = rl.mode;
        if (typeof rl.scale_retry_after === "boolean") cfg.scaleRetryAfter = rl.scale_retry_after;
        const q = em.queries.limits;
        if (typeof body.result_cap === "number") q.resultCap = body.result_cap;
        if (typeof body.short_page_rate === "number") q.shortPageRate = body.short_page_rate;
        if (body.unsorted_order === "shuffle" || body.unsorted_order === "created_time") {
          q.unsortedOrder = body.unsorted_order;
        }
        if (body.page_size_overflow === "reject" || body.page_size_overflow === "clamp") {
          q.pageSizeOverflow = body.page_size_overflow;
        }
        if (typeof body.search_delay_ms === "number") em.searchDelayMs = body.search_delay_ms;
        if (typeof body.query_lag_ms === "number") q.queryLagMs = body.query_lag_ms;
        if (typeof body.detect_conflicts === "boolean") em.detectConflicts = body.detect_conflicts;
        em.limiter.clear();
        return json(limits(em));
      }
      case "GET requests": {
        const since = Number(url.searchParams.get("since") ?? 0);
        const limit = Number(url.searchParams.get("limit") ?? 1000);
        const rows = em.log.filter((e) => e.seq > since);
        return json({ requests: rows.slice(Math.max(0, rows.length - limit)) });
      }
      case "DELETE requests":
        em.log.length = 0;
        return json({ requests: [] });
      case "GET oracle": {
        const id = normalizeId(url.searchParams.get("data_source_id") ?? "");
        const ds = id ? store.state.dataSources[id] : undefined;
        if (!ds) {
          return json({ error: { code: "not_found", message: "Unknown data_source_id." } }, 404);
        }
        return json(oracle(store, ds));
      }
      case "POST integrations": {
        const i = store.state.integrations.find((x) => x.token === body.token);
        if (i) {
          if (Array.isArray(body.share)) {
            i.shared.push(...body.share.map((x: string) => normalizeId(x) ?? x));
          }
          if (Array.isArray(body.unshare)) {
            const drop = new Set(body.unshare.map((x: string) => normalizeId(x) ?? x));
            i.shared = i.shared.filter((x) => !drop.has(x));
          }
          if (body.capabilities) i.capabilities = { ...i.capabilities, ...body.capabilities };
          if (body.rate_limit) {
            i.rateLimit = {
              requests: body.rate_limit.requests,
              windowSeconds: body.rate_limit.window_seconds,
            };
          }
        } else {
          const botId = normalizeId(body.bot_id ?? "") ?? store.newId();
          store.state.users[botId] = {
            id: botId,
            type: "bot",
            name: String(body.name ?? "Integration"),
            avatar_url: null,
          };
          store.state.integrations.push({
            token: String(body.token),
            name: String(body.name ?? "Integration"),
            botId,
            shared: (body.share ?? []).map((x: string) => normalizeId(x) ?? x),
          });
        }
        store.changed(); // sharing changes what rendered pages show
        return json(workspace(em));
      }
      case "POST users": {
        const id = normalizeId(String(body.id ?? "")) ?? store.newId();
        store.state.users[id] = {
          id,
          type: body.type === "bot" ? "bot" : "person",
          name: String(body.name ?? "Someone"),
          avatar_url: typeof body.avatar_url === "string" ? body.avatar_url : null,
          email: typeof body.email === "string" ? body.email : undefined,
        };
        store.changed();
        return json(store.state.users[id]);
      }
      case "POST webhooks": {
        if (parts[1] === "flush") {
          await em.webhooks.flush();
          return json({ deliveries: em.webhooks.deliveries });
        }
        if (parts[2] === "verify") {
          const ok = em.webhooks.verify(parts[1], String(body.verification_token ?? ""));
          return ok ? json({ verified: true }) : json(
            { error: { code: "invalid_token", message: "Unknown subscription or token." } },
            400,
          );
        }
        if (typeof body.url !== "string") throw bodyInvalid("url", "should be a string");
        const sub = await em.webhooks.subscribe(body);
        return json(sub);
      }
      case "GET webhooks":
        return json({
          subscriptions: em.webhooks.subscriptions,
          deliveries: em.webhooks.deliveries,
        });
      case "DELETE webhooks":
        em.webhooks.unsubscribe(parts[1]);
        return json({ subscriptions: em.webhooks.subscriptions });
      case "POST files": {
        const key = store.newId();
        store.state.files[key] = {
          key,
          name: String(body.name ?? "file"),
          contentType: String(body.content_type ?? "application/octet-stream"),
          base64: String(body.base64 ?? ""),
        };
        return json({ id: key, name: store.state.files[key].name });
      }
      case "GET files":
        return serveFile(em, parts[1] ?? "", url);
      case "POST save":
        await host.save();
        return json({ saved: true });
      case "GET state":
        return json(store.snapshot());
      default:
        return json({
          error: {
            code: "not_found",
            message: `Unknown control endpoint ${method} ${url.pathname}`,
          },
        }, 404);
    }
  } catch (e) {
    if (e instanceof NotionError) return json(errorBody(e, "control"), e.status);
    throw e;
  }
}

function serveFile(em: Emulator, key: string, url: URL): Response {
  const f = em.store.state.files[key];
  const expires = Number(url.searchParams.get("expires"));
  const sig = url.searchParams.get("signature");
  if (!f || !sig || sig !== fileSignature(em.store, key, expires)) {
    return new Response(
      "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
      { status: 403, headers: { "content-type": "application/xml" } },
    );
  }
  if (em.store.now() / 1000 > expires) {
    return new Response(
      "<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
      { status: 403, headers: { "content-type": "application/xml" } },
    );
  }
  const bytes = Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0));
  return new Response(bytes, { status: 200, headers: { "content-type": f.contentType } });
}

function clockInfo(em: Emulator) {
  return { now: new Date(em.store.now()).toISOString(), scale: em.store.clock.scale };
}

function limits(em: Emulator) {
  const c = em.limiter.config;
  const q = em.queries.limits;
  return {
    rate_limit: {
      requests: c.requests,
      window_seconds: c.windowSeconds,
      workspace_requests: c.workspaceRequests,
      mode: c.mode,
      scale_retry_after: c.scaleRetryAfter,
    },
    result_cap: q.resultCap,
    short_page_rate: q.shortPageRate,
    unsorted_order: q.unsortedOrder,
    page_size_overflow: q.pageSizeOverflow,
    search_delay_ms: em.searchDelayMs,
    query_lag_ms: q.queryLagMs,
    detect_conflicts: em.detectConflicts,
  };
}

/** Summary of the workspace: tokens, databases, data sources with property ids and types. */
export function workspace(em: Emulator) {
  const s = em.store.state;
  return {
    workspace: s.workspace,
    now: new Date(em.store.now()).toISOString(),
    users: Object.values(s.users),
    integrations: s.integrations.map((i) => ({
      token: i.token,
      name: i.name,
      bot_id: i.botId,
      shared: i.shared,
    })),
    data_sources: Object.values(s.dataSources).map((ds) => ({
      id: ds.id,
      database_id: ds.databaseId,
      title: plainText(ds.title),
      name: plainText(ds.title),
      in_trash: ds.in_trash,
      page_count: em.store.dsPages.get(ds.id)?.size ?? 0,
      properties: ds.schema.map((p) => ({
        id: p.id,
        encoded_id: encodePropId(p.id),
        name: p.name,
        type: p.type,
      })),
    })),
    databases: Object.values(s.databases).map((db) => ({
      id: db.id,
      title: plainText(db.title),
      in_trash: db.in_trash,
      data_sources: db.dataSourceIds.map((id) => {
        const ds = s.dataSources[id];
        return {
          id,
          title: plainText(ds.title),
          page_count: em.store.dsPages.get(id)?.size ?? 0,
          properties: ds.schema.map((p) => ({
            id: p.id,
            encoded_id: encodePropId(p.id),
            name: p.name,
            type: p.type,
          })),
        };
      }),
    })),
  };
}
