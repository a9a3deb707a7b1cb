/**
 * Set-up shared by the demo (npm start) and the tests: users in the local Auth stand-in, a Notion
 * connection (through the connect-notion function) and a mapping (through asUser and save_mapping,
 * the path the functions use).
 */
import postgres from "postgres";
import { Client } from "@notionhq/client";
import { asUser } from "../supabase/functions/_shared/db.ts";
import type { UserClaims } from "../supabase/functions/_shared/auth.ts";
import { NOTION_VERSION } from "../supabase/functions/_shared/notion.ts";
import { readDotEnv } from "./gateway.ts";
import { loadOrCreateKeys, type LocalUser, signUserJwt, type StackKeys } from "./keys.ts";

/** Where the running stack is, from the variables stack/lib.sh exports. */
export interface StackEnv {
  stackDir: string;
  apiUrl: string;
  webUrl: string;
  adminDbUrl: string;
  dbUrl: string;
  poolerDbUrl: string;
  notionEmulatorUrl: string;
}

/** Reads the stack's location from the environment (as exported by stack/lib.sh). */
export function stackEnv(): StackEnv {
  const get = (name: string) => {
    const v = Deno.env.get(name);
    if (!v) throw new Error(`${name} is not set: run this through stack/start.sh or stack/test.sh`);
    return v;
  };
  return {
    stackDir: get("STACK_DIR"),
    apiUrl: get("API_URL"),
    webUrl: get("WEB_URL"),
    adminDbUrl: get("ADMIN_DB_URL"),
    dbUrl: get("DB_URL"),
    poolerDbUrl: get("POOLER_DB_URL"),
    notionEmulatorUrl: get("NOTION_EMULATOR_URL"),
  };
}

/** Makes the shared function modules usable in this process, with the env the gateway gives them. */
export async function useFunctionEnv(stack: StackEnv): Promise<StackKeys> {
  const keys = await loadOrCreateKeys(stack.stackDir, stack.apiUrl);
  const vars = {
    ...readDotEnv(`${stack.stackDir}/functions.env`),
    SUPABASE_URL: stack.apiUrl,
    SUPABASE_DB_URL: stack.poolerDbUrl,
  };
  for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
  return keys;
}

/** Creates (or finds) a user with a password; returns it with a fresh access token and claims. */
export async function ensureUser(
  stack: StackEnv,
  keys: StackKeys,
  email: string,
  password: string,
): Promise<LocalUser & { jwt: string; claims: UserClaims }> {
  const sql = postgres(stack.adminDbUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql`
      insert into auth.users (id, email, encrypted_password, email_confirmed_at, instance_id)
      values (gen_random_uuid(), ${email}, extensions.crypt(${password}, extensions.gen_salt('bf', 6)), now(),
              '00000000-0000-0000-0000-000000000000')
      on conflict (email) do update
        set encrypted_password = extensions.crypt(${password}, extensions.gen_salt('bf', 6)), updated_at = now()
      returning id::text`;
    const user = { id: row.id as string, email };
    const jwt = await signUserJwt(keys, user);
    return { ...user, jwt, claims: { sub: user.id, role: "authenticated", email } };
  } finally {
    await sql.end();
  }
}

/**
 * Stores (or replaces) the user's Notion connection named `name` through the connect-notion
 * function (which checks the token with Notion and encrypts it); returns its id.
 */
export async function connectNotion(
  user: { jwt: string },
  opts: { name: string; token: string },
): Promise<string> {
  for (let attempt = 1;; attempt++) {
    const res = await fetch(`${stackEnv().apiUrl}/functions/v1/connect-notion`, {
      method: "POST",
      headers: { authorization: `Bearer ${user.jwt}`, "content-type": "application/json" },
      body: JSON.stringify({ name: opts.name, token: opts.token }),
    });
    const body = await res.json();
    // Notion (the emulator, under a test suite's load) rate limiting the token check: wait, again
    if (res.status === 503 && body.error?.code === "notion_rate_limited" && attempt < 5) {
      await new Promise((r) => setTimeout(r, 2000 * attempt));
      continue;
    }
    if (!res.ok) throw new Error(`connect-notion answered ${res.status}: ${JSON.stringify(body)}`);
    return body.connectionId as string;
  }
}

/**
 * A field map entry: a Notion property (by id) feeding a column, optionally one way only, and for a
 * relation, the mapping whose record keys the column holds instead of page ids.
 */
export interface FieldMapEntry {
  property_id: string;
  name: string;
  type: string;
  column: string;
  direction?: string;
  related_mapping?: string;
}

