import assert from "node:assert/strict";
import postgres from "postgres";
import { asUser, closeDb } from "../_shared/db.ts";
import { connectNotion, ensureMapping, stackEnv } from "../../../stack/setup.ts";
import { EMULATOR_TOKEN, emulatorControl, freshUser, invoke } from "../../../stack/testing.ts";

/** A target table with a column for every property type of the demo Tasks. */
const TABLE = `
  create table if not exists public.every_type_tasks (
    task_id uuid primary key default gen_random_uuid(),
    owner_id uuid not null default auth.uid(),
    name text, status text, assignees uuid[], due jsonb, tags text[], priority text, estimate numeric,
    done boolean, description text, description_rich jsonb, project text[], link text, contact text,
    phone text, attachments jsonb, task_number text, estimate_min numeric, overdue boolean,
    created timestamptz, created_by uuid, updated timestamptz, updated_by uuid, project_status jsonb);
  alter table public.every_type_tasks enable row level security;
  drop policy if exists every_select on public.every_type_tasks;
  drop policy if exists every_insert on public.every_type_tasks;
  drop policy if exists every_update on public.every_type_tasks;
  create policy every_select on public.every_type_tasks for select to authenticated using (owner_id = (select auth.uid()));
  create policy every_insert on public.every_type_tasks for insert to authenticated with check (owner_id = (select auth.uid()));
  create policy every_update on public.every_type_tasks for update to authenticated
    using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
  grant select, insert, update on public.every_type_tasks to authenticated;`;

const COLUMNS: Record<string, string[]> = {
  Name: ["name"],
  Status: ["status"],
  Assignees: ["assignees"],
  Due: ["due"],
  Tags: ["tags"],
  Priority: ["priority"],
  Estimate: ["estimate"],
  Done: ["done"],
  Description: ["description", "description_rich"],
  Project: ["project"],
  Link: ["link"],
  Contact: ["contact"],
  Phone: ["phone"],
  Attachments: ["attachments"],
  "Task ID": ["task_number"],
  "Estimate (min)": ["estimate_min"],
  Overdue: ["overdue"],
  Created: ["created"],
  "Created by": ["created_by"],
  Updated: ["updated"],
  "Updated by": ["updated_by"],
  "Project status": ["project_status"],
};

const instant = (v: string | null) => (v === null ? null : new Date(v).toISOString());

