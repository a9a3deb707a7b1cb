/**
 * Notion cuts people at 25 (with no flag saying so) and rich text at 25 mentions in the pages it
 * answers; a retrieve completes both through the property-item endpoint before staging, so a
 * record holds the whole value and a later push of it drops no one from Notion.
 */
import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { connectNotion, ensureMapping, stackEnv } from "../../../stack/setup.ts";
import {
  EMULATOR_TOKEN,
  emulatorControl,
  emulatorNotion,
  freshUser,
  invoke,
  newEmulatorDataSource,
  ownerOnlyTable,
} from "../../../stack/testing.ts";

const text = (content: string) => ({ type: "text", text: { content } });

Deno.test("people and mentions past Notion's 25 reach the record whole, and a push keeps them all", async () => {
  const stack = stackEnv();
  await ownerOnlyTable(
    "many_people_tasks",
    "task_id uuid primary key default gen_random_uuid(), name text, assignees text[], notes jsonb, done boolean",
  );
  try {
    const people: string[] = [];
    for (let i = 1; i <= 30; i++) {
      people.push((await emulatorControl("users", { name: `Person ${i}` })).id as string);
    }
    const dataSourceId = await newEmulatorDataSource("Many people", {
      Name: { title: {} },
      Assignees: { people: {} },
      Notes: { rich_text: {} },
      Done: { checkbox: {} },
    });
    // a note naming all 30: text and a mention each
    const notes = people.flatMap((id, i) => [
      text(i === 0 ? "With " : ", "),
      { type: "mention", mention: { user: { id } } },
    ]);
    // made as a person in Notion (the control API)
    const page = (await emulatorControl("pages", {
      parent: { data_source_id: dataSourceId },
      properties: {
        Name: { title: [text("Crowded")] },
        Assignees: { people: people.map((id) => ({ id })) },
        Notes: { rich_text: notes },
      },
    })).id as string;
    const answered = await emulatorNotion().pages.retrieve({ page_id: page }) as any;
    assert.equal(answered.properties.Assignees.people.length, 25, "Notion answers 25 people");
    assert.equal(
      answered.properties.Notes.rich_text.filter((t: any) => t.type === "mention").length,
      25,
      "and 25 mentions",
    );

    const user = await freshUser("many people");
    const connectionId = await connectNotion(user, { name: "people", token: EMULATOR_TOKEN });
    const schema = await emulatorNotion().dataSources.retrieve({ data_source_id: dataSourceId });
    const prop = (name: string) => (schema.properties as Record<string, { id: string }>)[name].id;
    await ensureMapping(user.claims, {
      connectionId,
      targetSchema: "public",
      ownerColumn: "owner_id",
      notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
      name: "people",
      dataSourceId,
      targetTable: "many_people_tasks",
      keyColumn: "task_id",
      fieldMap: [
        { property_id: "title", name: "Name", type: "title", column: "name" },
        {
          property_id: prop("Assignees"),
          name: "Assignees",
          type: "people",
          column: "assignees",
        },
        { property_id: prop("Notes"), name: "Notes", type: "rich_text", column: "notes" },
        { property_id: prop("Done"), name: "Done", type: "checkbox", column: "done" },
      ],
    });
    const retrieve = async (body: Record<string, unknown> = {}) => {
      const res = await invoke(
        "retrieve-from-database",
        { databaseType: "people", ...body },
        user.jwt,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const record = async () =>
      (await asUser(
        user.claims,
        (tx) => tx`select assignees, notes from public.many_people_tasks where name = 'Crowded'`,
      ))[0];

    assert.equal((await retrieve({ createUnmatched: true })).newRecords, 1);
    const landed = await record();
    assert.deepEqual([...landed.assignees].sort(), [...people].sort(), "all 30 people");
    assert.equal(
      landed.notes.filter((t: { type: string }) => t.type === "mention").length,
      30,
      "all 30 mentions",
    );

    // a Supabase edit of the same record (one person fewer, the note and the rest as they are)
    // is pushed: Notion keeps the 29 and the 30 mentions
    await asUser(
      user.claims,
      (tx) =>
        tx`update public.many_people_tasks set assignees = ${people.slice(1)}, done = true
           where name = 'Crowded'`,
    );
    await retrieve({ mode: "incremental" }); // plans the push
    const pushed = await invoke("sync-from-supabase", { databaseType: "people" }, user.jwt);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(pushed.body.pushed, 1, JSON.stringify(pushed.body));
    const inNotion = await emulatorControl(`pages/${page}`);
    assert.deepEqual(
      inNotion.properties.Assignees.people.map((p: { id: string }) => p.id).sort(),
      people.slice(1).sort(),
      "Notion holds the 29 people",
    );
    assert.equal(
      inNotion.properties.Notes.rich_text.filter((t: { type: string }) => t.type === "mention")
        .length,
      30,
      "and the 30 mentions",
    );
    const again = await retrieve({ mode: "incremental" });
    assert.equal(again.conflicts, 0, "our own write comes back as an echo");
    assert.equal((await record()).assignees.length, 29);
  } finally {
    await closeDb();
  }
});
