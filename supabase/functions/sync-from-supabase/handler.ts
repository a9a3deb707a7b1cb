/**
 * sync-from-supabase: drains a mapping's outbox to Notion — updates (pre-read, pre-push check,
 * PATCH of what the check returns, confirmation from the answer), idempotent creates, trashes and
 * restores. Every decision is SQL (check_push, create_lookup, match_created_page, plan_restore);
 * this function only moves data, through the integration's shared rate budget.
 */
import { z } from "zod";
import { type Client, isNotionClientError } from "@notionhq/client";
import { requireUser, type UserClaims } from "../_shared/auth.ts";
import { asUser, type Tx } from "../_shared/db.ts";
import { HttpError, readBody, respond } from "../_shared/http.ts";
import {
  backoffMs,
  type BudgetedNotion,
  completeTruncated,
  connectionNotion,
  isRefused,
  notionFailure,
  NotionNetworkError,
  notionStatus,
  retryAfterSeconds,
  UnknownOutcomeError,
} from "../_shared/notion.ts";
import { RateBudgetWaitTooLong, sleep } from "../_shared/rate_budget.ts";

/** The request body (the worker builds one for a scheduled push). */
export const Body = z.strictObject({
  databaseType: z.string().min(
    1,
    "databaseType must name one of your mappings",
  ),
  recordIds: z.array(z.string().min(1)).min(1).max(1000).optional(),
  dryRun: z.boolean().optional(),
  /**
   * Create the mapping's data source again, with a page per record, when Notion answers 404 for it.
   * Notion answers the same for one deleted for good and one no longer shared with the integration,
   * so only a person who knows it is gone may ask for this.
   */
  restoreDataSource: z.boolean().optional(),
  /**
   * Wall time this invocation may spend sending (hosted: 150 s per response, with room to finish
   * an item); what is left stays in the outbox for the next push.
   */
  timeBudgetMs: z.number().int().min(1).max(140_000).default(100_000),
});
/** Attempts of one write within an invocation after unknown outcomes (each checked first). */
const WRITE_ATTEMPTS = 4;
/** Attempts of an update Notion refuses (429, 529), each after a new pre-read. */
const REFUSED_WRITE_ATTEMPTS = 8;
/** Outbox items claimed at a time. */
const CLAIM_BATCH = 10;
/**
 * Seconds before a create whose outcome is unknown (a timeout, 5xx, reset or unreadable answer
 * without `committed_resource_id`) is looked up again, when a lookup right away did not find its
 * page: Notion may still commit it until its 60 s request maximum has passed (our timeout is at
 * most 30 s; a gateway may give up before its backend does), and a new page may show in queries
 * only some time later. A second create is sent only after a lookup made then finds nothing.
 */
const UNCONFIRMED_CREATE_WAIT_SECONDS = 120;

interface StartedRun {
  run_id: string;
  mapping_id: string;
  connection_id: string;
  data_source_id: string;
}

interface OutboxItem {
  outbox_id: string;
  op: "create" | "update" | "trash" | "restore" | "move";
  page_id: string | null;
  record_key: string | null;
  properties: Record<string, unknown>;
  attempts: number;
}

interface Counts {
  pushed: number;
  created: number;
  trashed: number;
  restored: number;
  moved: number;
  conflicts: number;
  failed: number;
}

type Page = Record<string, unknown> & { id: string; in_trash?: boolean };

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(
    req,
    async () => runPush(await requireUser(req), await readBody(req, Body)),
  );
}

/**
 * What a push may do about a data source gone from Notion: nothing (a scheduled push: the run fails
 * saying so), un-trash it (a call: a person or their app asked for this push), or also create it
 * again when Notion answers 404 (a call with restoreDataSource).
 */
export type SourceRestore = "none" | "untrash" | "recreate";

