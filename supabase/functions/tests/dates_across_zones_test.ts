/**
 * Dates as real Notion answers them (the emulator renders date-times with their zone's offset and
 * time_zone null): a date column takes each page's day as written in Notion, whatever the offset,
 * and the next push sends nothing back; a day edited in the column reaches Notion at the same local
 * time.
 */
import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import {
  EMULATOR_TOKEN,
  emulatorNotion,
  freshUser,
  newEmulatorDataSource,
  ownerOnlyTable,
  syncCalls,
} from "../../../stack/testing.ts";
import { connectNotion, ensureMapping, stackEnv } from "../../../stack/setup.ts";

/** Written in Notion → the day a person reads there. */
const WHEN: [Record<string, unknown>, string][] = [
  [{ start: "2026-03-01T00:30:00", time_zone: "Europe/Paris" }, "2026-03-01"], // 23:30 UTC the day before
  [{ start: "2026-03-01T23:00:00", time_zone: "America/New_York" }, "2026-03-01"], // 04:00 UTC the day after
  [{ start: "2026-03-01T23:00:00.000-05:00" }, "2026-03-01"],
  [{ start: "2026-03-01T08:00:00", time_zone: "Asia/Tokyo" }, "2026-03-01"], // 23:00 UTC the day before
  [{ start: "2026-03-01" }, "2026-03-01"],
];

Deno.test("a date column takes each page's day as written in Notion, and nothing is pushed back", async () => {
  const user = await freshUser("zones");
  const notion = emulatorNotion();
  try {
    await ownerOnlyTable(
      "zoned_days",
      "row_id uuid primary key default gen_random_uuid(), name text, day date",
    );
    const dataSourceId = await newEmulatorDataSource("Zoned days", {
      Name: { title: {} },
      When: { date: {} },
    });
    const schema = await notion.dataSources.retrieve({ data_source_id: dataSourceId }) as any;
    const connectionId = await connectNotion(user, { name: "zones", token: EMULATOR_TOKEN });
    await ensureMapping(user.claims, {
      name: "zones",
      connectionId,
      dataSourceId,
      targetSchema: "public",
      targetTable: "zoned_days",
      keyColumn: "row_id",
      ownerColumn: "owner_id",
      fieldMap: [
        { property_id: schema.properties.Name.id, name: "Name", type: "title", column: "name" },
        { property_id: schema.properties.When.id, name: "When", type: "date", column: "day" },
      ],
      notion: { token: EMULATOR_TOKEN, baseUrl: stackEnv().notionEmulatorUrl },
    });
    for (const [i, [date]] of WHEN.entries()) {
      await notion.pages.create({
        parent: { data_source_id: dataSourceId },
        properties: { Name: { title: [{ text: { content: `d${i}` } }] }, When: { date } },
      } as never);
    }
    const calls = syncCalls("zones", user.jwt);
    await calls.retrieve({ mode: "full", createUnmatched: true });
    const days = async () =>
      Object.fromEntries(
        (await asUser(user.claims, (tx) => tx`select name, day::text from public.zoned_days`))
          .map((r) => [r.name, r.day]),
      );
    assert.deepEqual(
      await days(),
      Object.fromEntries(WHEN.map(([, day], i) => [`d${i}`, day])),
      "each row holds the day as written in Notion",
    );
    const push = await calls.push();
    assert.equal(push.pushed, 0, `nothing to send back: ${JSON.stringify(push)}`);
    const again = await calls.retrieve({ mode: "full" });
    assert.equal(again.conflicts, 0);

    // the New York evening moved to the next day in Supabase: 23:00 New York time, a day later
    await asUser(
      user.claims,
      (tx) => tx`update public.zoned_days set day = '2026-03-02' where name = 'd1'`,
    );
    await calls.retrieve({ mode: "full" });
    const moved = await calls.push();
    assert.equal(moved.pushed, 1, JSON.stringify(moved));
    const pages = await notion.dataSources.query({ data_source_id: dataSourceId }) as any;
    const d1 = pages.results.find((p: any) => p.properties.Name.title[0].plain_text === "d1");
    assert.equal(new Date(d1.properties.When.date.start).toISOString(), "2026-03-03T04:00:00.000Z");
    assert.deepEqual((await days()).d1, "2026-03-02", "the row keeps the day chosen");
    assert.equal((await calls.push()).pushed, 0, "and nothing more is pushed");
  } finally {
    await closeDb();
  }
});
