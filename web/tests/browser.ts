/** Helpers of the browser tests: Debian's Chromium, signing in, and users with situations to review. */
import assert from "node:assert/strict";
import { type Browser, chromium, type Page } from "playwright-core";
import { demoMappingFor, emulatorControl, freshUser, invoke } from "../../stack/testing.ts";
import { asUser } from "../../supabase/functions/_shared/db.ts";

export const screenshots = new URL("../../test-results/", import.meta.url);

/** Debian's Chromium, headless (never a downloaded browser). */
export function launchChromium() {
  return chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Opens the web client and signs in with a test user's password. */
export async function signIn(page: Page, webUrl: string, email: string) {
  await page.goto(webUrl);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("test-password");
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs the user in and waits for the one conflict card the review shows. */
export async function theConflictCard(browser: Browser, webUrl: string, email: string) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await signIn(page, webUrl, email);
  const card = page.locator(".conflict");
  await card.first().waitFor();
  assert.equal(await card.count(), 1);
  return { page, card };
}

/** A user whose demo mapping made a row of every page (a first import), and the first row by title. */
export async function importedDemo(label: string) {
  const user = await freshUser(label);
  const mappingId = await demoMappingFor(user);
  const run = await invoke(
    "retrieve-from-database",
    { databaseType: "tasks", createUnmatched: true },
    user.jwt,
  );
  const [task] = await asUser(
    user.claims,
    (tx) =>
      tx`select l.page_id, t.task_id, t.title, t.status from notion_sync_demo.tasks t
       join notion_sync.links l on l.record_key = t.task_id::text order by t.title limit 1`,
  );
  return { user, task, mappingId, runId: run.body.runId as string };
}

/**
 * importedDemo, then its first row's status edited on both sides and a retrieve that raises the
 * one field conflict, with the two values.
 */
export async function statusConflict(label: string) {
  const demo = await importedDemo(label);
  const { user, task } = demo;
  const notionValue = task.status === "Done" ? "Blocked" : "Done";
  const supabaseValue = task.status === "In progress" ? "Not started" : "In progress";
  await asUser(
    user.claims,
    (tx) =>
      tx`update notion_sync_demo.tasks set status = ${supabaseValue} where task_id = ${task.task_id}`,
  );
  await emulatorControl(`pages/${task.page_id}`, {
    properties: { Status: { status: { name: notionValue } } },
  });
  const second = await invoke("retrieve-from-database", { databaseType: "tasks" }, user.jwt);
  assert.equal(second.body.conflicts, 1);
  return { ...demo, notionValue, supabaseValue };
}

/** Opens a question of a kind on the user's mapping as a run would (an own conflict, under RLS). */
export async function openQuestion(
  user: Awaited<ReturnType<typeof freshUser>>,
  q: {
    mappingId: string;
    runId: string;
    kind: string;
    pageId: string | null;
    recordKey: string | null;
    details: Record<string, unknown>;
  },
): Promise<string> {
  const [row] = await asUser(
    user.claims,
    (tx) =>
      tx`insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, details)
         values (${q.mappingId}, ${q.runId}, ${q.kind}, ${q.pageId}, ${q.recordKey}, ${
        tx.json(q.details as never)
      }) returning conflict_id`,
  );
  return row.conflict_id as string;
}

/** The status of a conflict, as the database holds it. */
export async function conflictStatus(
  user: Awaited<ReturnType<typeof freshUser>>,
  conflictId: string,
): Promise<string> {
  const [row] = await asUser(
    user.claims,
    (tx) => tx`select status from notion_sync.conflicts where conflict_id = ${conflictId}`,
  );
  return row.status as string;
}
