/**
 * What the SQL of a recovery costs at the sizes a person recovering from a disaster meets, per
 * record, at each size given (the cost per record should not grow with the size):
 *   1. a push of N queued Notion writes, as sync-from-supabase drives it: the outbox claimed 10 at a
 *      time (claim_outbox_for), then each outcome recorded in its own transaction — a create
 *      confirmed with the page Notion made (confirm_push; creates after a mass restore: N records
 *      with no page, queued by a full run with create_unmatched), an update checked against its
 *      pre-read and confirmed with Notion's answer (check_push, confirm_push; after a mass edit of
 *      N records). Notion is not called: the page ids are made up, the pages built from the records;
 *   2. revert_run of a first import of N records (deletes them), and of a run that applied N edits
 *      from Notion (puts the N old values back);
 *   3. the answer to a held mass deletion (one bulk_change question): N records deleted in Supabase
 *      answered prefer_notion (restores the N records), N pages trashed in Notion answered
 *      prefer_supabase (queues N restores), and undo_resolution of each answer.
 * Each case has its own bench user (a new mapping of the demo tasks, its pairs made by a real first
 * import) and is deleted after it. Numbers only, no timed assertions.
 *
 *   npm start   # or STACK_KEEP=1 npm test, for a database with the migrations
 *   source stack/lib.sh && deno run -A bench/recovery_bench.ts [sizes=1000 5000 20000]
 *   CASES=creates,updates deno run -A bench/recovery_bench.ts 5000   # some cases only (default all:
 *   creates, updates, revert_import, revert_edits, keep_notion, keep_supabase)
 */
import postgres from "postgres";
import { benchUser } from "./bench_user.ts";
import { demoTasksMapping, taskPage } from "./demo_tasks.ts";

const sizes = Deno.args.length ? Deno.args.map(Number) : [1_000, 5_000, 20_000];
const cases = new Set((Deno.env.get("CASES") ?? "").split(",").filter(Boolean));
const wanted = (name: string) => cases.size === 0 || cases.has(name);
const dbUrl = Deno.env.get("DB_URL");
if (!dbUrl) throw new Error("DB_URL is not set: source stack/lib.sh first");
const CLAIM_BATCH = 10; // as sync-from-supabase claims

const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
type Bench = Awaited<ReturnType<typeof benchUser>>;
type Tx = postgres.TransactionSql;

/** A page of the bench's data source, as Notion answers it. */
function page(
  dataSourceId: string,
  id: string,
  v: { title: string; status?: string; done?: boolean; inTrash?: boolean },
) {
  return {
    ...taskPage(id, { ...v, lastEdited: "2026-11-26T10:00:00.000Z" }),
    parent: { type: "data_source_id", data_source_id: dataSourceId },
    in_trash: v.inTrash ?? false,
  };
}

/** One run of the mapping: stages these pages (batches of 100), completes a full scan, reconciles. */
async function run(
  bench: Bench,
  pages: unknown[],
  opts: { mode: "full" | "incremental"; options?: Record<string, unknown> },
) {
  return await bench.as(async (tx) => {
    const [{ r }] = await tx`select notion_sync_api.start_run('recovery-bench', 'retrieve',
      ${opts.mode}) ->> 'run_id' as r`;
    for (let i = 0; i < pages.length; i += 100) {
      await tx`select notion_sync_api.stage_pages(${r}, ${
        tx.json(pages.slice(i, i + 100) as never)
      })`;
    }
    if (opts.mode === "full") {
      await tx`select notion_sync_api.complete_scan(${r})`;
      await tx`select notion_sync_api.match_residue(${r})`;
      await tx`select notion_sync_api.complete_retrieve(${r})`;
    }
    const [{ s }] = await tx`select notion_sync_api.reconcile(${r}, ${
      tx.json((opts.options ?? {}) as never)
    }) as s`;
    await tx`select notion_sync_api.finish_run(${r}, 'completed')`;
    return { runId: r as string, summary: s as Record<string, unknown> };
  });
}

/** A bench user with the mapping and, unless `n` is 0, a first import of n pages (n pairs). */
async function imported(bench: Bench, n: number) {
  const { mappingId, dataSourceId } = await bench.as((tx) =>
    demoTasksMapping(tx, "recovery-bench")
  );
  const pages = Array.from(
    { length: n },
    (_, i) => page(dataSourceId, crypto.randomUUID(), { title: `Task ${i + 1}` }),
  );
  const first = n
    ? await run(bench, pages, { mode: "full", options: { create_unmatched: true } })
    : undefined;
  await sql`analyze notion_sync_demo.tasks`;
  await sql`analyze notion_sync.links`;
  return { mappingId, dataSourceId, pages, runId: first?.runId };
}

