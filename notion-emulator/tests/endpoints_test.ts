/** Search, users, blocks, capabilities, payload size and Retry-After scaling. */

import assert from "node:assert/strict";
import { APIResponseError, collectPaginatedAPI } from "@notionhq/client";
import { DEMO } from "../mod.ts";
import { rateLimitFrom } from "../main.ts";
import { control, raw, withEmulator } from "./helpers.ts";

Deno.test("search matches page titles and database titles, filters by object, sorts by last edit", async () => {
  await withEmulator(async (_em, notion) => {
    const dataSources = await notion.search({
      filter: { property: "object", value: "data_source" },
    });
    assert.deepEqual(dataSources.results.map((r: any) => r.object), [
      "data_source",
      "data_source",
      "data_source",
    ]);
    const tasks = await notion.search({
      query: "tasks",
      filter: { property: "object", value: "data_source" },
    });
    assert.deepEqual(tasks.results.map((r) => r.id), [DEMO.tasksDataSourceId]);
    const home = await notion.search({ query: "team home" });
    assert.deepEqual(home.results.map((r) => r.id), [DEMO.homePageId]);
    const all = await collectPaginatedAPI(notion.search, {
      page_size: 50,
      sort: { timestamp: "last_edited_time", direction: "ascending" },
    });
    const times = all.map((r: any) => r.last_edited_time);
    assert.deepEqual([...times].sort(), times);
    assert.ok(all.length > 40);
  });
});

Deno.test("users: list, retrieve, and 404 for an unknown user", async () => {
  await withEmulator(async (_em, notion) => {
    const list = await notion.users.list({});
    assert.ok(
      list.results.some((u: any) =>
        u.id === DEMO.users[0].id && u.person.email === "ada@example.com"
      ),
    );
    const one: any = await notion.users.retrieve({ user_id: DEMO.users[1].id });
    assert.equal(one.name, "Grace Hopper");
    await assert.rejects(
      () => notion.users.retrieve({ user_id: "00000000-0000-0000-0000-000000000000" }),
      APIResponseError,
    );
  });
});

Deno.test("page content: children on create, append, list with block-id cursors, trash", async () => {
  await withEmulator(async (_em, notion) => {
    const page = await notion.pages.create({
      parent: { page_id: DEMO.homePageId },
      properties: { title: { title: [{ text: { content: "Notes" } }] } },
      children: [{ heading_2: { rich_text: [{ text: { content: "Intro" } }] } }],
    });
    await notion.blocks.children.append({
      block_id: page.id,
      children: Array.from(
        { length: 4 },
        (_, i) => ({ paragraph: { rich_text: [{ text: { content: `p${i}` } }] } }),
      ),
    });
    const first = await notion.blocks.children.list({ block_id: page.id, page_size: 2 });
    assert.equal(
      first.next_cursor,
      first.has_more
        ? (await notion.blocks.children.list({ block_id: page.id })).results[2].id
        : null,
    );
    const all = await collectPaginatedAPI(notion.blocks.children.list, {
      block_id: page.id,
      page_size: 2,
    });
    assert.deepEqual(all.map((b: any) => b.type), [
      "heading_2",
      "paragraph",
      "paragraph",
      "paragraph",
      "paragraph",
    ]);
    await notion.blocks.delete({ block_id: all[1].id });
    assert.equal(
      (await collectPaginatedAPI(notion.blocks.children.list, { block_id: page.id })).length,
      4,
    );
    await assert.rejects(
      () =>
        notion.pages.create({
          parent: { page_id: DEMO.homePageId },
          properties: { Other: { number: 1 } } as any,
        }),
      (e: any) => e.code === "validation_error",
    );
  });
});

Deno.test("capabilities: an integration without update or insert content gets 403 restricted_resource", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "integrations", {
      token: DEMO.token,
      capabilities: { update_content: false, insert_content: false },
    });
    const [page] =
      (await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId, page_size: 1 }))
        .results;
    for (
      const call of [
        () => notion.pages.update({ page_id: page.id, properties: { Estimate: { number: 1 } } }),
        () =>
          notion.pages.create({
            parent: { data_source_id: DEMO.tasksDataSourceId },
            properties: {},
          }),
      ]
    ) {
      await assert.rejects(
        call,
        (e: any) =>
          e instanceof APIResponseError && e.status === 403 && e.code === "restricted_resource",
      );
    }
    await control(em, "integrations", { token: DEMO.token, capabilities: { read_content: false } });
    await assert.rejects(
      () => notion.pages.retrieve({ page_id: page.id }),
      (e: any) => e.code === "restricted_resource",
    );
  });
});

Deno.test("a body over 500 KB is refused", async () => {
  await withEmulator(async (em) => {
    const big = JSON.stringify({
      properties: { Description: { rich_text: [{ text: { content: "x".repeat(600_000) } }] } },
    });
    const res = await raw(em, "PATCH", `pages/${DEMO.homePageId}`, { body: big });
    assert.equal(res.status, 400);
    assert.equal(res.body.code, "validation_error");
    assert.match(res.body.message, /request body size should be ≤/);
  });
});

