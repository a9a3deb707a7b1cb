import assert from "node:assert/strict";
import { stackEnv } from "../../stack/setup.ts";
import { asUser, closeDb } from "../../supabase/functions/_shared/db.ts";
import {
  importedDemo,
  launchChromium,
  openQuestion,
  screenshots,
  signIn,
  theConflictCard,
} from "./browser.ts";

Deno.test("a conflict shows both sides of dates with a time zone, relations, lists and empty values in words", async () => {
  const { webUrl } = stackEnv();
  const { user, task, mappingId, runId } = await importedDemo("values");
  const project = "1f3a8b2c-0000-4000-8000-000000000001";
  const other = "1f3a8b2c-0000-4000-8000-000000000002";
  // a run's field conflict, its values in their canonical form (a date object, relation ids, …)
  await asUser(
    user.claims,
    (tx) =>
      tx`insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, fields)
         values (${mappingId}, ${runId}, 'field', ${task.page_id}, ${String(task.task_id)}, ${
        tx.json({
          due: {
            base: { start: "2026-03-01", end: null, time_zone: null },
            notion: {
              start: "2026-03-05T08:00:00.000Z",
              end: "2026-03-05T09:30:00.000Z",
              time_zone: "Europe/Paris",
            },
            supabase: { start: "2026-03-04", end: null, time_zone: null },
          },
          projects: { base: [project], notion: [project, other], supabase: [] },
          tags: { base: ["design"], notion: ["design", "bug"], supabase: ["research"] },
          notes: { base: "was here", notion: "", supabase: null },
        } as never)
      })`,
  );
  await closeDb();
  const browser = await launchChromium();
  try {
    const { page, card } = await theConflictCard(browser, webUrl, user.email);
    const cells = async (field: string) =>
      await card.locator("tr", { has: page.locator("td", { hasText: new RegExp(`^${field}`) }) })
        .locator("td").allTextContents();
    assert.deepEqual(await cells("due"), [
      "due",
      "2026-03-01",
      "2026-03-05T08:00:00.000Z → 2026-03-05T09:30:00.000Z (Europe/Paris)",
      "2026-03-04",
    ]);
    assert.deepEqual(await cells("projects"), [
      "projects",
      project,
      `${project}, ${other}`,
      "empty list",
    ]);
    assert.deepEqual(await cells("tags"), ["tags", "design", "design, bug", "research"]);
    assert.deepEqual(await cells("notes"), ["notes", "was here", "empty text", "—"]);
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({
      path: new URL("web-values.png", screenshots).pathname,
      fullPage: true,
    });
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a row with a long title keeps the table's other columns in sight", async () => {
  const { webUrl } = stackEnv();
  const { user, task } = await importedDemo("long-title");
  await asUser(
    user.claims,
    (tx) =>
      tx`update notion_sync_demo.tasks set title = ${"A long title ".repeat(40)}
         where task_id = ${task.task_id}`,
  );
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    await page.locator("#rows tbody tr").first().waitFor();
    const status = await page.locator("#rows th", { hasText: "status" }).boundingBox();
    assert.ok(status, "the status column is shown");
    assert.ok(
      status.x + status.width <= 1280,
      `the status column is within the window (it ends at ${status.x + status.width})`,
    );
  } finally {
    await browser.close();
  }
});

Deno.test("on a phone 390 px wide, a held bulk change's table scrolls in its card and the page does not scroll sideways", async () => {
  const { webUrl } = stackEnv();
  const demo = await importedDemo("phone");
  await openQuestion(demo.user, {
    mappingId: demo.mappingId,
    runId: demo.runId,
    kind: "bulk_change",
    pageId: null,
    recordKey: null,
    details: {
      held: ["notion_to_supabase"],
      counts: { notion_to_supabase: 60, supabase_to_notion: 0, missing: 0, threshold: 25 },
      diff: {
        fields: [{
          page_id: "page-1",
          record_key: "0a1b2c3d-0000-4000-8000-000000000001",
          field: "status",
          action: "to_supabase",
          base: "Not started",
          notion: "In progress",
          supabase: "Not started",
        }],
        records: [],
      },
    },
  });
  await closeDb();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await signIn(page, webUrl, demo.user.email);
    await page.locator(".conflict table.diff").waitFor();
    const width = await page.evaluate("document.documentElement.scrollWidth") as number;
    assert.ok(width <= 390, `the page is ${width} px wide`);
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: new URL("web-phone.png", screenshots).pathname, fullPage: true });
  } finally {
    await browser.close();
  }
});
