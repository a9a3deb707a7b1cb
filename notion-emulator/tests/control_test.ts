/** The control API, the oracle, state persistence and the CLI. */

import assert from "node:assert/strict";
import { type Client, collectPaginatedAPI } from "@notionhq/client";
import { DEMO, startEmulator } from "../mod.ts";
import { control, raw, sdk, withEmulator } from "./helpers.ts";

Deno.test("edits as a person bump last_edited_time/by; schema edits as a person", async () => {
  await withEmulator(async (em, notion) => {
    const [page] =
      (await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId, page_size: 1 }))
        .results as any[];
    await control(em, "clock", { advance_seconds: 600 });
    const edited = await control(em, `pages/${page.id}`, {
      as_user: DEMO.users[2].id,
      properties: { Done: { checkbox: true } },
    });
    assert.equal(edited.last_edited_by.id, DEMO.users[2].id);
    assert.ok(edited.last_edited_time > page.last_edited_time);
    const ds = await control(em, `data_sources/${DEMO.tasksDataSourceId}`, {
      properties: { Done: { name: "Finished" } },
    });
    assert.equal(ds.properties.Finished.type, "checkbox");
    const created = await control(em, "pages", {
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "by hand" } }] } },
    });
    assert.equal(created.created_by.id, DEMO.users[0].id);
  });
});

Deno.test("the clock can be set, advanced and scaled", async () => {
  await withEmulator(async (em) => {
    const set = await control(em, "clock", { set: "2030-01-01T00:00:00.000Z", scale: 0 });
    assert.equal(set.now, "2030-01-01T00:00:00.000Z");
    const later = await control(em, "clock", { advance_seconds: 90 });
    assert.equal(later.now, "2030-01-01T00:01:30.000Z");
    await control(em, "clock", { scale: 600 });
    await new Promise((r) => setTimeout(r, 100));
    const fast = await control(em, "clock", undefined, "GET");
    const elapsed = Date.parse(fast.now) - Date.parse(later.now);
    assert.ok(
      elapsed >= 50_000 && elapsed < 600_000,
      `100 ms at ×600 is about a minute (${elapsed} ms)`,
    );
  });
});

Deno.test("the request log records method, path, status, code and timing", async () => {
  await withEmulator(async (em, notion) => {
    await notion.users.me({});
    await raw(em, "GET", "pages/00000000-0000-0000-0000-000000000000");
    const { requests } = await control(em, "requests", undefined, "GET");
    assert.deepEqual(requests.map((r: any) => [r.method, r.path, r.status, r.code]), [
      ["GET", "/v1/users/me", 200, null],
      ["GET", "/v1/pages/00000000-0000-0000-0000-000000000000", 404, "object_not_found"],
    ]);
    assert.ok(
      requests.every((r: any) =>
        typeof r.duration_ms === "number" && r.integration === DEMO.integrationName
      ),
    );
    const since = await control(em, `requests?since=${requests[0].seq}`, undefined, "GET");
    assert.equal(since.requests.length, 1);
  });
});

Deno.test("unsharing makes objects 404; sharing again restores them", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "integrations", {
      token: DEMO.token,
      unshare: [DEMO.homePageId],
      share: [DEMO.journalDatabaseId],
    });
    await assert.rejects(
      () => notion.dataSources.retrieve({ data_source_id: DEMO.tasksDataSourceId }),
      (e: any) => e.code === "object_not_found",
    );
    const journal: any = await notion.dataSources.retrieve({
      data_source_id: DEMO.journalDataSourceId,
    });
    assert.equal(journal.object, "data_source", "a database shared on its own stays visible");
    await control(em, "integrations", { token: DEMO.token, share: [DEMO.homePageId] });
    assert.equal(
      (await notion.dataSources.retrieve({ data_source_id: DEMO.tasksDataSourceId })).id,
      DEMO.tasksDataSourceId,
    );
  });
});

