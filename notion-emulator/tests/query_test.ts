/** Query filters, sorts, filter_properties, short pages and shuffled order, on a small known data source. */

import assert from "node:assert/strict";
import { APIResponseError, collectPaginatedAPI } from "@notionhq/client";
import type { SeedSpec } from "../mod.ts";
import { DEMO } from "../mod.ts";
import { control, raw, withEmulator } from "./helpers.ts";

const DB = "11111111-0000-8000-8000-000000000001";
const ITEMS = "11111111-0000-8000-8000-0000000000a1";
const REFS = "11111111-0000-8000-8000-0000000000a2";
const REF1 = "11111111-0000-8000-8000-00000000e001";
const REF2 = "11111111-0000-8000-8000-00000000e002";
const U1 = DEMO.users[0].id;
const U2 = DEMO.users[1].id;

const t = (s: string) => ({ title: [{ text: { content: s } }] });

const SEED: SeedSpec = {
  users: [{ id: U1, name: "Ada" }, { id: U2, name: "Grace" }],
  integrations: [{ token: DEMO.token, name: "q", bot_id: DEMO.botId, shared: [DB] }],
  databases: [{
    id: DB,
    title: "Query fixtures",
    data_sources: [
      { id: REFS, title: "Refs", properties: { Name: { title: {} } } },
      {
        id: ITEMS,
        title: "Items",
        properties: {
          Name: { title: {} },
          N: { number: {} },
          C: { checkbox: {} },
          S: { select: { options: [{ name: "a" }, { name: "b" }, { name: "c" }] } },
          M: { multi_select: { options: [{ name: "x" }, { name: "y" }, { name: "z" }] } },
          D: { date: {} },
          P: { people: {} },
          R: { relation: { data_source_id: REFS, type: "single_property", single_property: {} } },
          U: { url: {} },
          F: { formula: { expression: 'prop("N") * 2' } },
          Ro: {
            rollup: {
              function: "count",
              relation_property_name: "R",
              rollup_property_name: "Name",
            },
          },
        },
      },
    ],
  }],
  rows: [
    { id: REF1, data_source_id: REFS, properties: { Name: t("ref 1") } },
    { id: REF2, data_source_id: REFS, properties: { Name: t("ref 2") } },
    {
      data_source_id: ITEMS,
      properties: {
        Name: t("alpha"),
        N: { number: 1 },
        C: { checkbox: true },
        S: { select: { name: "a" } },
        M: { multi_select: [{ name: "x" }] },
        D: { date: { start: "2026-01-10" } },
        P: { people: [{ id: U1 }] },
        U: { url: "https://a.com" },
      },
    },
    {
      data_source_id: ITEMS,
      properties: {
        Name: t("beta"),
        N: { number: 5 },
        S: { select: { name: "b" } },
        M: { multi_select: [{ name: "x" }, { name: "y" }] },
        D: { date: { start: "2026-02-10T10:00:00.000Z" } },
        P: { people: [{ id: U2 }] },
        R: { relation: [{ id: REF1 }] },
      },
    },
    {
      data_source_id: ITEMS,
      properties: { Name: t("gamma"), R: { relation: [{ id: REF1 }, { id: REF2 }] } },
    },
    {
      data_source_id: ITEMS,
      properties: {
        Name: t("delta"),
        N: { number: 10 },
        C: { checkbox: true },
        S: { select: { name: "c" } },
        M: { multi_select: [{ name: "z" }] },
        D: { date: { start: "2026-03-01", end: "2026-03-05" } },
        P: { people: [{ id: U1 }, { id: U2 }] },
      },
    },
    {
      data_source_id: ITEMS,
      properties: {
        Name: t("Alphabet soup"),
        N: { number: -3 },
        S: { select: { name: "a" } },
        M: { multi_select: [{ name: "y" }] },
        D: { date: { start: "2026-01-10T23:30:00.000Z" } },
      },
    },
  ],
};

function names(results: any[]): string[] {
  return results.map((r) => r.properties.Name.title.map((x: any) => x.plain_text).join(""));
}

