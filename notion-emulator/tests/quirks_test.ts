/** The Notion quirks the sync must survive, each proven against the emulator through the SDK. */

import assert from "node:assert/strict";
import { APIResponseError, collectAllDataSourceRows, isFullPage } from "@notionhq/client";
import { DEMO, startEmulator } from "../mod.ts";
import { control, raw, sdk, withEmulator } from "./helpers.ts";

Deno.test("an on_or_after filter with seconds misses a page edited later in the same minute", async () => {
  await withEmulator(async (em, notion) => {
    // A minute boundary an hour after the seed, so every seeded page is older.
    const ws = await control(em, "clock", { scale: 0 });
    const t0 = Math.floor(Date.parse(ws.now) / 60_000) * 60_000 + 3_600_000;
    const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
    await control(em, "clock", { set: at(10) });
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 1,
    });
    const pageId = results[0].id;
    // The sync reads at 10:05:30 and remembers that instant; a person edits at 10:05:40.
    const watermark = at(30);
    await control(em, "clock", { set: at(40) });
    const edited = await control(em, `pages/${pageId}`, {
      properties: { Estimate: { number: 42 } },
    });
    assert.equal(edited.last_edited_time, at(0), "stored floored to the minute");
    const bySeconds = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      filter: { timestamp: "last_edited_time", last_edited_time: { on_or_after: watermark } },
    });
    assert.ok(
      !bySeconds.results.some((r) => r.id === pageId),
      "the seconds watermark misses the edit",
    );
    const byMinute = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      filter: { timestamp: "last_edited_time", last_edited_time: { on_or_after: at(0) } },
    });
    assert.deepEqual(
      byMinute.results.map((r) => r.id),
      [pageId],
      "a minute-floored watermark sees it",
    );
  });
});

Deno.test("a 60-page relation shows 25 with has_more in the page, all 60 through property items", async () => {
  await withEmulator(async (_em, notion) => {
    const home = DEMO.homePageId;
    const targets = await notion.databases.create({
      parent: { type: "page_id", page_id: home },
      title: [{ text: { content: "Targets" } }],
      initial_data_source: { properties: { Name: { title: {} } } },
    });
    const targetDs = (targets as any).data_sources[0].id;
    const sources = await notion.databases.create({
      parent: { type: "page_id", page_id: home },
      title: [{ text: { content: "Sources" } }],
      initial_data_source: {
        properties: {
          Name: { title: {} },
          Links: {
            relation: { data_source_id: targetDs, type: "single_property", single_property: {} },
          },
        },
      },
    });
    const sourceDs = (sources as any).data_sources[0].id;
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const p = await notion.pages.create({
        parent: { data_source_id: targetDs },
        properties: { Name: { title: [{ text: { content: `t${i}` } }] } },
      });
      ids.push(p.id);
    }
    const page = await notion.pages.create({
      parent: { data_source_id: sourceDs },
      properties: {
        Name: { title: [{ text: { content: "many" } }] },
        Links: { relation: ids.map((id) => ({ id })) },
      },
    });
    assert.ok(isFullPage(page));
    const links = page.properties.Links as any;
    assert.equal(links.relation.length, 25);
    assert.equal(links.has_more, true);
    const got: string[] = [];
    let cursor: string | undefined;
    let calls = 0;
    do {
      const item: any = await notion.pages.properties.retrieve({
        page_id: page.id,
        property_id: links.id,
        start_cursor: cursor,
      });
      calls++;
      assert.equal(item.object, "list");
      assert.equal(item.property_item.type, "relation");
      for (const r of item.results) got.push(r.relation.id);
      cursor = item.next_cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(got, ids);
    assert.ok(calls > 1, "the property item endpoint paginates");
  });
});

Deno.test("iterating 12,000 pages stops at the 10,000 cap with request_status incomplete", async () => {
  const rows = Array.from({ length: 12_000 }, (_, i) => ({
    data_source_id: "00000000-0000-8000-8000-0000000000d9",
    properties: { Name: { title: [{ text: { content: `row ${i}` } }] } },
  }));
  const em = await startEmulator({
    port: 0,
    quiet: true,
    rateLimit: { mode: "off" },
    query: { shortPageRate: 0 },
    seed: {
      users: [{ id: DEMO.users[0].id, name: "Ada" }],
      integrations: [{
        token: "t",
        name: "big",
        bot_id: DEMO.botId,
        shared: ["00000000-0000-8000-8000-0000000000b9"],
      }],
      databases: [{
        id: "00000000-0000-8000-8000-0000000000b9",
        title: "Big",
        data_sources: [{
          id: "00000000-0000-8000-8000-0000000000d9",
          properties: { Name: { title: {} } },
        }],
      }],
      rows,
    },
  });
  try {
    const notion = sdk(em.url, "t");
    const seen = new Set<string>();
    let cursor: string | undefined;
    let incomplete = 0;
    let requests = 0;
    do {
      const res: any = await notion.dataSources.query({
        data_source_id: "00000000-0000-8000-8000-0000000000d9",
        sorts: [{ timestamp: "created_time", direction: "ascending" }],
        start_cursor: cursor,
        filter_properties: ["title"],
      });
      requests++;
      for (const r of res.results) seen.add(r.id);
      if (res.request_status?.type === "incomplete") {
        assert.equal(res.request_status.incomplete_reason, "query_result_limit_reached");
        incomplete++;
      }
      cursor = res.next_cursor ?? undefined;
    } while (cursor);
    assert.equal(seen.size, 10_000);
    assert.equal(incomplete, requests, "every page of a capped query says incomplete");
  } finally {
    await em.close();
  }
});

