import assert from "node:assert/strict";
import { invoke } from "../../stack/testing.ts";
import { stackEnv } from "../../stack/setup.ts";
import { asUser, closeDb } from "../../supabase/functions/_shared/db.ts";
import {
  conflictStatus,
  importedDemo,
  launchChromium,
  openQuestion,
  screenshots,
  signIn,
  statusConflict,
  theConflictCard,
} from "./browser.ts";

/** An imported demo whose first page lost its link, and a match question asking which record it is. */
async function aMatchQuestion(label: string) {
  const demo = await importedDemo(label);
  const { user, task } = demo;
  await asUser(
    user.claims,
    (tx) => tx`delete from notion_sync.links where page_id = ${task.page_id}`,
  );
  const conflictId = await openQuestion(user, {
    mappingId: demo.mappingId,
    runId: demo.runId,
    kind: "match_review",
    pageId: task.page_id,
    recordKey: String(task.task_id),
    details: {
      stage: "residue",
      title: task.title,
      candidate_count: 1,
      candidates: [{
        record_key: String(task.task_id),
        title: task.title,
        similarity: 0.82,
        confidence: "medium",
        tier: "similar_title",
      }],
    },
  });
  await closeDb();
  return { ...demo, conflictId };
}

Deno.test("a match question lists its candidate records and links the page to the one a person picks", async () => {
  const { webUrl } = stackEnv();
  const { user, task, conflictId } = await aMatchQuestion("match-link");
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    assert.ok(
      !(await card.getByRole("button").allTextContents()).includes("Keep Notion"),
      "no answer the server refuses for a match question",
    );
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: new URL("web-match.png", screenshots).pathname, fullPage: true });
    await card.getByRole("button", { name: `Link to “${task.title}”` }).click();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    const links = await asUser(
      user.claims,
      (tx) => tx`select record_key from notion_sync.links where page_id = ${task.page_id}`,
    );
    assert.deepEqual(links.map((l) => l.record_key), [String(task.task_id)]);
    assert.equal(await conflictStatus(user, conflictId), "resolved");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a match question answered “not the same item” says what follows and keeps the page and the record apart", async () => {
  const { webUrl } = stackEnv();
  const { user, task, conflictId } = await aMatchQuestion("match-skip");
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    assert.match(
      await card.locator(".says").textContent() ?? "",
      /new record for the page and a new page for the record/,
    );
    await card.getByRole("button", { name: "Not the same item" }).click();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    assert.equal(await conflictStatus(user, conflictId), "dismissed");
    const links = await asUser(
      user.claims,
      (tx) => tx`select 1 from notion_sync.links where page_id = ${task.page_id}`,
    );
    assert.equal(links.length, 0, "the page stays unlinked");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a decision can be undone from the screen, and its question is asked again", async () => {
  const { webUrl } = stackEnv();
  const { user, task, conflictId } = await aMatchQuestion("match-undo");
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    await card.getByRole("button", { name: `Link to “${task.title}”` }).click();
    const decision = page.locator("#decisions li");
    await decision.waitFor();
    assert.match(await decision.textContent() ?? "", /resolved — linked to record/);
    await decision.getByRole("button", { name: /^Undo/ }).click();
    await page.locator(".conflict").waitFor();
    assert.match(await decision.textContent() ?? "", /the question is open again/);
    assert.equal(await conflictStatus(user, conflictId), "open");
    // the Undo button is gone: the keyboard goes on from the question asked again
    await page.locator(`#conflict-${conflictId} h3:focus`).waitFor();
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("forgetting a pair takes a confirmation, and deleting the record is not offered before the page was read in Notion", async () => {
  const { webUrl } = stackEnv();
  const demo = await importedDemo("unverified");
  const { user, task } = demo;
  const conflictId = await openQuestion(user, {
    mappingId: demo.mappingId,
    runId: demo.runId,
    kind: "page_missing",
    pageId: task.page_id,
    recordKey: String(task.task_id),
    details: { state: "unverified" },
  });
  await closeDb();
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    assert.deepEqual(await card.getByRole("button").allTextContents(), [
      "Restore the page",
      "Leave as it is — forget the pair",
    ]);
    await card.getByRole("button", { name: "Leave as it is — forget the pair" }).click();
    const confirm = card.getByRole("alertdialog");
    await confirm.waitFor();
    assert.match(await confirm.textContent() ?? "", /cannot be undone/);
    assert.equal(await conflictStatus(user, conflictId), "open", "nothing happens before the yes");
    await confirm.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await confirm.isVisible(), false);
    await card.getByRole("button", { name: "Leave as it is — forget the pair" }).click();
    await confirm.getByRole("button", { name: "Yes, leave as it is — forget the pair" }).click();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    assert.equal(await conflictStatus(user, conflictId), "dismissed");
  } finally {
    await browser.close();
    await closeDb();
  }
});

/** A bulk change held by the safety valve, as reconcile stores it (counts, held, diff). */
async function aHeldBulkChange(label: string) {
  const demo = await importedDemo(label);
  const conflictId = await openQuestion(demo.user, {
    mappingId: demo.mappingId,
    runId: demo.runId,
    kind: "bulk_change",
    pageId: null,
    recordKey: null,
    details: {
      held: ["notion_to_supabase", "missing"],
      counts: {
        notion_to_supabase: 312,
        supabase_to_notion: 0,
        inserts: 4,
        creates: 0,
        missing: 57,
        conflicts: 2,
        threshold: 50,
      },
      diff: {
        fields: Array.from({ length: 12 }, (_, i) => ({
          page_id: `page-${i}`,
          record_key: `key-${i}`,
          field: "status",
          action: "to_supabase",
          base: "Not started",
          notion: "Done",
          supabase: "Not started",
        })),
        records: [{ page_id: null, record_key: "key-99", action: "record_deleted" }],
      },
    },
  });
  await closeDb();
  return { ...demo, conflictId };
}

