/** retrieve-from-database: Notion → staging → match → three-way reconcile, for one of the caller's mappings. */
import { z } from "zod";
import { isNotionClientError } from "@notionhq/client";
import { requireUser, type UserClaims } from "../_shared/auth.ts";
import { asUser } from "../_shared/db.ts";
import { decryptToken } from "../_shared/crypto.ts";
import { HttpError, readBody, respond } from "../_shared/http.ts";
import { notionClient } from "../_shared/notion.ts";

const Body = z.strictObject({
  databaseType: z.string().min(1, "databaseType must name one of your mappings"),
  mode: z.enum(["full", "incremental"]).default("full"),
  conflictResolution: z.enum(["manual", "prefer_supabase", "prefer_notion"]).optional(),
  autoResolve: z.boolean().optional(),
  createUnmatched: z.boolean().optional(),
  dryRun: z.boolean().optional(),
});

interface StartedRun {
  run_id: string;
  mapping_id: string;
  connection_id: string;
  data_source_id: string;
}

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => {
    const claims = await requireUser(req);
    const body = await readBody(req, Body);
    const run = await asUser(claims, async (tx) => {
      const [row] =
        await tx`select notion_sync_api.start_run(${body.databaseType}, 'retrieve', ${body.mode}) as r`;
      return row.r as StartedRun;
    });
    try {
      await retrieve(claims, run, body.mode);
      const options = {
        policy: body.conflictResolution,
        auto_resolve: body.autoResolve,
        create_unmatched: body.createUnmatched,
        dry_run: body.dryRun,
      };
      return await asUser(claims, async (tx) => {
        const [{ summary }] = await tx`select notion_sync_api.reconcile(${run.run_id}, ${
          tx.json(options as never)
        }) as summary`;
        const [done] =
          await tx`select * from notion_sync_api.finish_run(${run.run_id}, 'completed')`;
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
          progress: { pagesRead: done.retrieved },
          summary,
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
  });
}

/**
 * Reads the data source schema (staged first, so validation and later runs see it), then every
 * page of the mapping's data source: each batch of 100 is staged and matched (tier 0) in one
 * transaction; a full scan then completes and matches the unmatched residue.
 */
async function retrieve(
  claims: UserClaims,
  run: StartedRun,
  mode: "full" | "incremental",
): Promise<void> {
  const ciphertext = await asUser(claims, async (tx) => {
    const [row] =
      await tx`select notion_sync.connection_token_ciphertext(${run.connection_id}) as c`;
    return row.c as string;
  });
  const notion = notionClient(await decryptToken(ciphertext));
  const dataSource = await notion.dataSources.retrieve({ data_source_id: run.data_source_id });
  await asUser(
    claims,
    (tx) => tx`select notion_sync_api.stage_schema(${tx.json(dataSource as never)})`,
  );
  let cursor: string | undefined;
  do {
    const page = await notion.dataSources.query({
      data_source_id: run.data_source_id,
      page_size: 100,
      start_cursor: cursor,
      sorts: [{ timestamp: "created_time", direction: "ascending" }],
    });
    await asUser(claims, async (tx) => {
      await tx`select notion_sync_api.stage_pages(${run.run_id}, ${
        tx.json(page.results as never)
      })`;
      await tx`select notion_sync_api.match_batch(${run.run_id}, ${page.results.map((p) => p.id)})`;
    });
    cursor = page.has_more ? page.next_cursor ?? undefined : undefined;
  } while (cursor);
  if (mode === "full") {
    await asUser(claims, async (tx) => {
      await tx`select notion_sync_api.complete_scan(${run.run_id})`;
      await tx`select notion_sync_api.match_residue(${run.run_id})`;
    });
  }
}
