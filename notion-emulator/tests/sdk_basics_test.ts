import assert from "node:assert/strict";
import { APIErrorCode, APIResponseError, collectPaginatedAPI, isFullPage } from "@notionhq/client";
import { DEMO } from "../mod.ts";
import { control, raw, sdk, withEmulator } from "./helpers.ts";

Deno.test("the SDK reads the demo workspace through baseUrl: me, database, data source", async () => {
  await withEmulator(async (_em, notion) => {
    const me = await notion.users.me({});
    assert.equal(me.id, DEMO.botId);
    assert.equal(me.type, "bot");
    const db = await notion.databases.retrieve({ database_id: DEMO.tasksDatabaseId });
    assert.equal(db.object, "database");
    assert.deepEqual((db as any).data_sources.map((d: any) => d.id), [DEMO.tasksDataSourceId]);
    const ds = await notion.dataSources.retrieve({ data_source_id: DEMO.tasksDataSourceId });
    assert.equal((ds as any).properties.Name.id, "title");
    assert.equal((ds as any).properties.Status.type, "status");
    assert.ok((ds as any).properties.Status.status.groups.length >= 3);
  });
});

Deno.test("querying paginates with opaque cursors and page_size ≤ 100 until has_more is false", async () => {
  await withEmulator(async (_em, notion) => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const res = await notion.dataSources.query({
        data_source_id: DEMO.tasksDataSourceId,
        page_size: 7,
        start_cursor: cursor,
      });
      assert.ok(res.results.length <= 7);
      for (const r of res.results) {
        assert.ok(!seen.has(r.id), "no page is returned twice");
        seen.add(r.id);
      }
      cursor = res.next_cursor ?? undefined;
      assert.equal(res.has_more, cursor !== undefined);
      if (cursor) {
        assert.ok(!/^[0-9a-f-]{36}$/.test(cursor), "query cursors are opaque, not page ids");
      }
      pages++;
    } while (cursor);
    assert.equal(seen.size, 30);
    const first: any =
      (await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId, page_size: 100 }))
        .results.find((r: any) => r.properties.Description.rich_text.length > 0);
    assert.match(
      first.properties.Name.title[0].plain_text,
      /#\d+$/,
      "rich text is spliced into query results",
    );
    assert.equal(first.properties.Description.rich_text[0].type, "text");
    assert.equal(pages, 5);
    const all = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
    });
    assert.equal(all.length, 30);
    const tooBig = await raw(_em, "POST", `data_sources/${DEMO.tasksDataSourceId}/query`, {
      body: '{"page_size":101}',
    });
    assert.equal(tooBig.status, 400);
    assert.equal(tooBig.body.code, "validation_error");
  });
});

Deno.test("create, retrieve and update a page through the SDK bumps last_edited_time", async () => {
  await withEmulator(async (em, notion) => {
    const created = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId, type: "data_source_id" },
      properties: {
        Name: { title: [{ text: { content: "Write the emulator" } }] },
        Status: { status: { name: "In progress" } },
        Tags: { multi_select: [{ name: "backend" }] },
      },
    });
    assert.ok(isFullPage(created));
    assert.equal((created.properties.Status as any).status.name, "In progress");
    const before = created.last_edited_time;
    await control(em, "clock", { advance_seconds: 120 });
    const updated = await notion.pages.update({
      page_id: created.id,
      properties: { Estimate: { number: 3 } },
    });
    assert.ok(isFullPage(updated));
    assert.equal((updated.properties.Estimate as any).number, 3);
    assert.ok(updated.last_edited_time > before, "last_edited_time moves on write");
    const got = await notion.pages.retrieve({ page_id: created.id.replaceAll("-", "") });
    assert.ok(isFullPage(got));
    assert.equal(got.id, created.id, "undashed ids are accepted, dashed ids returned");
    assert.equal((got.properties.Name as any).title[0].plain_text, "Write the emulator");
  });
});

Deno.test("a bad token is 401 unauthorized and an unshared object is 404 object_not_found", async () => {
  await withEmulator(async (em, notion) => {
    const bad = await raw(em, "GET", "users/me", { token: "nope" });
    assert.equal(bad.status, 401);
    assert.deepEqual({ ...bad.body, request_id: undefined }, {
      object: "error",
      status: 401,
      code: "unauthorized",
      message: "API token is invalid.",
      request_id: undefined,
    });
    const other = sdk(em.url, DEMO.otherToken);
    await assert.rejects(
      () => other.pages.retrieve({ page_id: DEMO.homePageId }),
      (e: unknown) => {
        assert.ok(e instanceof APIResponseError);
        assert.equal(e.code, APIErrorCode.ObjectNotFound);
        assert.equal(e.status, 404);
        assert.match(
          e.message,
          /Could not find page with ID: 393abc1e-edcd-80f3-813b-e205934558c6\. Make sure the relevant pages and databases are shared with your integration "Other integration"\./,
        );
        assert.deepEqual((e as any).additional_data, { integration_id: DEMO.otherBotId });
        return true;
      },
    );
    await assert.rejects(
      () => other.dataSources.retrieve({ data_source_id: DEMO.tasksDataSourceId }),
      (e: any) =>
        e.message.startsWith(`Could not find data_source with ID: ${DEMO.tasksDataSourceId}.`),
    );
    await assert.rejects(
      () => notion.pages.retrieve({ page_id: "00000000-0000-0000-0000-000000000000" }),
      APIResponseError,
    );
  });
});

Deno.test("control API: workspace lists tokens and property ids; reset restores the seed", async () => {
  await withEmulator(async (em, notion) => {
    const ws = await control(em, "workspace", undefined, "GET");
    assert.equal(ws.integrations[0].token, DEMO.token);
    const tasks = ws.databases.flatMap((d: any) => d.data_sources).find((d: any) =>
      d.id === DEMO.tasksDataSourceId
    );
    assert.equal(tasks.page_count, 30);
    assert.ok(tasks.properties.some((p: any) => p.id === "title" && p.type === "title"));
    await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "x" } }] } },
    });
    const grown = await control(em, "workspace", undefined, "GET");
    assert.equal(
      grown.databases.flatMap((d: any) => d.data_sources).find((d: any) =>
        d.id === DEMO.tasksDataSourceId
      ).page_count,
      31,
    );
    const reset = await control(em, "reset", { seed: "demo:50" });
    assert.equal(
      reset.databases.flatMap((d: any) => d.data_sources).find((d: any) =>
        d.id === DEMO.tasksDataSourceId
      ).page_count,
      50,
    );
  });
});

Deno.test("control workspace lists data sources at the top level with their titles", async () => {
  await withEmulator(async (em) => {
    const ws = await control(em, "workspace", undefined, "GET");
    const titles = ws.data_sources.map((d: any) => d.title).sort();
    assert.deepEqual(titles, ["Journal", "Projects", "Tasks"]);
    assert.equal(ws.data_sources.find((d: any) => d.title === "Tasks").id, DEMO.tasksDataSourceId);
  });
});