/**
 * Field map for a target table whose columns are named like the data source's properties
 * (case-insensitive; the title property feeds a column named `title` or `name`).
 */
export async function fieldMapByName(
  opts: { token: string; notionBaseUrl: string; dataSourceId: string; columns: string[] },
): Promise<FieldMapEntry[]> {
  const notion = new Client({
    auth: opts.token,
    baseUrl: opts.notionBaseUrl,
    notionVersion: NOTION_VERSION,
  });
  const ds = await notion.dataSources.retrieve({ data_source_id: opts.dataSourceId });
  const out: FieldMapEntry[] = [];
  for (const [name, prop] of Object.entries(ds.properties)) {
    const wanted = prop.type === "title"
      ? ["title", "name", name.toLowerCase()]
      : [name.toLowerCase()];
    const column = opts.columns.find((c) => wanted.includes(c.toLowerCase()));
    if (column) out.push({ property_id: prop.id, name, type: prop.type, column });
  }
  return out;
}

/**
 * Creates or updates the user's mapping named `name` through save_mapping, which validates it
 * against the data source schema (read from Notion and staged first) and the target table.
 */
export async function ensureMapping(
  claims: UserClaims,
  m: {
    name: string;
    connectionId: string;
    dataSourceId: string;
    targetSchema: string;
    targetTable: string;
    keyColumn: string;
    ownerColumn?: string;
    fieldMap: FieldMapEntry[];
    notion: { token: string; baseUrl: string };
  },
): Promise<string> {
  const notion = new Client({
    auth: m.notion.token,
    baseUrl: m.notion.baseUrl,
    notionVersion: NOTION_VERSION,
  });
  const dataSource = await notion.dataSources.retrieve({ data_source_id: m.dataSourceId });
  return await asUser(claims, async (tx) => {
    await tx`select notion_sync_api.stage_schema(${tx.json(dataSource as never)})`;
    const [row] = await tx`select notion_sync_api.save_mapping(${
      tx.json({
        name: m.name,
        connection_id: m.connectionId,
        data_source_id: m.dataSourceId,
        target_schema: m.targetSchema,
        target_table: m.targetTable,
        key_column: m.keyColumn,
        owner_column: m.ownerColumn ?? null,
        field_map: m.fieldMap,
      } as never)
    })::text as id`;
    return row.id as string;
  });
}

/** The emulator's demo integration token. */
export const EMULATOR_TOKEN = "secret_demo_notion_token";

/**
 * A call to the Notion emulator's control API (GET without a body, POST with one); throws on an
 * error answer, naming it.
 */
export async function emulatorControl(
  path: string,
  body?: unknown,
  method = body === undefined ? "GET" : "POST",
) {
  const res = await fetch(`${stackEnv().notionEmulatorUrl}/_emulator/${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`emulator ${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** Id of the emulator's demo Tasks data source. */
export async function emulatorTasksDataSource(): Promise<string> {
  const ws = await emulatorControl("workspace");
  const tasks = (ws.data_sources as { id: string; title?: string }[])
    .find((d) => /tasks/i.test(d.title ?? ""));
  if (!tasks) throw new Error("the emulator's workspace has no Tasks data source");
  return tasks.id;
}

/**
 * Connects a user to Notion and maps a data source onto notion_sync_demo.tasks as "tasks" (by
 * property name; a title property is required). Returns the mapping id and its field map.
 */
export async function demoTasksMapping(
  user: { jwt: string; claims: UserClaims },
  opts: { token: string; notionBaseUrl: string; dataSourceId: string },
): Promise<{ mappingId: string; fieldMap: FieldMapEntry[] }> {
  const connectionId = await connectNotion(user, { name: "demo", token: opts.token });
  const fieldMap = await fieldMapByName({ ...opts, columns: DEMO_TASK_COLUMNS });
  if (!fieldMap.some((f) => f.column === "title")) {
    throw new Error(
      `data source ${opts.dataSourceId} has no title property to map onto notion_sync_demo.tasks.title`,
    );
  }
  const mappingId = await ensureMapping(user.claims, {
    name: "tasks",
    connectionId,
    dataSourceId: opts.dataSourceId,
    targetSchema: "notion_sync_demo",
    targetTable: "tasks",
    keyColumn: "task_id",
    ownerColumn: "owner_id",
    fieldMap,
    notion: { token: opts.token, baseUrl: opts.notionBaseUrl },
  });
  return { mappingId, fieldMap };
}

/** Columns of the demo target table notion_sync_demo.tasks that the demo maps. */
export const DEMO_TASK_COLUMNS = ["title", "status", "priority", "tags", "due", "done", "estimate"];
