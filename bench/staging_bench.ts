/**
 * Staging speed, as the retrieve function stages (supabase/functions/_shared/staging.ts): per batch
 * of 100 realistic Notion pages (the emulator's demo Tasks: titles, long formatted text, statuses,
 * tags, dates, numbers, checkboxes), the SQL time of its two calls (pages_to_stage with the
 * digests, then stage_pages with the pages Postgres lacks) and the whole batch's time: the first
 * time (every value converted), again unchanged (digests only), and with one page edited (a
 * same-minute change); then the same for pages without their long texts. For each batch sent in
 * full it also times two floors, what any staging of these pages in Postgres costs: parsing the
 * batch's JSON as jsonb, and parsing it and inserting each raw page into a bare table (a primary key
 * and staged_pages' storage settings for raw). Each batch commits, as in a run; the bench user,
 * everything it staged and the bare table are deleted at the end.
 *
 *   npm start   # or STACK_KEEP=1 npm test, for a database with the migrations
 *   source stack/lib.sh && deno run -A bench/staging_bench.ts [pages=2000]
 */
import postgres from "postgres";
import { startEmulator } from "../notion-emulator/mod.ts";
import { stagePages } from "../supabase/functions/_shared/staging.ts";
import { benchUser } from "./bench_user.ts";

const total = Number(Deno.args[0] ?? 2000);
const dbUrl = Deno.env.get("DB_URL");
if (!dbUrl) throw new Error("DB_URL is not set: source stack/lib.sh first");

const em = await startEmulator({
  port: 0,
  seed: `demo:${total}`,
  rateLimit: { mode: "off" } as never,
});
const headers = {
  authorization: "Bearer secret_demo_notion_token",
  "notion-version": "2025-09-03",
  "content-type": "application/json",
};
const ws = await (await fetch(`${em.url}/_emulator/workspace`)).json();
const tasks = ws.data_sources.find((d: { title: string }) => /tasks/i.test(d.title));
const schema = await (await fetch(`${em.url}/v1/data_sources/${tasks.id}`, { headers })).json();
const pages: Record<string, unknown>[] = [];
let cursor: string | undefined;
do {
  const res = await fetch(`${em.url}/v1/data_sources/${tasks.id}/query`, {
    method: "POST",
    headers,
    body: JSON.stringify({
      page_size: 100,
      start_cursor: cursor,
      sorts: [{ timestamp: "created_time", direction: "ascending" }],
    }),
  });
  const body = await res.json();
  pages.push(...body.results);
  cursor = body.has_more ? body.next_cursor : undefined;
} while (cursor);
await em.close();

const columns: Record<string, string> = {
  title: "title",
  status: "status",
  priority: "priority",
  tags: "tags",
  due: "due",
  done: "done",
  estimate: "estimate",
};
const fieldMap = Object.entries(schema.properties as Record<string, { id: string; type: string }>)
  .filter(([name, p]) => p.type === "title" || columns[name.toLowerCase()])
  .map(([name, p]) => ({
    property_id: p.id,
    name,
    type: p.type,
    column: p.type === "title" ? "title" : columns[name.toLowerCase()],
  }));

// the same pages without their long formatted texts (rich_text), like a data source of short fields
const compact = pages.map((p: any) => ({
  ...p,
  properties: Object.fromEntries(
    Object.entries(p.properties).filter(([, v]: any) => v.type !== "rich_text"),
  ),
}));
const sizeOf = (xs: unknown[]) => Math.round(JSON.stringify(xs.slice(0, 100)).length / 1024);

const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
/**
 * Per pass: the SQL time of each batch, its whole time, how many pages went in full, and two
 * floors of staging a batch in full: the time Postgres takes only to parse its JSON as jsonb, and
 * the time it takes to parse it and insert each page's raw jsonb as a row of a bare table (a
 * primary key and staged_pages' storage for raw, nothing else).
 */