Deno.test("Retry-After can be scaled by the clock so real-time clients wait less", async () => {
  await withEmulator(async (em) => {
    await control(em, "limits", {
      rate_limit: { requests: 2, window_seconds: 60, mode: "normal", scale_retry_after: true },
    });
    await control(em, "clock", { scale: 60 });
    await raw(em, "GET", "users/me");
    await raw(em, "GET", "users/me");
    const limited = await raw(em, "GET", "users/me");
    assert.equal(limited.status, 429);
    assert.equal(
      limited.headers.get("retry-after"),
      "1",
      "60 emulated seconds at ×60 is one real second",
    );
    assert.deepEqual(rateLimitFrom("600/60"), { requests: 600, windowSeconds: 60 });
    assert.deepEqual(rateLimitFrom("off"), { mode: "off" });
  });
});

Deno.test("a blocked integration is told not to retry", async () => {
  await withEmulator(async (em) => {
    await control(em, "limits", { rate_limit: { mode: "blocked" } });
    const res = await raw(em, "GET", "users/me");
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), null);
    assert.deepEqual(res.body.additional_data, { rate_limit_reason: "public_api_request_blocked" });
  });
});

Deno.test("rollup property items page through the relation and finish with the aggregate", async () => {
  await withEmulator(async (em, notion) => {
    const [project] =
      (await notion.dataSources.query({ data_source_id: DEMO.projectsDataSourceId, page_size: 1 }))
        .results as any[];
    const tasks = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
    });
    await notion.pages.update({
      page_id: project.id,
      properties: { Tasks: { relation: tasks.map((t) => ({ id: t.id })) } },
    });
    const propId = project.properties["Task count"].id;
    const first: any = await notion.pages.properties.retrieve({
      page_id: project.id,
      property_id: propId,
    });
    assert.equal(first.results.length, 25);
    assert.equal(first.property_item.rollup.type, "incomplete");
    assert.match(first.property_item.next_url, /start_cursor=/);
    const last: any = await notion.pages.properties.retrieve({
      page_id: project.id,
      property_id: propId,
      start_cursor: first.next_cursor,
    });
    assert.equal(last.results.length, 5);
    assert.equal(last.has_more, false);
    assert.deepEqual(last.property_item.rollup, { type: "number", number: 30, function: "count" });
    const bad = await raw(em, "GET", `pages/${project.id}/properties/${propId}?start_cursor=%%%`);
    assert.equal(bad.status, 400);
  });
});

Deno.test("the demo seed is deterministic: same ids for the same size", async () => {
  const { buildState } = await import("../seed.ts");
  const a = buildState("demo");
  const b = buildState("demo");
  assert.deepEqual(Object.keys(a.pages), Object.keys(b.pages));
  assert.deepEqual(
    Object.keys(a.dataSources).sort(),
    [DEMO.projectsDataSourceId, DEMO.tasksDataSourceId, DEMO.journalDataSourceId].sort(),
  );
  const big = buildState("demo:100");
  const tasks = Object.values(big.pages).filter((p) =>
    p.parent.type === "data_source_id" && p.parent.id === DEMO.tasksDataSourceId
  );
  assert.equal(tasks.length, 100);
});

Deno.test("search sorts only by last_edited_time; archived pages form their own query partition", async () => {
  await withEmulator(async (em, notion) => {
    const bad = await raw(em, "POST", "search", {
      body: '{"sort":{"timestamp":"created_time","direction":"ascending"}}',
    });
    assert.equal(bad.status, 400);
    const [page] =
      (await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId, page_size: 1 }))
        .results;
    await notion.pages.update({ page_id: page.id, is_archived: true } as any);
    const normal = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
    });
    assert.ok(!normal.some((r) => r.id === page.id));
    const archived = await raw(em, "POST", `data_sources/${DEMO.tasksDataSourceId}/query`, {
      body: '{"is_archived":true}',
    });
    assert.deepEqual(archived.body.results.map((r: any) => r.id), [page.id]);
    assert.equal(archived.body.results[0].is_archived, true);
    assert.equal(archived.body.results[0].in_trash, false);
  });
});

Deno.test("a workspace budget is shared by every integration", async () => {
  await withEmulator(async (em) => {
    await control(em, "limits", {
      rate_limit: { mode: "normal", requests: 100, workspace_requests: 3 },
    });
    await control(em, "clock", { scale: 0 });
    assert.equal((await raw(em, "GET", "users/me")).status, 200);
    assert.equal((await raw(em, "GET", "users/me", { token: DEMO.otherToken })).status, 200);
    assert.equal((await raw(em, "GET", "users/me")).status, 200);
    const limited = await raw(em, "GET", "users/me", { token: DEMO.otherToken });
    assert.equal(limited.status, 429);
    assert.equal(
      limited.body.additional_data.rate_limit_reason,
      "public_api_space_request_rate_limit",
    );
  });
});

Deno.test("more than 1,000 blocks in one request are refused", async () => {
  await withEmulator(async (_em, notion) => {
    const para = (t: string) => ({ paragraph: { rich_text: [{ text: { content: t } }] } });
    const children = Array.from({ length: 11 }, (_, i) => ({
      toggle: {
        rich_text: [{ text: { content: `t${i}` } }],
        children: Array.from({ length: 100 }, (_, j) => para(`${i}.${j}`)),
      },
    }));
    await assert.rejects(
      () => notion.blocks.children.append({ block_id: DEMO.homePageId, children: children as any }),
      (e: any) => e.code === "validation_error" && /1111 blocks/.test(e.message),
    );
    const ok = await notion.blocks.children.append({
      block_id: DEMO.homePageId,
      children: children.slice(0, 9) as any,
    });
    assert.equal(ok.results.length, 9);
  });
});
