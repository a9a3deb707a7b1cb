import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { NOTION_VERSION } from "../_shared/notion.ts";
import { Body as PushBody, handler, runPush } from "../sync-from-supabase/handler.ts";
import { demoMappingFor, emulatorControl, freshUser, invoke } from "../../../stack/testing.ts";
import {
  connectNotion,
  DEMO_TASK_COLUMNS,
  ensureMapping,
  fieldMapByName,
  stackEnv,
} from "../../../stack/setup.ts";

type User = Awaited<ReturnType<typeof freshUser>>;

/** A request to the emulator's public API as an integration. */
async function notionApi(token: string, method: string, path: string, body?: unknown) {
  const res = await fetch(`${stackEnv().notionEmulatorUrl}/v1/${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "notion-version": NOTION_VERSION,
      "content-type": "application/json",
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`notion ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

let added: string[] = [];

/** Adds fault rules; clearFaults removes them (and only them: other tests' rules stay). */
async function addFaults(rules: Record<string, unknown>[]) {
  added.push(...(await emulatorControl("faults", { rules })).ids);
}

async function clearFaults() {
  for (const id of added) await emulatorControl(`faults/${id}`, undefined, "DELETE");
  added = [];
}

const title = (text: string) => ({ title: [{ type: "text", text: { content: text } }] });

/**
 * A user with their own integration (its own token, so faults and rate limits touch only this
 * test) and their own small data source under Team Home, mapped as "tasks" onto
 * notion_sync_demo.tasks, with the pages already retrieved (first contact, createUnmatched).
 */
async function isolatedSync(label: string, titles: string[]) {
  const user = await freshUser(label);
  const token = `secret_sfs_${crypto.randomUUID().replaceAll("-", "")}`;
  const ws = await emulatorControl("workspace");
  const demo = ws.integrations.find((i: { token: string }) =>
    i.token === "secret_demo_notion_token"
  );
  await emulatorControl("integrations", { token, name: `push test ${label}`, share: demo.shared });
  const db = await notionApi(token, "POST", "databases", {
    parent: { type: "page_id", page_id: demo.shared[0] },
    title: [{ type: "text", text: { content: `Push test ${label}` } }],
    initial_data_source: {
      properties: {
        Name: { title: {} },
        Priority: { select: { options: [{ name: "Low" }, { name: "High" }] } },
        Done: { checkbox: {} },
        Estimate: { number: {} },
      },
    },
  });
  const dataSourceId = db.data_sources[0].id as string;
  const pages: Record<string, string> = {};
  for (const [i, t] of titles.entries()) {
    const page = await notionApi(token, "POST", "pages", {
      parent: { data_source_id: dataSourceId },
      properties: {
        Name: title(t),
        Estimate: { number: i + 1 },
        Priority: { select: { name: "Low" } },
      },
    });
    pages[t] = page.id;
  }
  const { notionEmulatorUrl } = stackEnv();
  const connectionId = await connectNotion(user, {
    name: "push",
    token,
  });
  const fieldMap = await fieldMapByName({
    token,
    notionBaseUrl: notionEmulatorUrl,
    dataSourceId,
    columns: DEMO_TASK_COLUMNS,
  });
  const mappingId = await ensureMapping(user.claims, {
    name: "tasks",
    connectionId,
    dataSourceId,
    targetSchema: "notion_sync_demo",
    targetTable: "tasks",
    keyColumn: "task_id",
    ownerColumn: "owner_id",
    fieldMap,
    notion: { token, baseUrl: notionEmulatorUrl },
  });
  const first = await invoke("retrieve-from-database", {
    databaseType: "tasks",
    createUnmatched: true,
  }, user.jwt);
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.newRecords, titles.length);
  return { user, token, dataSourceId, pages, mappingId, connectionId };
}

/** Runs SQL as the user. */
function asThem<T>(user: User, fn: Parameters<typeof asUser<T>>[1]): Promise<T> {
  return asUser(user.claims, fn);
}

/** A page as Notion has it (the control API's untruncated view). */
async function notionPage(pageId: string) {
  return await emulatorControl(`pages/${pageId}`);
}

function plainTitle(page: Record<string, any>): string {
  return page.properties.Name.title.map((t: { plain_text: string }) => t.plain_text).join("");
}

/** Live pages of a data source, as the integration sees them. */
async function livePages(token: string, dataSourceId: string) {
  const body = await notionApi(token, "POST", `data_sources/${dataSourceId}/query`, {
    page_size: 100,
  });
  return body.results as Record<string, any>[];
}

/** A person answers "restore the page" to the open page_missing question of a page; one push. */
async function restoreByPush(user: User, pageId: string) {
  const [conflict] = await asThem(user, (tx) =>
    tx`select conflict_id from notion_sync.conflicts
       where page_id = ${pageId} and kind = 'page_missing' and status = 'open'`);
  assert.ok(conflict, "the missing page is held for a person");
  await asThem(
    user,
    (tx) => tx`select notion_sync_api.resolve_conflict(${conflict.conflict_id}, 'prefer_supabase')`,
  );
  const res = await push(user);
  assert.equal(res.restored, 1, JSON.stringify(res));
}

async function retrieve(user: User) {
  const res = await invoke("retrieve-from-database", {
    databaseType: "tasks",
    autoResolve: true,
  }, user.jwt);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

async function push(user: User, body: Record<string, unknown> = {}) {
  const res = await invoke("sync-from-supabase", { databaseType: "tasks", ...body }, user.jwt);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

Deno.test("a Supabase edit reaches Notion through retrieve and sync-from-supabase; the base is the value read back", async () => {
  const s = await isolatedSync("edit", ["Alpha", "Beta", "Gamma"]);
  try {
    await asThem(
      s.user,
      (tx) =>
        tx`update notion_sync_demo.tasks set estimate = 8.5, title = 'Alpha, edited', done = true
         where title = 'Alpha'`,
    );
    await retrieve(s.user); // the reconcile plans the push

    const dry = await push(s.user, { dryRun: true });
    assert.equal(dry.pushed, 1, "a dry run says what it would push");
    assert.equal(plainTitle(await notionPage(s.pages.Alpha)), "Alpha", "…and writes nothing");

    const res = await push(s.user);
    assert.equal(res.success, true);
    assert.equal(res.pushed, 1);
    assert.equal(res.conflicts, 0);
    assert.equal(res.pending, 0);
    assert.ok(res.runId, "the push is a run");

    const page = await notionPage(s.pages.Alpha);
    assert.equal(plainTitle(page), "Alpha, edited");
    assert.equal(page.properties.Estimate.number, 8.5);
    assert.equal(page.properties.Done.checkbox, true);
    assert.equal(page.properties.Priority.select.name, "Low", "an unchanged property is kept");

    const [link] = await asThem(
      s.user,
      (tx) => tx`select base from notion_sync.links where page_id = ${s.pages.Alpha}`,
    );
    assert.equal(link.base.estimate, 8.5);
    assert.equal(link.base.title, "Alpha, edited");
    assert.equal(link.base.done, true);

    const again = await push(s.user);
    assert.equal(again.pushed, 0, "nothing is pushed twice");
    const next = await retrieve(s.user);
    assert.equal(next.conflicts, 0, "our own write comes back as an echo, not a change");
  } finally {
    await closeDb();
  }
});

Deno.test("a Notion edit made between the plan and the push becomes a conflict, not an overwrite", async () => {
  const s = await isolatedSync("race", ["One", "Two"]);
  try {
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set estimate = 5 where title = 'One'`,
    );
    await retrieve(s.user);
    await emulatorControl(`pages/${s.pages.One}`, { properties: { Estimate: { number: 13 } } });

    const res = await push(s.user);
    assert.equal(res.pushed, 0);
    assert.equal(res.conflicts, 1);
    assert.equal((await notionPage(s.pages.One)).properties.Estimate.number, 13, "Notion kept 13");
    const conflicts = await asThem(
      s.user,
      (tx) =>
        tx`select field, notion, supabase from notion_sync_api.open_conflicts where page_id = ${s.pages.One}`,
    );
    assert.deepEqual(
      conflicts.map((c) => [c.field, Number(c.notion), Number(c.supabase)]),
      [["estimate", 13, 5]],
    );
  } finally {
    await closeDb();
  }
});

Deno.test("a PATCH Notion refuses with a 429 is sent again only after the page is read again", async () => {
  const s = await isolatedSync("refused patch", ["One"]);
  try {
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set estimate = 5 where title = 'One'`,
    );
    await retrieve(s.user);
    const since = (await emulatorControl("requests?limit=1")).requests.at(-1)?.seq ?? 0;
    await addFaults([{
      method: "PATCH",
      path: `/pages/${s.pages.One}`,
      token: s.token,
      nth: 1,
      action: "error",
      status: 429,
      retry_after: 1,
    }]);
    const res = await push(s.user);
    assert.equal(res.pushed, 1, JSON.stringify(res));
    const calls = (await emulatorControl(`requests?since=${since}&limit=1000`)).requests
      .filter((r: { path: string }) => r.path.endsWith(s.pages.One))
      .map((r: { method: string; status: number }) => `${r.method} ${r.status}`);
    assert.deepEqual(calls, ["GET 200", "PATCH 429", "GET 200", "PATCH 200"]);
    assert.equal((await notionPage(s.pages.One)).properties.Estimate.number, 5);
  } finally {
    await clearFaults();
    await closeDb();
  }
});

Deno.test("when one field of a push meets a Notion edit, the others are written and the edited one is never overwritten", async () => {
  const s = await isolatedSync("partial", ["P1"]);
  try {
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set estimate = 5, done = true where title = 'P1'`,
    );
    await retrieve(s.user);
    await emulatorControl(`pages/${s.pages.P1}`, { properties: { Estimate: { number: 13 } } });
    const res = await push(s.user);
    assert.equal(res.pushed, 1, JSON.stringify(res));
    let page = await notionPage(s.pages.P1);
    assert.equal(page.properties.Done.checkbox, true, "the field without a Notion edit is written");
    assert.equal(page.properties.Estimate.number, 13, "the Notion edit stays");

    await retrieve(s.user);
    await push(s.user);
    page = await notionPage(s.pages.P1);
    assert.equal(page.properties.Estimate.number, 13, "a later run does not overwrite it either");
    const open = await asThem(
      s.user,
      (tx) => tx`select field from notion_sync_api.open_conflicts where page_id = ${s.pages.P1}`,
    );
    assert.deepEqual(open.map((c) => c.field), ["estimate"], "the conflict holds both values");
  } finally {
    await closeDb();
  }
});

Deno.test("a create answered by a committed-then-503 leaves exactly one page, linked to its record", async () => {
  const s = await isolatedSync("create", ["Existing"]);
  try {
    const [{ task_id }] = await asThem(
      s.user,
      (tx) =>
        tx`insert into notion_sync_demo.tasks (title, estimate) values ('Brand new', 3)
         returning task_id::text`,
    );
    await retrieve(s.user); // a completed full scan: the unlinked record becomes a create
    await addFaults([
      { method: "POST", path: "/^\\/v1\\/pages$/", token: s.token, action: "committed_503" },
    ]);
    const res = await push(s.user);
    assert.equal(res.created, 1, JSON.stringify(res));
    assert.equal(res.failed, 0);

    const pages = (await livePages(s.token, s.dataSourceId)).filter((p) =>
      plainTitle(p) === "Brand new"
    );
    assert.equal(pages.length, 1, "exactly one page");
    const [link] = await asThem(
      s.user,
      (tx) => tx`select page_id from notion_sync.links where record_key = ${task_id}`,
    );
    assert.equal(link.page_id, pages[0].id);
    const again = await push(s.user);
    assert.equal(again.created, 0);
  } finally {
    await clearFaults();
    await closeDb();
  }
});

Deno.test("a 429 storm and random 5xx slow a push down but do not change its result", async () => {
  const s = await isolatedSync("storm", ["S1", "S2", "S3", "S4"]);
  try {
    await asThem(s.user, async (tx) => {
      await tx`update notion_sync_demo.tasks set estimate = estimate * 10, done = true`;
      await tx`insert into notion_sync_demo.tasks (title, estimate) values ('S5', 50)`;
    });
    await retrieve(s.user);
    const { requests } = await emulatorControl("requests?limit=1");
    const since = requests.length ? requests[requests.length - 1].seq : 0;
    await addFaults([
      // one certain 503 (at about 15 requests, the random ones below miss about one run in ten)
      { token: s.token, nth: 2, action: "error", status: 503 },
      { token: s.token, probability: 0.3, action: "error", status: 429, retry_after: 1 },
      { token: s.token, probability: 0.1, action: "error", status: 503 },
      { token: s.token, probability: 0.05, action: "error", status: 502 },
    ]);
    const res = await push(s.user);
    // a create answered 5xx is not sent again by the same push (Notion may commit it late): it
    // waits, and a push once the wait is over looks its page up first; the wait is made to pass
    for (let i = 0; i < 3 && res.pending > 0; i++) {
      await asThem(
        s.user,
        (tx) =>
          tx`update notion_sync.outbox set next_attempt_at = now()
             where mapping_id = ${s.mappingId} and status = 'pending'`,
      );
      const next = await push(s.user);
      for (const k of ["pushed", "created", "failed"]) res[k] += next[k];
      res.pending = next.pending;
    }
    assert.deepEqual(
      { pushed: res.pushed, created: res.created, failed: res.failed, pending: res.pending },
      { pushed: 4, created: 1, failed: 0, pending: 0 },
      JSON.stringify(res),
    );
    await clearFaults();

    const live = await livePages(s.token, s.dataSourceId);
    assert.equal(live.length, 5, "one page per record, no duplicate");
    const estimates = live.map((p) => p.properties.Estimate.number).sort((a, b) => a - b);
    assert.deepEqual(estimates, [10, 20, 30, 40, 50]);
    assert.ok(live.filter((p) => plainTitle(p) !== "S5").every((p) => p.properties.Done.checkbox));

    const log = await emulatorControl(`requests?since=${since}&limit=1000`);
    const mine = log.requests.filter((r: { integration: string | null }) =>
      r.integration === "push test storm"
    );
    assert.ok(mine.some((r: { status: number }) => r.status === 429), "the storm happened");
    assert.ok(mine.some((r: { status: number }) => r.status >= 500), "5xx answers happened");
  } finally {
    await clearFaults();
    await closeDb();
  }
});

Deno.test("a page trashed in Notion is restored by un-trashing it (same page id)", async () => {
  const s = await isolatedSync("restore", ["Keep me", "Other"]);
  try {
    await emulatorControl(`pages/${s.pages["Keep me"]}`, { in_trash: true });
    await retrieve(s.user);
    await restoreByPush(s.user, s.pages["Keep me"]);
    const page = await notionPage(s.pages["Keep me"]);
    assert.equal(page.in_trash, false);
    assert.equal((await livePages(s.token, s.dataSourceId)).length, 2, "no new page");
  } finally {
    await closeDb();
  }
});

Deno.test("a create whose earlier attempt committed without an answer is looked up, not sent again", async () => {
  const s = await isolatedSync("lookup", ["Old"]);
  try {
    const [{ task_id }] = await asThem(
      s.user,
      (tx) =>
        tx`insert into notion_sync_demo.tasks (title, estimate) values ('Made before', 7)
         returning task_id::text`,
    );
    await retrieve(s.user);
    // an earlier instance claimed the create, sent it, and died before reading the answer
    const [item] = await asThem(
      s.user,
      (tx) =>
        tx`update notion_sync.outbox set attempts = 1 where record_key = ${task_id} and op = 'create'
         returning properties`,
    );
    const made = await notionApi(s.token, "POST", "pages", {
      parent: { data_source_id: s.dataSourceId },
      properties: item.properties,
    });
    const res = await push(s.user);
    assert.equal(res.created, 1, JSON.stringify(res));
    const pages = (await livePages(s.token, s.dataSourceId)).filter((p) =>
      plainTitle(p) === "Made before"
    );
    assert.deepEqual(pages.map((p) => p.id), [made.id], "the page made earlier, and no other");
    const [link] = await asThem(
      s.user,
      (tx) => tx`select page_id from notion_sync.links where record_key = ${task_id}`,
    );
    assert.equal(link.page_id, made.id);
  } finally {
    await closeDb();
  }
});

/** Ids of the live pages with this title, from the emulator's state (what queries may not show yet). */
async function pagesTitled(dataSourceId: string, text: string): Promise<string[]> {
  const oracle = await emulatorControl(`oracle?data_source_id=${dataSourceId}`);
  return (oracle.rows as { page_id: string; properties: Record<string, any> }[])
    .filter((r) =>
      Object.values(r.properties).some((p) => p.type === "title" && p.value.plain_text === text)
    )
    .map((r) => r.page_id);
}

/**
 * A record inserted and retrieved (its create queued), then pushed while Notion answers its create
 * with `fault` and commits it anyway: the push leaves exactly one page, and no second create is
 * sent before Notion's request deadline has passed; a push after that finds the page and links it.
 * `whileHidden` runs before the first push and `shown` before the later one (query lag on, off).
 */
async function createOfUnknownOutcome(
  label: string,
  fault: Record<string, unknown>,
  opts: { whileHidden?: () => Promise<unknown>; shown?: () => Promise<unknown> } = {},
) {
  const s = await isolatedSync(label, ["Old"]);
  const text = `Sent once (${label})`;
  const [{ task_id }] = await asThem(
    s.user,
    (tx) =>
      tx`insert into notion_sync_demo.tasks (title, estimate) values (${text}, 5)
         returning task_id::text`,
  );
  await retrieve(s.user);
  await opts.whileHidden?.();
  await addFaults([{ method: "POST", path: "/^\\/v1\\/pages$/", token: s.token, ...fault }]);
  const first = await push(s.user);
  await clearFaults();
  await new Promise((r) => setTimeout(r, 2000)); // a late commit lands
  assert.equal((await pagesTitled(s.dataSourceId, text)).length, 1, "one page, not two");
  assert.deepEqual(
    { created: first.created, failed: first.failed, pending: first.pending },
    { created: 0, failed: 0, pending: 1 },
    JSON.stringify(first),
  );
  const [item] = await asThem(
    s.user,
    (tx) =>
      tx`select status, next_attempt_at > now() + interval '60 seconds' as waits,
                outcome ->> 'last_error' as error
         from notion_sync.outbox where record_key = ${task_id} and op = 'create'`,
  );
  assert.deepEqual(
    [item.status, item.waits],
    ["pending", true],
    "the create waits past Notion's 60 s request deadline before it is looked up again",
  );
  assert.match(item.error, /its page is not found yet: looked up again in \d+ s/);

  // the wait is over
  await opts.shown?.();
  await asThem(
    s.user,
    (tx) =>
      tx`update notion_sync.outbox set next_attempt_at = now()
         where record_key = ${task_id} and op = 'create'`,
  );
  const second = await push(s.user);
  assert.equal(second.created, 1, JSON.stringify(second));
  const pages = await pagesTitled(s.dataSourceId, text);
  assert.equal(pages.length, 1, "still one page");
  const [link] = await asThem(
    s.user,
    (tx) => tx`select page_id from notion_sync.links where record_key = ${task_id}`,
  );
  assert.equal(link.page_id, pages[0], "the record is linked to the page its first create made");
  assert.equal((await push(s.user)).created, 0);
}

Deno.test("a create Notion answers 504 and commits afterwards is not sent twice: its page is found later", async () => {
  try {
    await createOfUnknownOutcome("late commit", {
      action: "late_commit",
      status: 504,
      commit_after_ms: 1500,
    });
  } finally {
    await clearFaults();
    await closeDb();
  }
});

Deno.test("a create whose answer was lost is not sent twice while queries do not show its page yet", async () => {
  try {
    await createOfUnknownOutcome("answer lost", { action: "malformed" }, {
      whileHidden: () => emulatorControl("limits", { query_lag_ms: 60_000 }),
      shown: () => emulatorControl("limits", { query_lag_ms: 0 }),
    });
  } finally {
    await emulatorControl("limits", { query_lag_ms: 0 });
    await clearFaults();
    await closeDb();
  }
});

Deno.test("an edit pushed while Notion may still commit an earlier write to its page waits: a 504 that commits late loses no edit", async () => {
  const s = await isolatedSync("late update", ["One"]);
  const commitAfterMs = 8000;
  const record = async () => {
    const [row] = await asThem(
      s.user,
      (tx) =>
        tx`select estimate::float8 as estimate from notion_sync_demo.tasks where title = 'One'`,
    );
    return row.estimate;
  };
  try {
    // U1 (1 -> 5): Notion's gateway answers 504 at once, its backend commits it 8 s later
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set estimate = 5 where title = 'One'`,
    );
    await retrieve(s.user);
    await addFaults([{
      method: "PATCH",
      path: `/pages/${s.pages.One}`,
      token: s.token,
      nth: 1,
      action: "late_commit",
      status: 504,
      commit_after_ms: commitAfterMs,
    }]);
    const sentAt = Date.now();
    const first = await push(s.user);
    // the push read the page again (still 1), sent 5 again and confirmed it
    assert.equal(first.pushed, 1, JSON.stringify(first));
    assert.equal((await notionPage(s.pages.One)).properties.Estimate.number, 5);

    // within the minute, a person edits the record (5 -> 9), and the next push comes
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set estimate = 9 where title = 'One'`,
    );
    await retrieve(s.user);
    const second = await push(s.user);
    assert.ok(
      Date.now() < sentAt + commitAfterMs,
      "the edit was pushed before the late commit (the story needs it; the machine was too slow)",
    );

    // U1 commits now: Notion holds 5 again
    await new Promise((r) => setTimeout(r, sentAt + commitAfterMs + 1500 - Date.now()));
    await clearFaults();
    await retrieve(s.user);
    assert.equal(await record(), 9, "the person's 9 is kept: Notion's late 5 is not applied to it");

    assert.deepEqual(
      { pushed: second.pushed, failed: second.failed, pending: second.pending },
      { pushed: 0, failed: 0, pending: 1 },
      `the edit was not sent while U1 could still commit: ${JSON.stringify(second)}`,
    );
    const waiting = await asThem(
      s.user,
      (tx) =>
        tx`select status, attempts, page_settles_at > now() + interval '60 seconds' as waits
           from notion_sync_api.outbox
           where page_id = ${s.pages.One} and status in ('pending', 'in_flight')`,
    );
    assert.deepEqual(
      waiting.map((w) => [w.status, w.attempts, w.waits]),
      [["pending", 0, true]],
      "the outbox says the edit waits until Notion can no longer commit U1",
    );

    // the page settles (90 s after U1 was sent): the edit is sent and confirmed
    await asThem(
      s.user,
      (tx) =>
        tx`update notion_sync.outbox set page_settles_at = now()
           where page_id = ${s.pages.One} and page_settles_at > now()`,
    );
    const third = await push(s.user);
    assert.equal(third.pushed, 1, JSON.stringify(third));
    assert.equal((await notionPage(s.pages.One)).properties.Estimate.number, 9, "Notion ends at 9");
    const last = await retrieve(s.user);
    assert.equal(last.conflicts, 0, "no question");
    assert.equal(await record(), 9);
    const open = await asThem(
      s.user,
      (tx) => tx`select 1 from notion_sync_api.open_conflicts where page_id = ${s.pages.One}`,
    );
    assert.equal(open.length, 0, "nothing is asked of a person");
  } finally {
    await clearFaults();
    await closeDb();
  }
});

Deno.test("a write to a page claimed in the same batch as one whose outcome is unknown is not sent before the page settles", async () => {
  const s = await isolatedSync("late batch", ["One"]);
  try {
    // a run writes Estimate 1 -> 5; then a person ticks Done (U) and reverts that run (R: 5 -> 1),
    // two writes to the page that one claim takes
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set estimate = 5 where title = 'One'`,
    );
    const planned = await retrieve(s.user);
    const pushed = await push(s.user);
    assert.equal(pushed.pushed, 1, JSON.stringify(pushed));
    await asThem(
      s.user,
      (tx) => tx`update notion_sync_demo.tasks set done = true where title = 'One'`,
    );
    await retrieve(s.user);
    const [{ r }] = await asThem(
      s.user,
      (tx) => tx`select notion_sync_api.revert_run(${planned.runId}) as r`,
    );
    const queued = await asThem(
      s.user,
      (tx) =>
        tx`select outbox_id from notion_sync.outbox
           where page_id = ${s.pages.One} and status = 'pending' order by outbox_id`,
    );
    assert.equal(queued.length, 2, `U and R wait for the same page: ${JSON.stringify(r)}`);

    // the first PATCH (the claim may hand U or R first) is answered 504 and committed 3 s later
    await addFaults([{
      method: "PATCH",
      path: `/pages/${s.pages.One}`,
      token: s.token,
      nth: 1,
      action: "late_commit",
      status: 504,
      commit_after_ms: 3000,
    }]);
    const first = await push(s.user);
    assert.deepEqual(
      { pushed: first.pushed, failed: first.failed, pending: first.pending },
      { pushed: 1, failed: 0, pending: 1 },
      `the write answered 504 is confirmed after a re-read; the other waits: ${
        JSON.stringify(first)
      }`,
    );
    const states = await asThem(
      s.user,
      (tx) =>
        tx`select status, attempts, page_settles_at is not null as waits
           from notion_sync_api.outbox
           where outbox_id in ${tx(queued.map((q) => q.outbox_id))}
           order by status`,
    );
    assert.deepEqual(
      states.map((w) => [w.status, w.attempts, w.waits]),
      [["done", 1, false], ["pending", 0, true]],
      "the other write was handed back unsent, and the outbox says it waits",
    );

    await new Promise((r) => setTimeout(r, 4000)); // the first write commits
    await clearFaults();
    await asThem(
      s.user,
      (tx) =>
        tx`update notion_sync.outbox set page_settles_at = now()
           where page_id = ${s.pages.One} and page_settles_at > now()`,
    );
    const second = await push(s.user);
    assert.equal(second.pushed, 1, JSON.stringify(second));
    const page = await notionPage(s.pages.One);
    assert.deepEqual([page.properties.Estimate.number, page.properties.Done.checkbox], [1, true]);
  } finally {
    await clearFaults();
    await closeDb();
  }
});

