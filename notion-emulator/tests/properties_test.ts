/** Property values: every type round-trips, read-only and size rules, options, truncation, files, computed values. */

import assert from "node:assert/strict";
import { APIResponseError, type Client, collectPaginatedAPI, isFullPage } from "@notionhq/client";
import { DEMO } from "../mod.ts";
import { control, withEmulator } from "./helpers.ts";

const TASKS = { data_source_id: DEMO.tasksDataSourceId };

async function rejects400(fn: () => Promise<unknown>, message: RegExp | string): Promise<void> {
  await assert.rejects(fn, (e: unknown) => {
    assert.ok(e instanceof APIResponseError, String(e));
    assert.equal(e.status, 400);
    assert.equal(e.code, "validation_error");
    if (typeof message === "string") assert.equal(e.message, message);
    else assert.match(e.message, message);
    return true;
  });
}

function create(notion: Client, properties: Record<string, unknown>) {
  return notion.pages.create({
    parent: TASKS,
    properties: { Name: { title: [{ text: { content: "p" } }] }, ...properties } as any,
  });
}

Deno.test("every writable property type round-trips with Notion's response shapes", async () => {
  await withEmulator(async (_em, notion) => {
    const projects = await notion.dataSources.query({
      data_source_id: DEMO.projectsDataSourceId,
      page_size: 1,
    });
    const page: any = await create(notion, {
      Name: {
        title: [
          { text: { content: "Ship ", link: null } },
          {
            text: { content: "it", link: { url: "https://example.com" } },
            annotations: { bold: true, color: "red_background" },
          },
          { mention: { user: { id: DEMO.users[1].id } } },
          { mention: { page: { id: projects.results[0].id } } },
          { mention: { date: { start: "2026-07-04" } } },
          { equation: { expression: "x^2" } },
        ],
      },
      Status: { status: { name: "Blocked" } },
      Assignees: { people: [{ id: DEMO.users[0].id }] },
      Due: {
        date: {
          start: "2026-07-04T09:30:00",
          end: "2026-07-04T11:00:00",
          time_zone: "Europe/Paris",
        },
      },
      Tags: { multi_select: [{ name: "bug" }, { name: "docs" }] },
      Priority: { select: { name: "High" } },
      Estimate: { number: 2.5 },
      Done: { checkbox: true },
      Description: { rich_text: [{ text: { content: "plain" } }] },
      Project: { relation: [{ id: projects.results[0].id }] },
      Link: { url: "https://example.com/x" },
      Contact: { email: "a@example.com" },
      Phone: { phone_number: "+33 1 23 45 67 89" },
      Attachments: {
        files: [{ name: "spec.pdf", external: { url: "https://example.com/spec.pdf" } }],
      },
    });
    const p = page.properties;
    const title = p.Name.title;
    assert.equal(title.length, 6);
    assert.deepEqual(title[1].annotations, {
      bold: true,
      italic: false,
      strikethrough: false,
      underline: false,
      code: false,
      color: "red_background",
    });
    assert.equal(title[1].href, "https://example.com");
    assert.equal(title[2].plain_text, "@Grace Hopper");
    assert.equal(title[3].mention.type, "page");
    assert.equal(title[4].mention.date.start, "2026-07-04");
    assert.deepEqual(title[5].equation, { expression: "x^2" });
    assert.equal(p.Status.status.name, "Blocked");
    assert.equal(p.Status.status.color, "red");
    assert.equal(p.Assignees.people[0].name, "Ada Lovelace");
    // Notion answers a time zone as the offset of its local times, time_zone null
    assert.deepEqual(p.Due.date, {
      start: "2026-07-04T09:30:00.000+02:00",
      end: "2026-07-04T11:00:00.000+02:00",
      time_zone: null,
    });
    assert.deepEqual(p.Tags.multi_select.map((o: any) => o.name), ["bug", "docs"]);
    assert.equal(p.Priority.select.name, "High");
    assert.equal(p.Estimate.number, 2.5);
    assert.equal(p.Done.checkbox, true);
    assert.equal(p.Description.rich_text[0].plain_text, "plain");
    assert.deepEqual(p.Project.relation, [{ id: projects.results[0].id }]);
    assert.equal(p.Project.has_more, false);
    assert.equal(p.Link.url, "https://example.com/x");
    assert.equal(p.Contact.email, "a@example.com");
    assert.equal(p.Phone.phone_number, "+33 1 23 45 67 89");
    assert.deepEqual(p.Attachments.files, [{
      name: "spec.pdf",
      type: "external",
      external: { url: "https://example.com/spec.pdf" },
    }]);
    assert.equal(p["Estimate (min)"].formula.number, 150);
    assert.equal(p["Task ID"].unique_id.prefix, "TASK");
    assert.equal(p["Task ID"].unique_id.number, 31);
    assert.equal(p["Created by"].created_by.id, DEMO.botId);
    assert.equal(p["Project status"].rollup.type, "array");
    // Clearing: null, [] and false.
    const cleared: any = await notion.pages.update({
      page_id: page.id,
      properties: {
        Priority: { select: null },
        Tags: { multi_select: [] },
        Done: { checkbox: false },
        Link: { url: null },
        Due: { date: null },
        Status: { status: null },
      },
    });
    assert.equal(cleared.properties.Priority.select, null);
    assert.deepEqual(cleared.properties.Tags.multi_select, []);
    assert.equal(cleared.properties.Link.url, null);
    assert.equal(cleared.properties.Due.date, null);
    assert.equal(
      cleared.properties.Status.status.name,
      "Not started",
      "null resets status to its default",
    );
    assert.equal(cleared.properties.Estimate.number, 2.5, "omitted properties keep their values");
  });
});

