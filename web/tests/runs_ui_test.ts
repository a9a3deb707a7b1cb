import assert from "node:assert/strict";
import postgres from "postgres";
import { emulatorNotion, freshUser, invoke, titleOnlyMapping } from "../../stack/testing.ts";
import { stackEnv } from "../../stack/setup.ts";
import { asUser, closeDb } from "../../supabase/functions/_shared/db.ts";
import { launchChromium, screenshots, signIn } from "./browser.ts";

/**
 * A user with a mapping of its own (one title property) whose first import made a record of a
 * page, and a second run that imported one more page, "Imported": the run a person reverts.
 */
async function aRunThatImportedAPage(label: string) {
  const user = await freshUser(label);
  const name = `notes-${crypto.randomUUID().slice(0, 6)}`;
  const { dataSourceId } = await titleOnlyMapping(user, name, "web_revert_notes");
  const page = (title: string) =>
    emulatorNotion().pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: [{ type: "text", text: { content: title } }] } },
    } as never);
  await page("Kept");
  const first = await invoke(
    "retrieve-from-database",
    { databaseType: name, createUnmatched: true },
    user.jwt,
  );
  assert.equal(first.body.newRecords, 1, JSON.stringify(first.body));
  await page("Imported");
  const second = await invoke(
    "retrieve-from-database",
    { databaseType: name, createUnmatched: true },
    user.jwt,
  );
  assert.equal(second.body.newRecords, 1, JSON.stringify(second.body));
  return { user, name, runId: second.body.runId as string };
}

async function names(user: Awaited<ReturnType<typeof freshUser>>) {
  const rows = await asUser(
    user.claims,
    (tx) => tx`select name from public.web_revert_notes order by name`,
  );
  return rows.map((r) => r.name as string);
}

Deno.test("a person reads the mapping's runs, reverts one after a confirmation, and brings back the page its revert left without a record", async () => {
  const { webUrl } = stackEnv();
  const { user, name, runId } = await aRunThatImportedAPage("runs-revert");
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, webUrl, user.email);
    await page.getByLabel("Mapping").fill(name);
    await page.getByLabel("Mapping").press("Tab");
    const runs = page.locator("#runs > li");
    await runs.nth(1).waitFor();
    assert.equal(await runs.count(), 2, "both runs are listed");
    const run = page.locator(`#run-${runId}`);
    assert.match(await run.locator("h3").textContent() ?? "", /^Retrieve \(full\) · completed/);
    assert.match(await run.textContent() ?? "", /1 record inserted/);
    // the run that changed nothing since offers no revert; both runs here inserted a record
    await run.getByRole("button", { name: "Revert this run" }).click();
    const confirm = run.getByRole("alertdialog");
    await confirm.waitFor();
    assert.match(await confirm.textContent() ?? "", /Records it imported are deleted/);
    assert.deepEqual(await names(user), ["Imported", "Kept"], "nothing happens before the yes");
    await confirm.getByRole("button", { name: "Yes, revert this run" }).click();

    const left = run.locator(".reverted-questions li");
    await left.waitFor();
    assert.match(await run.locator(".reverted").textContent() ?? "", /^Reverted: 1 change undone/);
    assert.equal(
      await run.getByRole("button", { name: "Revert this run" }).count(),
      0,
      "a reverted run is not offered again",
    );
    assert.match(
      await left.textContent() ?? "",
      /“Imported”.*was deleted when the run was reverted/,
    );
    assert.deepEqual(await names(user), ["Kept"], "the run's record is gone");
    await page.locator("#rows tbody tr", { hasText: "Imported" }).waitFor({ state: "detached" });
    await Deno.mkdir(screenshots, { recursive: true });
    await page.screenshot({
      path: new URL("web-reverted-run.png", screenshots).pathname,
      fullPage: true,
    });

    await left.getByRole("button", { name: "Import the page again" }).click();
    await page.locator("#decisions li").waitFor();
    assert.match(
      await page.locator("#decisions li").textContent() ?? "",
      /Import the page again — resolved/,
    );
    await page.locator("#rows tbody tr", { hasText: "Imported" }).waitFor();
    assert.equal(await left.count(), 0, "the question answered leaves the run");
    assert.deepEqual(await names(user), ["Imported", "Kept"], "the page is a record again");
    assert.equal(await page.locator("#sync-error").textContent(), "", "no error shown");
  } finally {
    await browser.close();
    await closeDb();
  }
});

Deno.test("a run whose invocation stopped says when it was last heard from, and is read again only every 30 s", async () => {
  const { webUrl, dbUrl } = stackEnv();
  const user = await freshUser("runs-stopped");
  const name = `notes-${crypto.randomUUID().slice(0, 6)}`;
  await titleOnlyMapping(user, name, "web_stopped_notes");
  // a retrieve whose invocation died a quarter of an hour ago: its lease ran out ten minutes ago
  const sql = postgres(dbUrl, { max: 1, onnotice: () => {} });
  const [{ run_id: runId }] = await sql`
    insert into notion_sync.runs (owner_id, mapping_id, kind, mode, status, started_at,
                                  heartbeat_at, lease_expires_at)
    select owner_id, mapping_id, 'retrieve', 'full', 'running', now() - interval '20 minutes',
           now() - interval '15 minutes', now() - interval '10 minutes'
    from notion_sync.mappings where owner_id = ${user.id} and name = ${name}
    returning run_id::text`;
  await sql.end();
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    let reads = 0;
    page.on("request", (req) => {
      if (
        req.url().endsWith("/functions/v1/review") && /"action":"runs"/.test(req.postData() ?? "")
      ) {
        reads += 1;
      }
    });
    await signIn(page, webUrl, user.email);
    await page.getByLabel("Mapping").fill(name);
    await page.getByLabel("Mapping").press("Tab");
    const heard = page.locator(`#run-${runId}-heard`);
    await heard.waitFor();
    assert.match(
      await heard.textContent() ?? "",
      /^Last heard from at .*; its lease ran out at .*, so its invocation stopped: the mapping's next retrieve resumes it/,
    );
    const shown = reads;
    await page.waitForTimeout(5000);
    assert.equal(reads, shown, "nothing moves until the run is resumed: it is not read every 3 s");
  } finally {
    await browser.close();
  }
});
