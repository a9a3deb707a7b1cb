/** Helpers for tests that run against the test stack (stack/test.sh exports where it is). */
import {
  demoTasksMapping,
  EMULATOR_TOKEN,
  emulatorControl,
  emulatorTasksDataSource,
  ensureUser,
  stackEnv,
  useFunctionEnv,
} from "./setup.ts";

export { EMULATOR_TOKEN, emulatorControl, emulatorTasksDataSource };
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

/** Gives a user a connection to the emulator and a "tasks" mapping onto notion_sync_demo.tasks. */
export async function demoMappingFor(user: Awaited<ReturnType<typeof freshUser>>): Promise<string> {
  const { mappingId } = await demoTasksMapping(user, {
    token: EMULATOR_TOKEN,
    notionBaseUrl: stackEnv().notionEmulatorUrl,
    dataSourceId: await emulatorTasksDataSource(),
  });
  return mappingId;
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