Deno.test("a page moved out of the data source is moved back when a person restores it, and not asked about again", async () => {
  const s = await isolatedSync("moved", ["Wanderer", "Home"]);
  try {
    const ws = await emulatorControl("workspace");
    const db = await notionApi(s.token, "POST", "databases", {
      parent: { type: "page_id", page_id: ws.integrations[0].shared[0] },
      title: [{ type: "text", text: { content: "Elsewhere" } }],
      initial_data_source: { properties: { Name: { title: {} } } },
    });
    await emulatorControl(`pages/${s.pages.Wanderer}/move`, {
      parent: { type: "data_source_id", data_source_id: db.data_sources[0].id },
    });
    const scan = await retrieve(s.user);
    assert.deepEqual(scan.missingPages, { verified: { moved: 1 }, left: 0 });
    await restoreByPush(s.user, s.pages.Wanderer);
    const page = await notionPage(s.pages.Wanderer);
    assert.equal(page.parent.data_source_id, s.dataSourceId, "moved back, the same page");
    assert.equal((await livePages(s.token, s.dataSourceId)).length, 2, "no new page");
    const next = await retrieve(s.user);
    assert.equal(next.conflicts, 0, "not asked again");
    assert.deepEqual(next.missingPages, { verified: {}, left: 0 });
  } finally {
    await closeDb();
  }
});

