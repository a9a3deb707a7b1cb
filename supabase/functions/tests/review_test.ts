import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { handler } from "../review/handler.ts";
import { demoMappingFor, freshUser, invoke } from "../../../stack/testing.ts";
import { stackEnv } from "../../../stack/setup.ts";

type User = Awaited<ReturnType<typeof freshUser>>;

/** Edits a page in the emulator as a person would (control API). */
async function editInNotion(pageId: string, properties: Record<string, unknown>) {
  const res = await fetch(`${stackEnv().notionEmulatorUrl}/_emulator/pages/${pageId}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ properties }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A user with the demo mapping and a first retrieve done (every page linked to a new row). */
async function retrievedUser(label: string): Promise<User & { runId: string; pages: number }> {
  const user = await freshUser(label);
  await demoMappingFor(user);
  const res = await invoke("retrieve-from-database", {
    databaseType: "tasks",
    createUnmatched: true,
  }, user.jwt);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  assert.ok(res.body.newRecords > 0, "the first retrieve creates the rows");
  return { ...user, runId: res.body.runId, pages: res.body.retrieved };
}

/** One of the user's linked rows: page id, record key and estimate. */
async function linkedRow(user: User) {
  const [row] = await asUser(user.claims, (tx) =>
    tx`
    select l.page_id, l.record_key, t.estimate::float8 as estimate
    from notion_sync.links l
    join notion_sync.mappings m on m.mapping_id = l.mapping_id and m.name = 'tasks'
    join notion_sync_demo.tasks t on t.task_id::text = l.record_key
    order by l.page_id limit 1`);
  return row as { page_id: string; record_key: string; estimate: number | null };
}

async function estimateOf(user: User, recordKey: string): Promise<number | null> {
  const [row] = await asUser(
    user.claims,
    (tx) =>
      tx`select estimate::float8 as e from notion_sync_demo.tasks where task_id = ${recordKey}::uuid`,
  );
  return row.e;
}

function review(body: Record<string, unknown>, user: User) {
  return invoke("review", body, user.jwt);
}

Deno.test("review: a two-sided edit shows base / Notion / Supabase; prefer_notion lands it, undo reopens it", async () => {
  const user = await retrievedUser("review-conflict");
  const other = await freshUser("review-stranger");
  try {
    const row = await linkedRow(user);
    const base = row.estimate;
    const notionValue = (base ?? 0) + 100 + Math.floor(Math.random() * 100);
    const supabaseValue = notionValue + 1;
    await asUser(
      user.claims,
      (tx) =>
        tx`update notion_sync_demo.tasks set estimate = ${supabaseValue}
         where task_id = ${row.record_key}::uuid`,
    );
    await editInNotion(row.page_id, { Estimate: { number: notionValue } });

    const again = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.ok(again.body.conflicts >= 1, "the second retrieve raises a conflict");
    assert.equal(await estimateOf(user, row.record_key), supabaseValue, "nothing overwritten");

    const listed = await review({ action: "conflicts", databaseType: "tasks" }, user);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    const conflict = listed.body.conflicts.find((c: any) => c.page_id === row.page_id);
    assert.ok(conflict, "the conflict of the edited page is listed");
    assert.equal(conflict.kind, "field");
    assert.equal(conflict.record_key, row.record_key);
    assert.equal(conflict.run_id, again.body.runId);
    const field = conflict.fields.find((f: any) => f.field === "estimate");
    assert.deepEqual(
      [field.base, field.notion, field.supabase].map((v) => v === null ? null : Number(v)),
      [base, notionValue, supabaseValue],
      "base, Notion and Supabase side by side",
    );
    assert.equal(
      listed.body.total,
      listed.body.conflicts.length,
      "total counts the open conflicts",
    );
    const first = await review({ action: "conflicts", databaseType: "tasks", limit: 1 }, user);
    assert.equal(first.body.conflicts.length, 1);
    assert.equal(first.body.total, listed.body.total, "total counts past the limit");
    const byRun = await review({ action: "conflicts", runId: again.body.runId }, user);
    assert.ok(byRun.body.conflicts.some((c: any) => c.conflict_id === conflict.conflict_id));
    const earlierRun = await review({ action: "conflicts", runId: user.runId }, user);
    assert.ok(!earlierRun.body.conflicts.some((c: any) => c.conflict_id === conflict.conflict_id));

    // a stranger cannot see or decide it
    for (
      const body of [
        { action: "resolve", conflictId: conflict.conflict_id, resolution: "prefer_notion" },
        { action: "undo", conflictId: conflict.conflict_id },
        { action: "conflicts", runId: again.body.runId },
        { action: "conflicts", databaseType: "tasks" },
        { action: "revert", runId: again.body.runId },
      ]
    ) {
      const res = await review(body, other);
      assert.equal(res.status, 404, `${body.action}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "not_found");
    }

    // a decision on another version of the question than the one listed changes nothing
    const staleSeen = await review({
      action: "resolve",
      conflictId: conflict.conflict_id,
      version: "0".repeat(32),
      resolution: "prefer_notion",
    }, user);
    assert.equal(staleSeen.status, 200, JSON.stringify(staleSeen.body));
    assert.equal(staleSeen.body.status, "stale");
    assert.equal(await estimateOf(user, row.record_key), supabaseValue, "nothing decided");

    const resolved = await review({
      action: "resolve",
      conflictId: conflict.conflict_id,
      version: conflict.version,
      resolution: "prefer_notion",
    }, user);
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.equal(resolved.body.status, "resolved");
    assert.equal(await estimateOf(user, row.record_key), notionValue, "Notion's value landed");
    const after = await review({ action: "conflicts", databaseType: "tasks" }, user);
    assert.ok(!after.body.conflicts.some((c: any) => c.conflict_id === conflict.conflict_id));
    const twice = await review({
      action: "resolve",
      conflictId: conflict.conflict_id,
      resolution: "prefer_notion",
    }, user);
    assert.equal(twice.status, 409, "a resolved conflict cannot be resolved again");

    const undone = await review({ action: "undo", conflictId: conflict.conflict_id }, user);
    assert.equal(undone.status, 200, JSON.stringify(undone.body));
    assert.equal(undone.body.undone, 1);
    assert.equal(await estimateOf(user, row.record_key), supabaseValue, "the undo restores it");
    const reopened = await review({ action: "conflicts", runId: again.body.runId }, user);
    assert.ok(
      reopened.body.conflicts.some((c: any) => c.conflict_id === conflict.conflict_id),
      "the conflict is open again",
    );

    // a merge names a side per field; Supabase's side goes to Notion through the outbox
    const unchosen = await review({
      action: "resolve",
      conflictId: conflict.conflict_id,
      resolution: "merge",
    }, user);
    assert.equal(unchosen.status, 400, JSON.stringify(unchosen.body));
    assert.match(unchosen.body.error.message, /estimate/);
    const toNotion = await review({
      action: "resolve",
      conflictIds: [conflict.conflict_id],
      resolution: "merge",
      choices: { estimate: "supabase" },
    }, user);
    assert.equal(toNotion.status, 200, JSON.stringify(toNotion.body));
    assert.deepEqual(toNotion.body.counts, { resolved: 1 });
    const outbox = await review(
      { action: "outbox", databaseType: "tasks", status: "pending" },
      user,
    );
    assert.equal(outbox.status, 200, JSON.stringify(outbox.body));
    const queued = outbox.body.outbox.find((o: any) => o.page_id === row.page_id);
    assert.ok(queued, "a pending Notion write for the page");
    assert.equal(queued.op, "update");
    assert.deepEqual(Object.values(queued.properties), [{ number: supabaseValue }]);
  } finally {
    await closeDb();
  }
});

