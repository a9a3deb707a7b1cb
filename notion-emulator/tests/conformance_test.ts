/**
 * Conformance: replays every recorded api.notion.com interaction (../shared/fixtures, read in place)
 * through the official SDK against a fresh emulator seeded with the recording's workspace, and
 * compares each response (or error) key by key with the recording.
 */

import assert from "node:assert/strict";
import {
  APIErrorCode,
  APIResponseError,
  type Client,
  UnknownHTTPResponseError,
} from "@notionhq/client";
import { parse } from "yaml";
import { DEMO, startEmulator } from "../mod.ts";
import { compareShape, IdMap } from "./shape.ts";
import { sdk } from "./helpers.ts";

/** The recordings, read in place (override with NOTION_RECORDINGS_DIR when the repo lives elsewhere). */
const FIXTURES = Deno.env.get("NOTION_RECORDINGS_DIR")
  ? new URL(`file://${Deno.env.get("NOTION_RECORDINGS_DIR")!.replace(/\/?$/, "/")}`)
  : new URL("../../../shared/fixtures/notion-recordings/", import.meta.url);
const ROOT_PAGE = "393abc1e-edcd-80f3-813b-e205934558c6";
const BOT = "7775f3a3-893f-43fa-b625-460c61094c78";
const PERSON = "a4f789cc-7bc8-4cf0-82b9-a8ba7d985ecf";
const TOKEN = "secret_conformance";

/** The workspace the recordings were made in: a root page shared with the "notion-sdk-py" bot. */
const SEED = {
  now: "2026-07-04T09:08:00.000Z",
  workspace: { id: "231674b6-2cc1-46bc-b742-c5c9fe4b9c73", name: "notion-sdk-py" },
  users: [{
    id: PERSON,
    name: "Guillaume Gelin",
    email: "notion@ramnes.eu",
    avatar_url:
      "https://s3-us-west-2.amazonaws.com/public.notion-static.com/01d7053d-e135-4f27-bba0-5de532d39296/ramnes3.jpeg",
  }],
  integrations: [{ token: TOKEN, name: "notion-sdk-py", bot_id: BOT, shared: [ROOT_PAGE] }],
  pages: [{
    id: ROOT_PAGE,
    parent: { workspace: true },
    title: "",
    created_by: PERSON,
    last_edited_by: BOT,
  }],
};

interface Interaction {
  request: { method: string; uri: string; body: string };
  response: { status: { code: number }; body: { string: string } };
}

/** Calls the SDK method for a recorded request (client.request for routes the SDK has no method for). */
function callSdk(
  notion: Client,
  method: string,
  path: string,
  query: URLSearchParams,
  body: any,
): Promise<unknown> {
  const seg = path.split("/");
  const q = Object.fromEntries(
    [...query.entries()].map(([k, v]) => [k, k === "page_size" ? Number(v) : v]),
  );
  const is = (m: string, pattern: string) => {
    const p = pattern.split("/");
    return method === m && p.length === seg.length &&
      p.every((x, i) => x.startsWith(":") || x === seg[i]);
  };
  if (is("GET", "users/me")) return notion.users.me({});
  if (is("GET", "users")) return notion.users.list({});
  if (is("POST", "search")) return notion.search(body);
  if (is("POST", "pages")) return notion.pages.create(body);
  if (is("GET", "pages/:id")) return notion.pages.retrieve({ page_id: seg[1] });
  if (is("PATCH", "pages/:id")) return notion.pages.update({ page_id: seg[1], ...body });
  if (is("POST", "pages/:id/move")) return notion.pages.move({ page_id: seg[1], ...body });
  if (is("GET", "pages/:id/properties/:p")) {
    return notion.pages.properties.retrieve({ page_id: seg[1], property_id: seg[3] });
  }
  if (is("POST", "databases")) return notion.databases.create(body);
  if (is("GET", "databases/:id")) return notion.databases.retrieve({ database_id: seg[1] });
  if (is("PATCH", "databases/:id")) {
    return notion.databases.update({ database_id: seg[1], ...body });
  }
  if (is("POST", "data_sources")) return notion.dataSources.create(body);
  if (is("GET", "data_sources/:id")) return notion.dataSources.retrieve({ data_source_id: seg[1] });
  if (is("PATCH", "data_sources/:id")) {
    return notion.dataSources.update({ data_source_id: seg[1], ...body });
  }
  if (is("POST", "data_sources/:id/query")) {
    return notion.dataSources.query({ data_source_id: seg[1], ...body });
  }
  if (is("GET", "blocks/:id")) return notion.blocks.retrieve({ block_id: seg[1] });
  if (is("PATCH", "blocks/:id")) return notion.blocks.update({ block_id: seg[1], ...body });
  if (is("DELETE", "blocks/:id")) return notion.blocks.delete({ block_id: seg[1] });
  if (is("GET", "blocks/:id/children")) {
    return notion.blocks.children.list({ block_id: seg[1], ...q });
  }
  if (is("PATCH", "blocks/:id/children")) {
    return notion.blocks.children.append({ block_id: seg[1], ...body });
  }
  return notion.request({
    path,
    method: method.toLowerCase() as "get",
    query: q,
    body: method === "GET" ? undefined : body,
  });
}