Deno.test("read-only properties, unknown keys and unknown status options are rejected", async () => {
  await withEmulator(async (_em, notion) => {
    for (
      const [name, value] of [
        ["Estimate (min)", { formula: { number: 1 } }],
        ["Project status", { rollup: { number: 1 } }],
        ["Created", { created_time: "2026-01-01T00:00:00.000Z" }],
        ["Task ID", { unique_id: { number: 3 } }],
        ["Updated by", { last_edited_by: { id: DEMO.botId } }],
      ] as const
    ) {
      await rejects400(
        () => create(notion, { [name]: value }),
        new RegExp(`^${name.replace(/[()]/g, "\\$&")} is a \\w+ property`),
      );
    }
    await rejects400(
      () => create(notion, { Nope: { number: 1 } }),
      "Nope is not a property that exists.",
    );
    await rejects400(
      () => create(notion, { Status: { status: { name: "Shipped" } } }),
      /Status option "Shipped" does not exist/,
    );
    await rejects400(
      () => create(notion, { Estimate: { rich_text: [] } }),
      "Estimate is expected to be number.",
    );
  });
});

Deno.test("unknown select and multi-select options are created in the schema; commas are refused", async () => {
  await withEmulator(async (_em, notion) => {
    const page: any = await create(notion, {
      Priority: { select: { name: "Urgent" } },
      Tags: { multi_select: [{ name: "legal" }] },
    });
    assert.equal(page.properties.Priority.select.name, "Urgent");
    const ds: any = await notion.dataSources.retrieve(TASKS);
    assert.ok(
      ds.properties.Priority.select.options.some((o: any) =>
        o.name === "Urgent" && o.id === page.properties.Priority.select.id
      ),
    );
    assert.ok(ds.properties.Tags.multi_select.options.some((o: any) => o.name === "legal"));
    await rejects400(
      () => create(notion, { Tags: { multi_select: [{ name: "a,b" }] } }),
      /commas not allowed/,
    );
    const priorityId = decodeURIComponent(ds.properties.Priority.id);
    await rejects400(
      () => create(notion, { Priority: { select: { id: "0000-unknown" } } }),
      `${priorityId} is an invalid select option "0000-unknown"`,
    );
  });
});