Deno.test("a page purged from Notion is created again from the record and relinked", async () => {
  const s = await isolatedSync("recreate", ["Lost", "Fine"]);
  try {
    await emulatorControl(`pages/${s.pages.Lost}`, { in_trash: true });
    await retrieve(s.user);
    await emulatorControl(`pages/${s.pages.Lost}/purge`, {});
    const [conflict] = await asThem(
      s.user,
      (tx) =>
        tx`select conflict_id, record_key from notion_sync.conflicts
         where page_id = ${s.pages.Lost} and kind = 'page_missing' and status = 'open'`,
    );
    await asThem(
      s.user,
      (tx) =>
        tx`select notion_sync_api.resolve_conflict(${conflict.conflict_id}, 'prefer_supabase')`,
    );
    const res = await push(s.user);
    assert.equal(res.restored, 1, JSON.stringify(res));
    const again = (await livePages(s.token, s.dataSourceId)).filter((p) =>
      plainTitle(p) === "Lost"
    );
    assert.equal(again.length, 1, "one page again");
    assert.notEqual(again[0].id, s.pages.Lost, "a new page (the original is gone for good)");
    assert.equal(again[0].properties.Estimate.number, 1, "with the record's values");
    const [link] = await asThem(
      s.user,
      (tx) =>
        tx`select page_id, base from notion_sync.links where record_key = ${conflict.record_key}`,
    );
    assert.equal(link.page_id, again[0].id, "the record is linked to the new page");
    assert.equal(link.base.title, "Lost");
    const next = await retrieve(s.user);
    assert.equal(next.conflicts, 0);
    assert.equal(next.newRecords, 0, "the new page is not imported as another record");
  } finally {
    await closeDb();
  }
});

