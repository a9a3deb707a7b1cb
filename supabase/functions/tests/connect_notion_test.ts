import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { decryptToken } from "../_shared/crypto.ts";
import { handler } from "../connect-notion/handler.ts";
import {
  DEMO_TASK_COLUMNS,
  ensureMapping,
  fieldMapByName,
  stackEnv,
} from "../../../stack/setup.ts";
import {
  EMULATOR_TOKEN,
  emulatorControl,
  emulatorTasksDataSource,
  freshUser,
  invoke,
} from "../../../stack/testing.ts";

/** A new integration in the emulator that sees what the demo integration sees. */
async function newIntegration() {
  const { notionEmulatorUrl } = stackEnv();
  const ws = await (await fetch(`${notionEmulatorUrl}/_emulator/workspace`)).json();
  const demo = ws.integrations.find((i: any) => i.token === EMULATOR_TOKEN);
  const suffix = crypto.randomUUID();
  const integration = {
    token: `secret_test_${suffix.replaceAll("-", "")}`,
    name: `Connect test ${suffix.slice(0, 8)}`,
    bot_id: crypto.randomUUID(),
  };
  const res = await fetch(`${notionEmulatorUrl}/_emulator/integrations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ...integration, share: demo.shared }),
  });
  assert.equal(res.status, 200, await res.text());
  return { ...integration, workspaceName: ws.workspace.name as string };
}

/** Requests the emulator logged for one integration (by name). */
async function requestsBy(name: string) {
  const { notionEmulatorUrl } = stackEnv();
  const res = await fetch(`${notionEmulatorUrl}/_emulator/requests?limit=100000`);
  const body = await res.json();
  const entries = (Array.isArray(body) ? body : body.requests) as any[];
  return entries.filter((e) => e.integration === name);
}

async function gatewayLog(): Promise<string> {
  return await Deno.readTextFile(`${stackEnv().stackDir}/logs/gateway.log`).catch(() => "");
}

Deno.test("connect-notion stores a working connection that a retrieve then uses, and never shows the token", async () => {
  const user = await freshUser("connect");
  const other = await freshUser("connect-other");
  const integration = await newIntegration();
  const seen: unknown[] = [];
  try {
    const res = await invoke(
      "connect-notion",
      { name: "work", token: integration.token },
      user.jwt,
    );
    seen.push(res.body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.botId, integration.bot_id);
    assert.equal(res.body.workspaceName, integration.workspaceName);
    assert.match(res.body.connectionId, /^[0-9a-f-]{36}$/);
    const { connectionId } = res.body;

    // only the ciphertext is stored, made with the functions' key
    const ciphertext = await asUser(user.claims, async (tx) => {
      const [row] = await tx`select notion_sync.connection_token_ciphertext(${connectionId}) as c`;
      return row.c as string;
    });
    assert.ok(!ciphertext.includes(integration.token));
    assert.equal(await decryptToken(ciphertext), integration.token);
    const [v, iv] = ciphertext.split(".");
    for (const altered of [`${v}.${iv}.${btoa("x")}`, "v1.test.ciphertext", "plain-token"]) {
      await assert.rejects(
        decryptToken(altered),
        /the connection's Notion token cannot be decrypted: .*store the connection again/,
        "a token that cannot be decrypted says so, and what to do",
      );
    }

    // a retrieve through that connection reads Notion as that integration
    const { notionEmulatorUrl } = stackEnv();
    const dataSourceId = await emulatorTasksDataSource();
    await ensureMapping(user.claims, {
      name: "tasks",
      connectionId,
      dataSourceId,
      targetSchema: "notion_sync_demo",
      targetTable: "tasks",
      keyColumn: "task_id",
      ownerColumn: "owner_id",
      fieldMap: await fieldMapByName({
        token: integration.token,
        notionBaseUrl: notionEmulatorUrl,
        dataSourceId,
        columns: DEMO_TASK_COLUMNS,
      }),
      notion: { token: integration.token, baseUrl: notionEmulatorUrl },
    });
    const queriesBefore = (await requestsBy(integration.name))
      .filter((e) => e.path.endsWith("/query")).length;
    const run = await invoke("retrieve-from-database", {
      databaseType: "tasks",
      createUnmatched: true,
    }, user.jwt);
    seen.push(run.body);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    assert.ok(run.body.retrieved > 0);
    const queriesAfter = (await requestsBy(integration.name))
      .filter((e) => e.path.endsWith("/query")).length;
    assert.ok(queriesAfter > queriesBefore, "the retrieve queried Notion with the stored token");

    // listed without any token material; another user sees none of it
    const listed = await invoke("connect-notion", { action: "list" }, user.jwt);
    seen.push(listed.body);
    assert.equal(listed.status, 200, JSON.stringify(listed.body));
    assert.equal(listed.body.connections.length, 1);
    const [conn] = listed.body.connections;
    assert.equal(conn.connection_id, connectionId);
    assert.equal(conn.name, "work");
    assert.equal(conn.bot_id, integration.bot_id);
    assert.deepEqual(conn.mappings, ["tasks"]);
    assert.ok(!Object.keys(conn).some((k) => /token|cipher/.test(k)));
    const strangers = await invoke("connect-notion", { action: "list" }, other.jwt);
    assert.deepEqual(strangers.body.connections, []);

    // replacing by name keeps the connection (and its mappings), with the new integration
    const replaced = await invoke(
      "connect-notion",
      { name: "work", token: EMULATOR_TOKEN },
      user.jwt,
    );
    seen.push(replaced.body);
    assert.equal(replaced.status, 200, JSON.stringify(replaced.body));
    assert.equal(replaced.body.connectionId, connectionId);
    assert.notEqual(replaced.body.botId, integration.bot_id);

    // the view a client may read never carries the token or its ciphertext
    const viewRows = await asUser(
      user.claims,
      (tx) => tx`select to_jsonb(c)::text as j from notion_sync_api.connections c`,
    );
    seen.push(viewRows);
    await assert.rejects(
      asUser(user.claims, (tx) => tx`select token_ciphertext from notion_sync.connections`),
      /permission denied/,
    );

    const log = await gatewayLog();
    assert.match(log, /"fn":"connect-notion"/, "the gateway log of these requests is searched");
    const everything = JSON.stringify(seen) + log;
    assert.ok(!everything.includes(integration.token), "the token appears nowhere");
    assert.ok(!everything.includes(ciphertext), "the ciphertext appears nowhere");
    assert.ok(!everything.includes(EMULATOR_TOKEN), "the second token appears nowhere");
  } finally {
    await closeDb();
  }
});

Deno.test("connect-notion refuses a token Notion refuses (400), bad bodies (400), a rate-limited check (503) and no user (401)", async () => {
  const user = await freshUser("connect-bad");
  try {
    const badToken = `secret_refused_${crypto.randomUUID().replaceAll("-", "")}`;
    const refused = await invoke("connect-notion", { name: "work", token: badToken }, user.jwt);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "notion_token_refused");
    assert.match(refused.body.error.message, /Notion refused this token/);
    assert.ok(!JSON.stringify(refused.body).includes(badToken));
    const listed = await invoke("connect-notion", { action: "list" }, user.jwt);
    assert.deepEqual(listed.body.connections, [], "nothing stored");

    const cases: [unknown, RegExp][] = [
      [{ name: "work" }, /token/],
      [{ name: " ", token: "secret_x" }, /name/],
      [{ name: "work", token: "secret_x", extra: true }, /extra/],
      [{ action: "delete" }, /action/],
      [{ action: "list", name: "work" }, /name/],
    ];
    for (const [body, message] of cases) {
      const res = await invoke("connect-notion", body, user.jwt);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error.code, "invalid_request");
      assert.match(res.body.error.message, message);
    }
    assert.ok(!(await gatewayLog()).includes(badToken), "a refused token is not logged either");

    // Notion rate limiting the integration: a 503 that says to try again, and nothing stored
    const rules = await emulatorControl("faults", {
      rules: [{
        token: EMULATOR_TOKEN,
        method: "GET",
        path: "/v1/users/me",
        nth: 1,
        action: "error",
        status: 429,
        retry_after: 7,
      }],
    });
    try {
      const limited = await invoke(
        "connect-notion",
        { name: "work", token: EMULATOR_TOKEN },
        user.jwt,
      );
      assert.equal(limited.status, 503, JSON.stringify(limited.body));
      assert.equal(limited.body.error.code, "notion_rate_limited");
      assert.match(limited.body.error.message, /try again in 7 seconds/);
    } finally {
      for (const id of rules.ids) await emulatorControl(`faults/${id}`, undefined, "DELETE");
    }
    assert.deepEqual(
      (await invoke("connect-notion", { action: "list" }, user.jwt)).body.connections,
      [],
      "nothing stored",
    );

    const anonymous = await handler(
      new Request("http://x/connect-notion", {
        method: "POST",
        body: JSON.stringify({ name: "work", token: "secret_x" }),
      }),
    );
    assert.equal(anonymous.status, 401);
  } finally {
    await closeDb();
  }
});
