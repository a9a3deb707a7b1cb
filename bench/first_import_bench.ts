/**
 * How long the reconcile of a first import takes: N new pages (the demo tasks: title, status,
 * done) staged by a full run of a new mapping, as the retrieve function stages them (batches of
 * 100, the scan completed, the residue matched), then reconciled with `create_unmatched` in the one
 * call the function makes, which inserts a record, a link and a change per field for each page.
 * The hosted function has 150 s for it, so the bench prints the ceiling: how many pages fit in 140 s
 * at the median rate.
 *
 * Each of R runs has its own bench user (a first import needs a mapping with no records) and
 * prints the median, in all and per record. Before its reconcile, each run also times the parts of
 * the reconcile by hand, each alone and rolled back: converting the new pages' values to the
 * table's columns (notion_column_values), inserting their records, links and changes in bulk
 * (insert_page_records, as the reconcile does), and the rest (the pairs, counts, safety valve and
 * clean-up, by difference); and, for comparison, inserting them page by page (insert_page_record,
 * as the reconcile did before 20261127007000 and still does, each in its own subtransaction, when
 * the table refuses a record). The tables are vacuumed before each timed reconcile; everything the
 * bench users own is deleted at the end. Numbers only, no timed assertions.
 *
 *   npm start   # or STACK_KEEP=1 npm test, for a database with the migrations
 *   source stack/lib.sh && deno run -A bench/first_import_bench.ts [pages=10000] [runs=3]
 */
import postgres from "postgres";
import { benchUser } from "./bench_user.ts";
import { demoTasksMapping, taskPage } from "./demo_tasks.ts";

const total = Number(Deno.args[0] ?? 10_000);
const runs = Math.max(1, Number(Deno.args[1] ?? 3));
const dbUrl = Deno.env.get("DB_URL");
if (!dbUrl) throw new Error("DB_URL is not set: source stack/lib.sh first");

const statuses = ["Todo", "Doing", "Done"];
/** The n-th page of the data source. */
const page = (n: number) =>
  taskPage(crypto.randomUUID(), {
    title: `Task ${n}`,
    status: statuses[n % 3],
    done: n % 2 === 0,
    lastEdited: "2026-11-26T10:00:00.000Z",
  });

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
type Bench = Awaited<ReturnType<typeof benchUser>>;

/** A new mapping of a new user with its N pages staged by a full run ready to reconcile. */
async function stagedImport(bench: Bench) {
  return await bench.as(async (tx) => {
    const { mappingId } = await demoTasksMapping(tx, "first-import-bench");
    const [{ r }] =
      await tx`select notion_sync_api.start_run('first-import-bench', 'retrieve', 'full')
      ->> 'run_id' as r`;
    for (let i = 0; i < total; i += 100) {
      const batch = Array.from({ length: Math.min(100, total - i) }, (_, k) => page(i + k + 1));
      await tx`select notion_sync_api.stage_pages(${r}, ${tx.json(batch)})`;
    }
    await tx`select notion_sync_api.complete_scan(${r})`;
    await tx`select notion_sync_api.match_residue(${r})`;
    await tx`select notion_sync_api.complete_retrieve(${r})`;
    return { mappingId, runId: r as string };
  });
}

/** The time (ms) of one transaction as the bench user; rolled back unless `commit`. */
async function timed(
  bench: Bench,
  fn: (tx: postgres.TransactionSql) => Promise<unknown>,
  commit = false,
) {
  let ms = 0;
  await bench.as(async (tx) => {
    const t0 = performance.now();
    await fn(tx);
    ms = performance.now() - t0;
    if (!commit) throw new RollBack();
  }).catch((e) => {
    if (!(e instanceof RollBack)) throw e;
  });
  return ms;
}
class RollBack extends Error {}

// (a database without 20261127007000 has no bulk insert: its reconcile goes page by page)
const [{ bulkExists }] = await sql`select to_regprocedure(
  'notion_sync.insert_page_records(uuid, uuid, jsonb)') is not null as "bulkExists"`;