/** A push (or its dry run) for a signed-in user (or, from the worker, for a mapping's owner). */
export async function runPush(
  claims: UserClaims,
  body: z.infer<typeof Body>,
  restore: SourceRestore = body.restoreDataSource ? "recreate" : "untrash",
) {
  if (body.dryRun) {
    return await preview(claims, body.databaseType, body.recordIds);
  }
  const run = await asUser(claims, async (tx) => {
    const [row] =
      await tx`select notion_sync_api.start_run(${body.databaseType}, 'push', 'full') as r`;
    return row.r as StartedRun;
  });
  try {
    const deadline = Date.now() + body.timeBudgetMs;
    const counts = await drain(
      claims,
      run,
      body.databaseType,
      deadline,
      restore,
      body.recordIds,
    );
    return await asUser(claims, async (tx) => {
      const pending = await pendingCount(tx, body.databaseType, body.recordIds);
      await tx`update notion_sync.runs set summary = ${tx.json({ ...counts, pending } as never)}
               where run_id = ${run.run_id}`;
      await tx`select notion_sync_api.finish_run(${run.run_id}, 'completed')`;
      return { success: true, runId: run.run_id, ...counts, pending };
    });
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    await asUser(
      claims,
      (tx) => tx`select notion_sync_api.finish_run(${run.run_id}, 'failed', ${message})`,
    ).catch((finishError) => console.error("could not mark run failed:", finishError));
    if (
      isNotionClientError(e) || e instanceof UnknownOutcomeError ||
      e instanceof NotionNetworkError
    ) {
      throw new HttpError(502, "notion_error", `Notion answered: ${message}`);
    }
    throw e;
  }
}

/** A dry run: what the outbox would send now, changing nothing. */
async function preview(
  claims: UserClaims,
  mapping: string,
  recordIds?: string[],
) {
  const keys = recordIds ?? null;
  return await asUser(claims, async (tx) => {
    const [m] = await tx`select mapping_id from notion_sync.mappings where name = ${mapping}`;
    if (!m) {
      throw new HttpError(404, "not_found", `no mapping named "${mapping}"`);
    }
    const rows = await tx`
      select op, count(*)::int as n from notion_sync.outbox
      where mapping_id = ${m.mapping_id} and status = 'pending' and next_attempt_at <= now()
        and (${keys}::text[] is null or record_key = any (${keys}::text[]))
      group by op`;
    const by = Object.fromEntries(
      rows.map((r) => [r.op as string, r.n as number]),
    );
    return {
      success: true,
      dryRun: true,
      pushed: by.update ?? 0,
      created: by.create ?? 0,
      trashed: by.trash ?? 0,
      restored: by.restore ?? 0,
      moved: by.move ?? 0,
      conflicts: 0,
      failed: 0,
      pending: await pendingCount(tx, mapping, recordIds),
    };
  });
}

/** Outbox items of the mapping (of those records) still to send, due or not. */
async function pendingCount(
  tx: Tx,
  mapping: string,
  recordIds?: string[],
): Promise<number> {
  const keys = recordIds ?? null;
  const [row] = await tx`
    select count(*)::int as n from notion_sync.outbox o
    join notion_sync.mappings m on m.mapping_id = o.mapping_id
    where m.name = ${mapping} and o.status in ('pending', 'in_flight')
      and (${keys}::text[] is null or o.record_key = any (${keys}::text[]))`;
  return row.n as number;
}

