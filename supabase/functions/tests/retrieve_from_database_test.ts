import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { handler } from "../retrieve-from-database/handler.ts";
import {
  demoMappingFor,
  EMULATOR_TOKEN,
  emulatorControl,
  emulatorNotion,
  emulatorTasksDataSource,
  freshUser,
  invoke,
  newEmulatorDataSource,
  ownerOnlyTable,
  titleOnlyMapping,
} from "../../../stack/testing.ts";
import { connectNotion, ensureMapping, stackEnv } from "../../../stack/setup.ts";

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

/** Number of data source queries the emulator answered since the given request sequence. */
async function queriesSince(seq: number): Promise<{ count: number; last: number }> {
  const log = await emulatorControl(`requests?since=${seq}&limit=10000`);
  const entries = (log.requests ?? log) as { seq: number; method: string; path: string }[];
  return {
    count: entries.filter((r) => r.method === "POST" && /\/query$/.test(r.path)).length,
    last: Math.max(seq, ...entries.map((r) => r.seq)),
  };
}

Deno.test("an incremental run reads pages edited since the watermark, including a second edit in the same minute", async () => {
  const user = await freshUser("incremental");
  await demoMappingFor(user);
  const ds = await emulatorTasksDataSource();
  try {
    const full = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(full.body.status, "completed");
    const [{ page_id }] = await asUser(
      user.claims,
      (tx) => tx`select page_id from notion_sync.links limit 1`,
    );
    const edit = (name: string) =>
      emulatorControl(`pages/${page_id}`, { properties: { Status: { status: { name } } } });

    await edit("Done");
    const first = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      mode: "incremental",
    }, user.jwt);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.ok(
      first.body.retrieved < full.body.retrieved,
      `an incremental run reads less (${first.body.retrieved})`,
    );
    const status = async () =>
      (await asUser(
        user.claims,
        (tx) =>
          tx`select t.status from notion_sync_demo.tasks t join notion_sync.links l on l.record_key = t.task_id::text
           where l.page_id = ${page_id}`,
      ))[0].status;
    assert.equal(await status(), "Done");

    // a second edit within the same minute: Notion's last_edited_time does not move
    await edit("In progress");
    const second = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      mode: "incremental",
    }, user.jwt);
    assert.equal(second.body.status, "completed");
    assert.equal(await status(), "In progress", "the same-minute second edit arrives");
    void ds;
  } finally {
    await closeDb();
  }
});

Deno.test("a changed schema turns an incremental run into a full scan", async () => {
  const user = await freshUser("schema");
  await demoMappingFor(user);
  const ds = await emulatorTasksDataSource();
  try {
    await invoke(
      "retrieve-from-database",
      { databaseType: "tasks", createUnmatched: true },
      user.jwt,
    );
    await emulatorControl(`data_sources/${ds}`, {
      properties: { [`Note ${crypto.randomUUID().slice(0, 6)}`]: { rich_text: {} } },
    });
    const res = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      mode: "incremental",
    }, user.jwt);
    const [run] = await asUser(
      user.claims,
      (tx) => tx`select mode, checkpoint from notion_sync.runs where run_id = ${res.body.runId}`,
    );
    assert.equal(run.mode, "full");
    assert.equal(run.checkpoint.full_because, "the data source schema changed");
  } finally {
    await closeDb();
  }
});

