/**
 * The sending half of the local pg_net stand-in (stack/shim.sql): takes the requests that
 * net.http_post queued in committed transactions, sends each one (side by side, each with its own
 * timeout, as pg_net's background worker does) and keeps the answer in net._http_response. This
 * is how the scheduler's tick (notion_sync.tick, run by pg_cron) reaches the worker function
 * locally. Local only: on hosted Supabase, pg_net does this.
 *
 *   DB_URL=... deno run -A stack/net_sender.ts
 */
import postgres from "postgres";

const dbUrl = Deno.env.get("DB_URL");
if (!dbUrl) throw new Error("DB_URL is not set");
const POLL_MS = 500;

const sql = postgres(dbUrl, { max: 2, onnotice: () => {} });

interface Queued {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Uint8Array | null;
  timeout_milliseconds: number;
}

/** Sends one request and records its answer (or why there is none). */
async function send(r: Queued): Promise<void> {
  let row: Record<string, unknown>;
  try {
    const res = await fetch(r.url, {
      method: r.method,
      headers: r.headers,
      body: r.body ? new TextDecoder().decode(r.body) : undefined,
      signal: AbortSignal.timeout(r.timeout_milliseconds),
    });
    row = {
      status_code: res.status,
      content_type: res.headers.get("content-type"),
      headers: Object.fromEntries(res.headers),
      content: await res.text(),
      timed_out: false,
      error_msg: null,
    };
  } catch (e) {
    const timedOut = e instanceof DOMException && e.name === "TimeoutError";
    row = {
      status_code: null,
      content_type: null,
      headers: null,
      content: null,
      timed_out: timedOut,
      error_msg: e instanceof Error ? e.message : String(e),
    };
  }
  await sql`insert into net._http_response ${sql({ id: r.id, ...row } as never)}`;
}

for (;;) {
  try {
    const taken = await sql<Queued[]>`
      delete from net.http_request_queue
      where id in (select id from net.http_request_queue order by id limit 20 for update skip locked)
      returning id::text, method, url, headers, body, timeout_milliseconds`;
    for (const r of taken) {
      send(r).catch((e) => console.error(`net request ${r.id}:`, e));
    }
    if (taken.length === 0) await new Promise((done) => setTimeout(done, POLL_MS));
  } catch (e) {
    console.error("net sender:", e instanceof Error ? e.message : e);
    await new Promise((done) => setTimeout(done, 5 * POLL_MS));
  }
}