Deno.test("a record deleted in Supabase, the deletion confirmed, trashes its page; recordIds limits a push", async () => {
  const s = await isolatedSync("trash", ["Gone", "Kept", "Edited"]);
  try {
    await asThem(s.user, async (tx) => {
      await tx`delete from notion_sync_demo.tasks where title = 'Gone'`;
      await tx`update notion_sync_demo.tasks set estimate = 30 where title in ('Kept', 'Edited')`;
    });
    await retrieve(s.user);
    const [conflict] = await asThem(s.user, (tx) =>
      tx`select conflict_id from notion_sync.conflicts
         where page_id = ${s.pages.Gone} and kind = 'record_deleted' and status = 'open'`);
    await asThem(
      s.user,
      (tx) =>
        tx`select notion_sync_api.resolve_conflict(${conflict.conflict_id}, 'prefer_supabase')`,
    );
    const [edited] = await asThem(
      s.user,
      (tx) => tx`select task_id::text from notion_sync_demo.tasks where title = 'Edited'`,
    );
    const only = await push(s.user, { recordIds: [edited.task_id] });
    assert.equal(only.pushed, 1, JSON.stringify(only));
    assert.equal(only.trashed, 0);
    assert.equal(only.pending, 0, "nothing of that record is left");
    assert.equal((await notionPage(s.pages.Kept)).properties.Estimate.number, 2, "Kept waits");

    const rest = await push(s.user);
    assert.equal(rest.trashed, 1, JSON.stringify(rest));
    assert.equal(rest.pushed, 1);
    assert.equal((await notionPage(s.pages.Gone)).in_trash, true);
    assert.equal((await notionPage(s.pages.Kept)).properties.Estimate.number, 30);
  } finally {
    await closeDb();
  }
});