/** Claims due items batch by batch and pushes each, until none is due or time runs out. */
async function drain(
  claims: UserClaims,
  run: StartedRun,
  mapping: string,
  deadline: number,
  restore: SourceRestore,
  recordIds?: string[],
): Promise<Counts> {
  const notion = await connectionNotion(claims, run.connection_id, deadline);
  const counts: Counts = {
    pushed: 0,
    created: 0,
    trashed: 0,
    restored: 0,
    moved: 0,
    conflicts: 0,
    failed: 0,
  };
  const ctx: Ctx = { claims, notion, run, deadline, unsettled: new Set() };
  try {
    await ensureDataSource(ctx, mapping, restore);
  } catch (e) {
    // Notion asked the integration to pause past this run's end: the drain below stops too
    if (!(e instanceof RateBudgetWaitTooLong)) throw e;
  }
  const keys = recordIds ?? null;
  while (Date.now() < deadline) {
    const items = await sql(
      ctx,
      (tx) =>
        tx`select * from notion_sync_api.claim_outbox_for(${mapping}, ${keys}::text[], ${CLAIM_BATCH})`,
    ) as unknown as OutboxItem[];
    if (items.length === 0) break;
    let pausedFor: number | undefined;
    for (const item of items) {
      if (pausedFor !== undefined || Date.now() >= deadline) {
        await handBack(ctx, item, {
          seconds: pausedFor ?? 0,
          attempted: false,
        });
        continue;
      }
      if (item.page_id && ctx.unsettled.has(item.page_id)) {
        // claimed with a write whose outcome turned out unknown: the claim takes it once the page
        // has settled
        await handBack(ctx, item, { seconds: 0, attempted: false });
        continue;
      }
      try {
        await pushOne(ctx, item, counts);
      } catch (e) {
        if (!(e instanceof RateBudgetWaitTooLong)) throw e;
        // Notion asked the integration to pause past this run's end: stop, and give the items back
        pausedFor = Math.ceil(e.waitMs / 1000);
        await handBack(ctx, item, { seconds: pausedFor, attempted: true });
      }
    }
    if (pausedFor !== undefined) break;
  }
  return counts;
}

/**
 * Restores the mapping's data source when it is gone from Notion, as far as `restore` allows: a
 * trashed one is un-trashed (the original, pages and all); one Notion no longer knows (deleted, or
 * not shared any more) is created again under its database's parent from the staged schema, and
 * the mapping adopts it (SQL remaps the fields and queues a create per record, which this drain
 * then sends). What `restore` does not allow stops the push with a 409 that says what to do.
 */
async function ensureDataSource(
  ctx: Ctx,
  mapping: string,
  restore: SourceRestore,
): Promise<void> {
  let dataSource: { in_trash?: boolean } | null;
  try {
    dataSource = await ctx.notion.read((c) =>
      c.dataSources.retrieve({ data_source_id: ctx.run.data_source_id })
    ) as { in_trash?: boolean };
  } catch (e) {
    if (notionStatus(e) !== 404) throw e;
    dataSource = null;
  }
  if (dataSource && !dataSource.in_trash) return;
  const id = ctx.run.data_source_id;
  if (dataSource?.in_trash && restore === "none") {
    throw new HttpError(
      409,
      "data_source_in_trash",
      `data source ${id} of mapping "${mapping}" is in Notion's trash, and a scheduled push does ` +
        "not restore it: restore it in Notion, or call sync-from-supabase to take it out of the trash",
    );
  }
  if (!dataSource && restore !== "recreate") {
    throw new HttpError(
      409,
      "data_source_not_found",
      `Notion answers 404 for data source ${id} of mapping "${mapping}": it was deleted for good, ` +
        "or is no longer shared with the integration (Notion cannot tell which). Share it with the " +
        "integration again; if it is gone, call sync-from-supabase with restoreDataSource: true to " +
        "create it again with a page per record",
    );
  }
  if (dataSource?.in_trash) {
    await ctx.notion.write((c) =>
      c.dataSources.update(
        { data_source_id: ctx.run.data_source_id, in_trash: false } as never,
      )
    );
    return;
  }
  const plan = await sql(
    ctx,
    (tx) => tx`select notion_sync_api.plan_recreate(${mapping}) as p`,
  ) as unknown as { p: Record<string, unknown> }[];
  const database = await ctx.notion.write((c) => c.databases.create(plan[0].p as never)) as {
    data_sources: { id: string }[];
  };
  const created = await ctx.notion.read((c) =>
    c.dataSources.retrieve({ data_source_id: database.data_sources[0].id })
  );
  await sql(
    ctx,
    (tx) =>
      tx`select notion_sync_api.adopt_data_source(${mapping}, ${
        tx.json(created as never)
      }, ${ctx.run.run_id})`,
  );
  ctx.run.data_source_id = database.data_sources[0].id;
}

