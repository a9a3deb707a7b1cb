/** retrieve-from-database: Notion → staging → match → three-way reconcile, for one of the caller's mappings. */
import { z } from "zod";
import { isNotionClientError } from "@notionhq/client";
import { requireUser, type UserClaims } from "../_shared/auth.ts";
import { asUser } from "../_shared/db.ts";
import { HttpError, readBody, respond } from "../_shared/http.ts";
import {
  type BudgetedNotion,
  completeTruncated,
  connectionNotion,
  MAX_BACKOFF_MS,
  notionFailure,
  NotionNetworkError,
  notionStatus,
} from "../_shared/notion.ts";
import { RateBudgetWaitTooLong } from "../_shared/rate_budget.ts";
import { stagePages } from "../_shared/staging.ts";

/** The request body (the worker builds one to continue a run). */
export const Body = z.strictObject({
  databaseType: z.string().min(
    1,
    "databaseType must name one of your mappings",
  ),
  mode: z.enum(["full", "incremental"]).default("full"),
  conflictResolution: z.enum(["manual", "prefer_supabase", "prefer_notion"])
    .optional(),
  autoResolve: z.boolean().optional(),
  createUnmatched: z.boolean().optional(),
  dryRun: z.boolean().optional(),
  /** Wall time this invocation may spend reading before it answers "running" (hosted: 150 s). */
  timeBudgetMs: z.number().int().min(1).max(140_000).default(120_000),
});

interface StartedRun {
  run_id: string;
  mapping_id: string;
  connection_id: string;
  data_source_id: string;
  resumed: boolean;
  checkpoint: Checkpoint;
}

/** Where a retrieve stands, saved after every batch (notion_sync.runs.checkpoint). */
interface Checkpoint {
  cursor?: string | null;
  /** Start of the current window: pages created (full) or edited (incremental) on or after it. */
  window_start?: string | null;
  /** The sort key of the last page staged, where a window restarts when a cursor is gone. */
  last_key?: string | null;
  batches?: number;
  scan_done?: boolean;
}

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => runRetrieve(await requireUser(req), await readBody(req, Body)));
}

