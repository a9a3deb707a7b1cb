/** Databases with several data sources, schema changes, page moves, and the version shape switches. */

import assert from "node:assert/strict";
import { APIResponseError } from "@notionhq/client";
import { DEMO } from "../mod.ts";
import { control, raw, withEmulator } from "./helpers.ts";

Deno.test("schema changes: add, retype, delete; deleted properties vanish from pages", async () => {
  await withEmulator(async (_em, notion) => {
    const ds: any = await notion.dataSources.update({
      data_source_id: DEMO.tasksDataSourceId,
      properties: {
        Severity: { select: { options: [{ name: "S1" }, { name: "S2" }] } },
        Phone: { rich_text: {} },
        Link: null,
      },
    });
    assert.equal(ds.properties.Severity.type, "select");
    assert.equal(ds.properties.Phone.type, "rich_text", "retyped");
    assert.equal(ds.properties.Link, undefined, "deleted");
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      filter: { property: "Phone", rich_text: { is_not_empty: true } },
    });
    assert.ok(results.length > 0, "phone numbers survive a retype to text");
    const page: any = results[0];
    assert.match(page.properties.Phone.rich_text[0].plain_text, /^\+1 555/);
    assert.equal(page.properties.Link, undefined);
    assert.equal(page.properties.Severity.select, null);
    await assert.rejects(
      () =>
        notion.dataSources.update({
          data_source_id: DEMO.tasksDataSourceId,
          properties: { Name: null },
        }),
      (e: any) => e instanceof APIResponseError && e.code === "validation_error",
    );
  });
});

Deno.test("a database with two data sources: both listed, database parents refused, 2022-06-28 refused", async () => {
  await withEmulator(async (em, notion) => {
    const second: any = await notion.dataSources.create({
      parent: { type: "database_id", database_id: DEMO.tasksDatabaseId },
      title: [{ text: { content: "Tasks archive" } }],
      properties: { Title: { title: {} }, Year: { number: {} } },
    });
    assert.equal(second.parent.database_id, DEMO.tasksDatabaseId);
    assert.equal(second.properties.Title.id, "title");
    const db: any = await notion.databases.retrieve({ database_id: DEMO.tasksDatabaseId });
    assert.deepEqual(db.data_sources.map((d: any) => d.name), ["Tasks", "Tasks archive"]);
    await assert.rejects(
      () => notion.pages.create({ parent: { database_id: DEMO.tasksDatabaseId }, properties: {} }),
      (e: any) =>
        e instanceof APIResponseError && e.code === "validation_error" &&
        /multiple data sources/.test(e.message),
    );
    const legacy = await raw(em, "GET", `databases/${DEMO.tasksDatabaseId}`, {
      version: "2022-06-28",
    });
    assert.equal(legacy.status, 400);
    assert.equal(legacy.body.code, "validation_error");
    const single = await raw(em, "GET", `databases/${DEMO.journalDatabaseId}`, {
      version: "2022-06-28",
    });
    assert.equal(single.status, 200);
    assert.equal(single.body.properties.Title.id, "title", "2022-06-28 databases carry the schema");
    assert.equal(single.body.data_sources, undefined);
  });
});

Deno.test("pages move between data sources, keeping properties whose name and type match", async () => {
  await withEmulator(async (_em, notion) => {
    const other: any = await notion.dataSources.create({
      parent: { type: "database_id", database_id: DEMO.tasksDatabaseId },
      title: [{ text: { content: "Later" } }],
      properties: { Name: { title: {} }, Estimate: { number: {} }, Note: { rich_text: {} } },
    });
    const page = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "movable" } }] }, Estimate: { number: 4 } },
    });
    const moved: any = await notion.pages.move({
      page_id: page.id,
      parent: { type: "data_source_id", data_source_id: other.id },
    });
    assert.equal(moved.parent.data_source_id, other.id);
    assert.equal(moved.properties.Name.title[0].plain_text, "movable");
    assert.equal(moved.properties.Estimate.number, 4);
    assert.deepEqual(Object.keys(moved.properties).sort(), ["Estimate", "Name", "Note"]);
    const inOld = await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId });
    assert.ok(!inOld.results.some((r) => r.id === page.id));
    const inNew = await notion.dataSources.query({ data_source_id: other.id });
    assert.deepEqual(inNew.results.map((r) => r.id), [page.id]);
  });
});