Deno.test("a held bulk change card shows its counts, its first changes, and answers named by what they do", async () => {
  const { webUrl } = stackEnv();
  const { user, conflictId } = await aHeldBulkChange("bulk");
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    assert.equal(await card.locator('[data-field="notion_to_supabase"]').textContent(), "312");
    assert.equal(await card.locator('[data-field="missing"]').textContent(), "57");
    assert.equal(
      await card.locator("table.diff tr").count(),
      11,
      "a heading and the first 10 changes",
    );
    assert.deepEqual(await card.locator(".actions").getByRole("button").allTextContents(), [
      "Keep Notion: apply 312 Notion changes to Supabase and restore 1 deleted record",
      "Accept 57 deletions",
      "Not now",
    ]);
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: new URL("web-bulk.png", screenshots).pathname, fullPage: true });
    await card.getByRole("button", { name: "Accept 57 deletions" }).click();
    const confirm = card.getByRole("alertdialog");
    await confirm.waitFor();
    assert.match(await confirm.textContent() ?? "", /delete policy/);
    await confirm.getByRole("button", { name: "Cancel" }).click();
    assert.equal(await conflictStatus(user, conflictId), "open");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a table emptied in Supabase is restored from Notion through its held bulk question, and the restore can be undone", async () => {
  const { webUrl } = stackEnv();
  const { user } = await importedDemo("truncated");
  const [{ n: before }] = await asUser(
    user.claims,
    (tx) => tx`select count(*)::int as n from notion_sync_demo.tasks`,
  );
  await asUser(user.claims, (tx) => tx`delete from notion_sync_demo.tasks where true`);
  const run = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
  assert.deepEqual(run.body.summary?.held, ["missing"], JSON.stringify(run.body.summary));
  await closeDb();
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    assert.equal(await card.locator('[data-field="missing"]').textContent(), String(before));
    await card.getByRole("button", {
      name: `Keep Notion: restore ${before} deleted records`,
    }).click();
    await page.locator("#decisions li").waitFor();
    assert.match(
      await page.locator("#decisions li").textContent() ?? "",
      new RegExp(`${before} records restored from Notion`),
    );
    await page.locator("#rows tbody tr").nth(before - 1).waitFor();
    const [{ n: after }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as n from notion_sync_demo.tasks`,
    );
    assert.equal(after, before, "every record came back from its page");
    // undone from the screen: the records go again and the bulk question is asked again
    await page.locator("#decisions li").getByRole("button", { name: /^Undo/ }).click();
    await page.locator(".conflict").waitFor();
    assert.match(
      await page.locator("#decisions li").textContent() ?? "",
      /the question is open again/,
    );
    const [{ n: undone }] = await asUser(
      user.claims,
      (tx) => tx`select count(*)::int as n from notion_sync_demo.tasks`,
    );
    assert.equal(undone, 0, "the restores were undone");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a double click on an answer decides the conflict once", async () => {
  const { webUrl } = stackEnv();
  const { user } = await statusConflict("double");
  await closeDb();

  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    const resolves: string[] = [];
    page.on("request", (r) => {
      if (r.url().includes("/functions/v1/review") && r.postData()?.includes('"resolve"')) {
        resolves.push(r.postData() ?? "");
      }
    });
    await card.getByRole("button", { name: "Keep Notion" }).dblclick();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    assert.equal(resolves.length, 1, "one resolve request");
    assert.equal(await page.locator("#sync-error").textContent(), "", "no error shown");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("signing out clears the rows, the questions and the run summary from the screen", async () => {
  const { webUrl } = stackEnv();
  const { user } = await aHeldBulkChange("signout");
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    await page.locator(".conflict").waitFor();
    await page.locator("#rows tbody tr").first().waitFor();
    await page.getByRole("button", { name: "Retrieve from Notion" }).click();
    await page.locator('[data-field="status"]').waitFor({ timeout: 30_000 });
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    assert.equal(await page.locator("#rows tbody tr").count(), 0);
    assert.equal(await page.locator(".conflict").count(), 0);
    assert.equal(await page.locator("#conflict-count").textContent(), "");
    assert.equal(
      await page.locator("#summary dd").allTextContents().then((t) => t.join()),
      "No run yet in this session.",
    );
  } finally {
    await browser.close();
  }
});

Deno.test("an answer the server refuses says why on its card, and the card can be answered again", async () => {
  const { webUrl } = stackEnv();
  const { user } = await statusConflict("refused-answer");
  await closeDb();
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    const message = 'refused_by_table: the table refused the value of "status"';
    // the server refuses the answer (as for a value the table's constraints refuse, 409)
    await page.route("**/functions/v1/review", async (route) => {
      if (!route.request().postData()?.includes('"resolve"')) return await route.continue();
      await route.fulfill({
        status: 409,
        contentType: "application/json",
        body: JSON.stringify({ error: { code: "refused_by_table", message } }),
      });
    });
    await card.getByRole("button", { name: "Keep Supabase" }).click();
    const problem = card.getByRole("alert");
    await problem.filter({ hasText: message }).waitFor();
    assert.ok(await problem.isVisible(), "the reason is shown where the person answered");
    assert.equal(await card.getByRole("button", { name: "Keep Supabase" }).isEnabled(), true);
    await page.locator(".conflict h3:focus, .conflict button:focus").first().waitFor();
  } finally {
    await browser.close();
  }
});