function fixtureFiles(): string[] {
  try {
    return [...Deno.readDirSync(FIXTURES)].map((e) => e.name).filter((n) => n.endsWith(".yaml"))
      .sort();
  } catch (e) {
    Deno.test("conformance: recorded Notion traffic is readable", () => {
      throw new Error(`cannot read the recordings at ${FIXTURES.pathname}: ${e}`);
    });
    return [];
  }
}

const files = fixtureFiles();

for (const file of files) {
  const doc = parse(Deno.readTextFileSync(new URL(file, FIXTURES))) as {
    interactions: Interaction[];
  };
  const interactions = doc.interactions.filter((i) =>
    i.request.uri.startsWith("https://api.notion.com/v1/")
  );
  if (interactions.length === 0) continue; // recordings of a non-Notion mock server
  Deno.test(`conformance: ${file} (${interactions.length} recorded requests)`, async () => {
    const em = await startEmulator({
      port: 0,
      seed: SEED,
      quiet: true,
      timeScale: 0,
      query: { shortPageRate: 0 },
    });
    const ids = new IdMap([ROOT_PAGE, BOT, PERSON]);
    const good = sdk(em.url, TOKEN);
    const bad = sdk(em.url, "ntn_redacted_invalid");
    try {
      for (const [n, it] of interactions.entries()) {
        const url = new URL(ids.rewrite(it.request.uri));
        const path = url.pathname.replace(/^\/v1\//, "");
        const reqBody = it.request.body ? JSON.parse(ids.rewrite(it.request.body)) : {};
        const expectedStatus = it.response.status.code;
        const expected = JSON.parse(it.response.body.string);
        const label = `${file}#${n} ${it.request.method} ${path}`;
        const client = expectedStatus === 401 ? bad : good;
        let actual: unknown;
        try {
          actual = await callSdk(client, it.request.method, path, url.searchParams, reqBody);
          assert.equal(200, expectedStatus, `${label}: succeeded, recorded ${expectedStatus}`);
        } catch (e) {
          if (expectedStatus === 200) throw new Error(`${label}: failed: ${e}`);
          const known = Object.values(APIErrorCode).includes(expected.code);
          assert.ok(
            known ? e instanceof APIResponseError : e instanceof UnknownHTTPResponseError,
            `${label}: error class`,
          );
          const err = e as APIResponseError;
          assert.equal(err.status, expectedStatus, `${label}: status`);
          assert.equal(err.code, expected.code, `${label}: code`);
          actual = JSON.parse(err.body);
        }
        const diffs = compareShape(expected, actual, ids);
        assert.deepEqual(diffs, [], `${label}:\n${diffs.join("\n")}`);
      }
    } finally {
      await em.close();
    }
  });
}

Deno.test("conformance: data-source pages in a query have the recorded page and list layout", async () => {
  const recorded = (name: string, n: number) => {
    const doc = parse(Deno.readTextFileSync(new URL(name, FIXTURES))) as {
      interactions: Interaction[];
    };
    return JSON.parse(doc.interactions[n].response.body.string);
  };
  const page = recorded("test_pages_retrieve.yaml", 1);
  const list = recorded("test_data_sources_query.yaml", 3);
  const em = await startEmulator({
    port: 0,
    seed: "demo",
    quiet: true,
    query: { shortPageRate: 0 },
  });
  try {
    const res = await fetch(`${em.url}/v1/data_sources/${DEMO.tasksDataSourceId}/query`, {
      method: "POST",
      headers: { authorization: `Bearer ${DEMO.token}`, "notion-version": "2025-09-03" },
      body: '{"page_size":2}',
    });
    const body = await res.json();
    assert.deepEqual(Object.keys(body), Object.keys(list));
    const got = body.results[0];
    assert.deepEqual(Object.keys(got), Object.keys(page).filter((k) => k !== "request_id"));
    assert.deepEqual(Object.keys(got.parent), ["type", "data_source_id", "database_id"]);
    assert.deepEqual(Object.keys(got.properties.Name), Object.keys(page.properties.title));
    assert.deepEqual(
      Object.keys(got.properties.Name.title[0]),
      Object.keys(page.properties.title.title[0]),
    );
  } finally {
    await em.close();
  }
});
