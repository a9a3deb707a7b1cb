/**
 * worker: runs due jobs as each mapping's owner, through the same path as a user's request:
 * full_scan and incremental (a scheduled retrieve), continue_run (a retrieve that yielded at its
 * time budget, resumed with the options it was started with) and push (the outbox drained to
 * Notion). Called by the scheduler (notion_sync.tick, through pg_net) with the worker secret; no
 * user JWT. Which work is due is decided in SQL (notion_sync.enqueue_due_jobs).
 */
import { z } from "zod";
import { env } from "../_shared/env.ts";
import { asService } from "../_shared/db.ts";
import { HttpError, readBody, respond } from "../_shared/http.ts";
import { Body as RetrieveBody, runRetrieve } from "../retrieve-from-database/handler.ts";
import { Body as PushBody, runPush } from "../sync-from-supabase/handler.ts";

const Body = z.strictObject({
  /** Jobs this invocation may run, one after the other. */
  limit: z.number().int().min(1).max(50).default(5),
  /** Wall time this invocation may spend on them (hosted: 150 s per response). */
  timeBudgetMs: z.number().int().min(1).max(140_000).default(120_000),
});

/** No further job is taken with less time left: a retrieve needs about this to read one batch. */
const MIN_JOB_MS = 15_000;

interface Job {
  job_id: string;
  owner_id: string;
  mapping_name: string;
  kind: string;
}

/** Compares the request's worker secret in constant time; a 401 otherwise. */
function requireWorkerSecret(req: Request): void {
  const expected = env().WORKER_SECRET;
  if (!expected) {
    throw new HttpError(500, "not_configured", "WORKER_SECRET is not set for the functions.");
  }
  const given = new TextEncoder().encode(req.headers.get("x-worker-secret") ?? "");
  const want = new TextEncoder().encode(expected);
  let diff = given.length ^ want.length;
  for (let i = 0; i < want.length; i++) diff |= want[i] ^ (given[i] ?? 0);
  if (diff !== 0) {
    throw new HttpError(401, "invalid_worker_secret", "Send the worker secret as x-worker-secret.");
  }
}

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => {
    requireWorkerSecret(req);
    const body = await readBody(req, Body);
    const deadline = Date.now() + body.timeBudgetMs;
    const ran = [];
    // one job at a time, each given the time left, so the invocation ends within its budget; the
    // first is always taken, so a call always advances
    while (ran.length < body.limit && (ran.length === 0 || deadline - Date.now() >= MIN_JOB_MS)) {
      const [job] = await asService((tx) =>
        tx`select * from notion_sync.claim_jobs(1)`
      ) as unknown as Job[];
      if (!job) break;
      const timeBudgetMs = Math.max(1, Math.min(120_000, deadline - Date.now()));
      let error: string | null = null;
      let status = "done";
      try {
        // the mapping's owner, as a scheduled run has no user of its own
        const claims = { sub: job.owner_id, role: "authenticated" };
        const databaseType = job.mapping_name;
        if (job.kind === "push") {
          // a scheduled push never restores a data source gone from Notion: a person decides
          await runPush(claims, PushBody.parse({ databaseType, timeBudgetMs }), "none");
          status = "completed";
        } else if (job.kind === "full_scan" || job.kind === "incremental") {
          const mode = job.kind === "full_scan" ? "full" : "incremental";
          status = (await runRetrieve(
            claims,
            RetrieveBody.parse({ databaseType, mode, timeBudgetMs }),
          )).status;
        } else if (job.kind === "continue_run") {
          status = (await runRetrieve(claims, RetrieveBody.parse({ databaseType, timeBudgetMs })))
            .status;
        } else {
          throw new Error(`the worker does not run ${job.kind} jobs`);
        }
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        status = "failed";
      }
      await asService((tx) => tx`select notion_sync.finish_job(${job.job_id}, ${error})`);
      ran.push({
        jobId: job.job_id,
        kind: job.kind,
        mapping: job.mapping_name,
        status,
        ...(error ? { error } : {}),
      });
    }
    return { ran };
  });
}
