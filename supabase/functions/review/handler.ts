/**
 * review: what the web client reads and decides — rows, runs, open conflicts side by side, the
 * questions a revert left, a person's recent decisions, recovery status, health, staged pages, the
 * outbox — and the decisions a person takes (resolve, undo, revert a run, pause / resume a
 * mapping, cancel a run), all through asUser, RLS-protected views and the exposed RPCs. Another
 * user's mapping, conflict or run is not found (404).
 */
import { z } from "zod";
import { requireUser } from "../_shared/auth.ts";
import { asUser, type Tx } from "../_shared/db.ts";
import { HttpError, readBody, respond } from "../_shared/http.ts";

const mappingName = z.string().min(
  1,
  "databaseType must name one of your mappings",
);
const uuid = z.uuid();
const resolveAction = z.enum([
  "prefer_supabase",
  "prefer_notion",
  "merge",
  "skip",
]);
/** Merge choices: {column: "notion" | "supabase"}, {record_key}, or {approve} (see resolve_conflict). */
const choices = z.record(z.string(), z.string());

const Body = z.discriminatedUnion("action", [
  z.strictObject({
    action: z.literal("rows"),
    databaseType: mappingName,
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  z.strictObject({
    action: z.literal("runs"),
    databaseType: mappingName.optional(),
    limit: z.number().int().min(1).max(100).default(20),
  }),
  z.strictObject({
    action: z.literal("conflicts"),
    databaseType: mappingName.optional(),
    runId: uuid.optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  z.strictObject({
    action: z.literal("decisions"),
    databaseType: mappingName,
    limit: z.number().int().min(1).max(100).default(20),
  }),
  z.strictObject({
    action: z.literal("reverted"),
    databaseType: mappingName.optional(),
    runId: uuid.optional(),
    limit: z.number().int().min(1).max(1000).default(200),
  }),
  z.strictObject({
    action: z.literal("recovery"),
    databaseType: mappingName.optional(),
  }),
  z.strictObject({
    action: z.literal("health"),
    databaseType: mappingName.optional(),
  }),
  z.strictObject({
    action: z.literal("staged"),
    databaseType: mappingName,
    match: z.enum(["linked", "in_review", "unmatched"]).optional(),
    limit: z.number().int().min(1).max(1000).default(100),
    offset: z.number().int().min(0).default(0),
  }),
  z.strictObject({
    action: z.literal("outbox"),
    databaseType: mappingName,
    status: z.enum(["pending", "in_flight", "done", "failed", "cancelled"])
      .optional(),
    limit: z.number().int().min(1).max(1000).default(100),
  }),
  z.strictObject({
    action: z.literal("resolve"),
    conflictId: uuid.optional(),
    conflictIds: z.array(uuid).min(1).max(1000).optional(),
    runId: uuid.optional(),
    resolution: resolveAction,
    choices: choices.default({}),
    /** The version of the conflict the person saw (conflicts' `version`): another one answers stale. */
    version: z.string().optional(),
    /** The same for a list: conflict id → version seen. */
    versions: z.record(uuid, z.string()).optional(),
  }),
  z.strictObject({ action: z.literal("undo"), conflictId: uuid }),
  z.strictObject({ action: z.literal("revert"), runId: uuid }),
  z.strictObject({ action: z.literal("pause"), databaseType: mappingName }),
  z.strictObject({ action: z.literal("resume"), databaseType: mappingName }),
  z.strictObject({ action: z.literal("cancel"), runId: uuid }),
]);

type Body = z.infer<typeof Body>;

function badRequest(message: string): HttpError {
  return new HttpError(400, "invalid_request", message);
}

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => {
    const claims = await requireUser(req);
    const body = await readBody(req, Body);
    return await asUser(claims, (tx) => act(tx, body));
  });
}

async function act(tx: Tx, body: Body): Promise<unknown> {
  switch (body.action) {
    case "rows": {
      const rows =
        await tx`select r from notion_sync_api.mapping_rows(${body.databaseType}, ${body.limit}) r`;
      return { rows: rows.map((x) => x.r) };
    }
    case "runs": {
      if (body.databaseType) await requireMapping(tx, body.databaseType);
      const runs = await tx`
        select * from notion_sync_api.runs
        where ${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null}
        order by started_at desc
        limit ${body.limit}`;
      return { runs };
    }
    case "conflicts":
      return await conflicts(tx, body);
    case "decisions": {
      // the questions a person answered, newest first, each saying whether undo can undo it
      await requireMapping(tx, body.databaseType);
      const decisions = await tx`
        select * from notion_sync_api.decisions
        where mapping = ${body.databaseType}
        order by decided_at desc, conflict_id
        limit ${body.limit}`;
      return { decisions };
    }
    case "reverted": {
      // the questions a revert left, each with the answer that brings its side back (bring_back)
      if (!body.databaseType && !body.runId) {
        throw badRequest("reverted needs databaseType (a mapping) or runId (a run)");
      }
      if (body.databaseType) await requireMapping(tx, body.databaseType);
      if (body.runId) await requireRun(tx, body.runId);
      const questions = await tx`
        select * from notion_sync_api.reverted_questions
        where (${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null})
          and (${body.runId ?? null}::uuid is null or run_id = ${body.runId ?? null})
        order by reverted_at desc, conflict_id
        limit ${body.limit}`;
      return { questions };
    }
    case "recovery": {
      if (body.databaseType) await requireMapping(tx, body.databaseType);
      const recovery = await tx`
        select * from notion_sync_api.recovery
        where ${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null}
        order by mapping`;
      return { recovery };
    }
    case "health": {
      if (body.databaseType) await requireMapping(tx, body.databaseType);
      const health = await tx`
        select * from notion_sync_api.health
        where ${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null}
        order by mapping`;
      return { health };
    }
    case "staged": {
      await requireMapping(tx, body.databaseType);
      const pages = await tx`
        select * from notion_sync_api.staged_pages
        where mapping = ${body.databaseType}
          and (${body.match ?? null}::text is null or match = ${body.match ?? null})
        order by staged_at desc, page_id
        limit ${body.limit} offset ${body.offset}`;
      return { pages };
    }
    case "outbox": {
      await requireMapping(tx, body.databaseType);
      const outbox = await tx`
        select * from notion_sync_api.outbox
        where mapping = ${body.databaseType}
          and (${body.status ?? null}::text is null or status = ${body.status ?? null})
        order by created_at desc, outbox_id desc
        limit ${body.limit}`;
      return { outbox };
    }
    case "resolve":
      return await resolve(tx, body);
    case "undo": {
      const [row] = await tx`select notion_sync_api.undo_resolution(${body.conflictId}) as r`;
      return { conflictId: body.conflictId, ...row.r };
    }
    case "revert": {
      const [row] = await tx`select notion_sync_api.revert_run(${body.runId}) as r`;
      return { runId: body.runId, ...row.r };
    }
    case "pause":
    case "resume": {
      const [row] = await tx`select notion_sync_api.set_mapping_paused(${body.databaseType}, ${
        body.action === "pause"
      }) as r`;
      return row.r;
    }
    case "cancel": {
      const [row] = await tx`select notion_sync_api.cancel_run(${body.runId}) as r`;
      return row.r;
    }
  }
}

/** 404 unless the caller has a mapping of that name. */
async function requireMapping(tx: Tx, name: string): Promise<string> {
  const [row] = await tx`select notion_sync_api.mapping_id(${name})::text as id`;
  return row.id as string;
}

/** 404 unless the run is one of the caller's. */
async function requireRun(tx: Tx, runId: string): Promise<void> {
  const [row] = await tx`select 1 from notion_sync_api.runs where run_id = ${runId}`;
  if (!row) throw new HttpError(404, "not_found", `run ${runId} not found`);
}

interface ConflictField {
  field: string;
  base: unknown;
  notion: unknown;
  supabase: unknown;
}

/** Open conflicts of a mapping or a run, one entry per conflict with its fields side by side. */
async function conflicts(tx: Tx, body: Extract<Body, { action: "conflicts" }>) {
  if (!body.databaseType && !body.runId) {
    throw badRequest(
      "conflicts needs databaseType (a mapping) or runId (a run)",
    );
  }
  if (body.databaseType) await requireMapping(tx, body.databaseType);
  if (body.runId) await requireRun(tx, body.runId);
  const rows = await tx`
    with picked as (
      select distinct conflict_id, created_at from notion_sync_api.open_conflicts
      where (${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null})
        and (${body.runId ?? null}::uuid is null or run_id = ${body.runId ?? null})
      order by created_at, conflict_id
      limit ${body.limit})
    select c.* from notion_sync_api.open_conflicts c join picked p using (conflict_id)
    order by c.created_at, c.conflict_id, c.field`;
  const byId = new Map<
    string,
    Record<string, unknown> & { fields: ConflictField[] }
  >();
  for (const r of rows) {
    let entry = byId.get(r.conflict_id);
    if (!entry) {
      entry = {
        conflict_id: r.conflict_id,
        mapping: r.mapping,
        kind: r.kind,
        page_id: r.page_id,
        page_title: r.page_title,
        record_key: r.record_key,
        run_id: r.run_id,
        created_at: r.created_at,
        details: r.details,
        version: r.version,
        fields: [],
      };
      byId.set(r.conflict_id, entry);
    }
    if (r.field !== null) {
      entry.fields.push({
        field: r.field,
        base: r.base,
        notion: r.notion,
        supabase: r.supabase,
      });
    }
  }
  const [{ total }] = await tx`
    select count(distinct conflict_id)::int as total from notion_sync_api.open_conflicts
    where (${body.databaseType ?? null}::text is null or mapping = ${body.databaseType ?? null})
      and (${body.runId ?? null}::uuid is null or run_id = ${body.runId ?? null})`;
  // total: how many are open, of which the first `limit` (oldest first) are listed
  return { conflicts: [...byId.values()], total };
}

/** Resolves one conflict, a list (one transaction: all or nothing), or every open one of a run. */
async function resolve(tx: Tx, body: Extract<Body, { action: "resolve" }>) {
  const given = [body.conflictId, body.conflictIds, body.runId].filter((x) => x !== undefined);
  if (given.length !== 1) {
    throw badRequest(
      "resolve needs exactly one of conflictId, conflictIds or runId",
    );
  }
  if (body.runId) {
    if (Object.keys(body.choices).length) {
      throw badRequest(
        "choices apply to one conflict or a list, not to a whole run",
      );
    }
    if (body.version !== undefined || body.versions !== undefined) {
      throw badRequest("version and versions apply to one conflict or a list, not to a whole run");
    }
    await requireRun(tx, body.runId);
    const [row] = await tx`
      select notion_sync_api.resolve_conflicts(null, ${body.runId}::uuid, ${body.resolution}) as r`;
    return { runId: body.runId, counts: row.r };
  }
  if (body.version !== undefined && !body.conflictId) {
    throw badRequest("version goes with conflictId; for conflictIds, give versions");
  }
  const ids = body.conflictId ? [body.conflictId] : [...new Set(body.conflictIds)];
  const seen = body.conflictId && body.version !== undefined
    ? { [body.conflictId]: body.version }
    : body.versions ?? {};
  const results = [];
  const counts: Record<string, number> = {};
  for (const id of ids) {
    const [row] = await tx`
      select notion_sync_api.resolve_seen_conflict(${id}, ${
      seen[id] ?? null
    }, ${body.resolution}, ${tx.json(body.choices)}) as r`;
    results.push({ conflictId: id, ...row.r });
    counts[row.r.status] = (counts[row.r.status] ?? 0) + 1;
  }
  return body.conflictId ? results[0] : { results, counts };
}
