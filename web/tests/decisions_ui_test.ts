import assert from "node:assert/strict";
import { emulatorControl, invoke } from "../../stack/testing.ts";
import { stackEnv } from "../../stack/setup.ts";
import { asUser, closeDb } from "../../supabase/functions/_shared/db.ts";
import {
  conflictStatus,
  importedDemo,
  launchChromium,
  screenshots,
  signIn,
  statusConflict,
} from "./browser.ts";

Deno.test("a decision taken before the page was opened is listed with when it was taken, and can be undone from there", async () => {
  const { webUrl } = stackEnv();
  const { user, mappingId, runId } = await statusConflict("decisions-reload");
  const [{ conflict_id: conflictId }] = await asUser(
    user.claims,
    (tx) => tx`select conflict_id from notion_sync.conflicts where kind = 'field'`,
  );
  const answer = await invoke(
    "review",
    { action: "resolve", conflictId, resolution: "prefer_notion" },
    user.jwt,
  );
  assert.equal(answer.body.status, "resolved", JSON.stringify(answer.body));
  // a question the sync settled itself is not a decision of the person's
  await asUser(
    user.claims,
    (tx) =>
      tx`insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, status,
                                            resolved_at, resolved_by, resolution)
         values (${mappingId}, ${runId}, 'page_missing', 'settled-page', 'settled', 'resolved', now(),
                 ${user.claims.sub}, '{"action": "obsolete", "state": "back"}')`,
  );
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    const decision = page.locator("#decisions li");
    await decision.first().waitFor();
    assert.equal(await decision.count(), 1, "only the person's answer is listed");
    assert.match(
      await decision.textContent() ?? "",
      /^Field · “.+” \(page .+\): Keep Notion — resolved — written to Supabase: status\. Decided /,
    );
    assert.match(await page.locator("#decisions-title").textContent() ?? "", /Recent decisions/);
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({
      path: new URL("web-recent-decisions.png", screenshots).pathname,
      fullPage: true,
    });
    await decision.getByRole("button", { name: /^Undo: Keep Notion/ }).click();
    await page.locator(`#conflict-${conflictId}`).waitFor();
    assert.match(await decision.textContent() ?? "", /the question is open again/);
    assert.equal(await conflictStatus(user, conflictId), "open");
    await page.locator(`#conflict-${conflictId} h3:focus`).waitFor();
  } finally {
    await browser.close();
    await closeDb();
  }
});

/**
 * An imported demo whose first two tasks' statuses were edited on both sides (as statusConflict
 * does for one): one run, two field conflicts, with the values each side holds.
 */
async function twoConflictsOfOneRun(label: string) {
  const demo = await importedDemo(label);
  const { user } = demo;
  const rows = await asUser(
    user.claims,
    (tx) =>
      tx`select l.page_id, t.task_id, t.status from notion_sync_demo.tasks t
         join notion_sync.links l on l.record_key = t.task_id::text order by t.title limit 2`,
  );
  const tasks = rows.map((t) => ({
    taskId: t.task_id as string,
    pageId: t.page_id as string,
    notion: t.status === "Done" ? "Blocked" : "Done",
    supabase: t.status === "In progress" ? "Not started" : "In progress",
  }));
  for (const t of tasks) {
    await asUser(
      user.claims,
      (tx) =>
        tx`update notion_sync_demo.tasks set status = ${t.supabase} where task_id = ${t.taskId}`,
    );
    await emulatorControl(`pages/${t.pageId}`, {
      properties: { Status: { status: { name: t.notion } } },
    });
  }
  const run = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
  assert.equal(run.body.conflicts, 2, JSON.stringify(run.body));
  return { ...demo, tasks, runId: run.body.runId as string };
}

/** The tasks' statuses in Supabase, in the order given. */
async function statuses(
  user: Awaited<ReturnType<typeof importedDemo>>["user"],
  tasks: { taskId: string }[],
) {
  const out = [];
  for (const t of tasks) {
    const [row] = await asUser(
      user.claims,
      (tx) => tx`select status from notion_sync_demo.tasks where task_id = ${t.taskId}`,
    );
    out.push(row.status as string);
  }
  return out;
}

