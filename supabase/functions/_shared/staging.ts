/** Stages a batch of Notion pages in two calls: digests first, then only the pages Postgres lacks. */
import { createHash } from "node:crypto";
import type { Tx } from "./db.ts";

/** The md5 of the JSON text of a page's properties as sent: the digest `pages_to_stage` compares. */
function propertiesMd5(page: Record<string, unknown>): string {
  return createHash("md5").update(JSON.stringify(page.properties ?? null)).digest("hex");
}

/**
 * Stages pages (at most 100) for a running run in the caller's transaction: `pages_to_stage` marks
 * those staged unchanged as seen and names the rest, which `stage_pages` stages in full. Returns
 * how many were sent in full.
 */
export async function stagePages(
  tx: Tx,
  runId: string,
  pages: Record<string, unknown>[],
): Promise<number> {
  const digests = pages.map((p) => ({
    id: p.id,
    last_edited_time: p.last_edited_time,
    in_trash: p.in_trash,
    archived: p.archived,
    properties_md5: propertiesMd5(p),
  }));
  const [{ ids }] = await tx`select notion_sync_api.pages_to_stage(${runId}, ${
    tx.json(digests as never)
  }) as ids`;
  const wanted = new Set(ids as string[]);
  const full = pages.flatMap((p, i) =>
    wanted.has(p.id as string) ? [{ page: p, digest: digests[i] }] : []
  );
  if (full.length > 0) {
    // the pages go with their digests, which Postgres stores for the next pages_to_stage (text
    // cast to jsonb: a jsonb parameter would be serialized by the driver, a string as a string)
    await tx`select notion_sync_api.stage_pages(${runId}, ${
      JSON.stringify(full.map((f) => f.page))
    }::text::jsonb, ${full.map((f) => f.digest.properties_md5)}::text[])`;
  }
  return full.length;
}