Deno.test("a run out of time answers running and the next call resumes without re-reading finished batches; the result cap is windowed", async () => {
  await emulatorControl("reset", { seed: "demo:230" });
  await emulatorControl("limits", { result_cap: 100 });
  const user = await freshUser("resume");
  await demoMappingFor(user);
  try {
    let { last } = await queriesSince(0);
    const first = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
      timeBudgetMs: 1,
    }, user.jwt);
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.status, "running", "a run past its time budget answers running");
    assert.equal(first.body.progress.batches, 1);
    let calls = 1;
    let res = first;
    while (res.body.status === "running" && calls < 10) {
      res = await invoke("retrieve-from-database", {
        databaseType: "tasks",
        createUnmatched: true,
        timeBudgetMs: 1,
      }, user.jwt);
      assert.equal(res.body.runId, first.body.runId, "the same run continues");
      assert.equal(res.body.progress.resumed, true);
      calls += 1;
    }
    assert.equal(res.body.status, "completed");
    const queries = await queriesSince(last);
    last = queries.last;
    const [{ staged }] = await asUser(
      user.claims,
      (tx) =>
        tx`select count(*)::int as staged from notion_sync.staged_pages sp join notion_sync.mappings m using (mapping_id)
         where m.name = 'tasks'`,
    );
    assert.equal(staged, 230, "every page was read despite a result cap of 100");
    assert.equal(
      queries.count,
      calls - 1,
      "one query per invocation but the last, which only reconciles: no finished batch is read again",
    );
    const [{ rows }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as rows from notion_sync_demo.tasks`,
    );
    assert.equal(rows, 230);
  } finally {
    await emulatorControl("limits", { result_cap: 10000 });
    await emulatorControl("reset", { seed: "demo" });
    await closeDb();
  }
});

Deno.test("a dry run out of time stays dry when a call without dryRun finishes it", async () => {
  await emulatorControl("reset", { seed: "demo:230" });
  const user = await freshUser("dry resume");
  await demoMappingFor(user);
  try {
    let res = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
      dryRun: true,
      timeBudgetMs: 1,
    }, user.jwt);
    assert.equal(res.body.status, "running", JSON.stringify(res.body));
    for (let calls = 1; res.body.status === "running" && calls < 10; calls += 1) {
      // as the worker's continuation calls it: the mapping and a time budget, nothing else
      res = await invoke("retrieve-from-database", {
        databaseType: "tasks",
        timeBudgetMs: 1,
      }, user.jwt);
    }
    assert.equal(res.body.status, "completed");
    assert.equal(res.body.summary.dry_run, true, "the run is still a dry run");
    assert.equal(res.body.summary.inserts, 230, "it reports the rows it would insert");
    const [{ rows }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as rows from notion_sync_demo.tasks`,
    );
    assert.equal(rows, 0, "and inserts none");
  } finally {
    await emulatorControl("reset", { seed: "demo" });
    await closeDb();
  }
});

Deno.test("a capped query is windowed at the cap, not after every batch, so 100 pages of one minute do not loop", async () => {
  const user = await freshUser("same minute");
  const { dataSourceId } = await titleOnlyMapping(user, "same minute", "same_minute_tasks");
  const create = (name: string) =>
    emulatorControl("pages", {
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: [{ type: "text", text: { content: name } }] } },
    });
  try {
    // 120 pages created in one minute (the emulator's clock stopped), 60 in the next
    await emulatorControl("clock", { scale: 0 });
    for (let i = 0; i < 120; i++) await create(`First minute ${i}`);
    await emulatorControl("clock", { advance_seconds: 60 });
    for (let i = 0; i < 60; i++) await create(`Next minute ${i}`);
    await emulatorControl("clock", { scale: 1 });
    await emulatorControl("limits", { result_cap: 150 });

    const res = await invoke("retrieve-from-database", {
      databaseType: "same minute",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "completed", "the scan ends");
    assert.equal(res.body.newRecords, 180, "with every page, each once");
  } finally {
    await emulatorControl("clock", { scale: 1 });
    await emulatorControl("limits", { result_cap: 10000 });
    await closeDb();
  }
});

