/**
 * The demo sync that `npm start` runs: a demo user, their Notion connection (the emulator's demo
 * workspace, or your own with NOTION_TOKEN + NOTION_DATA_SOURCE_ID), a "tasks" mapping onto
 * notion_sync_demo.tasks, then retrieve-from-database called over HTTP as that user.
 */
import {
  connectNotion,
  DEMO_TASK_COLUMNS,
  ensureMapping,
  ensureUser,
  fieldMapByName,
  stackEnv,
  useFunctionEnv,
} from "./setup.ts";
import { closeDb } from "../supabase/functions/_shared/db.ts";

/** The demo user's credentials (local stack only). */
export const DEMO_EMAIL = Deno.env.get("DEMO_EMAIL") ?? "demo@example.com";
export const DEMO_PASSWORD = Deno.env.get("DEMO_PASSWORD") ?? "demo-password";
export const DEMO_EMULATOR_TOKEN = "secret_demo_notion_token";

interface Workspace {
  data_sources: { id: string; title?: string; name?: string }[];
}

/** The Tasks data source of the emulator's demo workspace. */
async function emulatorTasksDataSource(emulatorUrl: string): Promise<string> {
  const res = await fetch(`${emulatorUrl}/_emulator/workspace`);
  if (!res.ok) throw new Error(`the Notion emulator answered ${res.status} for its workspace`);
  const ws = await res.json() as Workspace;
  const tasks = ws.data_sources.find((d) => /tasks/i.test(d.title ?? d.name ?? ""));
  if (!tasks) throw new Error("the emulator's demo workspace has no Tasks data source");
  return tasks.id;
}

if (import.meta.main) {
  const stack = stackEnv();
  const keys = await useFunctionEnv(stack);
  const realToken = Deno.env.get("NOTION_TOKEN");
  const notionBaseUrl = Deno.env.get("NOTION_API_BASE_URL") ?? stack.notionEmulatorUrl;
  const token = realToken ?? DEMO_EMULATOR_TOKEN;
  let dataSourceId = Deno.env.get("NOTION_DATA_SOURCE_ID");
  if (!dataSourceId) {
    if (realToken) {
      throw new Error(
        "NOTION_TOKEN is set: also set NOTION_DATA_SOURCE_ID, the data source to sync into notion_sync_demo.tasks",
      );
    }
    dataSourceId = await emulatorTasksDataSource(stack.notionEmulatorUrl);
  }

  const user = await ensureUser(stack, keys, DEMO_EMAIL, DEMO_PASSWORD);
  const connectionId = await connectNotion(user, { name: "demo", token });
  const fieldMap = await fieldMapByName({
    token,
    notionBaseUrl,
    dataSourceId,
    columns: DEMO_TASK_COLUMNS,
  });
  if (!fieldMap.some((f) => f.column === "title")) {
    throw new Error(
      `data source ${dataSourceId} has no title property to map onto notion_sync_demo.tasks.title`,
    );
  }
  await ensureMapping(user.claims, {
    name: "tasks",
    connectionId,
    dataSourceId,
    targetSchema: "notion_sync_demo",
    targetTable: "tasks",
    keyColumn: "task_id",
    ownerColumn: "owner_id",
    fieldMap,
    notion: { token: token, baseUrl: notionBaseUrl },
  });
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
