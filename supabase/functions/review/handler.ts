/** review: what the web client reads — a mapping's rows and recent runs — through asUser and RLS. */
import { z } from "zod";
import { requireUser } from "../_shared/auth.ts";
import { asUser } from "../_shared/db.ts";
import { readBody, respond } from "../_shared/http.ts";

const Body = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("rows"),
    databaseType: z.string().min(1),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  z.strictObject({
    action: z.literal("runs"),
    databaseType: z.string().min(1).optional(),
    limit: z.number().int().min(1).max(100).default(20),
  }),
]);

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => {
    const claims = await requireUser(req);
    const body = await readBody(req, Body);
    return await asUser(claims, async (tx) => {
      if (body.action === "rows") {
        const rows =
          await tx`select r from notion_sync_api.mapping_rows(${body.databaseType}, ${body.limit}) r`;
        return { rows: rows.map((x) => x.r) };
      }
      const runs = await tx`
        select * from notion_sync_api.runs
        where ${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null}
        order by started_at desc
        limit ${body.limit}`;
      return { runs };
    });
  });
}