/** Reads a data source the way a correct sync must: every page, truncated lists completed. */
async function readAll(notion: Client, dataSourceId: string) {
  const pages = await collectPaginatedAPI(notion.dataSources.query, {
    data_source_id: dataSourceId,
    page_size: 100,
  });
  const rows: Record<string, unknown> = {};
  for (const page of pages as any[]) {
    const values: Record<string, unknown> = {};
    for (const [, v] of Object.entries<any>(page.properties)) {
      let value: unknown;
      const complete = async (kind: string) => {
        const items: any[] = [];
        let cursor: string | undefined;
        do {
          const r: any = await notion.pages.properties.retrieve({
            page_id: page.id,
            property_id: v.id,
            start_cursor: cursor,
          });
          items.push(...r.results);
          cursor = r.next_cursor ?? undefined;
        } while (cursor);
        return items.map((i) => (kind === "relation" ? i.relation.id : i.people.id));
      };
      switch (v.type) {
        case "title":
        case "rich_text":
          value = v[v.type].map((x: any) => x.plain_text).join("");
          break;
        case "select":
        case "status":
          value = v[v.type]?.name ?? null;
          break;
        case "multi_select":
          value = v.multi_select.map((o: any) => o.name);
          break;
        case "people":
          value = v.people.length >= 25 ? await complete("people") : v.people.map((u: any) => u.id);
          break;
        case "relation":
          value = v.has_more ? await complete("relation") : v.relation.map((r: any) => r.id);
          break;
        case "formula":
          value = v.formula[v.formula.type];
          break;
        case "unique_id":
          value = `${v.unique_id.prefix}-${v.unique_id.number}`;
          break;
        case "created_by":
        case "last_edited_by":
          value = v[v.type].id;
          break;
        case "files":
        case "rollup":
          continue;
        default:
          value = v[v.type];
      }
      values[decodeURIComponent(v.id)] = value;
    }
    rows[page.id] = values;
  }
  return rows;
}

Deno.test("the oracle lists exactly what a correct full read of the data source yields", async () => {
  await withEmulator(async (em, notion) => {
    // A project with more than 25 tasks, so completing relations matters.
    const [project] =
      (await notion.dataSources.query({ data_source_id: DEMO.projectsDataSourceId, page_size: 1 }))
        .results;
    const tasks = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
    });
    await notion.pages.update({
      page_id: project.id,
      properties: { Tasks: { relation: tasks.map((t) => ({ id: t.id })) } },
    });
    await notion.pages.update({ page_id: tasks[0].id, in_trash: true });
    for (
      const ds of [DEMO.tasksDataSourceId, DEMO.projectsDataSourceId, DEMO.journalDataSourceId]
    ) {
      const expected = await control(em, `oracle?data_source_id=${ds}`, undefined, "GET");
      const read = await readAll(notion, ds);
      assert.deepEqual(Object.keys(read).sort(), expected.rows.map((r: any) => r.page_id));
      for (const row of expected.rows) {
        const got = read[row.page_id] as Record<string, unknown>;
        for (const [pid, prop] of Object.entries<any>(row.properties)) {
          if (prop.type === "files" || prop.type === "rollup") continue;
          const want = prop.type === "title" || prop.type === "rich_text"
            ? prop.value.plain_text
            : prop.value;
          assert.deepEqual(got[pid], want, `${row.page_id} ${prop.name}`);
        }
      }
      if (ds === DEMO.tasksDataSourceId) assert.deepEqual(expected.trashed, [tasks[0].id]);
    }
    const projectRow =
      (await control(em, `oracle?data_source_id=${DEMO.projectsDataSourceId}`, undefined, "GET"))
        .rows
        .find((r: any) => r.page_id === project.id);
    const rel = Object.values<any>(projectRow.properties).find((p) => p.name === "Tasks");
    assert.equal(rel.value.length, 29, "complete relations, without the trashed task");
  }, { seed: "demo" });
});

