import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { handler } from "../retrieve-from-database/handler.ts";
import { demoMappingFor, freshUser, invoke } from "../../../stack/testing.ts";
import { stackEnv } from "../../../stack/setup.ts";

/** Every page of a data source, read from the emulator as the integration. */
async function emulatorPages(dataSourceId: string) {
  const { notionEmulatorUrl } = stackEnv();
  const pages: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const res = await fetch(`${notionEmulatorUrl}/v1/data_sources/${dataSourceId}/query`, {
      method: "POST",
      headers: {
        authorization: "Bearer secret_demo_notion_token",
        "notion-version": "2025-09-03",
        "content-type": "application/json",
      },
      body: JSON.stringify({ start_cursor: cursor, page_size: 100 }),
    });
    const body = await res.json();
    pages.push(...body.results);
    cursor = body.has_more ? body.next_cursor : undefined;
  } while (cursor);
  return pages;
}

function titleOf(page: Record<string, any>): string {
  const prop = Object.values(page.properties).find((p: any) => p.type === "title") as any;
  return prop.title.map((t: any) => t.plain_text).join("");
}

Deno.test("a full retrieve lands one row per Notion page, with the page's values", async () => {
  const user = await freshUser("retrieve");
  const mappingId = await demoMappingFor(user);
  try {
    const res = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.success, true);
    assert.equal(res.body.status, "completed");

    const [mapping] = await asUser(
      user.claims,
      (tx) => tx`select data_source_id from notion_sync.mappings where mapping_id = ${mappingId}`,
    );
    const pages = await emulatorPages(mapping.data_source_id);
    assert.ok(pages.length > 0, "the demo Tasks data source has pages");
    assert.equal(res.body.retrieved, pages.length);
    assert.equal(res.body.newRecords, pages.length);

    const rows = await asUser(user.claims, (tx) =>
      tx`
      select t.title, l.page_id from notion_sync_demo.tasks t
      join notion_sync.links l on l.record_key = t.task_id::text and l.mapping_id = ${mappingId}`);
    const byPage = new Map(rows.map((r) => [r.page_id as string, r.title as string]));
    assert.equal(byPage.size, pages.length);
    for (const page of pages) {
      assert.equal(byPage.get(page.id), titleOf(page) || null, `title of page ${page.id}`);
    }

    const again = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.equal(again.body.newRecords, 0, "a second run creates no row");
    assert.equal(again.body.retrieved, pages.length);
  } finally {
    await closeDb();
  }
});

Deno.test("retrieve answers 400 for a bad body, 404 for another user's mapping, 409 while a run holds the mapping", async () => {
  const owner = await freshUser("owner");
  const other = await freshUser("other");
  await demoMappingFor(owner);
  try {
    const bad = await handler(
      new Request("http://x/retrieve-from-database", {
        method: "POST",
        headers: { authorization: `Bearer ${owner.jwt}` },
        body: JSON.stringify({ databaseType: "tasks", mode: "sometimes" }),
      }),
    );
    assert.equal(bad.status, 400);
    assert.match((await bad.json()).error.message, /mode/);

    const notYours = await invoke("retrieve-from-database", { databaseType: "tasks" }, other.jwt);
    assert.equal(notYours.status, 404);
    assert.equal(notYours.body.error.code, "not_found");

    const running = await asUser(owner.claims, async (tx) => {
      const [r] = await tx`select notion_sync_api.start_run('tasks') ->> 'run_id' as id`;
      return r.id as string;
    });
    const busy = await invoke("retrieve-from-database", { databaseType: "tasks" }, owner.jwt);
    assert.equal(busy.status, 409);
    assert.match(busy.body.error.message, new RegExp(running));
  } finally {
    await closeDb();
  }
});
