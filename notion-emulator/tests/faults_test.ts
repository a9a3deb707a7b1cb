/** Scriptable faults, and the official SDK's own retry behaviour against them. */

import assert from "node:assert/strict";
import {
  APIErrorCode,
  APIResponseError,
  Client,
  RequestTimeoutError,
  UnknownHTTPResponseError,
} from "@notionhq/client";
import { DEMO } from "../mod.ts";
import { control, raw, sdk, withEmulator } from "./helpers.ts";

async function attempts(em: { url: string }, path: string): Promise<number[]> {
  const log = await (await fetch(`${em.url}/_emulator/requests`)).json();
  return log.requests.filter((r: any) => r.path.includes(path)).map((r: any) => r.status);
}

Deno.test("the SDK retries 429 and 529 on every method, honouring Retry-After", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "faults", {
      method: "POST",
      path: "/query",
      nth: 1,
      times: 2,
      action: "error",
      status: 429,
      retry_after: 0,
    });
    const res = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 1,
    });
    assert.equal(res.results.length, 1);
    assert.deepEqual(await attempts(em, "/query"), [429, 429, 200], "1 initial + 2 retries");

    await control(em, "faults", {
      method: "POST",
      path: "/v1/pages",
      nth: 1,
      action: "error",
      status: 529,
    });
    const page = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "after overload" } }] } },
    });
    assert.ok(page.id);
    assert.deepEqual(await attempts(em, "/v1/pages"), [529, 200]);
  }, { retry: true });
});

Deno.test("three 429s exhaust the SDK's retries and surface rate_limited", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "faults", {
      path: "/users/me",
      action: "error",
      status: 429,
      retry_after: 0,
    });
    await assert.rejects(
      () => notion.users.me({}),
      (e: any) => e instanceof APIResponseError && e.code === APIErrorCode.RateLimited,
    );
    assert.deepEqual(await attempts(em, "/users/me"), [429, 429, 429]);
  }, { retry: true });
});

Deno.test("5xx is retried for GET but never for POST/PATCH; 409 is never retried", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "faults", {
      method: "GET",
      path: "/v1/pages/",
      nth: 1,
      action: "error",
      status: 500,
    });
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 1,
    });
    await notion.pages.retrieve({ page_id: results[0].id });
    assert.deepEqual(await attempts(em, "/v1/pages/"), [500, 200]);

    await control(em, "faults", { method: "PATCH", nth: 1, action: "error", status: 503 });
    await assert.rejects(
      () =>
        notion.pages.update({ page_id: results[0].id, properties: { Estimate: { number: 1 } } }),
      (e: any) => e instanceof APIResponseError && e.code === APIErrorCode.ServiceUnavailable,
    );
    await control(em, "faults", { method: "PATCH", nth: 1, action: "error", status: 409 });
    await assert.rejects(
      () =>
        notion.pages.update({ page_id: results[0].id, properties: { Estimate: { number: 1 } } }),
      (e: any) => e instanceof APIResponseError && e.code === APIErrorCode.ConflictError,
    );
    const patches = (await attempts(em, "/v1/pages/")).slice(2);
    assert.deepEqual(patches, [503, 409], "each write failed exactly once, no retry");
  }, { retry: true });
});

Deno.test("codes the SDK does not know and edge HTML become UnknownHTTPResponseError", async () => {
  await withEmulator(async (em, notion) => {
    const known = Object.values(APIErrorCode) as string[];
    await control(em, "faults", { path: "/users/me", nth: 1, action: "error", status: 502 });
    await assert.rejects(() => notion.users.me({}), (e: any) => {
      assert.equal(e instanceof UnknownHTTPResponseError, !known.includes("bad_gateway"));
      assert.equal(e.status, 502);
      return true;
    });
    await control(em, "faults", { path: "/users/me", nth: 1, action: "edge_403" });
    await assert.rejects(
      () => notion.users.me({}),
      (e: any) => e instanceof UnknownHTTPResponseError && e.status === 403,
    );
  });
});

Deno.test("a committed 503 applies the create and names the new page", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "faults", {
      method: "POST",
      path: "/v1/pages",
      nth: 1,
      action: "committed_503",
    });
    const err = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "saved anyway" } }] } },
    }).catch((e) => e);
    assert.ok(err instanceof APIResponseError);
    assert.equal(err.code, "service_unavailable");
    assert.match(err.message, /The change was saved/);
    const id = String(err.additional_data?.committed_resource_id);
    const page: any = await notion.pages.retrieve({ page_id: id });
    assert.equal(page.properties.Name.title[0].plain_text, "saved anyway");
  });
});

Deno.test("a late commit answers 504 at once and applies the create afterwards", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "faults", {
      method: "POST",
      path: "/v1/pages",
      nth: 1,
      action: "late_commit",
      commit_after_ms: 300,
    });
    const titled = async () => {
      const res = await notion.dataSources.query({
        data_source_id: DEMO.tasksDataSourceId,
        filter: { property: "Name", title: { equals: "committed later" } },
      });
      return res.results.length;
    };
    const err = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: { Name: { title: [{ text: { content: "committed later" } }] } },
    }).catch((e) => e);
    assert.ok(err instanceof APIResponseError, String(err));
    assert.equal(err.status, 504);
    assert.equal(err.code, "gateway_timeout");
    assert.equal(await titled(), 0, "not there when the error is answered");
    await new Promise((r) => setTimeout(r, 600));
    assert.equal(await titled(), 1, "there once the backend committed it");
  });
});