/**
 * Gives a claimed item back to the outbox, due after `seconds`. An item never attempted does not
 * count the claim as an attempt; one that was (a create may have been sent) keeps it, so its next
 * attempt looks the page up first.
 */
async function handBack(
  ctx: Ctx,
  item: OutboxItem,
  opts: { seconds: number; attempted: boolean },
): Promise<void> {
  const undo = opts.attempted ? 0 : 1;
  await sql(ctx, (tx) =>
    tx`update notion_sync.outbox
       set status = 'pending', attempts = greatest(attempts - ${undo}::int, 0), updated_at = now(),
           next_attempt_at = now() + make_interval(secs => ${opts.seconds}::int)
       where outbox_id = ${item.outbox_id} and status = 'in_flight'`);
}

interface Ctx {
  claims: UserClaims;
  notion: BudgetedNotion;
  run: StartedRun;
  deadline: number;
  /** Pages a write of this push left unsettled (write_outcome_unknown): no other write is sent. */
  unsettled: Set<string>;
}

function sql<T>(ctx: Ctx, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return asUser(ctx.claims, fn);
}

/** The column `v` of the one row a query answers, or null. */
async function one(
  ctx: Ctx,
  fn: (tx: Tx) => Promise<readonly { v?: unknown }[]>,
): Promise<unknown> {
  const rows = await sql(ctx, fn);
  return rows[0]?.v ?? null;
}

/** Pushes one claimed item; a failure ends it permanently (a conflict) or retries it later. */
async function pushOne(
  ctx: Ctx,
  item: OutboxItem,
  counts: Counts,
): Promise<void> {
  try {
    switch (item.op) {
      case "update":
        await pushUpdate(ctx, item, counts);
        break;
      case "create":
        await pushCreate(ctx, item, counts);
        break;
      case "trash":
        await pushTrash(ctx, item, counts);
        break;
      case "restore":
        await pushRestore(ctx, item, counts);
        break;
      case "move":
        await pushMove(ctx, item, counts);
        break;
    }
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (e instanceof RateBudgetWaitTooLong) throw e; // the drain stops and hands items back
    const fromNotion = isNotionClientError(e) ||
      e instanceof UnknownOutcomeError ||
      e instanceof NotionNetworkError;
    if (!fromNotion) {
      // a database or programming error: leave the item for a later run and fail this one
      await sql(
        ctx,
        (tx) => tx`select notion_sync_api.fail_push(${item.outbox_id}, ${message}, false)`,
      ).catch(() => {});
      throw e instanceof HttpError ? new Error(`outbox item ${item.outbox_id}: ${message}`) : e;
    }
    const failure = notionFailure(e);
    const permanent = failure === "permanent" || failure === "blocked";
    const status = notionStatus(e instanceof UnknownOutcomeError ? e.cause : e);
    const retryAfter = e instanceof UnconfirmedCreateError
      ? Math.max(UNCONFIRMED_CREATE_WAIT_SECONDS, retryAfterIn(e) ?? 0)
      : retryAfterIn(e);
    await sql(
      ctx,
      (tx) =>
        tx`select notion_sync_api.fail_push(${item.outbox_id}, ${`Notion ${
          status ?? failure
        }: ${message}`}, ${permanent}, ${retryAfter})`,
    );
    if (permanent) counts.failed++;
    if (status === 401) throw e; // the token no longer works: every other item would fail too
  }
}

function retryAfterIn(e: unknown): number | null {
  const seconds = retryAfterSeconds(
    e instanceof UnknownOutcomeError ? e.cause : e,
  );
  return seconds === undefined ? null : Math.max(1, Math.ceil(seconds));
}

/** A page as Notion has it, its relations, people and mentions past 25 completed. */
async function retrievePage(ctx: Ctx, pageId: string): Promise<Page> {
  return await complete(
    ctx,
    await ctx.notion.read((c) => c.pages.retrieve({ page_id: pageId })) as unknown as Page,
  );
}

