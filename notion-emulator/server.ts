/** The HTTP pipeline: routing, auth, versions, rate limits, faults, request log, JSON responses. */

import { type ApiDeps, handleApi, route } from "./api.ts";
import { errorBody, invalidUrl, NotionError, validationError } from "./errors.ts";
import { faultError, type FaultRule, Faults } from "./faults.ts";
import { requestId } from "./ids.ts";
import type { Integration, Store } from "./model.ts";
import type { ApiVersion } from "./objects.ts";
import { conflictError } from "./pages.ts";
import { QueryEngine } from "./query.ts";
import { RateLimiter } from "./rate_limit.ts";
import { RawBody } from "./raw_json.ts";
import { Webhooks } from "./webhooks.ts";

/** One line of the request log (`GET /_emulator/requests`). */
export interface LogEntry {
  seq: number;
  request_id: string;
  at: string;
  method: string;
  path: string;
  query: string;
  integration: string | null;
  status: number;
  code: string | null;
  duration_ms: number;
  faults: string[];
}

const MAX_BODY_BYTES = 500 * 1024;

/** All mutable services of one emulator instance. */
export class Emulator implements ApiDeps {
  queries = new QueryEngine();
  limiter = new RateLimiter();
  faults = new Faults();
  log: LogEntry[] = [];
  searchDelayMs = 0;
  /** Reject a write while another write to the same object is in flight (409 conflict_error). */
  detectConflicts = true;
  #seq = 0;
  #inflight = new Map<string, number>();
  #lateCommits = new Set<ReturnType<typeof setTimeout>>();

  webhooks: Webhooks;

  constructor(public store: Store) {
    this.webhooks = new Webhooks(store);
    store.onEvent = (e) => this.webhooks.emit(e);
  }

  /** Handles one `/v1` request end to end. */
  async handleV1(req: Request, url: URL): Promise<Response> {
    const started = performance.now();
    const rid = requestId();
    const entry: LogEntry = {
      seq: ++this.#seq,
      request_id: rid,
      at: new Date(this.store.now()).toISOString(),
      method: req.method,
      path: url.pathname,
      query: url.search,
      integration: null,
      status: 0,
      code: null,
      duration_ms: 0,
      faults: [],
    };
    let response: Response;
    try {
      response = await this.#pipeline(req, url, rid, entry);
    } catch (e) {
      const err = e instanceof NotionError ? e : internal(e);
      entry.code = err.code;
      response = json(errorBody(err, rid), err.status, rid, err.headers);
    }
    entry.status = response.status;
    entry.duration_ms = Math.round((performance.now() - started) * 1000) / 1000;
    this.log.push(entry);
    if (this.log.length > 5000) this.log.splice(0, this.log.length - 5000);
    return response;
  }