/** A retrieve for a signed-in user (or, from the worker, for a mapping's owner). */
export async function runRetrieve(claims: UserClaims, body: z.infer<typeof Body>) {
  const started = performance.now();
  const run = await asUser(claims, async (tx) => {
    const [row] =
      await tx`select notion_sync_api.start_run(${body.databaseType}, 'retrieve', ${body.mode}) as r`;
    return row.r as StartedRun;
  });
  // the run's options, so a continuation (the next call or the worker) reconciles the same way: a
  // dry run stays dry, whatever the call that finishes it says
  const [{ dry_run: dryRun }] = await asUser(
    claims,
    (tx) =>
      run.resumed
        ? tx`select dry_run from notion_sync.runs where run_id = ${run.run_id}`
        : tx`update notion_sync.runs set dry_run = ${body.dryRun ?? false}, options = ${
          tx.json({
            policy: body.conflictResolution,
            auto_resolve: body.autoResolve,
            create_unmatched: body.createUnmatched,
          } as never)
        } where run_id = ${run.run_id} returning dry_run`,
  );
  const deadline = Date.now() + body.timeBudgetMs - (performance.now() - started);
  try {
    const notion = await connectionNotion(claims, run.connection_id, deadline);
    const finished = await retrieve(claims, run, notion, deadline);
    if (!finished) {
      // out of time: the lease is given back and a continue_run job queued; the next call
      // (or the worker) resumes from the checkpoint
      await asUser(
        claims,
        (tx) => tx`select notion_sync_api.yield_run(${run.run_id})`,
      );
      const [progress] = await asUser(
        claims,
        (tx) => tx`select retrieved, checkpoint from notion_sync.runs where run_id = ${run.run_id}`,
      );
      return {
        success: true,
        runId: run.run_id,
        status: "running",
        retrieved: progress.retrieved,
        matched: 0,
        conflicts: 0,
        newRecords: 0,
        errors: [],
        progress: {
          pagesRead: progress.retrieved,
          batches: progress.checkpoint.batches ?? 0,
          resumed: run.resumed,
        },
      };
    }
    const options = {
      policy: body.conflictResolution,
      auto_resolve: body.autoResolve,
      create_unmatched: body.createUnmatched,
    };
    const summary = await asUser(claims, async (tx) => {
      const [{ summary }] = await tx`select notion_sync_api.reconcile(${run.run_id}, ${
        tx.json(options as never)
      }) as summary`;
      return summary;
    });
    // while the run still holds the mapping, so what the delete policy does is the run's (revert_run)
    const missingPages = dryRun
      ? undefined
      : await verifyMissingPages(claims, body.databaseType, run.run_id, notion, deadline);
    return await asUser(claims, async (tx) => {
      const [done] = await tx`select * from notion_sync_api.finish_run(${run.run_id}, 'completed')`;
      const [{ matched }] = await tx`
          select count(*)::int as matched from notion_sync.staged_pages sp
          join notion_sync.links l on l.mapping_id = sp.mapping_id and l.page_id = sp.page_id
          where sp.mapping_id = ${run.mapping_id} and sp.seen_in_run = ${run.run_id}`;
      return {
        success: true,
        runId: run.run_id,
        status: done.status,
        retrieved: done.retrieved,
        matched: matched - done.inserted,
        conflicts: done.conflicts,
        newRecords: done.inserted,
        errors: done.errors,
        progress: {
          pagesRead: done.retrieved,
          batches: done.checkpoint.batches ?? 0,
          resumed: run.resumed,
        },
        summary,
        ...(missingPages ? { missingPages } : {}),
      };
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await asUser(
      claims,
      (tx) => tx`select notion_sync_api.finish_run(${run.run_id}, 'failed', ${message})`,
    )
      .catch((finishError) => console.error("could not mark run failed:", finishError));
    if (isNotionClientError(e)) {
      throw new HttpError(502, "notion_error", `Notion answered: ${message}`);
    }
    throw e;
  }
}

/**
 * Reads what the run's plan says (SQL decides full or incremental and the watermark), in batches
 * of 100: each batch has its truncated values completed, is staged and matched (tier 0) in one
 * transaction, and the checkpoint saved. A query that hits Notion's 10,000-result cap continues in
 * a new window starting at the last sort key seen; a resumed run continues from its cursor (or,
 * when Notion no longer knows the cursor, from its last sort key). Returns false when the time
 * budget ran out before the scan finished.
 */
async function retrieve(
  claims: UserClaims,
  run: StartedRun,
  notion: BudgetedNotion,
  deadline: number,
): Promise<boolean> {
  const outOfTime = () => Date.now() > deadline;
  try {
    return await read(claims, run, notion, outOfTime);
  } catch (e) {
    // the shared rate budget would make this invocation wait past its time: yield, go on later
    if (e instanceof RateBudgetWaitTooLong) return false;
    // a passing Notion failure (5xx, 429, timeout, network) whose retries the time budget cut
    // short: yield too, so the continuation retries from the checkpoint (a failed run starts over)
    const fromNotion = isNotionClientError(e) || e instanceof NotionNetworkError;
    if (fromNotion && TRANSIENT.has(notionFailure(e)) && Date.now() > deadline - MAX_BACKOFF_MS) {
      return false;
    }
    throw e;
  }
}

/** Notion failures that pass: retried while the time budget allows, else left to a continuation. */
const TRANSIENT = new Set([
  "rate_limited",
  "overloaded",
  "server",
  "timeout",
  "network",
  "conflict",
]);

/** The reading loop of retrieve (see there). */
async function read(
  claims: UserClaims,
  run: StartedRun,
  notion: BudgetedNotion,
  outOfTime: () => boolean,
): Promise<boolean> {
  const dataSource = await notion.read((c) =>
    c.dataSources.retrieve({ data_source_id: run.data_source_id })
  );
  const plan = await asUser(claims, async (tx) => {
    const [{ staged }] = await tx`select notion_sync_api.stage_schema(${
      tx.json(dataSource as never)
    }) as staged`;
    const [{ p }] =
      await tx`select notion_sync_api.retrieve_plan(${run.run_id}, ${staged.changed}) as p`;
    return p as {
      mode: "full" | "incremental";
      edited_on_or_after: string | null;
      checkpoint: Checkpoint;
    };
  });
  const key = plan.mode === "full" ? "created_time" : "last_edited_time";
  let checkpoint: Checkpoint = plan.checkpoint;
  if (!checkpoint.scan_done) {
    let windowStart = checkpoint.window_start ?? plan.edited_on_or_after ??
      null;
    let cursor = checkpoint.cursor ?? undefined;
    let batches = checkpoint.batches ?? 0;
    while (true) {
      const filter = windowStart
        ? { timestamp: key, [key]: { on_or_after: windowStart } }
        : undefined;
      let page;
      try {
        page = await notion.read((c) =>
          c.dataSources.query({
            data_source_id: run.data_source_id,
            page_size: 100,
            start_cursor: cursor,
            sorts: [{ timestamp: key, direction: "ascending" }],
            ...(filter ? { filter: filter as never } : {}),
          })
        );
      } catch (e) {
        if (
          cursor && isNotionClientError(e) &&
          (e as { status?: number }).status === 400
        ) {
          // the saved cursor is no longer valid: restart the window at the last key staged
          cursor = undefined;
          windowStart = checkpoint.last_key ?? windowStart;
          continue;
        }
        throw e;
      }
      const pages = await completeTruncated(
        notion,
        page.results as Record<string, any>[],
      );
      const last = pages.at(-1)?.[key] ?? checkpoint.last_key ?? null;
      // Notion marks every page of a query past its 10,000-result cap incomplete, and answers
      // has_more false at the cap: the window restarts there, at the last key read (pages of that
      // minute are read again), not after every batch, which re-read the same 100 pages for ever
      // when 100 pages shared a minute (a bulk restore creates about 180 a minute)
      const capped = !page.has_more &&
        (page as { request_status?: { type?: string } }).request_status?.type === "incomplete";
      if (capped && last === windowStart) {
        throw new Error(
          `more than Notion's 10,000 query results of data source ${run.data_source_id} share ` +
            `the ${key} ${last}: a window starting there cannot get past them`,
        );
      }
      const next: Checkpoint = capped
        ? {
          cursor: null,
          window_start: last,
          last_key: last,
          batches: batches + 1,
        }
        : {
          cursor: page.has_more ? page.next_cursor : null,
          window_start: windowStart,
          last_key: last,
          batches: batches + 1,
        };
      const done = !capped && !page.has_more;
      checkpoint = await asUser(claims, async (tx) => {
        await stagePages(tx, run.run_id, pages);
        await tx`select notion_sync_api.match_batch(${run.run_id}, ${
          pages.map((p) => p.id as string)
        })`;
        const [{ c }] = await tx`select notion_sync_api.save_checkpoint(${run.run_id}, ${
          tx.json({ ...next, scan_done: done } as never)
        }) as c`;
        return c as Checkpoint;
      });
      // at least one batch per invocation, so a run always advances; a scan that ends past the
      // budget leaves the reconcile (as long again for a large import) to the continuation, which
      // starts with a whole budget, rather than run it past the hosted wall clock
      if (outOfTime()) return false;
      if (done) break;
      batches += 1;
      cursor = next.cursor ?? undefined;
      windowStart = next.window_start ?? null;
    }
  }
  await asUser(claims, async (tx) => {
    if (plan.mode === "full") {
      await tx`select notion_sync_api.complete_scan(${run.run_id})`;
      await tx`select notion_sync_api.match_residue(${run.run_id})`;
    }
    await tx`select notion_sync_api.complete_retrieve(${run.run_id})`;
  });
  return true;
}

/**
 * Retrieves each page a completed full scan missed (pages_to_verify: its page_missing question
 * still "unverified") and hands Notion's answer, the page or a 404, to verify_missing_page, which
 * decides the state (trashed, moved, present, unshared) and applies the delete policy. A page
 * Notion refuses otherwise than with a 404 (another 4xx) is skipped; the deadline, or a failure
 * that outlasted the retries, stops the loop. What is left stays unverified and a later run
 * retrieves it; `error` is the last refusal. The run still holds the mapping, so a record the
 * delete policy deletes is the run's change.
 */
async function verifyMissingPages(
  claims: UserClaims,
  mapping: string,
  runId: string,
  notion: BudgetedNotion,
  deadline: number,
) {
  const pending = await asUser(
    claims,
    (tx) => tx`select page_id from notion_sync_api.pages_to_verify(${mapping})`,
  );
  const states: Record<string, number> = {};
  let left = pending.length;
  let error: string | undefined;
  for (const { page_id } of pending) {
    if (Date.now() > deadline) break;
    let page: unknown = null;
    try {
      page = await notion.read((c) => c.pages.retrieve({ page_id }));
    } catch (e) {
      if (notionStatus(e) !== 404) {
        error = e instanceof RateBudgetWaitTooLong
          ? "out of time waiting for the Notion rate budget"
          : `retrieving page ${page_id}: ${e instanceof Error ? e.message : String(e)}`;
        // a refusal of this page alone (a 4xx) does not hold up the pages after it
        if (notionFailure(e) === "permanent") continue;
        break;
      }
    }
    const [{ r }] = await asUser(
      claims,
      (tx) =>
        tx`select notion_sync_api.verify_missing_page(${mapping}, ${page_id}, ${
          page === null ? null : tx.json(page as never)
        }, ${runId}) as r`,
    );
    states[r.state] = (states[r.state] ?? 0) + 1;
    left -= 1;
  }
  return { verified: states, left, ...(error ? { error } : {}) };
}
