import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { readDotEnv } from "../../../stack/gateway.ts";
import { stackEnv } from "../../../stack/setup.ts";
import { demoMappingFor, emulatorControl, freshUser, invoke } from "../../../stack/testing.ts";

async function callWorker(secret?: string, body: Record<string, unknown> = { limit: 50 }) {
  const res = await fetch(`${stackEnv().apiUrl}/functions/v1/worker`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(secret ? { "x-worker-secret": secret } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("the worker refuses a call without the worker secret", async () => {
  const res = await callWorker();
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, "invalid_worker_secret");
  assert.equal((await callWorker("not-the-secret-not-the-secret-000000")).status, 401);
});

Deno.test("a run that yielded at its time budget finishes through its continue_run job, run by the worker as the owner", async () => {
  const secret = readDotEnv(`${stackEnv().stackDir}/functions.env`).WORKER_SECRET;
  await emulatorControl("reset", { seed: "demo:230" });
  const user = await freshUser("worker");
  await demoMappingFor(user);
  try {
    const first = await invoke(
      "retrieve-from-database",
      { databaseType: "tasks", createUnmatched: true, timeBudgetMs: 1 },
      user.jwt,
    );
    assert.equal(first.body.status, "running");
    const [job] = await asUser(
      user.claims,
      (tx) =>
        tx`select kind, payload ->> 'run_id' as run_id from notion_sync.jobs where done_at is null`,
    );
    assert.deepEqual(
      job,
      { kind: "continue_run", run_id: first.body.runId },
      "a continuation is queued",
    );

    const res = await callWorker(secret);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const mine = res.body.ran.find((r: { mapping: string; status: string }) =>
      r.mapping === "tasks" && r.status === "completed"
    );
    assert.ok(mine, JSON.stringify(res.body));
    const [run] = await asUser(
      user.claims,
      (tx) =>
        tx`select status, retrieved, inserted from notion_sync.runs where run_id = ${first.body.runId}`,
    );
    assert.deepEqual(
      run,
      { status: "completed", retrieved: 230, inserted: 230 },
      "the run finished as its owner, with the options it was started with (createUnmatched)",
    );
    const open = await asUser(
      user.claims,
      (tx) => tx`select 1 from notion_sync.jobs where done_at is null`,
    );
    assert.equal(open.length, 0, "the job is done");
  } finally {
    await emulatorControl("reset", { seed: "demo" });
    await closeDb();
  }
});

Deno.test("the worker takes no further job once its time budget is used: the rest stay due for the next call", async () => {
  const secret = readDotEnv(`${stackEnv().stackDir}/functions.env`).WORKER_SECRET;
  const user = await freshUser("worker-budget");
  await demoMappingFor(user);
  try {
    const due = () =>
      asUser(
        user.claims,
        (tx) => tx`select kind from notion_sync.jobs where done_at is null order by kind`,
      ).then((rs) => rs.map((r) => r.kind));
    await asUser(user.claims, (tx) =>
      tx`insert into notion_sync.jobs (owner_id, mapping_id, kind)
         select owner_id, mapping_id, k from notion_sync.mappings, unnest(array['push', 'incremental']) k
         where name = 'tasks'`);
    assert.deepEqual(await due(), ["incremental", "push"]);

    const res = await callWorker(secret, { limit: 50, timeBudgetMs: 1 });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.ran.length, 1, "one job, the first, always runs");
    assert.ok((await due()).length >= 1, "the other waits for the next call");

    const bad = await callWorker(secret, { timeBudgetMs: 200_000 });
    assert.equal(bad.status, 400);
  } finally {
    await closeDb();
  }
});