Deno.test("a Retry-After longer than the run stops the push and gives the items back, failing none", async () => {
  const s = await isolatedSync("paused", ["Q1", "Q2"]);
  try {
    await asThem(s.user, (tx) => tx`update notion_sync_demo.tasks set done = true`);
    await retrieve(s.user);
    await asThem(
      s.user,
      (tx) => tx`select notion_sync_api.pause_notion_budget(${s.connectionId}, 600)`,
    );
    const res = await push(s.user);
    assert.deepEqual(
      { pushed: res.pushed, failed: res.failed, pending: res.pending },
      { pushed: 0, failed: 0, pending: 2 },
    );
    const items = await asThem(
      s.user,
      (tx) =>
        tx`select status, next_attempt_at > now() + interval '9 minutes' as later
         from notion_sync.outbox where mapping_id = ${s.mappingId} and op = 'update'`,
    );
    assert.deepEqual(items.map((i) => [i.status, i.later]), [["pending", true], [
      "pending",
      true,
    ]]);
    const conflicts = await asThem(
      s.user,
      (tx) =>
        tx`select count(*)::int as n from notion_sync.conflicts where mapping_id = ${s.mappingId}`,
    );
    assert.equal(conflicts[0].n, 0, "no push_failed conflict");
    assert.equal((await notionPage(s.pages.Q1)).properties.Done.checkbox, false);
  } finally {
    await closeDb();
  }
});

