/**
 * Supabase edits of every writable property type, through the functions and the emulator: random
 * column values (empty ones, edge ones, some Notion refuses), in an edited record or a new one
 * (whose page is created), are pushed by sync-from-supabase and read back by
 * retrieve-from-database. After each step: every value either reached Notion (Notion's value, cast
 * into the column, matches the row, or the row took what Notion stored, logged as a change) or
 * waits in an open conflict that still holds it; and one more push and retrieve do nothing (no
 * push repeated run after run, no question).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { asUser, closeDb } from "../_shared/db.ts";
import {
  connectNotion,
  ensureMapping,
  type FieldMapEntry,
  stackEnv,
} from "../../../stack/setup.ts";
import {
  activity,
  EMULATOR_TOKEN,
  emulatorControl,
  emulatorNotion,
  freshUser,
  newEmulatorDataSource,
  ownerOnlyTable,
  syncCalls,
} from "../../../stack/testing.ts";

const COLUMNS = `task_id uuid primary key default gen_random_uuid(), name text, notes text,
  notes_rich jsonb, amount numeric, kind text, state text, labels text[], who uuid[], due date,
  at timestamptz, at_text text, span jsonb, done boolean, link text, mail text, phone text,
  files jsonb`;

/** Notion property → column, with the property's schema for the data source. */
const PROPERTIES: Record<string, { column: string; schema: Record<string, unknown> }> = {
  Name: { column: "name", schema: { title: {} } },
  Notes: { column: "notes", schema: { rich_text: {} } },
  "Rich notes": { column: "notes_rich", schema: { rich_text: {} } },
  Amount: { column: "amount", schema: { number: { format: "number" } } },
  Kind: { column: "kind", schema: { select: { options: [{ name: "A" }, { name: "B" }] } } },
  State: {
    column: "state",
    schema: { status: { options: [{ name: "Todo" }, { name: "Doing" }, { name: "Done" }] } },
  },
  Who: { column: "who", schema: { people: {} } },
  Labels: {
    column: "labels",
    schema: { multi_select: { options: [{ name: "x" }, { name: "y" }, { name: "z" }] } },
  },
  Due: { column: "due", schema: { date: {} } },
  At: { column: "at", schema: { date: {} } },
  "At (text)": { column: "at_text", schema: { date: {} } },
  Span: { column: "span", schema: { date: {} } },
  Files: { column: "files", schema: { files: {} } },
  Done: { column: "done", schema: { checkbox: {} } },
  Link: { column: "link", schema: { url: {} } },
  Mail: { column: "mail", schema: { email: {} } },
  Phone: { column: "phone", schema: { phone_number: {} } },
};

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom("", " padded ", "two\nlines", "😀 emoji", "Ünïcödé", null),
  // past Notion's 2,000 UTF-16 units per text item, an emoji across the boundary
  fc.constant("a".repeat(1999) + "😀" + "b".repeat(10)),
);
const instant = fc.date({
  min: new Date("1990-01-01T00:00:00Z"),
  max: new Date("2040-12-31T23:59:59Z"),
  noInvalidDate: true,
});
const richText = fc.oneof(
  fc.constantFrom(
    [{ text: { content: "plain" } }],
    [{ text: { content: "split " } }, { text: { content: "in two" } }],
    [{ text: { content: "bold" }, annotations: { bold: true } }, { text: { content: " and not" } }],
    [{ type: "text", text: { content: "a link", link: { url: "https://example.com" } } }],
    [{ text: { content: "" } }],
    [],
    null,
  ),
  text.map((t) => t === null ? null : [{ text: { content: t } }]),
);
const at = (d: Date, offset: string) => d.toISOString().slice(0, 19) + offset;
/** Set by the test: the workspace's people. */
const people: string[] = [];
const edits = {
  name: text,
  notes: text,
  notes_rich: richText,
  state: fc.constantFrom("Todo", "Doing", "Done", "Unknown", null),
  who: fc.oneof(
    fc.array(fc.nat(9).map((i) => people[i % people.length]), { maxLength: 3 }),
    fc.constant(null),
  ),
  at_text: fc.oneof(
    instant.map((d) => at(d, "+02:00")),
    instant.map((d) => d.toISOString().slice(0, 10)),
    fc.constant(null),
  ),
  span: fc.oneof(
    instant.map((d) => ({ start: d.toISOString().slice(0, 10) })),
    fc.tuple(instant, fc.integer({ min: 0, max: 5 })).map(([d, days]) => ({
      start: at(d, "-05:00"),
      end: at(new Date(d.getTime() + days * 86_400_000), "-05:00"),
    })),
    instant.map((d) => ({ start: d.toISOString().slice(0, 19), time_zone: "Europe/Paris" })),
    fc.constant(null),
  ),
  files: fc.constantFrom(
    [{ name: "spec.pdf", external: { url: "https://example.com/spec.pdf" } }],
    [{ name: "a", type: "external", external: { url: "https://example.com/a" } }, {
      name: "b",
      type: "external",
      external: { url: "https://example.com/b" },
    }],
    [],
    null,
  ),
  amount: fc.oneof(
    fc.integer({ min: -1_000_000, max: 1_000_000 }).map(String),
    fc.constantFrom("0.1", "1.50", "-2.25", "1e3", "12345678901234567890.5", null),
  ),
  kind: fc.constantFrom("A", "B", "C new", "", null, "with, comma"),
  labels: fc.oneof(
    fc.array(fc.constantFrom("x", "y", "z", "w new"), { maxLength: 4 }),
    fc.constant(null),
  ),
  due: fc.oneof(instant.map((d) => d.toISOString().slice(0, 10)), fc.constant(null)),
  at: fc.oneof(instant.map((d) => d.toISOString()), fc.constant(null)),
  done: fc.constantFrom(true, false, null),
  link: fc.constantFrom("https://example.com/a?b=c", "", null, "not a url"),
  mail: fc.constantFrom("someone@example.com", "", null),
  phone: fc.constantFrom("+1 555 0100", "", null),
};
type Column = keyof typeof edits;
const JSONB = new Set<string>(["notes_rich", "span", "files"]);