Deno.test("every filter type answers the matching pages", async () => {
  await withEmulator(async (_em, notion) => {
    const q = async (filter: any) =>
      names(
        (await notion.dataSources.query({
          data_source_id: ITEMS,
          filter,
          sorts: [{ property: "Name", direction: "ascending" }],
        })).results,
      );
    const cases: Array<[any, string[]]> = [
      [{ property: "Name", title: { contains: "ALPHA" } }, ["alpha", "Alphabet soup"]],
      [{ property: "Name", title: { equals: "alpha" } }, ["alpha"]],
      [{ property: "Name", title: { starts_with: "g" } }, ["gamma"]],
      [{ property: "Name", title: { ends_with: "ta" } }, ["beta", "delta"]],
      [{ property: "U", url: { is_not_empty: true } }, ["alpha"]],
      [{ property: "N", number: { greater_than: 1 } }, ["beta", "delta"]],
      [{ property: "N", number: { less_than_or_equal_to: 1 } }, ["alpha", "Alphabet soup"]],
      [{ property: "N", number: { is_empty: true } }, ["gamma"]],
      [{ property: "C", checkbox: { equals: true } }, ["alpha", "delta"]],
      [{ property: "S", select: { equals: "a" } }, ["alpha", "Alphabet soup"]],
      [{ property: "S", select: { does_not_equal: "a" } }, ["beta", "delta", "gamma"]],
      [{ property: "S", select: { is_empty: true } }, ["gamma"]],
      [{ property: "M", multi_select: { contains: "y" } }, ["Alphabet soup", "beta"]],
      [{ property: "M", multi_select: { does_not_contain: "x" } }, [
        "Alphabet soup",
        "delta",
        "gamma",
      ]],
      [{ property: "D", date: { on_or_after: "2026-02-01" } }, ["beta", "delta"]],
      [{ property: "D", date: { equals: "2026-01-10" } }, ["alpha", "Alphabet soup"]],
      [{ property: "D", date: { before: "2026-01-10T23:00:00Z" } }, ["alpha"]],
      [{ property: "D", date: { is_empty: true } }, ["gamma"]],
      [{ property: "P", people: { contains: U1 } }, ["alpha", "delta"]],
      [{ property: "R", relation: { contains: REF2 } }, ["gamma"]],
      [{ property: "R", relation: { is_empty: true } }, ["alpha", "Alphabet soup", "delta"]],
      [{ property: "F", formula: { number: { greater_than: 5 } } }, ["beta", "delta"]],
      [{ property: "Ro", rollup: { number: { greater_than: 1 } } }, ["gamma"]],
      [{ property: "Ro", rollup: { any: { rich_text: { contains: "ref 2" } } } }, []],
      [{
        or: [{ property: "S", select: { equals: "a" } }, {
          and: [{ property: "C", checkbox: { equals: true } }, {
            property: "N",
            number: { greater_than: 5 },
          }],
        }],
      }, ["alpha", "Alphabet soup", "delta"]],
      [{
        and: [{ property: "N", number: { greater_than: 0 } }, {
          property: "M",
          multi_select: { contains: "x" },
        }],
      }, ["alpha", "beta"]],
      [{ timestamp: "created_time", created_time: { on_or_before: "2099-01-01" } }, [
        "alpha",
        "Alphabet soup",
        "beta",
        "delta",
        "gamma",
      ]],
    ];
    for (const [filter, expected] of cases) {
      assert.deepEqual((await q(filter)).sort(), expected.sort(), JSON.stringify(filter));
    }
  }, { seed: SEED });
});

Deno.test("malformed filters are rejected as Notion does", async () => {
  await withEmulator(async (_em, notion) => {
    const bad = async (filter: any, message: RegExp) =>
      await assert.rejects(
        () => notion.dataSources.query({ data_source_id: ITEMS, filter }),
        (e: any) => {
          assert.ok(e instanceof APIResponseError);
          assert.equal(e.code, "validation_error");
          assert.match(e.message, message);
          return true;
        },
      );
    const leaf = { property: "C", checkbox: { equals: true } };
    await bad({ and: [{ or: [{ and: [leaf] }] }] }, /nested at most two levels/);
    await bad({
      timestamp: "last_edited_time",
      property: "N",
      last_edited_time: { after: "2026-01-01" },
    }, /property should be not present/);
    await bad(
      { property: "Nope", number: { equals: 1 } },
      /Could not find property with name or id: Nope/,
    );
    await bad(
      { property: "N", checkbox: { equals: true } },
      /does not match property "N" of type `number`/,
    );
    await bad({ property: "D", date: { on_or_after: "yesterday-ish" } }, /valid ISO 8601 date/);
  }, { seed: SEED });
});

