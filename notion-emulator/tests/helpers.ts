/** Test helpers: an in-process emulator on a random port and an SDK client pointed at it. */

import { Client } from "@notionhq/client";
import { DEMO, type RunningEmulator, startEmulator } from "../mod.ts";
import type { SeedInput } from "../seed.ts";

/** Starts an emulator on port 0 with deterministic query behaviour unless overridden. */
export async function withEmulator(
  fn: (em: RunningEmulator, notion: Client) => Promise<void>,
  opts: { seed?: SeedInput; shortPageRate?: number; timeScale?: number; retry?: boolean } = {},
): Promise<void> {
  const em = await startEmulator({
    port: 0,
    seed: opts.seed ?? "demo",
    quiet: true,
    timeScale: opts.timeScale,
    query: { shortPageRate: opts.shortPageRate ?? 0 },
    rateLimit: { mode: "off" },
  });
  const notion = sdk(em.url, DEMO.token, opts.retry ?? false);
  try {
    await fn(em, notion);
  } finally {
    await em.close();
  }
}

/** An official SDK client with only `baseUrl` changed (and fast retries when enabled). */
export function sdk(baseUrl: string, auth: string, retry = false): Client {
  return new Client({
    auth,
    baseUrl,
    retry: retry ? { maxRetries: 2, initialRetryDelayMs: 5, maxRetryDelayMs: 50 } : false,
    logLevel: "error" as any,
  });
}

/** POSTs JSON to a control endpoint and returns the parsed answer. */
export async function control(
  em: RunningEmulator,
  path: string,
  body?: unknown,
  method = "POST",
): Promise<any> {
  const res = await fetch(`${em.url}/_emulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const out = await res.json();
  if (!res.ok) throw new Error(`control ${path}: ${res.status} ${JSON.stringify(out)}`);
  return out;
}

/** Raw call to `/v1` with the demo token (for things the SDK would not send). */
export async function raw(
  em: RunningEmulator,
  method: string,
  path: string,
  opts: { body?: string; token?: string | null; version?: string | null } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? DEMO.token}`;
  if (opts.version !== null) headers["notion-version"] = opts.version ?? "2025-09-03";
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${em.url}/v1/${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch { /* not JSON */ }
  return { status: res.status, body, headers: res.headers };
}