/**
 * A page Notion answered, its lists truncated at 25 completed: what SQL compares with the record
 * and takes as the base must be the whole value, or a relation of 30 keys would be read back as 25.
 */
async function complete(ctx: Ctx, page: Page): Promise<Page> {
  const [whole] = await completeTruncated(ctx.notion, [page]);
  return whole;
}

/** Waits before checking again after an unknown outcome (or gives up past the deadline). */
async function pauseAfter(
  ctx: Ctx,
  e: unknown,
  attempt: number,
): Promise<void> {
  if (!(e instanceof UnknownOutcomeError) || attempt + 1 >= WRITE_ATTEMPTS) {
    throw e;
  }
  const delay = backoffMs(attempt);
  if (Date.now() + delay > ctx.deadline) throw e;
  await sleep(delay);
}

/**
 * After a write to the item's page whose outcome is unknown (Notion may still apply it, up to its
 * 60 s request maximum): SQL leaves the page unsettled, so no other write to it is claimed until
 * Notion can no longer apply this one. The item's own re-reads and re-sends go on: they send the
 * same values, which a late commit cannot turn into older ones.
 */
async function outcomeUnknown(ctx: Ctx, item: OutboxItem, e: unknown): Promise<void> {
  if (!(e instanceof UnknownOutcomeError)) return;
  await sql(ctx, (tx) => tx`select notion_sync_api.write_outcome_unknown(${item.outbox_id})`);
  ctx.unsettled.add(item.page_id!);
}

/** Update: pre-read, check_push, PATCH only what the check returns, confirm from the answer. */
async function pushUpdate(
  ctx: Ctx,
  item: OutboxItem,
  counts: Counts,
): Promise<void> {
  for (let attempt = 0;; attempt++) {
    const page = await retrievePage(ctx, item.page_id!);
    const check = await one(
      ctx,
      (tx) =>
        tx`select notion_sync_api.check_push(${item.outbox_id}, ${tx.json(page as never)}) as v`,
    ) as {
      decision: "write" | "done" | "conflict" | "cancelled";
      properties: Record<string, unknown>;
    };
    // the page is in the trash, or the pair was forgotten: nothing to send (check_push says why)
    if (check.decision === "cancelled") return;
    if (check.decision === "conflict") {
      counts.conflicts++;
      return;
    }
    if (check.decision === "done") {
      counts.pushed++;
      return;
    }
    try {
      const answer = await complete(
        ctx,
        await ctx.notion.writeOnce((c) =>
          c.pages.update({
            page_id: item.page_id!,
            properties: check.properties as never,
          })
        ) as unknown as Page,
      );
      await sql(
        ctx,
        (tx) =>
          tx`select notion_sync_api.confirm_push(${item.outbox_id}, ${tx.json(answer as never)})`,
      );
      counts.pushed++;
      return;
    } catch (e) {
      await outcomeUnknown(ctx, item, e);
      // refused (429, 529): read again once the budget lets us, so an edit made in Notion while we
      // waited is checked, not overwritten
      if (isRefused(e) && attempt + 1 < REFUSED_WRITE_ATTEMPTS) continue;
      await pauseAfter(ctx, e, attempt); // then read again: check_push sees whether it landed
    }
  }
}

/**
 * A write that reads the page first: `write` says, from the page as it is, what to send (nothing:
 * it landed already, so a write whose answer was lost is not sent again); the page Notion answers
 * (or as read) is handed to `confirm`. A failed write is tried again, read first, after a pause.
 */
async function readThenWrite(
  ctx: Ctx,
  item: OutboxItem,
  write: (page: Page) => Promise<((c: Client) => Promise<unknown>) | null>,
  confirm: (tx: Tx, page: Page) => Promise<unknown>,
): Promise<void> {
  for (let attempt = 0;; attempt++) {
    let page = await retrievePage(ctx, item.page_id!);
    const send = await write(page);
    if (send) {
      try {
        const result = await ctx.notion.write(send) as unknown as Page;
        page = "parent" in result ? result : await retrievePage(ctx, item.page_id!);
      } catch (e) {
        await outcomeUnknown(ctx, item, e);
        await pauseAfter(ctx, e, attempt);
        continue;
      }
    }
    await sql(ctx, (tx) => confirm(tx, page));
    return;
  }
}