Deno.test("review: decisions lists what a person answered, newest first, with whether undo undoes it", async () => {
  const user = await retrievedUser("review-decisions");
  const other = await freshUser("review-decisions-stranger");
  try {
    const row = await linkedRow(user);
    const notionValue = (row.estimate ?? 0) + 300 + Math.floor(Math.random() * 100);
    await asUser(
      user.claims,
      (tx) =>
        tx`update notion_sync_demo.tasks set estimate = ${notionValue + 1}
         where task_id = ${row.record_key}::uuid`,
    );
    await editInNotion(row.page_id, { Estimate: { number: notionValue } });
    const again = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const none = await review({ action: "decisions", databaseType: "tasks" }, user);
    assert.equal(none.status, 200, JSON.stringify(none.body));
    assert.deepEqual(none.body.decisions, [], "an open question is no decision yet");

    const [conflict] = (await review({ action: "conflicts", runId: again.body.runId }, user))
      .body.conflicts;
    const resolved = await review({
      action: "resolve",
      conflictId: conflict.conflict_id,
      resolution: "prefer_notion",
    }, user);
    assert.equal(resolved.body.status, "resolved", JSON.stringify(resolved.body));
    const listed = await review({ action: "decisions", databaseType: "tasks" }, user);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.deepEqual(
      listed.body.decisions.map((d: any) => [d.conflict_id, d.answer, d.status, d.undoable]),
      [[conflict.conflict_id, "prefer_notion", "resolved", true]],
    );
    assert.ok(listed.body.decisions[0].decided_at, "when it was decided");

    const theirs = await review({ action: "decisions", databaseType: "tasks" }, other);
    assert.equal(theirs.status, 404, "another user's mapping is not found");
    const bad = await review({ action: "decisions" }, user);
    assert.equal(bad.status, 400, "decisions needs a mapping");
  } finally {
    await closeDb();
  }
});