Deno.test("size limits answer Notion's validation messages", async () => {
  await withEmulator(async (_em, notion) => {
    await rejects400(
      () =>
        create(notion, { Description: { rich_text: [{ text: { content: "x".repeat(2001) } }] } }),
      "body failed validation: body.properties.Description.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.",
    );
    await rejects400(
      () =>
        create(notion, {
          Description: {
            rich_text: Array.from({ length: 101 }, () => ({ text: { content: "a" } })),
          },
        }),
      "body failed validation: body.properties.Description.rich_text.length should be ≤ `100`, instead was `101`.",
    );
    await rejects400(
      () => create(notion, { Link: { url: "https://e.com/" + "a".repeat(2000) } }),
      /url\.length should be ≤ `2000`/,
    );
    await rejects400(
      () => create(notion, { Contact: { email: "a".repeat(195) + "@e.com" } }),
      /email\.length should be ≤ `200`/,
    );
    await rejects400(
      () => create(notion, { Link: { url: "" } }),
      /url should be populated or `null`/,
    );
    await rejects400(
      () =>
        create(notion, {
          Tags: { multi_select: Array.from({ length: 101 }, (_, i) => ({ name: `t${i}` })) },
        }),
      /multi_select\.length should be ≤ `100`, instead was `101`/,
    );
    await rejects400(
      () => create(notion, { Name: { title: [{ equation: { expression: "x".repeat(1001) } }] } }),
      /equation\.expression\.length should be ≤ `1000`/,
    );
    await rejects400(
      () =>
        create(notion, {
          Due: { date: { start: "2026-07-04T09:30:00+02:00", time_zone: "Europe/Paris" } },
        }),
      /must not include an offset/,
    );
  });
});

Deno.test("people and mentions are cut at 25 in page objects; property items return them all", async () => {
  await withEmulator(async (em, notion) => {
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) ids.push((await control(em, "users", { name: `Person ${i}` })).id);
    const page: any = await create(notion, {
      Assignees: { people: ids.map((id) => ({ id })) },
      Description: { rich_text: ids.map((id) => ({ mention: { user: { id } } })) },
    });
    assert.equal(page.properties.Assignees.people.length, 25);
    assert.equal(page.properties.Assignees.has_more, undefined, "people carry no has_more flag");
    assert.equal(page.properties.Description.rich_text.length, 25);
    const people: string[] = [];
    let cursor: string | undefined;
    do {
      const r: any = await notion.pages.properties.retrieve({
        page_id: page.id,
        property_id: page.properties.Assignees.id,
        start_cursor: cursor,
      });
      people.push(...r.results.map((x: any) => x.people.id));
      cursor = r.next_cursor ?? undefined;
    } while (cursor);
    assert.deepEqual(people, ids);
    const text: any = await notion.pages.properties.retrieve({
      page_id: page.id,
      property_id: page.properties.Description.id,
      page_size: 100,
    });
    assert.equal(text.results.length, 30);
    assert.equal(text.results[0].object, "property_item");
    assert.equal(text.results[0].rich_text.type, "mention");
  });
});

Deno.test("Notion-hosted files get signed URLs that expire; external files do not", async () => {
  await withEmulator(async (em, notion) => {
    const upload = await control(em, "files", {
      name: "notes.txt",
      content_type: "text/plain",
      base64: btoa("hello"),
    });
    const page: any = await create(notion, {
      Attachments: {
        files: [{ name: "notes.txt", type: "file_upload", file_upload: { id: upload.id } }],
      },
    });
    const file = page.properties.Attachments.files[0];
    assert.equal(file.type, "file");
    assert.ok(Date.parse(file.file.expiry_time) > Date.now());
    assert.equal(await (await fetch(file.file.url)).text(), "hello");
    const again: any = await notion.pages.retrieve({ page_id: page.id });
    const reread = again.properties.Attachments.files[0].file.url;
    assert.equal(
      reread.split("?")[0],
      file.file.url.split("?")[0],
      "same file, compare without the query string",
    );
    await control(em, "clock", { advance_seconds: 2 * 3600 });
    const expired = await fetch(file.file.url);
    assert.equal(expired.status, 403);
    await expired.body?.cancel();
    const tampered = await fetch(file.file.url.replace(/signature=\w+/, "signature=00"));
    assert.equal(tampered.status, 403);
    await tampered.body?.cancel();
  });
});