Deno.test("sync-from-supabase answers 400 for a bad body, 401 without a token, 404 for another user's mapping, 409 while a run holds it", async () => {
  const owner = await freshUser("push-owner");
  const other = await freshUser("push-other");
  await demoMappingFor(owner);
  try {
    const bad = await handler(
      new Request("http://x/sync-from-supabase", {
        method: "POST",
        headers: { authorization: `Bearer ${owner.jwt}` },
        body: JSON.stringify({ databaseType: "tasks", recordIds: "all" }),
      }),
    );
    assert.equal(bad.status, 400);
    const badBody = await bad.json();
    assert.equal(badBody.error.code, "invalid_request");
    assert.match(badBody.error.message, /recordIds/);

    const extra = await invoke(
      "sync-from-supabase",
      { databaseType: "tasks", force: 1 },
      owner.jwt,
    );
    assert.equal(extra.status, 400);

    const anonymous = await invoke("sync-from-supabase", { databaseType: "tasks" });
    assert.equal(anonymous.status, 401);

    const notYours = await invoke("sync-from-supabase", { databaseType: "tasks" }, other.jwt);
    assert.equal(notYours.status, 404);
    assert.equal(notYours.body.error.code, "not_found");
    const notYoursDry = await invoke(
      "sync-from-supabase",
      { databaseType: "tasks", dryRun: true },
      other.jwt,
    );
    assert.equal(notYoursDry.status, 404);

    const running = await asUser(owner.claims, async (tx) => {
      const [r] = await tx`select notion_sync_api.start_run('tasks') ->> 'run_id' as id`;
      return r.id as string;
    });
    const busy = await invoke("sync-from-supabase", { databaseType: "tasks" }, owner.jwt);
    assert.equal(busy.status, 409, "a run already holds the mapping");
    assert.match(busy.body.error.message, new RegExp(running));
  } finally {
    await closeDb();
  }
});

