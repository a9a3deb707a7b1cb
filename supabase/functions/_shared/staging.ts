/** Stages a batch of Notion pages in two calls: digests first, then only the pages Postgres lacks. */
import { createHash } from "node:crypto";
import type { Tx } from "./db.ts";

/** The md5 of the JSON text of a page's properties, the text `stage_pages` hashes as it arrives. */
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
  const full = pages.filter((p) => wanted.has(p.id as string));
  if (full.length > 0) {
    // sent as text and cast, so Postgres hashes exactly the text hashed here (a json parameter
    // would be serialized again by the driver)
    await tx`select notion_sync_api.stage_pages(${runId}, ${JSON.stringify(full)}::text::json)`;
  }
  return full.length;
}