  async #pipeline(req: Request, url: URL, rid: string, entry: LogEntry): Promise<Response> {
    const segments = url.pathname.replace(/^\/v1\/?/, "").split("/").filter((s) => s !== "");
    const method = req.method.toUpperCase();
    if (!route(method, segments)) throw invalidUrl();
    const integration = this.#authenticate(req);
    entry.integration = integration.name;
    const version = parseVersion(req.headers.get("notion-version"));
    checkCapability(integration, method, segments);
    this.limiter.charge(
      integration.token,
      this.store.now(),
      integration.rateLimit,
      this.store.clock.scale,
    );
    // A write holds its object from arrival to answer; a second write meanwhile gets 409.
    const writeKey = method === "PATCH" || method === "DELETE" || segments[2] === "move"
      ? segments.slice(0, 2).join("/")
      : null;
    if (writeKey && this.detectConflicts && this.#inflight.get(writeKey)) throw conflictError();
    if (writeKey) this.#inflight.set(writeKey, 1);
    try {
      return await this.#afterAdmission(req, url, rid, entry, {
        method,
        segments,
        integration,
        version,
      });
    } finally {
      if (writeKey) this.#inflight.delete(writeKey);
    }
  }

  async #afterAdmission(
    req: Request,
    url: URL,
    rid: string,
    entry: LogEntry,
    a: { method: string; segments: string[]; integration: Integration; version: ApiVersion },
  ): Promise<Response> {
    const { method, segments, integration, version } = a;
    const fired = this.faults.match(method, url.pathname, integration.token);
    entry.faults = fired.map((f) => f.id!);
    for (const f of fired) {
      const wait = this.faults.delay(f);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const blocking = fired.find((f) => f.action !== "latency");

    const text = method === "GET" || method === "DELETE" ? "" : await req.text();
    if (new TextEncoder().encode(text).length > MAX_BODY_BYTES) {
      throw validationError(
        `body failed validation: request body size should be ≤ \`${MAX_BODY_BYTES}\` bytes, instead was \`${text.length}\`.`,
      );
    }
    let body: unknown = {};
    if (text.trim() !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        throw new NotionError(400, "invalid_json", "Error parsing JSON body.");
      }
    }
    if (blocking) {
      const early = this.#earlyFault(blocking, body);
      if (early) return early;
    }

    const ctx = {
      version,
      baseUrl: url.origin,
      truncate: true,
      canSee: (id: string) => this.store.canSee(integration, id),
    };
    const apiReq = {
      method,
      segments,
      query: url.searchParams,
      body,
      ctx,
      integration,
      actor: { userId: integration.botId, integration },
    };
    if (blocking?.action === "late_commit") {
      // the gateway answers an error now; the backend applies the write later (a create seen in
      // no query yet, which a client that repeats it makes twice)
      const timer = setTimeout(() => {
        this.#lateCommits.delete(timer);
        try {
          handleApi(this, apiReq);
        } catch (e) {
          console.error("notion-emulator: a late commit failed", e);
        }
      }, blocking.commit_after_ms ?? 1000);
      this.#lateCommits.add(timer);
      throw faultError({ ...blocking, status: blocking.status ?? 504 });
    }
    const result = handleApi(this, apiReq);
    if (blocking?.action === "committed_503") {
      const additional: Record<string, unknown> = {
        from: "public_api",
        elapsed_ms: "55012",
        deadline_ms: "55000",
        retry_guidance: [
          "Read the object again to confirm the saved change.",
          "Do not repeat the write.",
        ],
      };
      const created = result as { id?: string };
      if (method === "POST" && created?.id && segments.length === 1) {
        additional.committed_resource_id = created.id;
      }
      throw new NotionError(
        503,
        "service_unavailable",
        "The change was saved, but the response could not be built in time. Read the object again instead of repeating the write.",
        additional,
      );
    }
    const payload: Uint8Array<ArrayBuffer> | string = result instanceof RawBody
      ? result.withRequestId(rid)
      : JSON.stringify({ ...(result as object), request_id: rid });
    if (blocking?.action === "malformed") {
      const full = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
      return new Response(full.slice(0, Math.max(1, Math.floor(full.length / 2))), {
        status: 200,
        headers: { "content-type": "application/json; charset=utf-8", "x-notion-request-id": rid },
      });
    }
    if (blocking?.action === "reset") return resetResponse();
    return new Response(payload, {
      status: 200,
      headers: { "content-type": "application/json; charset=utf-8", "x-notion-request-id": rid },
    });
  }

  /** Drops the writes `late_commit` faults have not applied yet (the emulator is closing). */
  cancelLateCommits(): void {
    for (const timer of this.#lateCommits) clearTimeout(timer);
    this.#lateCommits.clear();
  }

  #earlyFault(rule: FaultRule, body: any): Response | null {
    switch (rule.action) {
      case "error":
        throw faultError(rule);
      case "invalidate_cursor":
        if (body?.start_cursor) {
          throw validationError(`The start_cursor provided is invalid: ${body.start_cursor}`);
        }
        return null;
      case "edge_403":
        return new Response(
          "<html><head><title>403 Forbidden</title></head><body>Forbidden</body></html>",
          {
            status: 403,
            headers: { "content-type": "text/html", "cf-ray": "8f2a1c3e4b5d6e7f-SJC" },
          },
        );
      case "reset":
        return resetResponse();
      default:
        return null;
    }
  }

  #authenticate(req: Request): Integration {
    const auth = req.headers.get("authorization") ?? "";
    const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
    const integration = m ? this.store.integrationByToken(m[1].trim()) : undefined;
    if (!integration) throw new NotionError(401, "unauthorized", "API token is invalid.");
    return integration;
  }
}

/** 403 restricted_resource when the integration lacks the capability an endpoint needs. */
export function checkCapability(
  integration: Integration,
  method: string,
  segments: string[],
): void {
  const caps = integration.capabilities;
  if (!caps || segments[0] === "users") return;
  const reads = method === "GET" || segments[segments.length - 1] === "query" ||
    segments[0] === "search";
  const inserts = (method === "POST" && segments.length === 1) ||
    (method === "PATCH" && segments[2] === "children");
  const need = reads ? "read_content" : inserts ? "insert_content" : "update_content";
  if (caps[need] === false) {
    throw new NotionError(
      403,
      "restricted_resource",
      "API token does not have access to this resource.",
    );
  }
}

/** Maps a Notion-Version header to the response shape it selects. */
export function parseVersion(header: string | null): ApiVersion {
  if (!header) {
    throw new NotionError(
      400,
      "missing_version",
      "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
    );
  }
  if (!/^\d{4}-\d{2}-\d{2}$/.test(header)) {
    throw new NotionError(
      400,
      "validation_error",
      `Notion-Version header failed validation: Notion-Version header should be a valid version, instead was \`"${header}"\`.`,
    );
  }
  if (header >= "2026-03-11") return "2026-03-11";
  if (header >= "2025-09-03") return "2025-09-03";
  return "2022-06-28";
}

function internal(e: unknown): NotionError {
  console.error("notion-emulator: unexpected error", e);
  return new NotionError(500, "internal_server_error", "Unexpected error occurred.");
}

/** A JSON response with Notion's headers. */
export function json(
  body: unknown,
  status = 200,
  rid?: string,
  headers: Record<string, string> = {},
): Response {
  const h: Record<string, string> = {
    "content-type": "application/json; charset=utf-8",
    ...headers,
  };
  if (rid) h["x-notion-request-id"] = rid;
  return new Response(JSON.stringify(body), { status, headers: h });
}

/** A response whose body stream fails: the client sees the connection drop mid-response. */
function resetResponse(): Response {
  const stream = new ReadableStream({
    start(controller) {
      controller.error(new Error("connection reset by emulator fault"));
    },
  });
  return new Response(stream, {
    status: 200,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}
