/**
 * The demo sync that `npm start` runs: a demo user, their Notion connection (the emulator's demo
 * workspace, or your own with NOTION_TOKEN + NOTION_DATA_SOURCE_ID), a "tasks" mapping onto
 * notion_sync_demo.tasks, then retrieve-from-database called over HTTP as that user.
 */
import {
  demoTasksMapping,
  EMULATOR_TOKEN,
  emulatorTasksDataSource,
  ensureUser,
  stackEnv,
  useFunctionEnv,
} from "./setup.ts";
import { closeDb } from "../supabase/functions/_shared/db.ts";

/** The demo user's credentials (local stack only). */
export const DEMO_EMAIL = Deno.env.get("DEMO_EMAIL") ?? "demo@example.com";
export const DEMO_PASSWORD = Deno.env.get("DEMO_PASSWORD") ?? "demo-password";
if (import.meta.main) {
  const stack = stackEnv();
  const keys = await useFunctionEnv(stack);
  const realToken = Deno.env.get("NOTION_TOKEN");
  const notionBaseUrl = Deno.env.get("NOTION_API_BASE_URL") ?? stack.notionEmulatorUrl;
  const token = realToken ?? EMULATOR_TOKEN;
  let dataSourceId = Deno.env.get("NOTION_DATA_SOURCE_ID");
  if (!dataSourceId) {
    if (realToken) {
      throw new Error(
        "NOTION_TOKEN is set: also set NOTION_DATA_SOURCE_ID, the data source to sync into notion_sync_demo.tasks",
      );
    }
    dataSourceId = await emulatorTasksDataSource();
  }

  const user = await ensureUser(stack, keys, DEMO_EMAIL, DEMO_PASSWORD);
  const { fieldMap } = await demoTasksMapping(user, { token, notionBaseUrl, dataSourceId });
  await closeDb();

  const res = await fetch(`${stack.apiUrl}/functions/v1/retrieve-from-database`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.jwt}`, "content-type": "application/json" },
    body: JSON.stringify({ databaseType: "tasks", mode: "full", createUnmatched: true }),
  });
  const result = await res.json();
  if (!res.ok) {
    throw new Error(`retrieve-from-database answered ${res.status}: ${JSON.stringify(result)}`);
  }
  console.log(
    [
      `Demo sync: mapping "tasks" (Notion data source ${dataSourceId} → notion_sync_demo.tasks)`,
      `  run ${result.runId}: ${result.status}; ${result.retrieved} pages retrieved, ${result.newRecords} new rows, ` +
      `${result.matched} matched, ${result.conflicts} conflicts`,
      `  mapped properties: ${
        fieldMap.map((f) => `${f.name} (${f.type}) → ${f.column}`).join(", ")
      }`,
      `  demo user: ${DEMO_EMAIL} / ${DEMO_PASSWORD}`,
      `  demo user JWT: ${user.jwt}`,
    ].join("\n"),
  );
}
