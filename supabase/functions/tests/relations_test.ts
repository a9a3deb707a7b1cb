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

const title = (content: string) => ({ title: [{ type: "text", text: { content } }] });

/** A Projects and a Tasks data source of the test's own, Tasks relating to Projects. */
async function projectsAndTasks(label: string) {
  const projectsDs = await newEmulatorDataSource(`${label} projects`, { Name: { title: {} } });
  const tasksDs = await newEmulatorDataSource(`${label} tasks`, {
    Name: { title: {} },
    Project: { relation: { data_source_id: projectsDs, single_property: {} } },
  });
  return { projectsDs, tasksDs };
}

Deno.test("a relation column holds the related records' keys: retrieved from Notion, and a Supabase edit pushed back as the related page", async () => {
  const stack = stackEnv();
  // two tables of an app: projects, and tasks whose project_keys hold the keys of their projects
  await ownerOnlyTable(
    "rel_e2e_projects",
    "project_id uuid primary key default gen_random_uuid(), name text",
  );
  await ownerOnlyTable(
    "rel_e2e_tasks",
    "task_id uuid primary key default gen_random_uuid(), name text, project_keys uuid[]",
  );
  const notion = emulatorNotion();
  try {
    const { projectsDs, tasksDs } = await projectsAndTasks("Relation");
    const page = async (dataSourceId: string, properties: Record<string, unknown>) =>
      (await notion.pages.create({ parent: { data_source_id: dataSourceId }, properties } as never))
        .id;
    const apollo = await page(projectsDs, { Name: title("Apollo") });
    const gemini = await page(projectsDs, { Name: title("Gemini") });
    const launch = await page(tasksDs, {
      Name: title("Launch"),
      Project: { relation: [{ id: apollo }] },
    });

    const user = await freshUser("relations");
    const connectionId = await connectNotion(user, { name: "rel", token: EMULATOR_TOKEN });
    const common = {
      connectionId,
      targetSchema: "public",
      ownerColumn: "owner_id",
      notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
    };
    await ensureMapping(user.claims, {
      ...common,
      name: "projects",
      dataSourceId: projectsDs,
      targetTable: "rel_e2e_projects",
      keyColumn: "project_id",
      fieldMap: [{ property_id: "title", name: "Name", type: "title", column: "name" }],
    });
    const tasksSchema = await notion.dataSources.retrieve({ data_source_id: tasksDs });
    await ensureMapping(user.claims, {
      ...common,
      name: "tasks",
      dataSourceId: tasksDs,
      targetTable: "rel_e2e_tasks",
      keyColumn: "task_id",
      fieldMap: [
        { property_id: "title", name: "Name", type: "title", column: "name" },
        {
          property_id: tasksSchema.properties.Project.id,
          name: "Project",
          type: "relation",
          column: "project_keys",
          related_mapping: "projects",
        },
      ],
    });
    const retrieve = async (databaseType: string, body: Record<string, unknown> = {}) => {
      const res = await invoke("retrieve-from-database", { databaseType, ...body }, user.jwt);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const keyOf = async (name: string) =>
      (await asUser(
        user.claims,
        (tx) => tx`select project_id::text as k from public.rel_e2e_projects where name = ${name}`,
      ))[0].k as string;
    const keysOfLaunch = async () =>
      (await asUser(
        user.claims,
        (tx) =>
          tx`select project_keys::text[] as k from public.rel_e2e_tasks where name = 'Launch'`,
      ))[0].k as string[];

    assert.equal((await retrieve("projects", { createUnmatched: true })).newRecords, 2);
    assert.equal((await retrieve("tasks", { createUnmatched: true })).newRecords, 1);
    assert.deepEqual(
      await keysOfLaunch(),
      [await keyOf("Apollo")],
      "the task holds its project's key",
    );

    const geminiKey = await keyOf("Gemini");
    await asUser(
      user.claims,
      (tx) =>
        tx`update public.rel_e2e_tasks set project_keys = array[${geminiKey}]::uuid[]
           where name = 'Launch'`,
    );
    await retrieve("tasks", { mode: "incremental" }); // plans the push
    const pushed = await invoke("sync-from-supabase", { databaseType: "tasks" }, user.jwt);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(pushed.body.pushed, 1);
    const inNotion = await emulatorControl(`pages/${launch}`);
    assert.deepEqual(
      inNotion.properties.Project.relation.map((r: { id: string }) => r.id),
      [gemini],
      "Notion's relation is the page of the project chosen in Supabase",
    );
    const again = await retrieve("tasks", { mode: "incremental" });
    assert.equal(again.conflicts, 0, "our own write comes back as an echo, not a change");
    assert.deepEqual(await keysOfLaunch(), [await keyOf("Gemini")]);
  } finally {
    await closeDb();
  }
});

Deno.test("a relation of more than 25 pages pushed from Supabase is read back whole, not cut to Notion's 25", async () => {
  const stack = stackEnv();
  await ownerOnlyTable(
    "rel_many_tasks",
    "task_id uuid primary key default gen_random_uuid(), name text, project_pages text[]",
  );
  try {
    const { projectsDs, tasksDs } = await projectsAndTasks("Many");
    // made as a person in Notion (the control API), so the integration's rate limit is not spent
    const page = async (dataSourceId: string, properties: Record<string, unknown>) =>
      (await emulatorControl("pages", { parent: { data_source_id: dataSourceId }, properties }))
        .id as string;
    const projects: string[] = [];
    for (let i = 1; i <= 30; i++) projects.push(await page(projectsDs, { Name: title(`P${i}`) }));
    const launch = await page(tasksDs, {
      Name: title("Launch"),
      Project: { relation: [{ id: projects[0] }] },
    });

    const user = await freshUser("many relations");
    const connectionId = await connectNotion(user, { name: "many", token: EMULATOR_TOKEN });
    const tasksSchema = await emulatorNotion().dataSources.retrieve({ data_source_id: tasksDs });
    await ensureMapping(user.claims, {
      connectionId,
      targetSchema: "public",
      ownerColumn: "owner_id",
      notion: { token: EMULATOR_TOKEN, baseUrl: stack.notionEmulatorUrl },
      name: "many",
      dataSourceId: tasksDs,
      targetTable: "rel_many_tasks",
      keyColumn: "task_id",
      fieldMap: [
        { property_id: "title", name: "Name", type: "title", column: "name" },
        {
          property_id: tasksSchema.properties.Project.id,
          name: "Project",
          type: "relation",
          column: "project_pages",
        },
      ],
    });
    const retrieve = async (body: Record<string, unknown> = {}) => {
      const res = await invoke(
        "retrieve-from-database",
        { databaseType: "many", ...body },
        user.jwt,
      );
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const pagesOfLaunch = async () =>
      (await asUser(
        user.claims,
        (tx) => tx`select project_pages as p from public.rel_many_tasks where name = 'Launch'`,
      ))[0].p as string[];

    assert.equal((await retrieve({ createUnmatched: true })).newRecords, 1);
    await asUser(
      user.claims,
      (tx) =>
        tx`update public.rel_many_tasks set project_pages = ${projects} where name = 'Launch'`,
    );
    await retrieve({ mode: "incremental" }); // plans the push
    const pushed = await invoke("sync-from-supabase", { databaseType: "many" }, user.jwt);
    assert.equal(pushed.status, 200, JSON.stringify(pushed.body));
    assert.equal(pushed.body.pushed, 1, JSON.stringify(pushed.body));
    const inNotion = await emulatorControl(`pages/${launch}`);
    assert.equal(inNotion.properties.Project.relation.length, 30, "Notion holds the 30 pages");
    assert.deepEqual(await pagesOfLaunch(), projects, "the record keeps its 30 pages");
    const [link] = await asUser(
      user.claims,
      (tx) =>
        tx`select jsonb_array_length(l.base -> 'project_pages') as n from notion_sync.links l
           join notion_sync.mappings m using (mapping_id) where m.name = 'many'`,
    );
    assert.equal(link.n, 30, "the base is the whole value read back");
    const again = await retrieve({ mode: "incremental" });
    assert.equal(again.conflicts, 0, "our own write comes back as an echo");
    assert.deepEqual(await pagesOfLaunch(), projects);
  } finally {
    await closeDb();
  }
});
