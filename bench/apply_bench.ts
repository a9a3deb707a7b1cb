/**
 * How long a run's reconcile takes to apply edits to a large table: a user's table of N records
 * (the demo tasks: title, status, done), each linked to a Notion page, and E of them edited.
 *   1. in Notion: E edited pages are staged in an incremental run, whose reconcile applies each
 *      to its record (a compare-and-set write per record);
 *   2. in Supabase: E records are edited, and the next run's reconcile reads them and queues
 *      their pushes.
 * Prints each reconcile's time, in all and per record. The links are made directly in SQL, as a
 * first import would leave them (importing N pages through the functions would take minutes);
 * the bench user and everything it owns are deleted at the end. Numbers only, no timed assertions.
 *
 *   npm start   # or STACK_KEEP=1 npm test, for a database with the migrations
 *   source stack/lib.sh && deno run -A bench/apply_bench.ts [records=100000] [edits=1000]
 */
import postgres from "postgres";
import { benchUser } from "./bench_user.ts";
import { demoTasksMapping, taskPage } from "./demo_tasks.ts";

const records = Number(Deno.args[0] ?? 100_000);
const edits = Math.min(records, Number(Deno.args[1] ?? 1_000));
const dbUrl = Deno.env.get("DB_URL");
if (!dbUrl) throw new Error("DB_URL is not set: source stack/lib.sh first");

/** The Notion page of a record, with this status. */
const page = (id: string, title: string, status: string) =>
  taskPage(id, {
    title,
    status,
    lastEdited: new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString(),
  });

const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
const bench = await benchUser(sql);
/** One run of the bench mapping: stages these pages, then times its reconcile. */
async function run(pages: unknown[]) {
  const runId = await bench.as(async (tx) => {
    const [{ r }] =
      await tx`select notion_sync_api.start_run('apply-bench', 'retrieve', 'incremental') ->> 'run_id' as r`;
    for (let i = 0; i < pages.length; i += 100) {
      await tx`select notion_sync_api.stage_pages(${r}, ${
        tx.json(pages.slice(i, i + 100) as never)
      })`;
    }
    return r as string;
  });
  const t0 = performance.now();
  const summary = await bench.as(async (tx) => {
    const [{ s }] = await tx`select notion_sync_api.reconcile(${runId}) as s`;
    await tx`select notion_sync_api.finish_run(${runId}, 'completed')`;
    return s as Record<string, number>;
  });
  return { ms: performance.now() - t0, summary };
}

try {
  const { mappingId } = await bench.as((tx) => demoTasksMapping(tx, "apply-bench"));
  // what a first import leaves: the records, each linked to its page with the values both agree on
  const t0 = performance.now();
  await sql`insert into notion_sync_demo.tasks (owner_id, title, status, done)
    select ${bench.userId}, 'Task ' || g, 'Todo', false from generate_series(1, ${records}) g`;
  await sql`delete from notion_sync.record_changes where mapping_id = ${mappingId}`;
  await sql`insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
    select ${mappingId}, gen_random_uuid()::text, t.owner_id, t.task_id::text,
           jsonb_build_object('title', t.title, 'status', t.status, 'done', t.done)
    from notion_sync_demo.tasks t where t.owner_id = ${bench.userId}`;
  await sql`analyze notion_sync_demo.tasks`;
  await sql`analyze notion_sync.links`;
  const setup = performance.now() - t0;
  const edited = await sql`select page_id, record_key, base ->> 'title' as title
    from notion_sync.links where mapping_id = ${mappingId} order by random() limit ${edits}`;

  const fromNotion = await run(edited.map((l) => page(l.page_id, l.title, "Doing")));
  await bench.as((tx) =>
    tx`update notion_sync_demo.tasks set status = 'Done'
       where task_id = any (${edited.map((l) => l.record_key)}::uuid[])`
  );
  const fromSupabase = await run([]);

  const line = (what: string, r: typeof fromNotion, key: string) =>
    `  ${what}: reconcile ${r.ms.toFixed(0)} ms, ${(r.ms / edits).toFixed(2)} ms a record (${
      r.summary[key]
    } of ${edits} ${key.replaceAll("_", " ")})`;
  console.log(
    `${records} linked records (set up in ${(setup / 1000).toFixed(1)} s), ${edits} edited:`,
  );
  console.log(line("edited in Notion, applied  ", fromNotion, "notion_to_supabase"));
  console.log(line("edited in Supabase, queued ", fromSupabase, "supabase_to_notion"));
} finally {
  await bench.drop();
  await sql.end();
}
