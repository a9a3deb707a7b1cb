import assert from "node:assert/strict";
import { demoMappingFor, emulatorControl, freshUser, invoke } from "../../stack/testing.ts";
import { stackEnv } from "../../stack/setup.ts";
import { asUser, closeDb } from "../../supabase/functions/_shared/db.ts";
import {
  importedDemo,
  launchChromium,
  screenshots,
  signIn,
  statusConflict,
  theConflictCard,
} from "./browser.ts";

Deno.test("the web client signs in, retrieves from Notion on a click, and shows the rows", async () => {
  const { webUrl } = stackEnv();
  const user = await freshUser("browser");
  await demoMappingFor(user);
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    await signIn(page, webUrl, user.email);
    await page.getByRole("button", { name: "Retrieve from Notion" }).waitFor();
    assert.equal(await page.locator("#rows tbody tr").count(), 0, "a new user starts with no rows");

    // a first import: the new mapping's pages become rows only when asked
    await page.getByLabel(/First import/).check();
    await page.getByRole("button", { name: "Retrieve from Notion" }).click();
    await page.locator('[data-field="status"]', { hasText: "completed" }).waitFor({
      timeout: 30_000,
    });
    const retrieved = Number(await page.locator('[data-field="retrieved"]').textContent());
    assert.ok(retrieved > 0);
    await page.locator("#rows tbody tr").nth(retrieved - 1).waitFor();
    assert.equal(await page.locator("#rows tbody tr").count(), retrieved);
    assert.equal(await page.locator('[data-field="new-records"]').textContent(), String(retrieved));
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({
      path: new URL("web-retrieve.png", screenshots).pathname,
      fullPage: true,
    });
    assert.deepEqual(consoleErrors, []);
  } finally {
    await browser.close();
  }
});

Deno.test("a person reviews a conflict in the web client and keeps Notion's value", async () => {
  const { webUrl } = stackEnv();
  const { user, task, notionValue, supabaseValue } = await statusConflict("reviewer");
  await closeDb();

  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    const row = card.locator("tr", { hasText: "status" });
    assert.deepEqual(await row.locator("td").allTextContents(), [
      "status",
      task.status,
      notionValue,
      supabaseValue,
    ]);
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({
      path: new URL("web-conflict.png", screenshots).pathname,
      fullPage: true,
    });

    await card.getByRole("button", { name: "Keep Notion" }).click();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    const [after] = await asUser(
      user.claims,
      (tx) => tx`select status from notion_sync_demo.tasks where task_id = ${task.task_id}`,
    );
    assert.equal(after.status, notionValue, "Notion's value landed in the table");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a write Notion refuses shows why on its conflict card", async () => {
  const { webUrl } = stackEnv();
  const { user } = await importedDemo("refused");
  await asUser(
    user.claims,
    (tx) =>
      tx`update notion_sync_demo.tasks set status = 'Someday'
         where task_id = (select task_id from notion_sync_demo.tasks order by title limit 1)`,
  );
  const run = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
  assert.equal(run.body.conflicts, 1, JSON.stringify(run.body));
  await closeDb();

  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    const why = page.locator(".conflict .why");
    await why.waitFor();
    assert.match(
      await why.textContent() ?? "",
      /"Someday" is not an option of the status property/,
    );
  } finally {
    await browser.close();
  }
});

Deno.test("a page trashed in Notion is asked about in words: the card says where the page is and what each answer does", async () => {
  const { webUrl } = stackEnv();
  const { user, task } = await importedDemo("trashed-card");
  await emulatorControl(`pages/${task.page_id}`, { in_trash: true });
  const run = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
  assert.deepEqual(run.body.missingPages, { verified: { trashed: 1 }, left: 0 });
  await closeDb();

  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    assert.equal(
      await card.locator("h3").textContent(),
      `Page missing · “${task.title}” (page ${task.page_id})`,
      "the question names the page by its title",
    );
    assert.equal(await card.locator(".state").textContent(), "The page is in Notion's trash.");
    assert.deepEqual(await card.getByRole("button").allTextContents(), [
      "Delete the record",
      "Restore the page",
      "Leave as it is — forget the pair",
    ]);
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({
      path: new URL("web-trashed-page.png", screenshots).pathname,
      fullPage: true,
    });
    await card.getByRole("button", { name: "Delete the record" }).click();
    await card.getByRole("button", { name: "Yes, delete the record" }).click();
    await page.getByText("No open conflict: both sides agree.").waitFor();
    const left = await asUser(
      user.claims,
      (tx) => tx`select 1 from notion_sync_demo.tasks where task_id = ${task.task_id}`,
    );
    assert.equal(left.length, 0, "the record went with its page, as the person chose");
  } finally {
    await emulatorControl(`pages/${task.page_id}`, { in_trash: false });
    await browser.close();
    await closeDb();
  }
});

Deno.test("a dry run's summary says what the run would change on each side", async () => {
  const { webUrl } = stackEnv();
  const { user, task } = await importedDemo("dry-run");
  const edited = task.status === "Blocked" ? "Done" : "Blocked";
  await asUser(
    user.claims,
    (tx) =>
      tx`update notion_sync_demo.tasks set status = ${edited} where task_id = ${task.task_id}`,
  );
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    await page.locator("#rows tbody tr").first().waitFor();
    await page.getByLabel("Dry run").check();
    await page.getByRole("button", { name: "Retrieve from Notion" }).click();
    await page.locator('[data-field="status"]', { hasText: "dry run: nothing was changed" })
      .waitFor({ timeout: 30_000 });
    const summary = page.locator("#summary");
    assert.ok(
      (await summary.locator("dt").allTextContents()).includes("Pages to update from Supabase"),
    );
    assert.equal(await summary.locator('[data-field="supabase-to-notion"]').textContent(), "1");
    assert.equal(await summary.locator('[data-field="inserts"]').textContent(), "0");
    assert.equal(await summary.locator('[data-field="errors"]').textContent(), "none");
  } finally {
    await browser.close();
  }
});

Deno.test("another mapping name reloads the screen: the previous mapping's rows do not stay", async () => {
  const { webUrl } = stackEnv();
  const { user } = await importedDemo("other-mapping");
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    await page.locator("#rows tbody tr").first().waitFor();
    await page.getByLabel("Mapping").fill("no-such-mapping");
    await page.getByLabel("Mapping").press("Tab");
    await page.locator("#sync-error", { hasText: /./ }).waitFor();
    assert.equal(await page.locator("#rows tbody tr").count(), 0);
    assert.equal(await page.getByText("No open conflict: both sides agree.").isVisible(), false);
  } finally {
    await browser.close();
  }
});