/** The parts of the reconcile of this staged import, each timed alone and rolled back. */
async function timeParts(bench: Bench, mappingId: string, runId: string) {
  const newPages = (tx: postgres.TransactionSql) =>
    tx`select n.page_id, n.cols, n.pending from notion_sync.notion_column_values(${mappingId}::uuid,
         (select array_agg(sp.page_id) from notion_sync.staged_pages sp
          where sp.mapping_id = ${mappingId} and sp.seen_in_run = ${runId})) n`;
  const convert = await timed(bench, (tx) => tx`select count(*) from (${newPages(tx)}) n`);
  let pages: postgres.Row[] = [];
  await timed(bench, async (tx) => {
    pages = await newPages(tx);
  });
  const ordered = pages.sort((a, b) => (a.page_id < b.page_id ? -1 : 1)).map((p) => ({
    page_id: p.page_id,
    values: p.cols,
    pending: p.pending,
  }));
  const bulk = bulkExists
    ? await timed(
      bench,
      (tx) =>
        tx`select notion_sync.insert_page_records(${mappingId}::uuid, ${runId}::uuid, ${
          tx.json(ordered)
        })`,
    )
    : undefined;
  const onePerPage = await timed(
    bench,
    (tx) =>
      tx`select count(notion_sync.insert_page_record(${mappingId}::uuid, p.page_id, p.values, p.pending,
           ${runId}::uuid))
         from jsonb_to_recordset(${
        tx.json(ordered)
      }) p(page_id text, values jsonb, pending text[])`,
  );
  return { convert, bulk, onePerPage };
}

const reconciles: number[] = [];
const converts: number[] = [];
const bulks: number[] = [];
const onePerPages: number[] = [];
let inserted = 0;
for (let i = 0; i < runs; i++) {
  const bench = await benchUser(sql);
  try {
    const { mappingId, runId } = await stagedImport(bench);
    const parts = await timeParts(bench, mappingId, runId);
    converts.push(parts.convert);
    if (parts.bulk !== undefined) bulks.push(parts.bulk);
    onePerPages.push(parts.onePerPage);
    // the rows the parts inserted and rolled back (and earlier runs' rows) slow no insert down
    await sql`vacuum notion_sync_demo.tasks, notion_sync.links, notion_sync.changes`;
    const t0 = performance.now();
    await bench.as(async (tx) => {
      const [{ s }] = await tx`select notion_sync_api.reconcile(${runId}, ${
        tx.json({ create_unmatched: true })
      }) as s`;
      inserted = Number((s as Record<string, number>).inserts);
    });
    reconciles.push(performance.now() - t0);
    await bench.as((tx) => tx`select notion_sync_api.finish_run(${runId}, 'completed')`);
  } finally {
    await bench.drop();
  }
}
await sql.end();

const m = median(reconciles);
const share = (ms: number) => `${ms.toFixed(0)} ms, ${(ms / m * 100).toFixed(0)} %`;
console.log(
  `First import of ${total} pages (3 mapped properties), reconciled with create_unmatched ` +
    `(${inserted} records inserted):`,
);
console.log(
  `  reconcile median ${m.toFixed(0)} ms, ${(m / total).toFixed(3)} ms a record ` +
    `(runs: ${reconciles.map((r) => r.toFixed(0)).join(" / ")} ms)`,
);
console.log(
  `  at that rate 140 s of the hosted function's 150 s reconcile about ${
    Math.floor(140_000 / (m / total)).toLocaleString("en")
  } pages`,
);
console.log(
  "  parts (each timed alone and rolled back, medians), share of the reconcile's median:",
);
const convert = median(converts);
const inserts = median(bulkExists ? bulks : onePerPages);
console.log(`    converting the pages' values to columns:        ${share(convert)}`);
console.log(
  `    inserting records, links, changes ${bulkExists ? "in bulk:     " : "page by page:"} ${
    share(inserts)
  }`,
);
console.log(`    the rest (pairs, counts, valve, clean-up):      ${share(m - convert - inserts)}`);
console.log(
  `  inserting them page by page instead (the fallback when the table refuses one): median ${
    median(onePerPages).toFixed(0)
  } ms, ${(median(onePerPages) / total).toFixed(3)} ms a record`,
);
