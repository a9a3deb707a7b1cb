/**
 * The local API gateway on :54321, standing in for hosted Supabase where our code depends on it:
 * the edge functions at /functions/v1/<name> (verify_jwt from supabase/config.toml, the hosted
 * environment, wall and CPU time per request with a warning past the hosted limits) and a small
 * Auth stand-in (JWKS, password and refresh-token sign-in, the current user).
 */
import { parse as parseToml } from "smol-toml";
import postgres from "postgres";
import process from "node:process";
import * as jose from "jose";
import { loadOrCreateKeys, signUserJwt, type StackKeys } from "./keys.ts";

const HOSTED_WALL_LIMIT_MS = 150_000;
const HOSTED_CPU_LIMIT_MS = 2_000;
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/** Settings of one gateway instance. */
export interface GatewayOptions {
  port: number;
  stackDir: string;
  poolerDbUrl: string;
  authDbUrl: string;
  env?: Record<string, string>;
}

type Handler = (req: Request) => Promise<Response>;

interface FunctionEntry {
  verifyJwt: boolean;
  load: () => Promise<Handler>;
}

const cors = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type",
  "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, OPTIONS",
};

function reply(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...cors, "content-type": "application/json; charset=utf-8" },
  });
}

function fail(status: number, code: string, message: string): Response {
  return reply({ error: { code, message } }, status);
}