/** Trash: the page goes to Notion's trash (already there counts as done). */
async function pushTrash(
  ctx: Ctx,
  item: OutboxItem,
  counts: Counts,
): Promise<void> {
  await readThenWrite(
    ctx,
    item,
    (page) =>
      Promise.resolve(
        page.in_trash ? null : (c) => c.pages.update({ page_id: item.page_id!, in_trash: true }),
      ),
    (tx, page) =>
      tx`select notion_sync_api.confirm_push(${item.outbox_id}, ${tx.json(page as never)})`,
  );
  counts.trashed++;
}

/**
 * Move: the page goes back under the parent it had before a restore moved it into the data source
 * (an undo's item); plan_move says whether it is there already.
 */
async function pushMove(
  ctx: Ctx,
  item: OutboxItem,
  counts: Counts,
): Promise<void> {
  await readThenWrite(
    ctx,
    item,
    async (page) => {
      const plan = await one(
        ctx,
        (tx) =>
          tx`select notion_sync_api.plan_move(${item.outbox_id}, ${tx.json(page as never)}) as v`,
      ) as { action: "move" | "done"; parent?: Record<string, unknown> };
      return plan.action === "move"
        ? (c) => c.pages.move({ page_id: item.page_id!, parent: plan.parent as never })
        : null;
    },
    (tx, page) =>
      tx`select notion_sync_api.confirm_move(${item.outbox_id}, ${tx.json(page as never)})`,
  );
  counts.moved++;
}

/** Create: idempotent — a later attempt, or one after an unknown outcome, looks the page up first. */
async function pushCreate(
  ctx: Ctx,
  item: OutboxItem,
  counts: Counts,
): Promise<void> {
  const page = await createOnce(
    ctx,
    item,
    ctx.run.data_source_id,
    item.properties,
  );
  await sql(
    ctx,
    (tx) => tx`select notion_sync_api.confirm_push(${item.outbox_id}, ${tx.json(page as never)})`,
  );
  counts.created++;
}

/** The page this item made earlier, if a lookup finds it (SQL decides which one is ours). */
async function lookUpCreated(ctx: Ctx, item: OutboxItem): Promise<Page | null> {
  const lookup = await one(
    ctx,
    (tx) => tx`select notion_sync_api.create_lookup(${item.outbox_id}) as v`,
  ) as { data_source_id: string; filter: Record<string, unknown> };
  const pages: unknown[] = [];
  let cursor: string | undefined;
  do {
    const res = await ctx.notion.read((c) =>
      c.dataSources.query({
        data_source_id: lookup.data_source_id,
        filter: lookup.filter as never,
        sorts: [{ timestamp: "created_time", direction: "descending" }],
        page_size: 100,
        start_cursor: cursor,
      })
    );
    pages.push(...res.results);
    cursor = res.has_more && pages.length < 500 ? res.next_cursor ?? undefined : undefined;
  } while (cursor);
  const found = await one(
    ctx,
    (tx) =>
      tx`select notion_sync_api.match_created_page(${item.outbox_id}, ${
        tx.json(pages as never)
      }) as v`,
  ) as Page | null;
  return found && await complete(ctx, found);
}

/**
 * A create whose outcome is unknown and whose page a lookup did not find (yet): the item waits
 * UNCONFIRMED_CREATE_WAIT_SECONDS, then its next attempt looks the page up before any create.
 */
class UnconfirmedCreateError extends UnknownOutcomeError {
  constructor(cause: unknown) {
    super(cause);
    this.message += `; its page is not found yet: looked up again in ` +
      `${UNCONFIRMED_CREATE_WAIT_SECONDS} s, before any second create`;
  }
}