interface Pass {
  sql: number[];
  batch: number[];
  full: number;
  parse: number[];
  store: number[];
}
const pass = (): Pass => ({ sql: [], batch: [], full: 0, parse: [], store: [] });
const timings = {
  first: pass(),
  unchanged: pass(),
  oneEdited: pass(),
  compactFirst: pass(),
  compactUnchanged: pass(),
};
// the bare table of the store floor (dropped at the end)
const floorTable = `bench_floor_${crypto.randomUUID().replaceAll("-", "")}`;
// each batch commits as the bench user, as the function's batches do
const bench = await benchUser(sql);
const asBench = bench.as;
try {
  await sql`create table ${
    sql(floorTable)
  } (page_id text primary key, raw jsonb compression lz4 not null)
    with (toast_tuple_target = 1024)`;
  const run = await asBench(async (tx) => {
    const [{ c }] =
      await tx`insert into notion_sync.connections (name, token_ciphertext) values ('bench', 'v1.x.y') returning connection_id::text as c`;
    await tx`select notion_sync_api.stage_schema(${tx.json(schema)})`;
    await tx`select notion_sync_api.save_mapping(${
      tx.json({
        name: "bench",
        connection_id: c,
        data_source_id: tasks.id,
        target_schema: "notion_sync_demo",
        target_table: "tasks",
        key_column: "task_id",
        owner_column: "owner_id",
        field_map: fieldMap,
      })
    })`;
    const [{ run }] =
      await tx`select notion_sync_api.start_run('bench', 'retrieve', 'full') ->> 'run_id' as run`;
    return run as string;
  });
  /** The transaction with each query's time (sent to answered) added to `spent.ms`. */
  const timed = (tx: postgres.TransactionSql, spent: { ms: number }) =>
    new Proxy(tx, {
      apply: async (target, self, args) => {
        const t = performance.now();
        const result = await Reflect.apply(target, self, args);
        spent.ms += performance.now() - t;
        return result;
      },
    });
  const stageAll = async (all: unknown[], into: Pass, edit = false) => {
    for (let i = 0; i < all.length; i += 100) {
      const batch = structuredClone(all.slice(i, i + 100)) as any[];
      if (edit) batch[0].properties.Done.checkbox = !batch[0].properties.Done.checkbox;
      const spent = { ms: 0 };
      const t0 = performance.now();
      const sent = await asBench((tx) => stagePages(timed(tx, spent), run, batch));
      into.full += sent;
      into.batch.push(performance.now() - t0);
      into.sql.push(spent.ms);
      if (sent < batch.length) continue;
      // the floors, timed as the SQL time is: in a transaction, sent to answered
      const text = JSON.stringify(batch);
      const floors = { parse: { ms: 0 }, store: { ms: 0 } };
      await sql.begin(async (tx) => {
        await timed(tx, floors.parse)`select pg_column_size(${text}::text::jsonb)`;
        await timed(tx, floors.store)`insert into ${
          tx(floorTable)
        } select e ->> 'id', e from jsonb_array_elements(${text}::text::jsonb) e`;
      });
      into.parse.push(floors.parse.ms);
      into.store.push(floors.store.ms);
    }
  };
  await stageAll(pages, timings.first);
  await stageAll(pages, timings.unchanged);
  await stageAll(pages, timings.oneEdited, true);
  await asBench((tx) =>
    tx`delete from notion_sync.staged_pages where mapping_id = (select mapping_id from notion_sync.mappings where name = 'bench')`
  );
  await sql`truncate ${sql(floorTable)}`;
  await stageAll(compact, timings.compactFirst);
  await stageAll(compact, timings.compactUnchanged);
} finally {
  await bench.drop();
  await sql`drop table if exists ${sql(floorTable)}`;
  await sql.end();
}

/** The q-quantile of xs (0.5 the median, 1 the maximum). */
function quantile(xs: number[], q: number) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
function stats({ sql, batch, full, parse, store }: Pass) {
  const p = (q: number) => quantile(sql, q).toFixed(1);
  return `SQL median ${p(0.5)} ms, p90 ${p(0.9)} ms, max ${p(1)} ms; whole batch median ${
    quantile(batch, 0.5).toFixed(1)
  } ms; ${full} of ${sql.length * 100} pages sent in full${
    full === sql.length * 100
      ? `; floors: parsing the batch (jsonb) median ${quantile(parse, 0.5).toFixed(1)} ms, ` +
        `parsing and storing its raw pages median ${quantile(store, 0.5).toFixed(1)} ms`
      : ""
  }`;
}
console.log(
  `Staging batches of 100 demo Tasks pages (${fieldMap.length} mapped properties), ${pages.length} pages.`,
);
console.log(
  "SQL: pages_to_stage + stage_pages, sent to answered; whole batch: digests, transaction, commit.",
);
console.log(`  first staging (every value converted): ${stats(timings.first)}`);
console.log(`  unchanged re-read:                     ${stats(timings.unchanged)}`);
console.log(`  one page edited per batch:             ${stats(timings.oneEdited)}`);
console.log(
  `  (a batch is ${sizeOf(pages)} KB of JSON; the same pages without their long texts are ${
    sizeOf(compact)
  } KB:)`,
);
console.log(`  compact, first staging:                ${stats(timings.compactFirst)}`);
console.log(`  compact, unchanged re-read:            ${stats(timings.compactUnchanged)}`);