/** The mapping's safety valve out of the way (the case is a write a person already chose). */
async function noValve(mappingId: string) {
  await sql`update notion_sync.mappings set bulk_threshold_rows = 100000000, bulk_threshold_percent = 100
            where mapping_id = ${mappingId}`;
}

/** The time (ms) of one committed transaction as the bench user. */
async function timed<T>(bench: Bench, fn: (tx: Tx) => Promise<T>) {
  const t0 = performance.now();
  const value = await bench.as(fn);
  return { ms: performance.now() - t0, value };
}

/**
 * Drains the outbox as sync-from-supabase does, with `answer` standing in for Notion: the claims'
 * time and the outcomes' time (each outcome in its own transaction, as the function records them).
 */
async function drain(
  bench: Bench,
  answer: (tx: Tx, item: postgres.Row) => Promise<unknown>,
) {
  let claimMs = 0, outcomeMs = 0, items = 0;
  for (;;) {
    const claim = await timed(
      bench,
      (tx) =>
        tx`select * from notion_sync_api.claim_outbox_for('recovery-bench', null, ${CLAIM_BATCH})`,
    );
    claimMs += claim.ms;
    if (claim.value.length === 0) break;
    for (const item of claim.value) {
      const t0 = performance.now();
      await bench.as((tx) => answer(tx, item));
      outcomeMs += performance.now() - t0;
      items++;
    }
  }
  return { claimMs, outcomeMs, items };
}

/** Creates after a mass restore: n records with no page, queued by a full run, then pushed. */
async function pushCreates(bench: Bench, n: number) {
  const { mappingId, dataSourceId } = await imported(bench, 0);
  await noValve(mappingId);
  await sql`insert into notion_sync_demo.tasks (owner_id, title, status, done)
    select ${bench.userId}, 'Task ' || g, 'Todo', false from generate_series(1, ${n}) g`;
  const queued = await run(bench, [], { mode: "full", options: { create_unmatched: true } });
  const titles = new Map(
    (await sql`select task_id::text as k, title from notion_sync_demo.tasks
               where owner_id = ${bench.userId}`).map((r) => [r.k as string, r.title as string]),
  );
  await sql`analyze notion_sync.outbox`;
  const d = await drain(bench, (tx, item) => {
    const made = page(dataSourceId, crypto.randomUUID(), { title: titles.get(item.record_key)! });
    return tx`select notion_sync_api.confirm_push(${item.outbox_id}, ${tx.json(made as never)})`;
  });
  return { ...d, queued: Number(queued.summary.creates) };
}

/** Updates after a mass edit: n linked records edited in Supabase, queued by a run, then pushed. */
async function pushUpdates(bench: Bench, n: number) {
  const { mappingId, dataSourceId } = await imported(bench, n);
  await noValve(mappingId);
  await bench.as((tx) =>
    tx`update notion_sync_demo.tasks set status = 'Done' where owner_id = ${bench.userId}`
  );
  const queued = await run(bench, [], { mode: "incremental" });
  const titles = new Map(
    (await sql`select page_id, base ->> 'title' as title from notion_sync.links
               where mapping_id = ${mappingId}`).map((
      r,
    ) => [r.page_id as string, r.title as string]),
  );
  await sql`analyze notion_sync.outbox`;
  const d = await drain(bench, async (tx, item) => {
    const title = titles.get(item.page_id)!;
    const before = page(dataSourceId, item.page_id, { title, status: "Todo" });
    await tx`select notion_sync_api.check_push(${item.outbox_id}, ${tx.json(before as never)})`;
    const after = page(dataSourceId, item.page_id, { title, status: "Done" });
    return tx`select notion_sync_api.confirm_push(${item.outbox_id}, ${tx.json(after as never)})`;
  });
  return { ...d, queued: Number(queued.summary.supabase_to_notion) };
}

/** revert_run of a first import of n records. */
async function revertImport(bench: Bench, n: number) {
  const { runId } = await imported(bench, n);
  return await timed(bench, (tx) => tx`select notion_sync_api.revert_run(${runId!}) as r`);
}