Deno.test("sorts: nulls last in both directions, options in schema order, multi-key", async () => {
  await withEmulator(async (_em, notion) => {
    const sorted = async (sorts: any) =>
      names((await notion.dataSources.query({ data_source_id: ITEMS, sorts })).results);
    assert.deepEqual(await sorted([{ property: "N", direction: "ascending" }]), [
      "Alphabet soup",
      "alpha",
      "beta",
      "delta",
      "gamma",
    ]);
    assert.deepEqual(await sorted([{ property: "N", direction: "descending" }]), [
      "delta",
      "beta",
      "alpha",
      "Alphabet soup",
      "gamma",
    ]);
    assert.deepEqual(
      await sorted([{ property: "S", direction: "ascending" }, {
        property: "N",
        direction: "descending",
      }]),
      ["alpha", "Alphabet soup", "beta", "delta", "gamma"],
    );
  }, { seed: SEED });
});

Deno.test("filter_properties trims properties, by id or name, repeated keys with or without []", async () => {
  await withEmulator(async (em, notion) => {
    const ds: any = await notion.dataSources.retrieve({ data_source_id: ITEMS });
    const nId = ds.properties.N.id;
    const viaSdk: any = await notion.dataSources.query({
      data_source_id: ITEMS,
      filter_properties: [nId, "title"],
      page_size: 1,
    });
    assert.deepEqual(Object.keys(viaSdk.results[0].properties).sort(), ["N", "Name"]);
    const viaBrackets = await raw(
      em,
      "POST",
      `data_sources/${ITEMS}/query?filter_properties[]=C&filter_properties[]=S`,
      { body: "{}" },
    );
    assert.deepEqual(Object.keys(viaBrackets.body.results[0].properties).sort(), ["C", "S"]);
    const page: any = await notion.pages.retrieve({
      page_id: viaSdk.results[0].id,
      filter_properties: ["U"],
    });
    assert.deepEqual(Object.keys(page.properties), ["U"]);
  }, { seed: SEED });
});

Deno.test("short pages: fewer results than page_size while has_more stays true; iteration still sees all", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "limits", { short_page_rate: 1 });
    let cursor: string | undefined;
    let short = 0;
    const seen: string[] = [];
    do {
      const res = await notion.dataSources.query({
        data_source_id: DEMO.tasksDataSourceId,
        page_size: 10,
        start_cursor: cursor,
      });
      if (res.has_more && res.results.length < 10) short++;
      seen.push(...res.results.map((r) => r.id));
      cursor = res.next_cursor ?? undefined;
    } while (cursor);
    assert.ok(short > 0);
    assert.equal(new Set(seen).size, 30);
    assert.equal(seen.length, 30);
  });
});

Deno.test("without sorts each query has its own order, stable across its pages", async () => {
  await withEmulator(async (_em, notion) => {
    const a = (await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 7,
    })).map((r) => r.id);
    const b = (await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 7,
    })).map((r) => r.id);
    assert.equal(new Set(a).size, 30);
    assert.deepEqual([...a].sort(), [...b].sort());
    assert.notDeepEqual(a, b, "two queries without sorts come back in different orders");
  });
});

Deno.test("a cursor only continues its own query", async () => {
  await withEmulator(async (_em, notion) => {
    const first = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 5,
      sorts: [{ timestamp: "created_time", direction: "ascending" }],
    });
    await assert.rejects(
      () =>
        notion.dataSources.query({
          data_source_id: DEMO.tasksDataSourceId,
          page_size: 5,
          start_cursor: first.next_cursor!,
        }),
      (e: any) => e.code === "validation_error" && /start_cursor/.test(e.message),
    );
    await assert.rejects(
      () =>
        notion.dataSources.query({
          data_source_id: DEMO.tasksDataSourceId,
          start_cursor: "garbage",
        }),
      (e: any) => e.code === "validation_error",
    );
  });
});