Deno.test("formulas and rollups recompute when related pages change, without moving last_edited_time", async () => {
  await withEmulator(async (em, notion) => {
    const project: any = await notion.pages.create({
      parent: { data_source_id: DEMO.projectsDataSourceId },
      properties: { Name: { title: [{ text: { content: "Rollup target" } }] } },
    });
    const task: any = await create(notion, {
      Estimate: { number: 2 },
      Project: { relation: [{ id: project.id }] },
    });
    const before: any = await notion.pages.retrieve({ page_id: project.id });
    assert.equal(before.properties["Total estimate"].rollup.number, 2);
    assert.deepEqual(
      before.properties.Tasks.relation,
      [{ id: task.id }],
      "the dual relation shows on the other side",
    );
    await control(em, "clock", { advance_seconds: 300 });
    await notion.pages.update({ page_id: task.id, properties: { Estimate: { number: 5 } } });
    const after: any = await notion.pages.retrieve({ page_id: project.id });
    assert.equal(after.properties["Total estimate"].rollup.number, 5);
    assert.equal(after.last_edited_time, before.last_edited_time);
    const t2: any = await notion.pages.retrieve({ page_id: task.id });
    assert.equal(t2.properties["Estimate (min)"].formula.number, 300);
  });
});

Deno.test("updating a trashed page is refused, also through the control API", async () => {
  await withEmulator(async (em, notion) => {
    const page = await create(notion, {});
    await notion.blocks.delete({ block_id: page.id });
    const got = await notion.pages.retrieve({ page_id: page.id });
    assert.ok(isFullPage(got) && got.in_trash);
    await assert.rejects(
      () => control(em, `pages/${page.id}`, { properties: { Estimate: { number: 1 } } }),
      /Can't update a page that is archived/,
    );
  });
});

Deno.test("mentions of pages the integration cannot see read Untitled, but keep their id", async () => {
  await withEmulator(async (em, notion) => {
    const secret = await control(em, "pages", {
      parent: { workspace: true },
      properties: { title: [{ text: { content: "Secret plans" } }] },
    });
    const page: any = await create(notion, {
      Description: {
        rich_text: [{ text: { content: "see " } }, { mention: { page: { id: secret.id } } }],
      },
    });
    const mention = page.properties.Description.rich_text[1];
    assert.equal(mention.mention.page.id, secret.id);
    assert.equal(mention.plain_text, "Untitled");
    const queried: any = (await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      filter: { property: "Description", rich_text: { starts_with: "see " } },
    })).results[0];
    assert.equal(queried.properties.Description.rich_text[1].plain_text, "Untitled");
    await control(em, "integrations", { token: DEMO.token, share: [secret.id] });
    const shared: any = await notion.pages.retrieve({ page_id: page.id });
    assert.equal(shared.properties.Description.rich_text[1].plain_text, "Secret plans");
    const requeried: any = (await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      filter: { property: "Description", rich_text: { starts_with: "see " } },
    })).results[0];
    assert.equal(
      requeried.properties.Description.rich_text[1].plain_text,
      "Secret plans",
      "no stale cached page",
    );
  });
});

Deno.test("a formula over a relation of more than 25 pages sees only 25 of them; a rollup sees all", async () => {
  await withEmulator(async (_em, notion) => {
    await notion.dataSources.update({
      data_source_id: DEMO.projectsDataSourceId,
      properties: { "Linked (formula)": { formula: { expression: 'length(prop("Tasks"))' } } },
    });
    const tasks = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
    });
    const [project] =
      (await notion.dataSources.query({ data_source_id: DEMO.projectsDataSourceId, page_size: 1 }))
        .results;
    const page: any = await notion.pages.update({
      page_id: project.id,
      properties: { Tasks: { relation: tasks.map((t) => ({ id: t.id })) } },
    });
    assert.equal(page.properties["Linked (formula)"].formula.number, 25);
    assert.equal(page.properties["Task count"].rollup.number, 30);
  });
});
