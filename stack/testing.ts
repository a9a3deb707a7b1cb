/** Helpers for tests that run against the test stack (stack/test.sh exports where it is). */
import { Client } from "@notionhq/client";
import { NOTION_VERSION } from "../supabase/functions/_shared/notion.ts";
import { asUser } from "../supabase/functions/_shared/db.ts";
import type { UserClaims } from "../supabase/functions/_shared/auth.ts";
import postgres from "postgres";
import {
  connectNotion,
  demoTasksMapping,
  EMULATOR_TOKEN,
  emulatorControl,
  emulatorTasksDataSource,
  ensureMapping,
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

/**
 * The two sync calls of a mapping (its databaseType) as a user: retrieve-from-database with extra
 * body fields, and sync-from-supabase; each returns the answer's body and throws on any other
 * status than 200, naming it.
 */
export function syncCalls(databaseType: string, jwt: string) {
  const ok = async (name: string, body: Record<string, unknown>) => {
    const res = await invoke(name, { databaseType, ...body }, jwt);
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return {
    retrieve: (body: Record<string, unknown> = {}) => ok("retrieve-from-database", body),
    push: () => ok("sync-from-supabase", {}),
  };
}

/** A Notion client of the emulator, as its demo integration. */
export function emulatorNotion() {
  return new Client({
    auth: EMULATOR_TOKEN,
    baseUrl: stackEnv().notionEmulatorUrl,
    notionVersion: NOTION_VERSION,
  });
}

/**
 * A new database of the emulator, with one data source of these properties, under the demo
 * integration's first shared page; returns the data source's id.
 */
export async function newEmulatorDataSource(
  name: string,
  properties: Record<string, unknown>,
): Promise<string> {
  const ws = await emulatorControl("workspace");
  const shared = ws.integrations.find((i: { token: string }) => i.token === EMULATOR_TOKEN)
    .shared[0];
  const db = await emulatorNotion().databases.create({
    parent: { type: "page_id", page_id: shared },
    title: [{ type: "text", text: { content: name } }],
    initial_data_source: { properties },
  } as never);
  return (db as unknown as { data_sources: { id: string }[] }).data_sources[0].id;
}

/**
 * An app's table `public.<name>` for a test (made unless it exists): these columns and owner_id,
 * each row its owner's under RLS (tests.owner_only_table).
 */
export async function ownerOnlyTable(name: string, columns: string): Promise<void> {
  const admin = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
  try {
    await admin`select tests.owner_only_table(${name}, ${columns})`;
  } finally {
    await admin.end();
  }
}

/**
 * A mapping of its own for a test: a new emulator data source with one property (the title
 * `Name`), a table `public.<table>` (uuid key `task_id`, `name`, owner-only under RLS) and the
 * user's mapping `<name>` of one onto the other, through a connection of its own. Returns the data
 * source's and the mapping's ids.
 */
export async function titleOnlyMapping(
  user: Awaited<ReturnType<typeof freshUser>>,
  name: string,
  table: string,
): Promise<{ dataSourceId: string; mappingId: string }> {
  const stack = stackEnv();
  await ownerOnlyTable(table, "task_id uuid primary key default gen_random_uuid(), name text");
  const dataSourceId = await newEmulatorDataSource(name, { Name: { title: {} } });
  const connectionId = await connectNotion(user, { name, token: EMULATOR_TOKEN });
  const schema = await emulatorNotion().dataSources.retrieve({ data_source_id: dataSourceId });
  const mappingId = await ensureMapping(user.claims, {
    name,
    connectionId,
    dataSourceId,
    targetSchema: "public",
    targetTable: table,
    keyColumn: "task_id",
    ownerColumn: "owner_id",
    fieldMap: [{
      property_id: schema.properties.Name.id,
      name: "Name",
      type: "title",
      column: "name",
    }],
    notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
  });
  return { dataSourceId, mappingId };
}

/**
 * Calls the worker the way the tick does (notion_sync.call_worker, which pg_cron runs each minute)
 * every five seconds until the user's job has run or failed, and answers its row. The worker
 * serves every user's due jobs, so it may take a few calls before one of them takes this one.
 */
export async function tickUntilRun(claims: UserClaims, jobId: string) {
  const admin = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
  try {
    for (let i = 0; i < 120; i++) {
      if (i % 10 === 0) await admin`select notion_sync.call_worker()`;
      const [job] = await asUser(
        claims,
        (tx) => tx`select done_at, last_error from notion_sync_api.jobs where job_id = ${jobId}`,
      ) as unknown as { done_at: Date | null; last_error: string | null }[];
      if (job.done_at || job.last_error) return job;
      await new Promise((done) => setTimeout(done, 500));
    }
  } finally {
    await admin.end();
  }
  throw new Error(`job ${jobId} was not run within a minute of ticks`);
}

/**
 * How many pushes were ever queued and questions ever asked for the user (any status): a sync that
 * leaves it unchanged did nothing a person or Notion would see.
 */
export async function activity(claims: UserClaims) {
  const [row] = await asUser(
    claims,
    (tx) =>
      tx`select (select count(*) from notion_sync.outbox)::int as pushes,
                (select count(*) from notion_sync.conflicts)::int as questions`,
  );
  return row as { pushes: number; questions: number };
}
