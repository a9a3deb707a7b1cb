/** retrieve-from-database: Notion → staging → apply, for one of the caller's mappings. */
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
});

interface StartedRun {
  run_id: string;
  mapping_id: string;
  connection_id: string;
  data_source_id: string;
}

interface FinishedRun {
  status: string;
  retrieved: number;
  inserted: number;
  updated: number;
  unchanged: number;
  conflicts: number;
  errors: unknown[];
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
      await retrieve(claims, run);
      const finished = await asUser(claims, async (tx) => {
        await tx`select notion_sync_api.apply_run(${run.run_id})`;
        const [row] =
          await tx`select * from notion_sync_api.finish_run(${run.run_id}, 'completed')`;
        return row as unknown as FinishedRun;
      });
      return {
        success: true,
        runId: run.run_id,
        status: finished.status,
        retrieved: finished.retrieved,
        matched: finished.updated + finished.unchanged,
        conflicts: finished.conflicts,
        newRecords: finished.inserted,
        errors: finished.errors,
        progress: { pagesRead: finished.retrieved },
      };
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

/** Reads every page of the mapping's data source and stages it, one SQL call per batch of 100. */
async function retrieve(claims: UserClaims, run: StartedRun): Promise<void> {
  const ciphertext = await asUser(claims, async (tx) => {
    const [row] =
      await tx`select notion_sync.connection_token_ciphertext(${run.connection_id}) as c`;
    return row.c as string;
  });
  const notion = notionClient(await decryptToken(ciphertext));
  let cursor: string | undefined;
  do {
    const page = await notion.dataSources.query({
      data_source_id: run.data_source_id,
      page_size: 100,
      start_cursor: cursor,
      sorts: [{ timestamp: "created_time", direction: "ascending" }],
    });
    await asUser(
      claims,
      (tx) =>
        tx`select notion_sync_api.stage_pages(${run.run_id}, ${tx.json(page.results as never)})`,
    );
    cursor = page.has_more ? page.next_cursor ?? undefined : undefined;
  } while (cursor);
}