Deno.test("every open question of a run is answered at once, after a confirmation that says how many and which answer", async () => {
  const { webUrl } = stackEnv();
  const { user, tasks, runId } = await twoConflictsOfOneRun("answer-all");
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    await page.locator(".conflict").nth(1).waitFor();
    const run = page.locator(`#run-${runId}`);
    await run.waitFor();
    assert.match(await run.textContent() ?? "", /2 open questions from this run/);
    await run.getByRole("button", { name: "Keep Notion for all 2 questions" }).click();
    const confirm = run.getByRole("alertdialog");
    await confirm.waitFor();
    assert.match(
      await confirm.textContent() ?? "",
      /Answer 2 open questions of this run with Keep Notion\? 2 records given Notion's values/,
    );
    assert.deepEqual(
      await statuses(user, tasks),
      tasks.map((t) => t.supabase),
      "nothing changes before the yes",
    );
    await confirm.getByRole("button", { name: "Yes, keep Notion for all 2" }).click();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    const said = page.locator(`#run-${runId}-answered`);
    await said.filter({ hasText: "Keep Notion for all: 2 resolved." }).waitFor();
    assert.equal(
      await page.locator(`#run-${runId}`).getByRole("button", { name: /for all/ }).count(),
      0,
      "a run without open questions offers no answer for all",
    );
    assert.deepEqual(
      await statuses(user, tasks),
      tasks.map((t) => t.notion),
      "Notion's values are applied",
    );
    assert.equal(await page.locator("#decisions li").count(), 2, "both decisions are listed");
    assert.equal(await page.locator("#sync-error").textContent(), "", "no error shown");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a run that is still running is followed on screen until it completes, and then no longer read", async () => {
  const { webUrl } = stackEnv();
  const { user } = await importedDemo("follow-run");
  const [{ id: runId }] = await asUser(
    user.claims,
    (tx) => tx`select notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id' as id`,
  );
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const runReads: number[] = [];
    page.on("request", (req) => {
      if (req.url().endsWith("/functions/v1/review") && req.postData()?.includes('"runs"')) {
        runReads.push(Date.now());
      }
    });
    await signIn(page, webUrl, user.email);
    const title = page.locator(`#run-${runId} h3`);
    await title.waitFor();
    assert.match(await title.textContent() ?? "", /^Retrieve \(full\) · running/);
    await asUser(user.claims, (tx) => tx`select notion_sync_api.finish_run(${runId}, 'completed')`);
    await closeDb();
    // no reload, no click: the list is read again until the run is seen completed
    await page.locator(`#run-${runId} h3`, { hasText: "· completed" }).waitFor({ timeout: 20_000 });
    const seen = runReads.length;
    await page.waitForTimeout(7_000);
    assert.equal(runReads.length, seen, "once no run is running, the list is not read again");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("the summary of a retrieve answered running says how the run ended once a continuation finishes it", async () => {
  const { webUrl, apiUrl } = stackEnv();
  const { user } = await importedDemo("summary-catches-up");
  const [{ id: runId }] = await asUser(
    user.claims,
    (tx) => tx`select notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id' as id`,
  );
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // the retrieve answers as one that yielded at its time budget (a real one would take 120 s)
    const cors = {
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "authorization, x-client-info, apikey, content-type",
      "access-control-allow-methods": "POST, OPTIONS",
    };
    await page.route(
      `${apiUrl}/functions/v1/retrieve-from-database`,
      (route) =>
        route.request().method() === "OPTIONS"
          ? route.fulfill({ status: 204, headers: cors })
          : route.fulfill({
            status: 200,
            headers: { ...cors, "content-type": "application/json" },
            body: JSON.stringify({
              success: true,
              runId,
              status: "running",
              retrieved: 100,
              matched: 0,
              conflicts: 0,
              newRecords: 0,
              errors: [],
              progress: { pagesRead: 100, batches: 1, resumed: false },
            }),
          }),
    );
    await signIn(page, webUrl, user.email);
    await page.getByRole("button", { name: "Retrieve from Notion" }).click();
    const status = page.locator('#summary [data-field="status"]');
    await status.filter({ hasText: /^running/ }).waitFor();
    assert.equal(await page.locator('#summary [data-field="progress"]').count(), 1);

    await asUser(user.claims, (tx) => tx`select notion_sync_api.finish_run(${runId}, 'completed')`);
    await closeDb();
    await status.filter({ hasText: /^completed, finished by its continuation/ }).waitFor({
      timeout: 20_000,
    });
    assert.equal(
      await page.locator('#summary [data-field="progress"]').count(),
      0,
      "it no longer says it is still running",
    );
  } finally {
    await browser.close();
    await closeDb();
  }
});