/** revert_run of a run that applied n edits made in Notion. */
async function revertEdits(bench: Bench, n: number) {
  const { mappingId, dataSourceId, pages } = await imported(bench, n);
  await noValve(mappingId);
  const edited = pages.map((p, i) =>
    page(dataSourceId, p.id, { title: `Task ${i + 1}`, status: "Doing" })
  );
  const applied = await run(bench, edited, { mode: "incremental" });
  const r = await timed(
    bench,
    (tx) => tx`select notion_sync_api.revert_run(${applied.runId}) as r`,
  );
  return { ...r, applied: Number(applied.summary.notion_to_supabase) };
}

/** The held bulk question of a full run, answered `answer`, then that answer undone. */
async function answerAndUndo(bench: Bench, answer: string) {
  const [{ c }] = await sql`select conflict_id::text as c from notion_sync.conflicts
    where owner_id = ${bench.userId} and kind = 'bulk_change' and status = 'open'`;
  const resolved = await timed(
    bench,
    (tx) => tx`select notion_sync_api.resolve_conflict(${c}, ${answer}) as r`,
  );
  const undone = await timed(bench, (tx) => tx`select notion_sync_api.undo_resolution(${c}) as r`);
  return { resolved, undone };
}

/** n records deleted in Supabase, held by a full run, answered prefer_notion (restored). */
async function keepNotion(bench: Bench, n: number) {
  const { pages } = await imported(bench, n);
  await bench.as((tx) => tx`delete from notion_sync_demo.tasks where owner_id = ${bench.userId}`);
  await run(bench, pages, { mode: "full" });
  const r = await answerAndUndo(bench, "prefer_notion");
  return { ...r, restored: Number(r.resolved.value[0].r.restored_records) };
}

/** n pages trashed in Notion, held by a full run, answered prefer_supabase (n restores queued). */
async function keepSupabase(bench: Bench, n: number) {
  const { dataSourceId, pages } = await imported(bench, n);
  const trashed = pages.map((p, i) =>
    page(dataSourceId, p.id, { title: `Task ${i + 1}`, inTrash: true })
  );
  await run(bench, trashed, { mode: "full" });
  const r = await answerAndUndo(bench, "prefer_supabase");
  const [{ queued }] = await sql`select count(*)::int as queued from notion_sync.outbox
    where owner_id = ${bench.userId} and op = 'restore'`;
  return { ...r, queued };
}

/** Runs one case with a fresh bench user, deleted after it. */
async function withUser<T>(fn: (bench: Bench) => Promise<T>) {
  const bench = await benchUser(sql);
  try {
    return await fn(bench);
  } finally {
    await bench.drop();
  }
}

/** One case's time per record (and a second part's, after a slash). */
function line(what: string, ms: number, then: number | undefined, n: number) {
  const per = (x: number) => `${(x / n).toFixed(3)} ms`;
  console.log(`  ${what.padEnd(62)}${per(ms)}${then === undefined ? "" : ` / ${per(then)}`}`);
}
try {
  for (const n of sizes) {
    console.log(`${n} records (per record):`);
    if (wanted("creates")) {
      const c = await withUser((b) => pushCreates(b, n));
      line(`push of ${c.queued} creates: claims / confirm_push`, c.claimMs, c.outcomeMs, n);
    }
    if (wanted("updates")) {
      const u = await withUser((b) => pushUpdates(b, n));
      line(
        `push of ${u.queued} updates: claims / check_push + confirm_push`,
        u.claimMs,
        u.outcomeMs,
        n,
      );
    }
    if (wanted("revert_import")) {
      const ri = await withUser((b) => revertImport(b, n));
      line("revert_run of a first import", ri.ms, undefined, n);
    }
    if (wanted("revert_edits")) {
      const re = await withUser((b) => revertEdits(b, n));
      line(`revert_run of a run that applied ${re.applied} edits`, re.ms, undefined, n);
    }
    if (wanted("keep_notion")) {
      const kn = await withUser((b) => keepNotion(b, n));
      line(
        `mass deletion, prefer_notion (${kn.restored} restored) / undo`,
        kn.resolved.ms,
        kn.undone.ms,
        n,
      );
    }
    if (wanted("keep_supabase")) {
      const ks = await withUser((b) => keepSupabase(b, n));
      line(
        `mass trash, prefer_supabase (${ks.queued} restores queued) / undo`,
        ks.resolved.ms,
        ks.undone.ms,
        n,
      );
    }
  }
} finally {
  await sql.end();
}