Deno.test("response shapes follow Notion-Version: 2022-06-28 parents, 2026-03-11 without archived", async () => {
  await withEmulator(async (em) => {
    const q = await raw(em, "POST", `databases/${DEMO.journalDatabaseId}/query`, {
      version: "2022-06-28",
      body: '{"page_size":1}',
    });
    assert.equal(q.status, 200);
    assert.deepEqual(Object.keys(q.body.results[0].parent), ["type", "database_id"]);
    const id = q.body.results[0].id;
    const modern = await raw(em, "GET", `pages/${id}`, { version: "2026-03-11" });
    assert.equal(modern.body.archived, undefined);
    assert.equal(modern.body.in_trash, false);
    assert.equal(modern.body.parent.type, "data_source_id");
    const refused = await raw(em, "PATCH", `pages/${id}`, {
      version: "2026-03-11",
      body: '{"archived":true}',
    });
    assert.equal(refused.status, 400);
    const current = await raw(em, "GET", `pages/${id}`);
    assert.equal(current.body.archived, false);
    assert.equal(current.body.in_trash, false);
    const deprecatedAlias = await raw(em, "PATCH", `pages/${id}`, { body: '{"archived":true}' });
    assert.equal(
      deprecatedAlias.body.in_trash,
      true,
      "2025-09-03 still accepts archived as an alias",
    );
  });
});

Deno.test("databases are created with their initial data source and updated as containers", async () => {
  await withEmulator(async (em, notion) => {
    const db: any = await notion.databases.create({
      parent: { type: "page_id", page_id: DEMO.homePageId },
      title: [{ text: { content: "Bugs" } }],
      initial_data_source: { properties: { Bug: { title: {} }, Sev: { status: {} } } },
    });
    assert.match(db.created_time, /\.\d{3}\+00:00$/, "database timestamps keep ms with +00:00");
    const ds: any = await notion.dataSources.retrieve({ data_source_id: db.data_sources[0].id });
    assert.match(ds.created_time, /:00\.000Z$/, "data source timestamps are floored to the minute");
    assert.deepEqual(ds.properties.Sev.status.options.map((o: any) => o.name), [
      "Not started",
      "In progress",
      "Done",
    ]);
    assert.deepEqual(ds.properties.Sev.status.groups.map((g: any) => g.name), [
      "To-do",
      "In progress",
      "Complete",
    ]);
    const renamed: any = await notion.databases.update({
      database_id: db.id,
      title: [{ text: { content: "Bugs 2" } }],
    });
    assert.equal(renamed.title[0].plain_text, "Bugs 2");
    const ws = await control(em, "workspace", undefined, "GET");
    assert.ok(ws.data_sources.some((d: any) => d.id === ds.id));
  });
});

Deno.test("a data source can move to another database; its pages follow", async () => {
  await withEmulator(async (_em, notion) => {
    const moved: any = await notion.dataSources.update({
      data_source_id: DEMO.journalDataSourceId,
      parent: { type: "database_id", database_id: DEMO.tasksDatabaseId },
    });
    assert.equal(moved.parent.database_id, DEMO.tasksDatabaseId);
    const tasksDb: any = await notion.databases.retrieve({ database_id: DEMO.tasksDatabaseId });
    assert.deepEqual(tasksDb.data_sources.map((d: any) => d.id), [
      DEMO.tasksDataSourceId,
      DEMO.journalDataSourceId,
    ]);
    const journalDb: any = await notion.databases.retrieve({ database_id: DEMO.journalDatabaseId });
    assert.deepEqual(journalDb.data_sources, []);
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.journalDataSourceId,
      page_size: 1,
    });
    assert.equal((results[0] as any).parent.database_id, DEMO.tasksDatabaseId);
  });
});