Deno.test("connection resets, malformed bodies and slow answers fail the SDK call", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "faults", { path: "/users/me", nth: 1, action: "reset" });
    await assert.rejects(() => notion.users.me({}));
    await control(em, "faults", { path: "/users/me", nth: 1, action: "malformed" });
    await assert.rejects(() => notion.users.me({}));
    await control(em, "faults", { path: "/users/me", nth: 1, action: "latency", latency_ms: 300 });
    const impatient = new Client({
      auth: DEMO.token,
      baseUrl: em.url,
      retry: false,
      timeoutMs: 50,
      logLevel: "error" as any,
    });
    await assert.rejects(
      () => impatient.users.me({}),
      (e: unknown) => e instanceof RequestTimeoutError,
    );
    assert.equal((await notion.users.me({})).id, DEMO.botId, "later requests are unaffected");
  });
});

Deno.test("two overlapping writes to one page: the second gets 409 conflict_error", async () => {
  await withEmulator(async (em, notion) => {
    const { results } = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 1,
    });
    await control(em, "faults", { method: "PATCH", nth: 1, action: "latency", latency_ms: 150 });
    const slow = notion.pages.update({
      page_id: results[0].id,
      properties: { Estimate: { number: 1 } },
    });
    await new Promise((r) => setTimeout(r, 30));
    const fast = notion.pages.update({
      page_id: results[0].id,
      properties: { Estimate: { number: 2 } },
    }).catch((e) => e);
    const [a, b] = await Promise.all([slow, fast]);
    assert.equal((a as any).properties.Estimate.number, 1);
    assert.ok(b instanceof APIResponseError && b.code === APIErrorCode.ConflictError);
    assert.equal(b.message, "Conflict occurred while saving. Please try again.");
  });
});

Deno.test("an invalidated cursor is rejected; a probability fault fires at about its rate", async () => {
  await withEmulator(async (em, notion) => {
    const first = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 10,
    });
    await control(em, "faults", { path: "/query", action: "invalidate_cursor", nth: 1 });
    await assert.rejects(
      () =>
        notion.dataSources.query({
          data_source_id: DEMO.tasksDataSourceId,
          page_size: 10,
          start_cursor: first.next_cursor!,
        }),
      (e: any) => e.code === "validation_error" && /start_cursor/.test(e.message),
    );
    await control(em, "faults", "", "DELETE");
    await control(em, "faults", {
      path: "/users/me",
      probability: 0.3,
      action: "error",
      status: 500,
    });
    let failed = 0;
    for (let i = 0; i < 200; i++) if ((await raw(em, "GET", "users/me")).status === 500) failed++;
    assert.ok(failed > 30 && failed < 90, `~30% of 200 requests failed (${failed})`);
  });
});

Deno.test("missing Notion-Version, bad JSON and unknown routes answer Notion's errors", async () => {
  await withEmulator(async (em) => {
    const noVersion = await raw(em, "GET", "users/me", { version: null });
    assert.equal(noVersion.status, 400);
    assert.equal(noVersion.body.code, "missing_version");
    assert.equal(
      noVersion.body.message,
      "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
    );
    const badJson = await raw(em, "PATCH", `pages/${DEMO.homePageId}`, { body: "{nope" });
    assert.deepEqual([badJson.status, badJson.body.code, badJson.body.message], [
      400,
      "invalid_json",
      "Error parsing JSON body.",
    ]);
    const unknown = await raw(em, "GET", "nothing/here");
    assert.deepEqual([unknown.status, unknown.body.code], [400, "invalid_request_url"]);
    assert.ok(unknown.headers.get("x-notion-request-id"));
    assert.equal(unknown.headers.get("content-type"), "application/json; charset=utf-8");
    const unknownKey = await raw(em, "PATCH", `pages/${DEMO.homePageId}`, {
      body: '{"an_incorrect_key":"value"}',
    });
    assert.equal(unknownKey.status, 400);
    assert.equal(
      unknownKey.body.message,
      'body failed validation: body.an_incorrect_key should be not present, instead was `"value"`.',
    );
    const legacy = await raw(em, "GET", `data_sources/${DEMO.tasksDataSourceId}`, {
      version: "2022-06-28",
    });
    assert.deepEqual([legacy.status, legacy.body.code], [400, "invalid_request_url"]);
    void sdk;
  });
});

Deno.test("the SDK waits for the emulator's Retry-After before retrying", async () => {
  await withEmulator(async (em) => {
    const patient = new Client({
      auth: DEMO.token,
      baseUrl: em.url,
      retry: { maxRetries: 1, initialRetryDelayMs: 5, maxRetryDelayMs: 5000 },
      logLevel: "error" as any,
    });
    await control(em, "faults", {
      path: "/users/me",
      nth: 1,
      action: "error",
      status: 429,
      retry_after: 1,
    });
    const started = performance.now();
    assert.equal((await patient.users.me({})).id, DEMO.botId);
    const waited = performance.now() - started;
    assert.ok(waited >= 950, `waited ${waited.toFixed(0)} ms for Retry-After: 1`);
    assert.deepEqual(await attempts(em, "/users/me"), [429, 200]);
  });
});
