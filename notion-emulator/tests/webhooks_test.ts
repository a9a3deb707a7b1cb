/** Webhooks: handshake, signed aggregated deliveries, collapse rules, retries, visibility. */

import assert from "node:assert/strict";
import { verifyWebhookSignature } from "@notionhq/client";
import { DEMO } from "../mod.ts";
import { control, withEmulator } from "./helpers.ts";

interface Received {
  body: string;
  json: any;
  signature: string | null;
}

/** A local receiver; `fail` answers 500 to the next n deliveries. */
async function receiver(
  fn: (r: { url: string; got: Received[]; fail: (n: number) => void }) => Promise<void>,
) {
  const got: Received[] = [];
  let failures = 0;
  const ready = Promise.withResolvers<number>();
  const server = Deno.serve({
    port: 0,
    hostname: "127.0.0.1",
    onListen: ({ port }) => ready.resolve(port),
  }, async (req) => {
    const body = await req.text();
    if (failures > 0) {
      failures--;
      return new Response("nope", { status: 500 });
    }
    got.push({ body, json: JSON.parse(body), signature: req.headers.get("x-notion-signature") });
    return new Response(null, { status: 200 });
  });
  try {
    await fn({
      url: `http://127.0.0.1:${await ready.promise}/hook`,
      got,
      fail: (n) => (failures = n),
    });
  } finally {
    await server.shutdown();
  }
}

Deno.test("a subscription is verified with the handshake token, then receives signed page events", async () => {
  await withEmulator(async (em, notion) => {
    await receiver(async ({ url, got }) => {
      const sub = await control(em, "webhooks", {
        url,
        event_types: ["page.properties_updated", "page.created"],
      });
      assert.deepEqual(got[0].json, { verification_token: sub.verification_token });
      const [page] =
        (await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId, page_size: 1 }))
          .results as any[];
      await control(em, `pages/${page.id}`, { properties: { Estimate: { number: 3 } } });
      await control(em, "webhooks/flush");
      assert.equal(got.length, 1, "nothing is delivered before verification");
      await control(em, `webhooks/${sub.id}/verify`, {
        verification_token: sub.verification_token,
      });
      await control(em, `pages/${page.id}`, {
        as_user: DEMO.users[1].id,
        properties: { Estimate: { number: 4 } },
      });
      await notion.pages.update({ page_id: page.id, properties: { Done: { checkbox: true } } });
      await control(em, "webhooks/flush");
      assert.equal(got.length, 2, "two edits in the window aggregate into one event");
      const event = got[1].json;
      assert.equal(event.type, "page.properties_updated");
      assert.equal(event.entity.id, page.id);
      assert.deepEqual(event.data.parent, {
        id: DEMO.tasksDatabaseId,
        type: "database",
        data_source_id: DEMO.tasksDataSourceId,
      });
      assert.deepEqual(
        event.data.updated_properties.sort(),
        [page.properties.Estimate.id, page.properties.Done.id].sort(),
      );
      assert.equal(event.attempt_number, 1);
      assert.equal(event.api_version, "2025-09-03");
      assert.equal(event.integration_id, DEMO.botId);
      assert.ok(
        await verifyWebhookSignature({
          body: got[1].body,
          signature: got[1].signature,
          verificationToken: sub.verification_token,
        }),
      );
    });
  });
});

Deno.test("created then trashed within the window delivers nothing; failed deliveries are retried with attempt_number", async () => {
  await withEmulator(async (em, notion) => {
    await receiver(async ({ url, got, fail }) => {
      await control(em, "webhooks", { url, auto_verify: true });
      got.length = 0;
      const page = await notion.pages.create({
        parent: { data_source_id: DEMO.tasksDataSourceId },
        properties: {},
      });
      await notion.pages.update({ page_id: page.id, in_trash: true });
      await control(em, "webhooks/flush");
      assert.deepEqual(got.map((g) => g.json.type), []);
      const [other] =
        (await notion.dataSources.query({ data_source_id: DEMO.tasksDataSourceId, page_size: 1 }))
          .results;
      fail(2);
      await notion.pages.update({ page_id: other.id, in_trash: true });
      await control(em, "webhooks/flush"); // attempt 1 fails
      await control(em, "webhooks/flush"); // attempt 2 fails
      await control(em, "webhooks/flush"); // attempt 3 succeeds
      assert.deepEqual(got.map((g) => [g.json.type, g.json.attempt_number]), [["page.deleted", 3]]);
      const log = await control(em, "webhooks", undefined, "GET");
      assert.deepEqual(log.deliveries.slice(-3).map((d: any) => d.status), [500, 500, 200]);
    });
  });
});

Deno.test("schema changes announce updated_properties; other integrations' objects are not delivered", async () => {
  await withEmulator(async (em, notion) => {
    await receiver(async ({ url, got }) => {
      await control(em, "webhooks", { url, auto_verify: true, token: DEMO.otherToken });
      await notion.dataSources.update({
        data_source_id: DEMO.tasksDataSourceId,
        properties: { Estimate: { name: "Effort" } },
      });
      await control(em, "webhooks/flush");
      assert.equal(got.length, 1, "only the handshake: the other integration cannot see Tasks");
      await control(em, "webhooks", undefined, "DELETE");
      await control(em, "webhooks", { url, auto_verify: true });
      await notion.dataSources.update({
        data_source_id: DEMO.tasksDataSourceId,
        properties: { Effort: null, Risk: { checkbox: {} } },
      });
      await control(em, "webhooks/flush");
      const event = got.at(-1)!.json;
      assert.equal(event.type, "data_source.schema_updated");
      assert.deepEqual(event.entity, { id: DEMO.tasksDataSourceId, type: "data_source" });
      assert.deepEqual(event.data.updated_properties.map((p: any) => p.action).sort(), [
        "created",
        "deleted",
      ]);
    });
  });
});
