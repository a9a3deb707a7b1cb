import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { demoMappingFor, freshUser } from "../../stack/testing.ts";
import { stackEnv } from "../../stack/setup.ts";
import { closeDb } from "../../supabase/functions/_shared/db.ts";

const screenshots = new URL("../../test-results/", import.meta.url);

Deno.test("the web client signs in, retrieves from Notion on a click, and shows the rows", async () => {
  const { webUrl } = stackEnv();
  const user = await freshUser("browser");
  await demoMappingFor(user);
  await closeDb();
  const browser = await chromium.launch({
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
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const consoleErrors: string[] = [];
    page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
    await page.goto(webUrl);
    await page.getByLabel("Email").fill(user.email);
    await page.getByLabel("Password").fill("test-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Retrieve from Notion" }).waitFor();
    assert.equal(await page.locator("#rows tbody tr").count(), 0, "a new user starts with no rows");

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
