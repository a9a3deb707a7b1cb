/**
 * How long the Notion emulator takes (server time, in-process, no network) to answer a 100-page
 * query of a 10,000-page data source: the demo Tasks data source with every property type,
 * formulas and rollups. Target: under 5 ms. Run: deno run -A bench/emulator_query_bench.ts
 */

import { DEMO, startEmulator } from "../notion-emulator/mod.ts";

const SIZE = Number(Deno.args[0] ?? 10_000);
const t0 = performance.now();
const em = await startEmulator({
  port: 0,
  seed: `demo:${SIZE}`,
  quiet: true,
  rateLimit: { mode: "off" },
  query: { shortPageRate: 0 },
});
console.log(`seeded demo:${SIZE} in ${(performance.now() - t0).toFixed(0)} ms`);

function query(body: unknown): Request {
  return new Request(`${em.url}/v1/data_sources/${DEMO.tasksDataSourceId}/query`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${DEMO.token}`,
      "notion-version": "2025-09-03",
      "content-type": "application/json",
    },
    body: JSON.stringify(body),
  });
}

async function time(
  label: string,
  runs: number,
  make: (i: number, cursor: string | null) => unknown,
) {
  const samples: number[] = [];
  let cursor: string | null = null;
  let count = 0;
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const req = query(make(i, cursor));
    const start = performance.now();
    const res = await em.fetch(req);
    const text = await res.text();
    wall.push(performance.now() - start);
    // Server time: what the emulator's request log measured for this request.
    samples.push(em.emulator.log[em.emulator.log.length - 1].duration_ms);
    if (res.status !== 200) throw new Error(`${label}: ${res.status} ${text}`);
    // Read only the envelope (the client's JSON parsing is not server time, and makes GC noise).
    const tail = text.slice(text.lastIndexOf(',"next_cursor":'));
    cursor = JSON.parse(`{${tail.slice(1)}`).next_cursor;
    count = text.split('{"object":"page"').length - 1;
  }
  samples.sort((a, b) => a - b);
  const p = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))].toFixed(2);
  wall.sort((a, b) => a - b);
  const w = wall[Math.floor(wall.length / 2)].toFixed(2);
  console.log(
    `${label.padEnd(58)} results=${count} server median=${p(0.5)} ms p95=${
      p(0.95)
    } ms (wall ${w} ms)`,
  );
  return Number(p(0.5));
}

// Warm up the JIT.
await time("warm-up", 30, () => ({ page_size: 100 }));

const paging = await time(
  "sorted by last_edited_time, walking the cursor (100/page)",
  99,
  (_i, cursor) => ({
    page_size: 100,
    sorts: [{ timestamp: "last_edited_time", direction: "ascending" }],
    ...(cursor ? { start_cursor: cursor } : {}),
  }),
);
const fresh = await time(
  "fresh query each time (cache miss: filter + sort 10k)",
  30,
  (i) => ({
    page_size: 100,
    filter: {
      timestamp: "last_edited_time",
      last_edited_time: { on_or_after: `2020-01-01T00:${String(i % 60).padStart(2, "0")}:00Z` },
    },
    sorts: [{ timestamp: "created_time", direction: "descending" }],
  }),
);
const shuffled = await time(
  "no sorts (per-query shuffle), cache miss",
  30,
  (i) => ({
    page_size: 100,
    filter: { property: "Estimate", number: { does_not_equal: 1000 + i } },
  }),
);
const compound = await time(
  "compound filter (status or tag) + property sort, cache miss",
  30,
  (i) => ({
    page_size: 100,
    filter: {
      or: [
        { property: "Status", status: { equals: "In progress" } },
        {
          and: [{ property: "Tags", multi_select: { contains: "bug" } }, {
            property: "Estimate",
            number: { greater_than: i % 5 },
          }],
        },
      ],
    },
    sorts: [{ property: "Due", direction: "ascending" }],
  }),
);
console.log(
  `target < 5 ms for a 100-page query: paging ${paging < 5 ? "OK" : "SLOW"}, fresh ${
    fresh < 5 ? "OK" : "SLOW"
  }, shuffled ${shuffled < 5 ? "OK" : "SLOW"}, compound ${compound < 5 ? "OK" : "SLOW"}`,
);
await em.close();
