/**
 * A small, correct Notion reader under the emulator's strict defaults (rate limit, short pages,
 * minute-floored timestamps, truncated relations) ends with exactly the oracle's rows. This is the
 * behaviour the sync must reproduce; it shows the strictness is survivable, not only present.
 */

import assert from "node:assert/strict";
import { APIErrorCode, APIResponseError, type Client } from "@notionhq/client";
import { DEMO, startEmulator } from "../mod.ts";
import { control, sdk } from "./helpers.ts";

/** Calls Notion, waiting out 429s as Retry-After says (the SDK runs with retry: false, as ours does). */
async function polite<T>(fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof APIResponseError) || e.code !== APIErrorCode.RateLimited) throw e;
      const seconds = Number((e.headers as Headers).get("retry-after") ?? "1");
      await new Promise((r) => setTimeout(r, seconds * 1000));
    }
  }
}

async function readAll(notion: Client, dataSourceId: string, filter?: unknown) {
  const rows = new Map<string, { title: string; relation: string[] }>();
  let cursor: string | undefined;
  do {
    const page: any = await polite(() =>
      notion.dataSources.query({
        data_source_id: dataSourceId,
        page_size: 100,
        start_cursor: cursor,
        sorts: [{ timestamp: "created_time", direction: "ascending" }],
        filter: filter as any,
      })
    );
    for (const r of page.results) {
      const rel = Object.values<any>(r.properties).find((p) => p.type === "relation");
      let ids: string[] = rel.relation.map((x: any) => x.id);
      if (rel.has_more) {
        ids = [];
        let c: string | undefined;
        do {
          const item: any = await polite(() =>
            notion.pages.properties.retrieve({
              page_id: r.id,
              property_id: rel.id,
              start_cursor: c,
            })
          );
          ids.push(...item.results.map((x: any) => x.relation.id));
          c = item.next_cursor ?? undefined;
        } while (c);
      }
      const title = Object.values<any>(r.properties).find((p) => p.type === "title");
      rows.set(r.id, { title: title.title.map((t: any) => t.plain_text).join(""), relation: ids });
    }
    cursor = page.has_more ? page.next_cursor : undefined;
  } while (cursor);
  return rows;
}

Deno.test("a careful reader survives the strict defaults and matches the oracle", async () => {
  const em = await startEmulator({
    port: 0,
    seed: "demo:120",
    timeScale: 60,
    rateLimit: { requests: 4, windowSeconds: 60, scaleRetryAfter: true },
    query: { shortPageRate: 0.5 },
  });
  try {
    const notion = sdk(em.url, DEMO.token);
    // A person links 40 tasks to one project (more than the 25 a page object shows).
    const tasks = await readAll(notion, DEMO.tasksDataSourceId);
    const [first] =
      (await control(em, `oracle?data_source_id=${DEMO.projectsDataSourceId}`, undefined, "GET"))
        .rows;
    await control(em, `pages/${first.page_id}`, {
      properties: { Tasks: { relation: [...tasks.keys()].slice(0, 40).map((id) => ({ id })) } },
    });
    const projects = await readAll(notion, DEMO.projectsDataSourceId);
    const oracle = await control(
      em,
      `oracle?data_source_id=${DEMO.projectsDataSourceId}`,
      undefined,
      "GET",
    );
    assert.deepEqual([...projects.keys()].sort(), oracle.rows.map((r: any) => r.page_id));
    for (const row of oracle.rows) {
      const tasks = Object.values<any>(row.properties).find((p) => p.name === "Tasks").value;
      assert.deepEqual(projects.get(row.page_id)!.relation, tasks, "relations completed past 25");
    }
    assert.ok(
      oracle.rows.some((r: any) =>
        Object.values<any>(r.properties).find((p) => p.name === "Tasks").value.length > 25
      ),
    );
    const { requests } = await control(em, "requests", undefined, "GET");
    assert.ok(requests.some((r: any) => r.status === 429), "the budget was hit and waited out");

    // Incremental pass: a minute-floored watermark with overlap catches every edit.
    await control(em, "clock", { scale: 0 });
    const readAt = (await control(em, "clock", undefined, "GET")).now;
    const edited = [...projects.keys()].slice(0, 3);
    for (const id of edited) {
      await control(em, "clock", { advance_seconds: 5 });
      await control(em, `pages/${id}`, { properties: { Budget: { number: 1 } } });
    }
    const watermark = new Date(Math.floor(Date.parse(readAt) / 60_000) * 60_000 - 60_000)
      .toISOString();
    const changed = await readAll(notion, DEMO.projectsDataSourceId, {
      timestamp: "last_edited_time",
      last_edited_time: { on_or_after: watermark },
    });
    for (const id of edited) assert.ok(changed.has(id), `edit of ${id} seen`);
  } finally {
    await em.close();
  }
});