Deno.test("10% of pages trashed in Notion are restored by un-trashing them: same page ids, no new page", async () => {
  const titles = Array.from({ length: 20 }, (_, i) => `Page ${i + 1}`);
  const s = await isolatedSync("mass restore", titles);
  try {
    const trashed = [s.pages["Page 3"], s.pages["Page 11"]];
    for (const id of trashed) await emulatorControl(`pages/${id}`, { in_trash: true });
    const run = await retrieve(s.user);
    const [recovery] = await asThem(
      s.user,
      (tx) =>
        tx`select recommendation, reason from notion_sync_api.recovery where mapping = 'tasks'`,
    );
    assert.equal(recovery.recommendation, "restore_notion_from_supabase", recovery.reason);
    const held = await asThem(
      s.user,
      (tx) =>
        tx`select page_id from notion_sync.conflicts where kind = 'page_missing' and status = 'open'
         order by page_id`,
    );
    assert.deepEqual(held.map((c) => c.page_id), [...trashed].sort());
    await asThem(
      s.user,
      (tx) => tx`select notion_sync_api.resolve_conflicts(null, ${run.runId}, 'prefer_supabase')`,
    );
    const res = await push(s.user);
    assert.equal(res.restored, 2, JSON.stringify(res));
    for (const id of trashed) {
      assert.equal((await notionPage(id)).in_trash, false, `page ${id} is back`);
    }
    assert.equal((await livePages(s.token, s.dataSourceId)).length, 20, "no page was created");
    const [{ rows }] = await asThem(
      s.user,
      (tx) => tx`select count(*)::int as rows from notion_sync_demo.tasks`,
    );
    assert.equal(rows, 20, "no record was deleted");
  } finally {
    await closeDb();
  }
});