Deno.test("rows edited during pagination move: an ascending last_edited_time scan sees them again at the end", async () => {
  await withEmulator(async (em, notion) => {
    const sorts = [{ timestamp: "last_edited_time" as const, direction: "ascending" as const }];
    const first = await notion.dataSources.query({
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 10,
      sorts,
    });
    await control(em, "clock", { advance_seconds: 120 });
    await control(em, `pages/${first.results[0].id}`, { properties: { Estimate: { number: 99 } } });
    const rest = await collectPaginatedAPI(notion.dataSources.query, {
      data_source_id: DEMO.tasksDataSourceId,
      page_size: 10,
      sorts,
      start_cursor: first.next_cursor!,
    });
    assert.equal(rest.at(-1)!.id, first.results[0].id, "the edited page comes back last");
  });
});

Deno.test("optional read-after-write lag: a new page shows up in queries only after query_lag_ms", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "clock", { scale: 0 });
    await control(em, "limits", { query_lag_ms: 5000 });
    const page = await notion.pages.create({
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: {},
    });
    const ids = async () =>
      (await collectPaginatedAPI(notion.dataSources.query, {
        data_source_id: DEMO.tasksDataSourceId,
      })).map((r) => r.id);
    assert.ok(!(await ids()).includes(page.id));
    assert.equal(
      (await notion.pages.retrieve({ page_id: page.id })).id,
      page.id,
      "retrieve is immediate",
    );
    await control(em, "clock", { advance_seconds: 6 });
    assert.ok((await ids()).includes(page.id));
  });
});

Deno.test("relative date conditions follow the emulator's clock", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "clock", { set: "2026-03-03T12:00:00.000Z", scale: 0 });
    const q = async (date: any) =>
      names(
        (await notion.dataSources.query({
          data_source_id: ITEMS,
          filter: { property: "D", date },
          sorts: [{ property: "Name", direction: "ascending" }],
        })).results,
      );
    assert.deepEqual(await q({ past_week: {} }), ["delta"], "2026-03-01 is within the past week");
    assert.deepEqual(
      await q({ this_week: {} }),
      [],
      "weeks start on Monday 2026-03-02; 03-01 is the Sunday before",
    );
    assert.deepEqual(await q({ past_month: {} }), ["beta", "delta"]);
    assert.deepEqual(
      (await q({ past_year: {} })).sort(),
      ["Alphabet soup", "alpha", "beta", "delta"].sort(),
    );
    assert.deepEqual(await q({ next_week: {} }), []);
    assert.deepEqual(await q({ on_or_after: "one_week_ago" }), ["delta"]);
    assert.deepEqual(
      (await q({ before: "yesterday" })).sort(),
      ["Alphabet soup", "alpha", "beta", "delta"].sort(),
    );
  }, { seed: SEED });
});

Deno.test("cached results expire with the clock: relative filters re-evaluate, cursors keep working", async () => {
  await withEmulator(async (em, notion) => {
    await control(em, "clock", { set: "2026-03-03T12:00:00.000Z", scale: 0 });
    const year = { property: "D", date: { past_year: {} } };
    const first = await notion.dataSources.query({
      data_source_id: ITEMS,
      filter: year,
      page_size: 1,
    });
    assert.ok(first.has_more);
    await control(em, "clock", { advance_seconds: 90 });
    const next = await notion.dataSources.query({
      data_source_id: ITEMS,
      filter: year,
      page_size: 1,
      start_cursor: first.next_cursor!,
    });
    assert.equal(
      next.results.length,
      1,
      "the cursor still continues its query after the minute turned",
    );
    assert.notEqual(next.results[0].id, first.results[0].id);
    const week = { property: "D", date: { past_week: {} } };
    assert.equal(
      (await notion.dataSources.query({ data_source_id: ITEMS, filter: week })).results.length,
      1,
    );
    await control(em, "clock", { advance_seconds: 10 * 86400 });
    assert.equal(
      (await notion.dataSources.query({ data_source_id: ITEMS, filter: week })).results.length,
      0,
      "delta left the past week",
    );
  }, { seed: SEED });
});
