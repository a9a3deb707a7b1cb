/** Whatever a client sends, the emulator answers with a Notion error body, never a crash (500). */

import assert from "node:assert/strict";
import fc from "fast-check";
import { DEMO } from "../mod.ts";
import { raw, withEmulator } from "./helpers.ts";

const PROPS = [
  "Name",
  "Status",
  "Assignees",
  "Due",
  "Tags",
  "Priority",
  "Estimate",
  "Done",
  "Description",
  "Project",
  "Link",
  "Attachments",
  "title",
];
const TYPES = [
  "title",
  "rich_text",
  "number",
  "select",
  "multi_select",
  "status",
  "date",
  "people",
  "relation",
  "url",
  "files",
  "checkbox",
  "formula",
];

/** Values shaped like Notion requests, with random holes and wrong types. */
const value = fc.letrec((tie) => ({
  any: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.integer(),
    fc.string({ maxLength: 12 }),
    fc.constantFrom(
      "2026-07-04",
      "2026-07-04T10:00:00Z",
      "Done",
      "a,b",
      DEMO.users[0].id,
      "https://x.y",
    ),
    fc.array(tie("any"), { maxLength: 3 }),
    fc.dictionary(
      fc.constantFrom(
        ...TYPES,
        "text",
        "content",
        "name",
        "id",
        "start",
        "end",
        "time_zone",
        "mention",
        "user",
        "and",
        "or",
        "property",
        "timestamp",
        "equals",
        "contains",
        "on_or_after",
        "direction",
      ),
      tie("any"),
      { maxKeys: 3 },
    ),
  ),
})).any;

const propertiesArb = fc.dictionary(
  fc.constantFrom(...PROPS),
  fc.oneof(value, fc.record({ [fc.sample(fc.constantFrom(...TYPES), 1)[0]]: value })),
  { maxKeys: 4 },
);

Deno.test("random page writes, queries and schema updates never crash the emulator", async () => {
  await withEmulator(async (em) => {
    const [page] = (await raw(em, "POST", `data_sources/${DEMO.tasksDataSourceId}/query`, {
      body: '{"page_size":1}',
    })).body.results;
    const check = async (method: string, path: string, body: unknown) => {
      const res = await raw(em, method, path, { body: JSON.stringify(body) });
      assert.ok(
        [200, 400, 404, 409].includes(res.status),
        `${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`,
      );
      if (res.status !== 200) assert.equal(res.body.object, "error");
    };
    await fc.assert(
      fc.asyncProperty(propertiesArb, async (properties) => {
        await check("POST", "pages", {
          parent: { data_source_id: DEMO.tasksDataSourceId },
          properties,
        });
        await check("PATCH", `pages/${page.id}`, { properties });
      }),
      { numRuns: 150, seed: 42 },
    );
    await fc.assert(
      fc.asyncProperty(value, value, async (filter, sorts) => {
        await check("POST", `data_sources/${DEMO.tasksDataSourceId}/query`, {
          filter,
          sorts,
          page_size: 5,
        });
      }),
      { numRuns: 150, seed: 7 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ maxLength: 6 }), value, { maxKeys: 2 }),
        async (properties) => {
          await check("PATCH", `data_sources/${DEMO.journalDataSourceId}`, { properties });
          await check("POST", "databases", {
            parent: { page_id: DEMO.homePageId },
            title: [],
            initial_data_source: { properties },
          });
        },
      ),
      { numRuns: 100, seed: 3 },
    );
    await fc.assert(
      fc.asyncProperty(value, async (body) => {
        await check("POST", "pages", body);
        await check("POST", "search", body);
        await check("PATCH", `blocks/${DEMO.homePageId}/children`, body);
      }),
      { numRuns: 100, seed: 11 },
    );
  });
});
