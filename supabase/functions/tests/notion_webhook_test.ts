/**
 * Notion webhooks end to end, with the emulator as Notion: connect-notion makes a connection's
 * webhook URL, the emulator's subscription sends its verification token there, the owner reads it
 * back to paste in Notion, and a page created in Notion then arrives as a signed event that queues
 * an incremental retrieve, which the worker runs at the next tick: the page becomes a row.
 */
import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { stackEnv } from "../../../stack/setup.ts";
import { sign } from "../../../notion-emulator/webhooks.ts";
import {
  emulatorControl,
  freshUser,
  invoke,
  syncCalls,
  tickUntilRun,
  titleOnlyMapping,
} from "../../../stack/testing.ts";

/** POSTs a body to the webhook URL as Notion would, with this signature. */
async function deliver(url: string, body: string, signature?: string) {
  const res = await fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(signature ? { "x-notion-signature": signature } : {}),
    },
    body,
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("a page created in Notion reaches Supabase through a verified webhook and the next tick", async () => {
  const subscriptions: string[] = [];
  try {
    const user = await freshUser("hooked");
    const { dataSourceId } = await titleOnlyMapping(user, "hooked", "hooked_tasks");
    const db = <T>(fn: Parameters<typeof asUser>[1]) => asUser(user.claims, fn) as Promise<T>;
    // the person's first retrieve (webhooks and the schedule only take a mapping over after it)
    await syncCalls("hooked", user.jwt).retrieve({ createUnmatched: true });
    const webhook = (body: Record<string, unknown>) =>
      invoke("connect-notion", { action: "webhook", name: "hooked", ...body }, user.jwt);

    const made = await webhook({ newUrl: true });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const url: string = made.body.url;
    assert.match(
      url,
      new RegExp(`^${stackEnv().apiUrl}/functions/v1/notion-webhook\\?key=[A-Za-z0-9_-]{43}$`),
    );
    assert.equal(made.body.verificationToken, null, "no token before Notion's handshake");

    // before the handshake, an event cannot be checked
    const early = await deliver(
      url,
      '{"id":"e0","type":"page.created"}',
      "sha256=" + "0".repeat(64),
    );
    assert.deepEqual([early.status, early.body.error.code], [409, "webhook_not_verified"]);

    // the person creates the subscription in Notion with this URL: Notion sends the token there
    const sub = await emulatorControl("webhooks", { url, token: "secret_demo_notion_token" });
    subscriptions.push(sub.id);
    const shown = await webhook({});
    assert.equal(shown.body.verificationToken, sub.verification_token, "the owner reads the token");
    assert.ok(shown.body.handshakeAt, "and when it came");
    assert.equal(shown.body.url, undefined, "the URL is shown only when it is made");
    // ... and pastes it in Notion, which activates the subscription
    await emulatorControl(`webhooks/${sub.id}/verify`, {
      verification_token: shown.body.verificationToken,
    });

    // bad deliveries are refused, naming why
    const unsigned = await deliver(url, '{"id":"e1","type":"page.created"}');
    assert.deepEqual([unsigned.status, unsigned.body.error.code], [401, "invalid_signature"]);
    const forged = await deliver(
      url,
      '{"id":"e1","type":"page.created"}',
      await sign("secret_not_the_token", '{"id":"e1","type":"page.created"}'),
    );
    assert.equal(forged.status, 401);
    const stranger = await deliver(url.replace(/key=.*/, `key=${"x".repeat(43)}`), "{}");
    assert.deepEqual([stranger.status, stranger.body.error.code], [
      404,
      "unknown_webhook_endpoint",
    ]);

    // a person creates a page in Notion; Notion delivers the (aggregated, signed) event
    await emulatorControl("pages", {
      parent: { type: "data_source_id", data_source_id: dataSourceId },
      properties: { Name: { title: [{ text: { content: "Book the venue" } }] } },
    });
    const { deliveries } = await emulatorControl("webhooks/flush", {});
    const mine = deliveries.filter((d: { subscription_id: string }) =>
      d.subscription_id === sub.id
    );
    assert.deepEqual(
      mine.map((d: { type: string; status: number }) => [d.type, d.status]),
      [["verification", 200], ["page.created", 200]],
      "the endpoint took the handshake and the event",
    );

    const [job] = await db<{ job_id: string; kind: string }[]>((tx) =>
      tx`select job_id::text, kind from notion_sync_api.jobs where mapping = 'hooked' and done_at is null`
    );
    assert.equal(job?.kind, "incremental", "the event queued an incremental retrieve");
    const [event] = await db<{ type: string; queued: unknown }[]>((tx) =>
      tx`select type, queued from notion_sync.webhook_events`
    );
    assert.deepEqual(
      { ...event },
      { type: "page.created", queued: [{ kind: "incremental", mapping: "hooked" }] },
    );
    assert.ok(
      (await webhook({})).body.verifiedAt,
      "the first signed event marks the webhook verified",
    );
    // a handshake posted by someone who learned the URL cannot take the verified endpoint over
    const takeover = await deliver(url, '{"verification_token":"secret_not_notions"}');
    assert.deepEqual([takeover.status, takeover.body.error.code], [409, "not_ready"]);
    assert.match(takeover.body.error.message, /newUrl/);
    assert.equal(
      (await webhook({})).body.verificationToken,
      sub.verification_token,
      "the endpoint keeps Notion's token",
    );

    assert.equal((await tickUntilRun(user.claims, job.job_id)).last_error, null);
    const rows = await db<{ name: string }[]>((tx) => tx`select name from public.hooked_tasks`);
    assert.deepEqual(rows.map((r) => r.name), ["Book the venue"], "the page became a row");
  } finally {
    for (const id of subscriptions) await emulatorControl(`webhooks/${id}`, undefined, "DELETE");
    await closeDb();
  }
});