Deno.test("--state persists across restarts; reset with a SeedSpec replaces everything", async () => {
  const dir = await Deno.makeTempDir();
  const statePath = `${dir}/state.json`;
  try {
    let em = await startEmulator({ port: 0, seed: "demo", statePath, quiet: true });
    const notion = sdk(em.url, DEMO.token);
    const page = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "kept" } }] } },
    });
    await em.close();
    em = await startEmulator({ port: 0, seed: "empty", statePath, quiet: true });
    const again: any = await sdk(em.url, DEMO.token).pages.retrieve({ page_id: page.id });
    assert.equal(again.properties.Name.title[0].plain_text, "kept");
    const ws = await control(em, "reset", {
      seed: { integrations: [{ token: "x", name: "x", bot_id: DEMO.botId, shared: [] }] },
    });
    assert.deepEqual(ws.data_sources, []);
    assert.equal((await raw(em, "GET", "users/me", { token: "x" })).status, 200);
    await em.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with a state file, changes are autosaved without a clean shutdown", async () => {
  const dir = await Deno.makeTempDir();
  const statePath = `${dir}/auto.json`;
  const em = await startEmulator({
    port: 0,
    seed: "demo:3",
    statePath,
    quiet: true,
    autosaveMs: 20,
  });
  try {
    const page = await sdk(em.url, DEMO.token).pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "autosaved" } }] } },
    });
    let saved: any = {};
    for (let i = 0; i < 50 && !saved.pages?.[page.id]; i++) {
      await new Promise((r) => setTimeout(r, 20));
      saved = JSON.parse(await Deno.readTextFile(statePath).catch(() => "{}"));
    }
    assert.ok(saved.pages?.[page.id], "the new page reached the state file");
  } finally {
    await em.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the CLI prints its URL, serves, and saves state on SIGTERM", async () => {
  const dir = await Deno.makeTempDir();
  const statePath = `${dir}/cli.json`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../main.ts", import.meta.url).pathname,
      "--port",
      "0",
      "--seed",
      "demo:5",
      "--state",
      statePath,
    ],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      out += value;
    }
    const m = /^notion-emulator listening on (http:\/\/127\.0\.0\.1:(\d+))\n/.exec(out);
    assert.ok(m, `ready line, got ${JSON.stringify(out)}`);
    const ws = await (await fetch(`${m[1]}/_emulator/workspace`)).json();
    assert.equal(ws.data_sources.find((d: any) => d.title === "Tasks").page_count, 5);
    child.kill("SIGTERM");
    const status = await child.status;
    assert.equal(status.code, 0);
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    const saved = JSON.parse(await Deno.readTextFile(statePath));
    assert.equal(Object.keys(saved.dataSources).length, 3);
  } finally {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a purged page answers 404 and leaves relations", async () => {
  await withEmulator(async (em, notion) => {
    const project: any = await notion.pages.create({
      parent: { data_source_id: DEMO.projectsDataSourceId },
      properties: {},
    });
    const task = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Project: { relation: [{ id: project.id }] } },
    });
    await notion.pages.update({ page_id: task.id, in_trash: true });
    await control(em, `pages/${task.id}/purge`, {});
    await assert.rejects(
      () => notion.pages.retrieve({ page_id: task.id }),
      (e: any) => e.code === "object_not_found",
    );
    const after: any = await notion.pages.retrieve({ page_id: project.id });
    assert.deepEqual(after.properties.Tasks.relation, []);
    const oracle = await control(
      em,
      `oracle?data_source_id=${DEMO.tasksDataSourceId}`,
      undefined,
      "GET",
    );
    assert.ok(
      !oracle.trashed.includes(task.id) && !oracle.rows.some((r: any) => r.page_id === task.id),
    );
  });
});

Deno.test("--print-oracle gives the same rows as the running emulator's oracle", async () => {
  const { seedOracle } = await import("../main.ts");
  const printed: any = seedOracle("demo:12");
  await withEmulator(async (em) => {
    const live = await control(
      em,
      `oracle?data_source_id=${DEMO.tasksDataSourceId}`,
      undefined,
      "GET",
    );
    const offline = printed[DEMO.tasksDataSourceId];
    assert.deepEqual(offline.rows.map((r: any) => r.page_id), live.rows.map((r: any) => r.page_id));
    const title = (rows: any[]) => rows.map((r) => r.properties.title.value.plain_text).sort();
    assert.deepEqual(title(offline.rows), title(live.rows));
    assert.equal(offline.rows.length, 12);
  }, { seed: "demo:12" });
});

Deno.test("the control API shows any page untruncated, whoever it is shared with", async () => {
  await withEmulator(async (em, notion) => {
    const tasks = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
    });
    const [project] =
      (await notion.dataSources.query({ data_source_id: DEMO.projectsDataSourceId, page_size: 1 }))
        .results;
    await notion.pages.update({
      page_id: project.id,
      properties: { Tasks: { relation: tasks.map((t) => ({ id: t.id })) } },
    });
    await control(em, "integrations", { token: DEMO.token, unshare: [DEMO.homePageId] });
    const page = await control(em, `pages/${project.id}`, undefined, "GET");
    assert.equal(page.properties.Tasks.relation.length, 30);
    assert.equal(page.properties.Tasks.has_more, false);
  });
});

Deno.test("a state file of another format is ignored and the seed used", async () => {
  const dir = await Deno.makeTempDir();
  const statePath = `${dir}/old.json`;
  await Deno.writeTextFile(
    statePath,
    JSON.stringify({ pages: {}, note: "written by an older emulator" }),
  );
  const em = await startEmulator({ port: 0, seed: "demo:4", statePath, quiet: true });
  try {
    const ws = await control(em, "workspace", undefined, "GET");
    assert.equal(ws.data_sources.find((d: any) => d.title === "Tasks").page_count, 4);
  } finally {
    await em.close();
    await Deno.remove(dir, { recursive: true });
  }
});
