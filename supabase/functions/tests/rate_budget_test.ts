import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { encryptToken } from "../_shared/crypto.ts";
import { budgetedNotionClient, notionFailure, UnknownOutcomeError } from "../_shared/notion.ts";
import { pgRateBudget, type RateBudget } from "../_shared/rate_budget.ts";
import { freshUser } from "../../../stack/testing.ts";
import { stackEnv } from "../../../stack/setup.ts";

type User = Awaited<ReturnType<typeof freshUser>>;

/** Two connections of one integration (the same bot id), as two function instances would use. */
async function twoConnections(user: User, botId: string): Promise<[string, string]> {
  const ciphertext = await encryptToken("secret_not_used");
  return await asUser(user.claims, async (tx) => {
    const rows = await tx`
      insert into notion_sync.connections (name, token_ciphertext, bot_id)
      values ('one', ${ciphertext}, ${botId}), ('two', ${ciphertext}, ${botId})
      returning connection_id::text`;
    return [rows[0].connection_id, rows[1].connection_id];
  });
}

Deno.test("two instances share one Notion budget: concurrent takes never exceed the rate", async () => {
  const user = await freshUser("budget");
  try {
    const [c1, c2] = await twoConnections(user, crypto.randomUUID());
    const rate = 20;
    const burst = 5;
    await asUser(
      user.claims,
      (tx) => tx`select notion_sync_api.set_notion_budget(${c1}, ${rate}, ${burst})`,
    );
    const instances = [pgRateBudget(user.claims, c1), pgRateBudget(user.claims, c2)];
    const start = performance.now();
    const sent: number[] = [];
    const takes = 45;
    await Promise.all(
      Array.from({ length: takes }, async (_, i) => {
        await instances[i % 2].take();
        sent.push(performance.now() - start);
      }),
    );
    sent.sort((a, b) => a - b);
    const tolerance = 40; // ms of scheduling noise
    for (let i = 0; i < sent.length; i++) {
      const earliest = Math.max(0, (i - (burst - 1)) * 1000 / rate);
      assert.ok(
        sent[i] >= earliest - tolerance,
        `request ${i} went at ${sent[i].toFixed(0)} ms, before ${earliest.toFixed(0)} ms`,
      );
    }
    const spread = sent[sent.length - 1];
    const expected = (takes - burst) * 1000 / rate;
    assert.ok(
      spread < expected + 1500,
      `the budget is not much slower than its rate (${spread} ms)`,
    );
  } finally {
    await closeDb();
  }
});

Deno.test("a Retry-After pause in one instance holds back the other", async () => {
  const user = await freshUser("budget-pause");
  try {
    const [c1, c2] = await twoConnections(user, crypto.randomUUID());
    await pgRateBudget(user.claims, c1).pause(1.2);
    const t = performance.now();
    await pgRateBudget(user.claims, c2).take();
    assert.ok(performance.now() - t >= 1100, "the other instance waited for the pause");
  } finally {
    await closeDb();
  }
});

/** A budget that counts takes and pauses, for the client's retry behaviour. */
function countingBudget(): RateBudget & { takes: number; pauses: number[] } {
  const b = {
    takes: 0,
    pauses: [] as number[],
    take() {
      b.takes++;
      return Promise.resolve(0);
    },
    pause(seconds: number) {
      b.pauses.push(seconds);
      return Promise.resolve();
    },
  };
  return b;
}

let added: string[] = [];

/** Adds fault rules (null: removes the ones this file added, leaving other tests' rules alone). */
async function faults(rules: unknown[] | null) {
  const url = `${stackEnv().notionEmulatorUrl}/_emulator/faults`;
  if (rules) {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ rules }),
    });
    added.push(...(await res.json()).ids);
    return;
  }
  for (const id of added) await (await fetch(`${url}/${id}`, { method: "DELETE" })).body?.cancel();
  added = [];
}

Deno.test("the budgeted client retries reads through 429 and 5xx, and never repeats a write of unknown outcome", async () => {
  const token = `secret_budget_${crypto.randomUUID().replaceAll("-", "")}`;
  const { notionEmulatorUrl } = stackEnv();
  await fetch(`${notionEmulatorUrl}/_emulator/integrations`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token, name: "budget client test" }),
  }).then((r) => r.body?.cancel());
  const budget = countingBudget();
  const notion = budgetedNotionClient(token, { budget, baseDelayMs: 20 });
  try {
    await faults([
      {
        token,
        method: "GET",
        path: "/v1/users/me",
        nth: 1,
        action: "error",
        status: 429,
        retry_after: 1,
      },
      { token, method: "GET", path: "/v1/users/me", nth: 2, action: "error", status: 503 },
      { token, method: "GET", path: "/v1/users/me", nth: 3, action: "reset" },
    ]);
    const me = await notion.read((c) => c.users.me({}));
    assert.equal(me.object, "user");
    assert.equal(budget.takes, 4, "every attempt took from the budget");
    assert.deepEqual(budget.pauses, [1], "the 429's Retry-After paused the budget");

    await faults(null);
    await faults([{ token, method: "POST", path: "/v1/search", action: "error", status: 502 }]);
    const before = budget.takes;
    await assert.rejects(
      notion.write((c) => c.search({ query: "x" })),
      (e) => e instanceof UnknownOutcomeError && notionFailure(e) === "server",
    );
    assert.equal(budget.takes - before, 1, "a write with an unknown outcome is not repeated");

    await faults(null);
    await faults([{
      token,
      method: "POST",
      path: "/v1/search",
      nth: 1,
      action: "error",
      status: 429,
    }]);
    const res = await notion.write((c) => c.search({ query: "x" }));
    assert.equal(res.object, "list", "a write refused with 429 is sent again");
  } finally {
    await faults(null);
  }
});