Deno.test("review: revert undoes a run's changes; a whole run's conflicts resolve at once", async () => {
  const user = await retrievedUser("review-revert");
  try {
    const row = await linkedRow(user);
    const before = row.estimate;
    const edited = (before ?? 0) + 1000 + Math.floor(Math.random() * 100);
    await editInNotion(row.page_id, { Estimate: { number: edited } });
    const run = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      autoResolve: true,
    }, user.jwt);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.equal(await estimateOf(user, row.record_key), edited, "a one-sided edit is applied");

    const reverted = await review({ action: "revert", runId: run.body.runId }, user);
    assert.equal(reverted.status, 200, JSON.stringify(reverted.body));
    assert.equal(reverted.body.runId, run.body.runId);
    assert.ok(reverted.body.undone >= 1, JSON.stringify(reverted.body));
    assert.equal(reverted.body.kept_as_conflicts, 0);
    assert.equal(await estimateOf(user, row.record_key), before, "the run's change is undone");

    // a two-sided edit, then the run's conflicts resolved in one call
    await asUser(user.claims, (tx) =>
      tx`update notion_sync_demo.tasks set estimate = ${edited + 2}
         where task_id = ${row.record_key}::uuid`);
    await editInNotion(row.page_id, { Estimate: { number: edited + 3 } });
    const third = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.ok(third.body.conflicts >= 1, JSON.stringify(third.body));
    const all = await review({
      action: "resolve",
      runId: third.body.runId,
      resolution: "prefer_notion",
    }, user);
    assert.equal(all.status, 200, JSON.stringify(all.body));
    assert.ok(all.body.counts.resolved >= 1, JSON.stringify(all.body));
    assert.equal(await estimateOf(user, row.record_key), edited + 3);
    const left = await review({ action: "conflicts", runId: third.body.runId }, user);
    assert.deepEqual(left.body.conflicts, []);
  } finally {
    await closeDb();
  }
});

Deno.test("review: pause makes retrieve answer 409 until resume; health shows it", async () => {
  const user = await freshUser("review-pause");
  const other = await freshUser("review-pause-other");
  await demoMappingFor(user);
  try {
    const paused = await review({ action: "pause", databaseType: "tasks" }, user);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    assert.equal(paused.body.paused, true);
    const health = await review({ action: "health", databaseType: "tasks" }, user);
    assert.equal(health.body.health.length, 1);
    assert.equal(health.body.health[0].paused, true);

    const refused = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.equal(refused.status, 409, JSON.stringify(refused.body));
    assert.match(refused.body.error.message, /paused/);

    const notYours = await review({ action: "resume", databaseType: "tasks" }, other);
    assert.equal(notYours.status, 404);

    const resumed = await review({ action: "resume", databaseType: "tasks" }, user);
    assert.equal(resumed.body.paused, false);
    const ok = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const after = await review({ action: "health" }, user);
    assert.equal(after.body.health[0].paused, false);
    assert.ok(after.body.health[0].last_success_at, "the run is the last success");
  } finally {
    await closeDb();
  }
});