Deno.test("the SDK's iterateAllDataSourceRows gets past the cap by created_time windows", async () => {
  const base = Date.parse("2026-01-01T00:00:00.000Z");
  const bigSeed = (spread: boolean) => ({
    users: [{ id: DEMO.users[0].id, name: "Ada" }],
    integrations: [{
      token: "t",
      name: "big",
      bot_id: DEMO.botId,
      shared: ["00000000-0000-8000-8000-0000000000b9"],
    }],
    databases: [{
      id: "00000000-0000-8000-8000-0000000000b9",
      title: "Big",
      data_sources: [{
        id: "00000000-0000-8000-8000-0000000000d9",
        properties: { Name: { title: {} } },
      }],
    }],
    rows: Array.from({ length: 12_000 }, (_, i) => ({
      data_source_id: "00000000-0000-8000-8000-0000000000d9",
      properties: { Name: { title: [{ text: { content: `row ${i}` } }] } },
      created_time: new Date(spread ? base + i * 60_000 : base).toISOString(),
    })),
  });
  for (const spread of [true, false]) {
    const em = await startEmulator({
      port: 0,
      quiet: true,
      rateLimit: { mode: "off" },
      query: { shortPageRate: 0 },
      seed: bigSeed(spread),
    });
    try {
      const rows = collectAllDataSourceRows(sdk(em.url, "t"), {
        data_source_id: "00000000-0000-8000-8000-0000000000d9",
        filter_properties: ["title"],
      });
      if (spread) assert.equal((await rows).length, 12_000);
      else {await assert.rejects(
          rows,
          /cannot make progress/,
          "12,000 rows in one minute cannot be windowed",
        );}
    } finally {
      await em.close();
    }
  }
});

Deno.test("a burst past the budget gets 429 rate_limited with Retry-After, which clears after the window", async () => {
  const em = await startEmulator({
    port: 0,
    quiet: true,
    seed: "demo",
    timeScale: 0,
    query: { shortPageRate: 0 },
  });
  try {
    let last = await raw(em, "GET", "users/me");
    for (let i = 1; i < 180; i++) last = await raw(em, "GET", "users/me");
    assert.equal(last.status, 200, "the whole budget may be spent in one burst");
    const limited = await raw(em, "GET", "users/me");
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "60");
    assert.equal(limited.body.code, "rate_limited");
    assert.equal(
      limited.body.message,
      "You have been rate limited. Please try again in a few minutes.",
    );
    assert.deepEqual(limited.body.additional_data, {
      rate_limit_reason: "public_api_request_rate_limit",
      retry_after: "60",
    });
    await control(em, "clock", { advance_seconds: 45 });
    const still = await raw(em, "GET", "users/me");
    assert.equal(
      still.headers.get("retry-after"),
      "15",
      "Retry-After counts down to the window's end",
    );
    await control(em, "clock", { advance_seconds: 15 });
    assert.equal((await raw(em, "GET", "users/me")).status, 200);
    const other = await raw(em, "GET", "users/me", { token: DEMO.otherToken });
    assert.equal(other.status, 200, "budgets are per integration");
  } finally {
    await em.close();
  }
});

Deno.test("a trashed page is absent from queries and still retrievable with in_trash", async () => {
  await withEmulator(async (_em, notion) => {
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 1,
    });
    const id = results[0].id;
    await notion.pages.update({ page_id: id, in_trash: true });
    const all = await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId });
    assert.equal(all.results.length, 29);
    assert.ok(!all.results.some((r) => r.id === id));
    const got = await notion.pages.retrieve({ page_id: id });
    assert.ok(isFullPage(got));
    assert.equal(got.in_trash, true);
    assert.equal((got as any).archived, true);
    await assert.rejects(
      () => notion.pages.update({ page_id: id, properties: { Estimate: { number: 1 } } }),
      (e: any) =>
        e instanceof APIResponseError && e.code === "validation_error" &&
        e.message ===
          "Can't update a page that is archived. You must unarchive the page before updating.",
    );
    await notion.pages.update({ page_id: id, in_trash: false });
    const back = await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId });
    assert.ok(back.results.some((r) => r.id === id), "restored pages come back");
  });
});

Deno.test("a renamed property keeps its id; pages show the new name with the same id", async () => {
  await withEmulator(async (_em, notion) => {
    const before: any = await notion.dataSources.retrieve({
      data_source_id: DEMO.tasksDataSourceId,
    });
    const id = before.properties.Estimate.id;
    const after: any = await notion.dataSources.update({
      data_source_id: DEMO.tasksDataSourceId,
      properties: { Estimate: { name: "Effort" } },
    });
    assert.equal(after.properties.Effort.id, id);
    assert.equal(after.properties.Estimate, undefined);
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 1,
    });
    const page: any = results[0];
    assert.equal(page.properties.Effort.id, id);
    assert.equal(page.properties.Estimate, undefined);
    const byId = await notion.pages.update({
      page_id: page.id,
      properties: { [decodeURIComponent(id)]: { number: 7 } },
    });
    assert.equal((byId as any).properties.Effort.number, 7, "writes by property id still land");
  });
});