/** Parses KEY=VALUE lines (a dotenv file); missing file → {}. */
export function readDotEnv(path: string): Record<string, string> {
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch {
    return {};
  }
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m || line.trimStart().startsWith("#")) continue;
    out[m[1]] = m[2].replace(/^(['"])(.*)\1$/, "$2");
  }
  return out;
}

/** The functions declared in supabase/config.toml, with their verify_jwt setting. */
export function declaredFunctions(): Map<string, FunctionEntry> {
  const config = parseToml(Deno.readTextFileSync(`${root}/supabase/config.toml`)) as {
    functions?: Record<string, { enabled?: boolean; verify_jwt?: boolean }>;
  };
  const out = new Map<string, FunctionEntry>();
  for (const [name, fn] of Object.entries(config.functions ?? {})) {
    if (fn.enabled === false) continue;
    let cached: Promise<Handler> | undefined;
    out.set(name, {
      verifyJwt: fn.verify_jwt !== false,
      load: () =>
        cached ??= import(`${root}/supabase/functions/${name}/handler.ts`).then((m) =>
          m.handler as Handler
        ),
    });
  }
  return out;
}

/** Starts the gateway; resolves once it listens. */
export async function startGateway(opts: GatewayOptions) {
  const apiUrl = `http://127.0.0.1:${opts.port}`;
  const keys = await loadOrCreateKeys(opts.stackDir, apiUrl);
  // The environment a hosted function gets, then supabase/functions/.env, then explicit overrides.
  const fnEnv: Record<string, string> = {
    SUPABASE_URL: apiUrl,
    SUPABASE_DB_URL: opts.poolerDbUrl,
    SUPABASE_ANON_KEY: keys.anonKey,
    SUPABASE_SERVICE_ROLE_KEY: keys.serviceRoleKey,
    ...readDotEnv(`${opts.stackDir}/functions.env`),
    ...readDotEnv(`${root}/supabase/functions/.env`),
    ...(opts.env ?? {}),
  };
  for (const [k, v] of Object.entries(fnEnv)) Deno.env.set(k, v);

  const functions = declaredFunctions();
  const publicKey = await jose.importJWK(keys.publicJwk, "ES256");
  const authDb = postgres(opts.authDbUrl, { max: 2, onnotice: () => {} });
  const refreshTokens = new Map<string, string>();

  async function verify(token: string) {
    return (await jose.jwtVerify(token, publicKey)).payload;
  }

  async function session(user: Record<string, unknown>) {
    const refresh = crypto.randomUUID().replaceAll("-", "");
    refreshTokens.set(refresh, user.id as string);
    const expiresIn = 3600;
    return {
      access_token: await signUserJwt(
        keys,
        { id: user.id as string, email: user.email as string },
        expiresIn,
      ),
      token_type: "bearer",
      expires_in: expiresIn,
      expires_at: Math.floor(Date.now() / 1000) + expiresIn,
      refresh_token: refresh,
      user,
    };
  }

  async function findUser(where: "email" | "id", value: string, password?: string) {
    const rows = await authDb`
      select id, aud, role, email, email_confirmed_at, raw_app_meta_data as app_metadata,
             raw_user_meta_data as user_metadata, created_at, updated_at, is_anonymous
      from auth.users
      where ${where === "email" ? authDb`email = ${value}` : authDb`id = ${value}`}
        ${
      password === undefined
        ? authDb``
        : authDb`and encrypted_password = extensions.crypt(${password}, encrypted_password)`
    }`;
    return rows[0] as Record<string, unknown> | undefined;
  }

  async function auth(req: Request, path: string, url: URL): Promise<Response> {
    if (path === "/auth/v1/.well-known/jwks.json") return reply({ keys: [keys.publicJwk] });
    if (path === "/auth/v1/token" && req.method === "POST") {
      const body = await req.json().catch(() => ({}));
      const grant = url.searchParams.get("grant_type");
      if (grant === "password") {
        const user = await findUser("email", String(body.email ?? ""), String(body.password ?? ""));
        if (!user) {
          return reply({
            code: 400,
            error_code: "invalid_credentials",
            msg: "Invalid login credentials",
          }, 400);
        }
        return reply(await session(user));
      }
      if (grant === "refresh_token") {
        const id = refreshTokens.get(String(body.refresh_token ?? ""));
        const user = id ? await findUser("id", id) : undefined;
        if (!user) {
          return reply({
            code: 400,
            error_code: "refresh_token_not_found",
            msg: "Invalid Refresh Token",
          }, 400);
        }
        refreshTokens.delete(String(body.refresh_token));
        return reply(await session(user));
      }
      return reply({
        code: 400,
        error_code: "unsupported_grant_type",
        msg: `grant_type ${grant} is not supported locally`,
      }, 400);
    }
    if (path === "/auth/v1/user" && req.method === "GET") {
      try {
        const claims = await verify(
          (req.headers.get("authorization") ?? "").replace(/^Bearer\s+/i, ""),
        );
        const user = await findUser("id", String(claims.sub));
        return user ? reply(user) : reply({ code: 404, msg: "User not found" }, 404);
      } catch {
        return reply({ code: 401, error_code: "bad_jwt", msg: "invalid JWT" }, 401);
      }
    }
    if (path === "/auth/v1/logout") return new Response(null, { status: 204, headers: cors });
    return fail(404, "not_found", `The local Auth stand-in does not serve ${req.method} ${path}.`);
  }

  async function invoke(req: Request, name: string, rest: string, url: URL): Promise<Response> {
    const fn = functions.get(name);
    if (!fn) {
      return fail(
        404,
        "function_not_found",
        `No function named "${name}" in supabase/config.toml.`,
      );
    }
    if (fn.verifyJwt && req.method !== "OPTIONS") {
      const header = req.headers.get("authorization") ?? "";
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) {
        return fail(
          401,
          "missing_authorization",
          "Missing authorization header: send Authorization: Bearer <JWT>.",
        );
      }
      try {
        await verify(m[1]);
      } catch (e) {
        return fail(401, "invalid_jwt", `Invalid JWT: ${(e as Error).message}`);
      }
    }
    const handler = await fn.load();
    // Hosted functions see their URL without the /functions/v1 prefix.
    const forwarded = new Request(`${apiUrl}/${name}${rest}${url.search}`, req);
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let status = 500;
    try {
      const res = await handler(forwarded);
      status = res.status;
      return res;
    } finally {
      const wallMs = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      const over = [
        wallMs > HOSTED_WALL_LIMIT_MS
          ? `wall time over the hosted ${HOSTED_WALL_LIMIT_MS / 1000} s limit`
          : "",
        cpuMs > HOSTED_CPU_LIMIT_MS
          ? `CPU time over the hosted ${HOSTED_CPU_LIMIT_MS / 1000} s limit`
          : "",
      ].filter(Boolean);
      console.log(JSON.stringify({
        fn: name,
        method: req.method,
        status,
        wall_ms: Math.round(wallMs),
        cpu_ms: Math.round(cpuMs),
        ...(over.length ? { warning: over.join("; ") } : {}),
      }));
    }
  }

  const server = Deno.serve(
    { port: opts.port, hostname: "127.0.0.1", onListen: () => {} },
    async (req) => {
      const url = new URL(req.url);
      const path = url.pathname;
      if (req.method === "OPTIONS" && !path.startsWith("/functions/v1/")) {
        // Auth preflight: allow what supabase-js asks for (it sends x-supabase-api-version, …).
        const asked = req.headers.get("access-control-request-headers");
        return new Response("ok", {
          headers: { ...cors, ...(asked ? { "access-control-allow-headers": asked } : {}) },
        });
      }
      const fnMatch = /^\/functions\/v1\/([a-z0-9][a-z0-9_-]*)(\/.*)?$/.exec(path);
      if (fnMatch) return await invoke(req, fnMatch[1], fnMatch[2] ?? "", url);
      if (path.startsWith("/auth/v1/")) return await auth(req, path, url);
      if (path.startsWith("/rest/v1/")) {
        return fail(
          501,
          "no_postgrest",
          "PostgREST cannot run on this machine; call the functions, or use SQL.",
        );
      }
      if (path === "/health") return reply({ ok: true, functions: [...functions.keys()] });
      return fail(404, "not_found", `Nothing is served at ${path}.`);
    },
  );
  return {
    url: apiUrl,
    keys,
    async close() {
      await server.shutdown();
      await authDb.end({ timeout: 2 });
    },
  };
}

/** Reads a required environment variable or exits naming it. */
function required(name: string): string {
  const v = Deno.env.get(name);
  if (!v) throw new Error(`${name} must be set`);
  return v;
}

if (import.meta.main) {
  const g = await startGateway({
    port: Number(required("API_PORT")),
    stackDir: required("STACK_DIR"),
    poolerDbUrl: required("POOLER_DB_URL"),
    authDbUrl: required("AUTH_DB_URL"),
  });
  console.log(`gateway listening on ${g.url}`);
  for (const sig of ["SIGTERM", "SIGINT"] as const) {
    Deno.addSignalListener(sig, () => g.close().finally(() => Deno.exit(0)));
  }
}

export type { StackKeys };
