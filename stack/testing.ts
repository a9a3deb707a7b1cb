/** Helpers for tests that run against the test stack (stack/test.sh exports where it is). */
import {
  connectNotion,
  DEMO_TASK_COLUMNS,
  ensureMapping,
  ensureUser,
  fieldMapByName,
  stackEnv,
  useFunctionEnv,
} from "./setup.ts";
import type { StackKeys } from "./keys.ts";

/** The test stack and its signing keys, with the function environment applied to this process. */
export async function testStack() {
  const stack = stackEnv();
  const keys: StackKeys = await useFunctionEnv(stack);
  return { stack, keys };
}

/** A new user with a unique email, signed in (jwt) and as claims for asUser. */
export async function freshUser(label: string) {
  const { stack, keys } = await testStack();
  const email = `${label}-${crypto.randomUUID().slice(0, 8)}@example.com`;
  return await ensureUser(stack, keys, email, "test-password");
}

/** The emulator's demo token and Tasks data source id. */
export const EMULATOR_TOKEN = "secret_demo_notion_token";

/** Id of the emulator's Tasks data source. */
export async function emulatorTasksDataSource(): Promise<string> {
  const { notionEmulatorUrl } = stackEnv();
  const ws = await (await fetch(`${notionEmulatorUrl}/_emulator/workspace`)).json();
  const ds = (ws.data_sources as { id: string; title?: string; name?: string }[])
    .find((d) => /tasks/i.test(d.title ?? d.name ?? ""));
  if (!ds) throw new Error("the emulator has no Tasks data source");
  return ds.id;
}

/** Gives a user a connection to the emulator and a "tasks" mapping onto notion_sync_demo.tasks. */
export async function demoMappingFor(user: Awaited<ReturnType<typeof freshUser>>): Promise<string> {
  const { notionEmulatorUrl } = stackEnv();
  const dataSourceId = await emulatorTasksDataSource();
  const connectionId = await connectNotion(user, {
    name: "demo",
    token: EMULATOR_TOKEN,
  });
  const fieldMap = await fieldMapByName({
    token: EMULATOR_TOKEN,
    notionBaseUrl: notionEmulatorUrl,
    dataSourceId,
    columns: DEMO_TASK_COLUMNS,
  });
  return await ensureMapping(user.claims, {
    name: "tasks",
    connectionId,
    dataSourceId,
    targetSchema: "notion_sync_demo",
    targetTable: "tasks",
    keyColumn: "task_id",
    ownerColumn: "owner_id",
    fieldMap,
    notion: { token: EMULATOR_TOKEN, baseUrl: notionEmulatorUrl },
  });
}

/** POSTs JSON to a function through the gateway, as supabase-js functions.invoke would. */
export async function invoke(name: string, body: unknown, jwt?: string) {
  const { apiUrl } = stackEnv();
  const res = await fetch(`${apiUrl}/functions/v1/${name}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(jwt ? { authorization: `Bearer ${jwt}` } : {}),
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}