Deno.test("a deleted data source is created again from the mapping, with a page per record, when a person asks", async () => {
  const s = await isolatedSync("recreate", ["R1", "R2", "R3"]);
  try {
    const ws = await emulatorControl("workspace");
    const databaseId = ws.data_sources.find((d: { id: string }) =>
      d.id === s.dataSourceId
    ).database_id;
    // deleted for good (emptied from the trash): Notion answers 404 for it and its pages
    await emulatorControl(`databases/${databaseId}/purge`, {});
    const databases = async () => (await emulatorControl("workspace")).data_sources.length;
    const before = await databases();

    // Notion answers the same 404 for a data source no longer shared: nothing is created unasked
    await runPush(s.user.claims, PushBody.parse({ databaseType: "tasks" }), "none").then(
      () => assert.fail("a scheduled push went on"),
      (e) => assert.match(e.message, /404 for data source .* restoreDataSource: true/),
    );
    const refused = await invoke("sync-from-supabase", { databaseType: "tasks" }, s.user.jwt);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "data_source_not_found");
    assert.equal(await databases(), before, "no data source was created");

    const res = await push(s.user, { restoreDataSource: true });
    assert.equal(res.created, 3, JSON.stringify(res));
    const [mapping] = await asThem(s.user, (tx) =>
      tx`select data_source_id, field_map from notion_sync.mappings where mapping_id = ${s.mappingId}`);
    assert.notEqual(
      mapping.data_source_id,
      s.dataSourceId,
      "the mapping follows the new data source",
    );
    const live = await livePages(s.token, mapping.data_source_id);
    assert.deepEqual(live.map(plainTitle).sort(), ["R1", "R2", "R3"], "one page per record");
    const links = await asThem(s.user, (tx) =>
      tx`select l.page_id, t.title from notion_sync.links l
         join notion_sync_demo.tasks t on t.task_id::text = l.record_key
         where l.mapping_id = ${s.mappingId} order by t.title`);
    assert.deepEqual(
      links.map((l) =>
        l.title
      ),
      ["R1", "R2", "R3"],
    );
    assert.deepEqual(
      links.map((l) => l.page_id).sort(),
      live.map((p) => p.id).sort(),
      "records link the new pages",
    );
    const again = await push(s.user);
    assert.equal(again.created, 0, "a second push creates nothing");
  } finally {
    await closeDb();
  }
});

Deno.test("a trashed data source is restored by un-trashing it, pages and all, by a call but not by a scheduled push", async () => {
  const s = await isolatedSync("untrash source", ["T1", "T2"]);
  try {
    await emulatorControl(`data_sources/${s.dataSourceId}`, { in_trash: true });
    await runPush(s.user.claims, PushBody.parse({ databaseType: "tasks" }), "none").then(
      () => assert.fail("a scheduled push went on"),
      (e) =>
        assert.match(e.message, /is in Notion's trash, and a scheduled push does not restore it/),
    );
    assert.equal(
      (await notionApi(s.token, "GET", `data_sources/${s.dataSourceId}`)).in_trash,
      true,
      "a scheduled push leaves it in the trash",
    );
    const res = await push(s.user);
    assert.equal(res.created, 0, JSON.stringify(res));
    const ds = await notionApi(s.token, "GET", `data_sources/${s.dataSourceId}`);
    assert.equal(ds.in_trash, false, "the original data source is back");
    assert.equal((await livePages(s.token, s.dataSourceId)).length, 2, "with its pages");
  } finally {
    await closeDb();
  }
});