Deno.test("a Notion failure that outlasts the time budget leaves the run running for the next call, not failed", async () => {
  const user = await freshUser("cut short");
  const { dataSourceId } = await titleOnlyMapping(user, "cut short", "cut_short_tasks");
  await emulatorControl("pages", {
    parent: { data_source_id: dataSourceId },
    properties: { Name: { title: [{ type: "text", text: { content: "Only" } }] } },
  });
  const { ids } = await emulatorControl("faults", {
    rules: [{
      method: "POST",
      path: `/data_sources/${dataSourceId}/query`,
      action: "error",
      status: 503,
    }],
  });
  try {
    const cut = await invoke("retrieve-from-database", {
      databaseType: "cut short",
      createUnmatched: true,
      timeBudgetMs: 1500,
    }, user.jwt);
    assert.equal(cut.status, 200, JSON.stringify(cut.body));
    assert.equal(cut.body.status, "running", "the run waits for a continuation");
  } finally {
    for (const id of ids) await emulatorControl(`faults/${id}`, undefined, "DELETE");
  }
  try {
    const res = await invoke("retrieve-from-database", {
      databaseType: "cut short",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "completed");
    assert.equal(res.body.progress.resumed, true, "the same run went on");
    assert.equal(res.body.newRecords, 1);
  } finally {
    await closeDb();
  }
});

Deno.test("a mapped property deleted in Notion makes retrieve answer 409 naming it, and no record loses its value", async () => {
  const stack = stackEnv();
  await ownerOnlyTable(
    "gone_property_tasks",
    "task_id uuid primary key default gen_random_uuid(), name text, notes text",
  );
  const user = await freshUser("gone property");
  const notion = emulatorNotion();
  const dataSourceId = await newEmulatorDataSource("Gone property", {
    Name: { title: {} },
    Notes: { rich_text: {} },
  });
  await emulatorControl("pages", {
    parent: { data_source_id: dataSourceId },
    properties: {
      Name: { title: [{ type: "text", text: { content: "Task" } }] },
      Notes: { rich_text: [{ type: "text", text: { content: "Keep me" } }] },
    },
  });
  const schema = await notion.dataSources.retrieve({ data_source_id: dataSourceId });
  await ensureMapping(user.claims, {
    name: "gone property",
    connectionId: await connectNotion(user, { name: "gone property", token: EMULATOR_TOKEN }),
    dataSourceId,
    targetSchema: "public",
    targetTable: "gone_property_tasks",
    keyColumn: "task_id",
    ownerColumn: "owner_id",
    fieldMap: [
      { property_id: schema.properties.Name.id, name: "Name", type: "title", column: "name" },
      {
        property_id: schema.properties.Notes.id,
        name: "Notes",
        type: "rich_text",
        column: "notes",
      },
    ],
    notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
  });
  try {
    const first = await invoke("retrieve-from-database", {
      databaseType: "gone property",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(first.body.newRecords, 1, JSON.stringify(first.body));

    await notion.dataSources.update({
      data_source_id: dataSourceId,
      properties: { Notes: null },
    } as never);
    // a short time budget too: the refusal is no passing Notion failure to wait out
    const refused = await invoke(
      "retrieve-from-database",
      { databaseType: "gone property", timeBudgetMs: 1000 },
      user.jwt,
    );
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /Notion property "Notes" .* is not in data source/);
    const [row] = await asUser(
      user.claims,
      (tx) => tx`select notes from public.gone_property_tasks`,
    );
    assert.equal(row.notes, "Keep me", "the column keeps its value");
  } finally {
    await closeDb();
  }
});

Deno.test("two concurrent invocations on one mapping: the second answers 409 naming the run", async () => {
  const user = await freshUser("concurrent");
  await demoMappingFor(user);
  try {
    const [a, b] = await Promise.all([
      invoke("retrieve-from-database", { databaseType: "tasks", createUnmatched: true }, user.jwt),
      invoke("retrieve-from-database", { databaseType: "tasks", createUnmatched: true }, user.jwt),
    ]);
    const statuses = [a.status, b.status].sort();
    assert.deepEqual(statuses, [200, 409]);
    const busy = a.status === 409 ? a : b;
    const done = a.status === 200 ? a : b;
    assert.match(busy.body.error.message, new RegExp(done.body.runId));
  } finally {
    await closeDb();
  }
});

Deno.test("an emptied Supabase table is rebuilt from Notion: held deletes, a recommendation, one resolution", async () => {
  const user = await freshUser("rebuild");
  await demoMappingFor(user);
  try {
    const first = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    const total = first.body.newRecords;
    assert.ok(total > 0);
    // the app's table is emptied (a bad migration, a mistaken delete)
    await asUser(
      user.claims,
      (tx) => tx`delete from notion_sync_demo.tasks where title is not null or title is null`,
    );
    const [recovery] = await asUser(
      user.claims,
      (tx) =>
        tx`select recommendation, reason from notion_sync_api.recovery where mapping = 'tasks'`,
    );
    assert.equal(recovery.recommendation, "restore_supabase_from_notion");

    const second = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.equal(second.body.status, "completed");
    const [{ rows }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as rows from notion_sync_demo.tasks`,
    );
    assert.equal(rows, 0, "nothing is re-created without a person choosing it");
    // all rows deleted at once is more than the safety valve lets through: one review holds them
    const [bulk] = await asUser(
      user.claims,
      (tx) =>
        tx`select conflict_id, details -> 'counts' ->> 'missing' as missing from notion_sync.conflicts
           where kind = 'bulk_change' and status = 'open'`,
    );
    assert.equal(Number(bulk.missing), total, "the review counts every deleted record");
    await asUser(
      user.claims,
      (tx) =>
        tx`select notion_sync_api.resolve_conflict(${bulk.conflict_id}, 'merge', '{"approve": "missing"}')`,
    );
    const held = await asUser(
      user.claims,
      (tx) =>
        tx`select count(*)::int as n from notion_sync.conflicts where kind = 'record_deleted' and status = 'open'`,
    );
    assert.equal(
      held[0].n,
      total,
      "once the review is approved, every deleted record waits as a conflict",
    );

    await asUser(
      user.claims,
      (tx) =>
        tx`select notion_sync_api.resolve_conflicts(null, ${second.body.runId}, 'prefer_notion')`,
    );
    const [{ back }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as back from notion_sync_demo.tasks`,
    );
    assert.equal(back, total, "one resolution of the run restores every row from Notion");
    const [after] = await asUser(
      user.claims,
      (tx) => tx`select recommendation from notion_sync_api.recovery where mapping = 'tasks'`,
    );
    assert.equal(after.recommendation, "none");
  } finally {
    await closeDb();
  }
});

Deno.test("a run whose invocation died keeps the mapping until its lease expires, then the next call resumes it", async () => {
  await emulatorControl("reset", { seed: "demo:230" });
  const user = await freshUser("killed");
  await demoMappingFor(user);
  try {
    const first = await invoke(
      "retrieve-from-database",
      { databaseType: "tasks", createUnmatched: true, timeBudgetMs: 1 },
      user.jwt,
    );
    assert.equal(first.body.status, "running");
    // as if the invocation had died mid-run: its lease is still held
    await asUser(
      user.claims,
      (tx) =>
        tx`update notion_sync.runs set lease_expires_at = now() + interval '5 minutes' where run_id = ${first.body.runId}`,
    );
    const blocked = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(blocked.status, 409, "a live lease keeps the mapping");
    assert.match(blocked.body.error.message, new RegExp(first.body.runId));
    // the lease runs out
    await asUser(
      user.claims,
      (tx) =>
        tx`update notion_sync.runs set lease_expires_at = now() - interval '1 second' where run_id = ${first.body.runId}`,
    );
    const resumed = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(resumed.body.runId, first.body.runId, "the same run goes on");
    assert.equal(resumed.body.status, "completed");
    assert.equal(resumed.body.progress.resumed, true);
    assert.equal(resumed.body.retrieved, 230);
  } finally {
    await emulatorControl("reset", { seed: "demo" });
    await closeDb();
  }
});

Deno.test("a 429 storm and random 5xx slow a retrieve down but do not change its result", async () => {
  const user = await freshUser("storm");
  await demoMappingFor(user);
  const rules = [
    {
      token: "secret_demo_notion_token",
      probability: 0.3,
      action: "error",
      status: 429,
      retry_after: 1,
    },
    { token: "secret_demo_notion_token", probability: 0.15, action: "error", status: 503 },
    { token: "secret_demo_notion_token", probability: 0.05, action: "error", status: 502 },
  ];
  try {
    await emulatorControl("faults", { rules });
    const res = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "completed");
    const ds = await emulatorTasksDataSource();
    const oracle = await emulatorControl(`oracle?data_source_id=${ds}`);
    assert.equal(res.body.newRecords, oracle.rows.length, "every page arrived once");
    const [{ rows }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as rows from notion_sync_demo.tasks`,
    );
    assert.equal(rows, oracle.rows.length);
    const log = await emulatorControl("requests?limit=1000");
    const statuses = (log.requests ?? log).map((r: { status: number }) => r.status);
    assert.ok(statuses.includes(429), "the storm happened");
  } finally {
    await fetch(`${stackEnv().notionEmulatorUrl}/_emulator/faults`, { method: "DELETE" }).then((
      r,
    ) => r.body?.cancel());
    await closeDb();
  }
});