Deno.test("a full retrieve of 1,000 pages lands every property type exactly as the emulator's oracle says", async () => {
  const stack = stackEnv();
  const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(TABLE);
  await emulatorControl("reset", { seed: "demo:1000" });
  try {
    const ws = await emulatorControl("workspace");
    const ds = (ws.data_sources as any[]).find((d) => d.title === "Tasks");
    const fieldMap = (ds.properties as { encoded_id: string; name: string; type: string }[])
      .flatMap((p) =>
        (COLUMNS[p.name] ?? []).map((column) => ({
          property_id: p.encoded_id,
          name: p.name,
          type: p.type,
          column,
          direction: [
              "formula",
              "rollup",
              "created_time",
              "created_by",
              "last_edited_time",
              "last_edited_by",
              "unique_id",
            ]
              .includes(p.type)
            ? "notion_to_supabase"
            : "both",
        }))
      );
    assert.equal(fieldMap.length, 23, "every demo property is mapped");
    // one task related to 60 projects, and one with 30 page mentions in its description: Notion
    // shows 25 of each in a page object; the retrieve must complete them
    const projects = (ws.data_sources as any[]).find((d) => d.title === "Projects");
    const related: string[] = [];
    for (let i = 0; i < 60; i++) {
      const p = await emulatorControl("pages", {
        parent: { data_source_id: projects.id },
        properties: { Name: { title: [{ text: { content: `Related project ${i}` } }] } },
      });
      related.push(p.id);
    }
    const oracleBefore = await emulatorControl(`oracle?data_source_id=${ds.id}`);
    const [first, second] = oracleBefore.rows as { page_id: string }[];
    await emulatorControl(`pages/${first.page_id}`, {
      properties: { Project: { relation: related.map((id) => ({ id })) } },
    });
    await emulatorControl(`pages/${second.page_id}`, {
      properties: {
        Description: {
          rich_text: related.slice(0, 30).map((id) => ({
            type: "mention",
            mention: { page: { id } },
          })),
        },
      },
    });
    const user = await freshUser("every-type");
    const connectionId = await connectNotion(user, {
      name: "demo",
      token: EMULATOR_TOKEN,
    });
    await ensureMapping(user.claims, {
      name: "every",
      connectionId,
      dataSourceId: ds.id,
      targetSchema: "public",
      targetTable: "every_type_tasks",
      keyColumn: "task_id",
      ownerColumn: "owner_id",
      fieldMap,
      notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
    });

    const res = await invoke("retrieve-from-database", {
      databaseType: "every",
      createUnmatched: true,
    }, user.jwt);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.status, "completed");
    assert.equal(res.body.newRecords, 1000);

    const oracle = await emulatorControl(`oracle?data_source_id=${ds.id}`);
    const rows = await asUser(
      user.claims,
      (tx) =>
        tx`select l.page_id, to_jsonb(t) as r, notion_sync.rich_text_plain(t.description_rich) as rich_plain
         from public.every_type_tasks t
         join notion_sync.links l on l.record_key = t.task_id::text
         join notion_sync.mappings m on m.mapping_id = l.mapping_id and m.name = 'every'`,
    );
    const byPage = new Map(rows.map((x) => [x.page_id as string, x]));
    assert.equal(byPage.size, oracle.rows.length);
    let checked = 0;
    for (const expected of oracle.rows as any[]) {
      const got = byPage.get(expected.page_id);
      assert.ok(got, `page ${expected.page_id} has a row`);
      const r = got.r;
      for (const [, prop] of Object.entries(expected.properties as Record<string, any>)) {
        const v = prop.value;
        const where = `${expected.page_id} ${prop.name} (${prop.type})`;
        switch (prop.name) {
          case "Name":
            assert.equal(r.name, v.plain_text || null, where);
            break;
          case "Description":
            assert.equal(r.description, v.plain_text || null, where);
            assert.equal(got.rich_plain, v.plain_text, `${where} (rich)`);
            assert.equal(
              r.description_rich.length,
              v.rich_text.length,
              `${where}: every span is kept`,
            );
            assert.deepEqual(
              r.description_rich.map((x: any) => x.annotations),
              v.rich_text.map((x: any) => x.annotations),
              `${where}: formatting is kept`,
            );
            break;
          case "Status":
          case "Priority":
            assert.equal(r[COLUMNS[prop.name][0]], v ?? null, where);
            break;
          case "Assignees":
          case "Project":
            assert.deepEqual(r[COLUMNS[prop.name][0]] ?? [], v, where);
            break;
          case "Tags":
            assert.deepEqual(r.tags ?? [], v, where);
            break;
          case "Due":
            if (v === null) assert.equal(r.due, null, where);
            else {
              // with a time_zone, the oracle gives the wall time in that zone (its "Z" is not UTC)
              const expected = async (t: string | null) => {
                if (t === null || !v.time_zone || /^\d{4}-\d{2}-\d{2}$/.test(t)) return instant(t);
                const [{ at }] = await admin`select (${
                  t.replace(/(Z|[+-]\d{2}:\d{2})$/, "")
                }::timestamp
                                                     at time zone ${v.time_zone}) as at`;
                return (at as Date).toISOString();
              };
              assert.equal(instant(r.due.start), await expected(v.start), where);
              assert.equal(instant(r.due.end), await expected(v.end), where);
              assert.equal(r.due.time_zone, v.time_zone, where);
            }
            break;
          case "Estimate":
          case "Estimate (min)":
            assert.equal(r[COLUMNS[prop.name][0]], v, where);
            break;
          case "Done":
          case "Overdue":
            assert.equal(r[COLUMNS[prop.name][0]], v ?? false, where);
            break;
          case "Link":
          case "Contact":
          case "Phone":
          case "Task ID":
            assert.equal(r[COLUMNS[prop.name][0]], v ?? null, where);
            break;
          case "Attachments":
            assert.deepEqual(
              (r.attachments ?? []).map((f: any) => f.name),
              v.map((f: any) => f.name),
              where,
            );
            break;
          case "Created":
          case "Updated":
            assert.equal(instant(r[COLUMNS[prop.name][0]]), instant(v), where);
            break;
          case "Created by":
          case "Updated by":
            assert.equal(r[COLUMNS[prop.name][0]], v, where);
            break;
          case "Project status":
            assert.ok(r.project_status !== undefined, where);
            break;
          default:
            assert.fail(`unexpected property ${where}`);
        }
        checked += 1;
      }
    }
    assert.ok(checked >= 22_000, `every value was compared (${checked})`);
    assert.equal(byPage.get(first.page_id)!.r.project.length, 60, "a relation of 60 arrives whole");
    assert.equal(
      byPage.get(second.page_id)!.r.description_rich.length,
      30,
      "30 mentions arrive whole",
    );

    // what landed is what Notion holds, to the sync too: a second full read changes nothing and
    // queues nothing for Notion
    const again = await invoke("retrieve-from-database", {
      databaseType: "every",
      mode: "full",
    }, user.jwt);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    const { supabase_to_notion, notion_to_supabase, conflicts, inserts } = again.body.summary;
    assert.deepEqual(
      { supabase_to_notion, notion_to_supabase, conflicts, inserts },
      { supabase_to_notion: 0, notion_to_supabase: 0, conflicts: 0, inserts: 0 },
      "a second full read of every type is quiet",
    );
  } finally {
    await emulatorControl("reset", { seed: "demo" });
    await admin.end();
    await closeDb();
  }
});