Deno.test("review: cancel ends a running run and frees the mapping's lease", async () => {
  const user = await freshUser("review-cancel");
  const other = await freshUser("review-cancel-other");
  await demoMappingFor(user);
  try {
    const runId = await asUser(user.claims, async (tx) => {
      const [r] = await tx`select notion_sync_api.start_run('tasks') ->> 'run_id' as id`;
      return r.id as string;
    });
    const busy = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
    assert.equal(busy.status, 409);

    assert.equal((await review({ action: "cancel", runId }, other)).status, 404);
    const cancelled = await review({ action: "cancel", runId }, user);
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.status, "cancelled");
    const { body } = await review({ action: "runs", databaseType: "tasks" }, user);
    const run = body.runs.find((r: any) => r.run_id === runId);
    assert.equal(run.status, "cancelled");
    assert.ok(run.finished_at);
    assert.ok(new Date(run.lease_expires_at).getTime() <= Date.now(), "the lease is released");

    const again = await review({ action: "cancel", runId }, user);
    assert.equal(again.status, 409, "a cancelled run cannot be cancelled again");

    const next = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(next.status, 200, JSON.stringify(next.body));
    assert.equal(next.body.status, "completed");
  } finally {
    await closeDb();
  }
});

Deno.test("review: recovery recommends restoring Supabase from Notion once the table is emptied", async () => {
  const user = await retrievedUser("review-recovery");
  try {
    const before = await review({ action: "recovery", databaseType: "tasks" }, user);
    assert.equal(before.status, 200, JSON.stringify(before.body));
    assert.equal(before.body.recovery[0].recommendation, "none");

    const staged = await review({ action: "staged", databaseType: "tasks", limit: 1000 }, user);
    assert.equal(staged.status, 200, JSON.stringify(staged.body));
    assert.equal(staged.body.pages.length, user.pages, "every page is staged");
    assert.ok(staged.body.pages.every((p: any) => p.match === "linked" && p.record_key));

    await asUser(user.claims, (tx) => tx`delete from notion_sync_demo.tasks where true`);
    const after = await review({ action: "recovery", databaseType: "tasks" }, user);
    const [status] = after.body.recovery;
    assert.equal(status.recommendation, "restore_supabase_from_notion");
    assert.equal(Number(status.records), 0);
    assert.match(status.reason, /tasks/);
  } finally {
    await closeDb();
  }
});

Deno.test("review: bad bodies answer 400, no token 401, unknown objects 404", async () => {
  const user = await freshUser("review-errors");
  await demoMappingFor(user);
  try {
    const missing = crypto.randomUUID();
    const cases: [Record<string, unknown>, number, RegExp?][] = [
      [{ action: "explode" }, 400, /action/],
      [{ action: "health", extra: 1 }, 400, /extra/],
      [{ action: "resolve", resolution: "prefer_notion" }, 400, /exactly one/],
      [
        {
          action: "resolve",
          conflictId: missing,
          runId: missing,
          resolution: "prefer_notion",
        },
        400,
        /exactly one/,
      ],
      [{ action: "resolve", conflictId: missing, resolution: "coin_toss" }, 400, /resolution/],
      [{ action: "undo", conflictId: "not-a-uuid" }, 400, /conflictId/],
      [{ action: "conflicts" }, 400, /databaseType \(a mapping\) or runId/],
      [{ action: "resolve", conflictId: missing, resolution: "skip" }, 404],
      [{ action: "undo", conflictId: missing }, 404],
      [{ action: "revert", runId: missing }, 404],
      [{ action: "cancel", runId: missing }, 404],
      [{ action: "pause", databaseType: "nope" }, 404],
      [{ action: "staged", databaseType: "nope" }, 404],
      [{ action: "outbox", databaseType: "nope" }, 404],
      [{ action: "recovery", databaseType: "nope" }, 404],
    ];
    for (const [body, status, message] of cases) {
      const res = await review(body, user);
      assert.equal(res.status, status, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      assert.equal(typeof res.body.error.code, "string");
      if (message) assert.match(res.body.error.message, message);
    }
    const anonymous = await handler(
      new Request("http://x/review", {
        method: "POST",
        body: JSON.stringify({ action: "health" }),
      }),
    );
    assert.equal(anonymous.status, 401);
    assert.equal((await anonymous.json()).error.code, "missing_authorization");
  } finally {
    await closeDb();
  }
});