Deno.test("Supabase edits of every writable type reach Notion or wait in a conflict, and the next sync does nothing", async () => {
  const stack = stackEnv();
  await ownerOnlyTable("round_trip_tasks", COLUMNS);
  const notion = emulatorNotion();
  try {
    const ws = await emulatorControl("workspace");
    people.push(
      ...ws.users.filter((u: { type: string }) => u.type === "person").map((u: { id: string }) =>
        u.id
      ),
    );
    const dataSourceId = await newEmulatorDataSource(
      "Round trips",
      Object.fromEntries(Object.entries(PROPERTIES).map(([name, p]) => [name, p.schema])),
    );
    await notion.pages.create({
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: [{ type: "text", text: { content: "Start" } }] } },
    } as never);

    const user = await freshUser("round-trip");
    const connectionId = await connectNotion(user, { name: "rt", token: EMULATOR_TOKEN });
    const schema = await notion.dataSources.retrieve({ data_source_id: dataSourceId });
    const fieldMap: FieldMapEntry[] = Object.entries(PROPERTIES).map(([name, p]) => ({
      property_id: schema.properties[name].id,
      name,
      type: schema.properties[name].type,
      column: p.column,
    }));
    const mapping = await ensureMapping(user.claims, {
      name: "round_trips",
      connectionId,
      dataSourceId,
      targetSchema: "public",
      targetTable: "round_trip_tasks",
      keyColumn: "task_id",
      ownerColumn: "owner_id",
      fieldMap,
      notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
    });
    const calls = syncCalls("round_trips", user.jwt);
    const retrieve = (body: Record<string, unknown> = { mode: "incremental" }) =>
      calls.retrieve(body);
    const push = calls.push;
    /**
     * Per record and column: what the row holds (as a match key: what the sync compares), and for
     * a linked record what Notion holds, cast into the column.
     */
    const sides = async () =>
      (await asUser(user.claims, (tx) =>
        tx`select t.task_id::text as record, l.page_id, f.field,
                  notion_sync.column_match_key(f.property_type, to_jsonb(t) -> f.field) as supabase,
                  notion_sync.column_match_key(f.property_type, n.cols -> f.field) as notion
           from public.round_trip_tasks t
           cross join notion_sync.mapping_fields(${mapping}) f
           left join notion_sync.links l on l.record_key = t.task_id::text and l.mapping_id = ${mapping}
           left join lateral notion_sync.notion_column_values(${mapping}, array[l.page_id]) n on true`)) as {
          record: string;
          page_id: string | null;
          field: Column;
          supabase: unknown;
          notion: unknown;
        }[];
    const matchKey = async (field: string, value: unknown) =>
      (await asUser(
        user.claims,
        (tx) =>
          tx`select notion_sync.column_match_key(f.property_type, ${
            tx.json(value as never)
          }::jsonb) as key
           from notion_sync.mapping_fields(${mapping}) f where f.field = ${field}`,
      ))[0].key;

    assert.equal((await retrieve({ createUnmatched: true })).newRecords, 1);
    const [{ first }] = await asUser(
      user.claims,
      (tx) => tx`select task_id as first from public.round_trip_tasks`,
    );

    const stepArb = fc.record({
      // a new record (its page is created) rather than an edit of the first one
      insert: fc.boolean(),
      edit: fc.record(edits, { requiredKeys: [] }).filter((e) => Object.keys(e).length > 0),
    });
    /** Records Notion would not create, which a person chose to leave without a page. */
    const skipped = new Set<string>();
    await fc.assert(
      fc.asyncProperty(stepArb, async ({ insert, edit }) => {
        const columns = Object.keys(edit) as Column[];
        await asUser(
          user.claims,
          (tx) => {
            const row = Object.fromEntries(columns.map((c) => [
              c,
              JSONB.has(c) && edit[c] !== null ? tx.json(edit[c] as never) : edit[c],
            ]));
            return insert
              ? tx`insert into public.round_trip_tasks ${tx(row as never, columns)}`
              : tx`update public.round_trip_tasks set ${tx(row as never, columns)}
                   where task_id = ${first}`;
          },
        );
        const wrote = new Map((await sides()).map((s) => [`${s.record}/${s.field}`, s.supabase]));
        const [{ changesBefore }] = await asUser(
          user.claims,
          (tx) =>
            tx`select coalesce(max(change_id), 0)::bigint as "changesBefore" from notion_sync.changes`,
        );
        await retrieve({ createUnmatched: true }); // plans the pushes and creates
        await push();
        await retrieve(); // reads the echo
        // a value Notion refused waits in a conflict holding it; a person then keeps Notion's
        // value, or skips a record Notion would not create
        const open = await asUser(
          user.claims,
          (tx) =>
            tx`select conflict_id, kind, page_id, record_key, fields from notion_sync.conflicts
             where mapping_id = ${mapping} and status = 'open'`,
        );
        const held = new Set<string>();
        for (const c of open) {
          for (const [field, v] of Object.entries(c.fields ?? {})) {
            const k = `${c.record_key}/${field}`;
            assert.deepEqual(
              await matchKey(field, (v as { supabase?: unknown }).supabase),
              wrote.get(k),
              `${c.kind} conflict on ${k} holds the Supabase value`,
            );
            held.add(k);
          }
          if (c.page_id === null) skipped.add(c.record_key);
          await asUser(
            user.claims,
            (tx) =>
              tx`select notion_sync_api.resolve_conflict(${c.conflict_id}, ${
                c.page_id === null ? "skip" : "prefer_notion"
              })`,
          );
        }
        for (const s of await sides()) {
          const k = `${s.record}/${s.field}`;
          if (held.has(k) || skipped.has(s.record)) continue;
          assert.ok(s.page_id, `${s.record} has its page`);
          assert.deepEqual(
            s.notion,
            s.supabase,
            `${k}: Notion holds the row's value (${JSON.stringify(s.notion)} for ${
              JSON.stringify(s.supabase)
            })`,
          );
          if (JSON.stringify(s.supabase) === JSON.stringify(wrote.get(k))) continue;
          // Notion stored another value than the one sent (a status sent as null takes the
          // default option): the row took it, as a logged change from the value written
          const [{ logged }] = await asUser(
            user.claims,
            (tx) =>
              tx`select count(*)::int as logged from notion_sync.changes c
               join notion_sync.mapping_fields(${mapping}) f on f.field = c.field
               where c.mapping_id = ${mapping} and c.change_id > ${changesBefore} and c.side = 'supabase'
                 and c.record_key = ${s.record} and c.field = ${s.field}
                 and notion_sync.column_match_key(f.property_type, c.old_value)
                     is not distinct from ${tx.json(wrote.get(k) as never)}::jsonb`,
          );
          assert.ok(
            logged > 0,
            `${k}: the row holds ${JSON.stringify(s.supabase)}, not the value written (${
              JSON.stringify(wrote.get(k))
            }), and no change says why`,
          );
        }
        // quiet: nothing more to push, nothing to ask
        const before = await activity(user.claims);
        assert.equal((await push()).pushed, 0, "a second push found nothing to write");
        assert.equal(
          (await retrieve({ createUnmatched: true })).conflicts,
          0,
          "the next full retrieve asked nothing",
        );
        await push();
        assert.deepEqual(
          await activity(user.claims),
          before,
          "nothing was queued or asked after converging",
        );
      }),
      {
        seed: Number(Deno.env.get("MODEL_SEED") ?? 20261126),
        numRuns: Number(Deno.env.get("MODEL_RUNS") ?? 8),
      },
    );
  } finally {
    await closeDb();
  }
});