/**
 * Creates a page at most once: an item attempted before (attempts > 1) is looked up first; a 503
 * that says the create committed is confirmed with the page it names; after any other unknown
 * outcome the page is looked up, and when it is not found the create is not sent again in this
 * push (Notion may still commit it, or not show it in queries yet): the item waits, and its next
 * attempt looks the page up first.
 */
async function createOnce(
  ctx: Ctx,
  item: OutboxItem,
  dataSourceId: string,
  properties: Record<string, unknown>,
): Promise<Page> {
  if (item.attempts > 1) {
    const found = await lookUpCreated(ctx, item);
    if (found) return found;
  }
  try {
    return await complete(
      ctx,
      await ctx.notion.write((c) =>
        c.pages.create({
          parent: { data_source_id: dataSourceId },
          properties: properties as never,
        })
      ) as unknown as Page,
    );
  } catch (e) {
    if (!(e instanceof UnknownOutcomeError)) throw e;
    if (e.committedResourceId) {
      return await retrievePage(ctx, e.committedResourceId);
    }
    // a lookup that fails (even on the rate budget) must not let the item come back early
    const found = await lookUpCreated(ctx, item).catch(() => null);
    if (found) return found;
    throw new UnconfirmedCreateError(e.cause);
  }
}

/**
 * Restore: un-trash the original page, move it back into the data source, or create it again from
 * the record and relink it. After an un-trash or a move, the page Notion answered is planned again
 * (a page moved away and trashed takes both).
 */
async function pushRestore(
  ctx: Ctx,
  item: OutboxItem,
  counts: Counts,
): Promise<void> {
  let answered: Page | undefined; // the page as the last write answered it
  let writes = 0;
  for (let attempt = 0;; attempt++) {
    let page: Page | null = answered ?? null;
    if (!answered) {
      try {
        page = await retrievePage(ctx, item.page_id!);
      } catch (e) {
        if ((e as { status?: number }).status !== 404) throw e;
      }
    }
    answered = undefined;
    const plan = await one(
      ctx,
      (tx) =>
        tx`select notion_sync_api.plan_restore(${item.outbox_id}, ${
          page ? tx.json(page as never) : null
        }::jsonb) as v`,
    ) as {
      action: "untrash" | "move" | "done" | "recreate" | "fail";
      data_source_id?: string;
      properties?: Record<string, unknown>;
      error?: string;
    };
    // an un-trash and a move at most: a page Notion answers otherwise did not take them
    const error = plan.action === "fail"
      ? plan.error ?? "cannot restore"
      : writes >= 2 && (plan.action === "untrash" || plan.action === "move")
      ? `Notion did not take the restore of page ${item.page_id}: its answer still needs to ${plan.action}`
      : null;
    if (error) {
      await sql(
        ctx,
        (tx) => tx`select notion_sync_api.fail_push(${item.outbox_id}, ${error}, true)`,
      );
      counts.failed++;
      return;
    }
    if (plan.action === "untrash" || plan.action === "move") {
      try {
        const result = await ctx.notion.write((c) =>
          plan.action === "untrash"
            ? c.pages.update({ page_id: item.page_id!, in_trash: false })
            : c.pages.move({
              page_id: item.page_id!,
              parent: {
                type: "data_source_id",
                data_source_id: plan.data_source_id!,
              },
            })
        ) as unknown as Page;
        // a partial page (an id only) is read again
        answered = "parent" in result ? await complete(ctx, result) : undefined;
        writes++;
      } catch (e) {
        await outcomeUnknown(ctx, item, e);
        await pauseAfter(ctx, e, attempt);
      }
      continue;
    }
    if (plan.action === "recreate") {
      page = await createOnce(
        ctx,
        item,
        plan.data_source_id!,
        plan.properties!,
      );
    }
    await sql(
      ctx,
      (tx) =>
        tx`select notion_sync_api.confirm_restore(${item.outbox_id}, ${tx.json(page as never)})`,
    );
    counts.restored++;
    return;
  }
}
