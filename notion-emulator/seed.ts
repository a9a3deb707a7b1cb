/** Seeds: an empty workspace, the deterministic demo workspace (any size), or a JSON SeedSpec. */

import { Clock } from "./clock.ts";
import { changeSchema, newDataSource } from "./databases.ts";
import { Rng } from "./ids.ts";
import { type Database, emptyState, type State, Store } from "./model.ts";
import { type Actor, createPage } from "./pages.ts";
import { normalizeRichText, type RichText } from "./rich_text.ts";

/** A declarative workspace description (the `--seed <file.json>` format). */
export interface SeedSpec {
  /** Emulated time at startup (ISO); default: real now. */
  now?: string;
  workspace?: { id?: string; name?: string };
  users?: Array<
    { id: string; name: string; type?: "person" | "bot"; email?: string; avatar_url?: string }
  >;
  integrations?: Array<{ token: string; name: string; bot_id: string; shared: string[] }>;
  pages?: Array<
    {
      id: string;
      parent?: { page_id?: string; workspace?: boolean };
      title?: string;
      created_by?: string;
      last_edited_by?: string;
    }
  >;
  databases?: Array<{
    id: string;
    parent?: { page_id?: string; workspace?: boolean };
    title: string;
    data_sources: Array<{ id: string; title?: string; properties: Record<string, unknown> }>;
  }>;
  /** Rows created in order through the same validation as POST /v1/pages. */
  rows?: Array<{
    id?: string;
    data_source_id: string;
    properties: Record<string, unknown>;
    /** ISO creation time (default: the seed's now); last_edited_time follows it. */
    created_time?: string;
  }>;
  /** Also generate the demo workspace with this many tasks. */
  demo?: { tasks?: number };
}

/** What `--seed` / `POST /_emulator/reset` accept. */
export type SeedInput = "empty" | "demo" | `demo:${number}` | SeedSpec;

/** Fixed identifiers of the demo workspace. */
export const DEMO = {
  token: "secret_demo_notion_token",
  botId: "7775f3a3-893f-43fa-b625-460c61094c78",
  integrationName: "Supabase Sync (demo)",
  workspaceId: "231674b6-2cc1-46bc-b742-c5c9fe4b9c73",
  otherToken: "secret_other_notion_token",
  otherBotId: "0ef2e755-4c3a-4d1b-9a7e-2b8c1d0e3f44",
  users: [
    { id: "a4f789cc-7bc8-4cf0-82b9-a8ba7d985ecf", name: "Ada Lovelace", email: "ada@example.com" },
    {
      id: "b5e8a9dd-8cd9-4d01-93ca-b9cb8e096fd0",
      name: "Grace Hopper",
      email: "grace@example.com",
    },
    { id: "c6f9bae1-9dea-4e12-a4db-cadc9f1a70e1", name: "Alan Turing", email: "alan@example.com" },
    {
      id: "d70acbf2-aefb-4f23-b5ec-dbedaf2b81f2",
      name: "Katherine Johnson",
      email: "katherine@example.com",
    },
    {
      id: "e81bdc03-bf0c-4034-86fd-ecfebf3c9203",
      name: "Edsger Dijkstra",
      email: "edsger@example.com",
    },
  ],
  homePageId: "393abc1e-edcd-80f3-813b-e205934558c6",
  projectsDatabaseId: "1a2b3c4d-0000-8000-8000-000000000001",
  projectsDataSourceId: "1a2b3c4d-0000-8000-8000-0000000000d1",
  tasksDatabaseId: "1a2b3c4d-0000-8000-8000-000000000002",
  tasksDataSourceId: "1a2b3c4d-0000-8000-8000-0000000000d2",
  journalDatabaseId: "1a2b3c4d-0000-8000-8000-000000000003",
  journalDataSourceId: "1a2b3c4d-0000-8000-8000-0000000000d3",
  hostedFileKey: "f11e0000-0000-8000-8000-000000000001",
} as const;

/** Builds the state for a seed. */
export function buildState(input: SeedInput, opts: { now?: number } = {}): State {
  if (input === "empty") return emptyState(1, opts.now ?? Date.now());
  if (typeof input === "string") {
    const m = /^demo(?::(\d+))?$/.exec(input);
    if (!m) {
      throw new Error(`Unknown seed ${input}: use empty, demo, demo:<tasks> or a JSON SeedSpec`);
    }
    return buildSpec({ demo: { tasks: m[1] ? Number(m[1]) : 30 } }, opts.now);
  }
  return buildSpec(input, opts.now);
}

function titleRt(text: string): RichText[] {
  return normalizeRichText([{ text: { content: text } }], "seed.title", {
    userName: () => null,
    pageTitle: () => null,
    databaseTitle: () => null,
  });
}

function buildSpec(spec: SeedSpec, nowOverride?: number): State {
  const now = spec.now ? Date.parse(spec.now) : nowOverride ?? Date.now();
  const state = emptyState(20260704, now);
  const store = new Store(state, new Clock({ start: now, scale: 0 }));
  if (spec.workspace?.id) state.workspace.id = spec.workspace.id;
  if (spec.workspace?.name) state.workspace.name = spec.workspace.name;
  for (const u of spec.users ?? []) {
    state.users[u.id] = {
      id: u.id,
      type: u.type ?? "person",
      name: u.name,
      avatar_url: u.avatar_url ?? null,
      email: u.email,
    };
  }
  for (const i of spec.integrations ?? []) {
    state.users[i.bot_id] = { id: i.bot_id, type: "bot", name: i.name, avatar_url: null };
    state.integrations.push({
      token: i.token,
      name: i.name,
      botId: i.bot_id,
      shared: [...i.shared],
    });
  }
  const anyPerson = Object.values(state.users).find((u) => u.type === "person")?.id ??
    state.integrations[0]?.botId ?? "00000000-0000-8000-8000-000000000000";
  const actor: Actor = { userId: anyPerson };
  for (const p of spec.pages ?? []) {
    const parent = p.parent?.page_id ? { page_id: p.parent.page_id } : { workspace: true };
    const page = createPage(
      store,
      actor,
      { parent, properties: { title: p.title ? [{ text: { content: p.title } }] : [] } },
      "2025-09-03",
      p.id,
    );
    if (p.created_by) page.created_by = page.last_edited_by = p.created_by;
    if (p.last_edited_by) page.last_edited_by = p.last_edited_by;
  }
  for (const d of spec.databases ?? []) {
    addDatabase(store, actor, d.id, d.parent?.page_id ?? null, d.title, d.data_sources);
  }
  for (const r of spec.rows ?? []) {
    const page = createPage(
      store,
      actor,
      { parent: { data_source_id: r.data_source_id }, properties: r.properties },
      "2025-09-03",
      r.id,
    );
    if (r.created_time) page.created_time = page.last_edited_time = Date.parse(r.created_time);
  }
  if (spec.demo) addDemo(store, spec.demo.tasks ?? 30);
  store.snapshot();
  state.clock = { now, scale: 1 };
  return state;
}

function addDatabase(
  store: Store,
  actor: Actor,
  id: string,
  parentPage: string | null,
  title: string,
  sources: Array<{ id: string; title?: string; properties: Record<string, unknown> }>,
): Database {
  const t = store.now();
  const db: Database = {
    id,
    parent: parentPage ? { type: "page_id", id: parentPage } : { type: "workspace" },
    title: titleRt(title),
    description: [],
    icon: null,
    cover: null,
    is_inline: false,
    is_locked: false,
    in_trash: false,
    dataSourceIds: [],
    created_time: t,
    last_edited_time: t,
    created_by: actor.userId,
    last_edited_by: actor.userId,
  };
  store.state.databases[id] = db;
  if (parentPage) store.state.pages[parentPage]?.children.push(id);
  for (const s of sources) {
    const ds = newDataSource(
      store,
      actor,
      id,
      {
        title: [{ text: { content: s.title ?? title } }],
        properties: s.properties,
      },
      "seed",
      { id: s.id },
    );
    db.dataSourceIds.push(ds.id);
  }
  return db;
}

const WORDS = (
  "sync backlog release review sprint customer invoice dashboard latency cache schema migration " +
  "rollout metrics onboarding pipeline webhook retry budget roadmap feedback incident analytics " +
  "export import search filter mobile desktop offline conflict recovery audit permissions billing"
).split(" ");
const TAGS = ["frontend", "backend", "design", "bug", "research", "infra", "docs"];
const PROJECTS = [
  "Website relaunch",
  "Mobile app v2",
  "Data platform",
  "Customer portal",
  "Billing revamp",
  "Security audit",
  "Onboarding flow",
  "Analytics suite",
];

function sentence(rng: Rng, n: number): string {
  const words = Array.from({ length: n }, () => rng.pick(WORDS));
  return words[0][0].toUpperCase() + words.join(" ").slice(1) + ".";
}

/** A long, formatted description: bold/italic/code spans, a link, a mention, an equation. */
function description(rng: Rng, userIds: string[], paragraphs: number): unknown[] {
  const items: unknown[] = [];
  for (let i = 0; i < paragraphs; i++) {
    items.push({ text: { content: sentence(rng, 8 + rng.int(10)) + " " } });
    items.push({ text: { content: sentence(rng, 3 + rng.int(4)) }, annotations: { bold: true } });
    items.push({
      text: { content: " " + sentence(rng, 5) + " " },
      annotations: { italic: true, color: "blue" },
    });
    if (rng.next() < 0.5) {
      items.push({ text: { content: "run_sync()" }, annotations: { code: true } });
    }
    if (rng.next() < 0.4) {
      items.push({ text: { content: " see the spec", link: { url: "https://example.com/spec" } } });
    }
    if (rng.next() < 0.3) items.push({ mention: { user: { id: rng.pick(userIds) } } });
    if (rng.next() < 0.2) items.push({ equation: { expression: "E = mc^2" } });
    items.push({ text: { content: "\n" } });
  }
  return items;
}

/** Long journal text split into ≤ 2,000-character items, as Notion requires. */
function longText(rng: Rng, chars: number): unknown[] {
  let text = "";
  while (text.length < chars) text += sentence(rng, 6 + rng.int(12)) + " ";
  const items: unknown[] = [];
  for (let i = 0; i < text.length; i += 2000) {
    items.push({
      text: { content: text.slice(i, i + 2000) },
      annotations: i === 0 ? { bold: true } : undefined,
    });
  }
  return items;
}

function addDemo(store: Store, taskCount: number): void {
  const s = store.state;
  const rng = new Rng(99);
  const start = store.now();
  s.workspace.name = "Acme Product Team";
  for (const u of DEMO.users) {
    s.users[u.id] = { id: u.id, type: "person", name: u.name, avatar_url: null, email: u.email };
  }
  s.users[DEMO.botId] = {
    id: DEMO.botId,
    type: "bot",
    name: DEMO.integrationName,
    avatar_url: null,
  };
  s.users[DEMO.otherBotId] = {
    id: DEMO.otherBotId,
    type: "bot",
    name: "Other integration",
    avatar_url: null,
  };
  s.integrations.push({
    token: DEMO.token,
    name: DEMO.integrationName,
    botId: DEMO.botId,
    shared: [DEMO.homePageId],
  });
  s.integrations.push({
    token: DEMO.otherToken,
    name: "Other integration",
    botId: DEMO.otherBotId,
    shared: [],
  });
  const userIds = DEMO.users.map((u) => u.id);
  const actor: Actor = { userId: userIds[0] };
  createPage(
    store,
    actor,
    { parent: { workspace: true }, properties: { title: [{ text: { content: "Team Home" } }] } },
    "2025-09-03",
    DEMO.homePageId,
  );
  s.files[DEMO.hostedFileKey] = {
    key: DEMO.hostedFileKey,
    name: "requirements.txt",
    contentType: "text/plain",
    base64: btoa("Requirements: keep Notion and Supabase in sync.\n"),
  };

  addDatabase(store, actor, DEMO.projectsDatabaseId, DEMO.homePageId, "Projects", [{
    id: DEMO.projectsDataSourceId,
    properties: {
      Name: { title: {} },
      Status: {
        select: {
          options: [{ name: "Planning", color: "gray" }, { name: "Active", color: "green" }, {
            name: "On hold",
            color: "yellow",
          }, { name: "Done", color: "blue" }],
        },
      },
      Owner: { people: {} },
      Start: { date: {} },
      Budget: { number: { format: "dollar" } },
    },
  }]);
  addDatabase(store, actor, DEMO.tasksDatabaseId, DEMO.homePageId, "Tasks", [{
    id: DEMO.tasksDataSourceId,
    properties: {
      Name: { title: {} },
      Status: {
        status: {
          options: [
            { name: "Not started", color: "default" },
            { name: "In progress", color: "blue" },
            { name: "Blocked", color: "red" },
            { name: "Done", color: "green" },
          ],
          groups: [
            { name: "To-do", color: "gray", option_names: ["Not started"] },
            { name: "In progress", color: "blue", option_names: ["In progress", "Blocked"] },
            { name: "Complete", color: "green", option_names: ["Done"] },
          ],
        },
      },
      Assignees: { people: {} },
      Due: { date: {} },
      Tags: { multi_select: { options: TAGS.map((name) => ({ name })) } },
      Priority: {
        select: {
          options: [{ name: "High", color: "red" }, { name: "Medium", color: "yellow" }, {
            name: "Low",
            color: "gray",
          }],
        },
      },
      Estimate: { number: { format: "number" } },
      Done: { checkbox: {} },
      Description: { rich_text: {} },
      Project: {
        relation: {
          data_source_id: DEMO.projectsDataSourceId,
          type: "dual_property",
          dual_property: { synced_property_name: "Tasks" },
        },
      },
      Link: { url: {} },
      Contact: { email: {} },
      Phone: { phone_number: {} },
      Attachments: { files: {} },
      "Task ID": { unique_id: { prefix: "TASK" } },
      "Estimate (min)": { formula: { expression: 'prop("Estimate") * 60' } },
      Overdue: {
        formula: {
          expression: 'not prop("Done") and not empty(prop("Due")) and prop("Due") < now()',
        },
      },
      Created: { created_time: {} },
      "Created by": { created_by: {} },
      Updated: { last_edited_time: {} },
      "Updated by": { last_edited_by: {} },
    },
  }]);
  const projectsDs = s.dataSources[DEMO.projectsDataSourceId];
  changeSchema(store, projectsDs, {
    "Task count": {
      rollup: { function: "count", relation_property_name: "Tasks", rollup_property_name: "Name" },
    },
    "Done tasks": {
      rollup: {
        function: "checked",
        relation_property_name: "Tasks",
        rollup_property_name: "Done",
      },
    },
    "Total estimate": {
      rollup: {
        function: "sum",
        relation_property_name: "Tasks",
        rollup_property_name: "Estimate",
      },
    },
  });
  changeSchema(store, s.dataSources[DEMO.tasksDataSourceId], {
    "Project status": {
      rollup: {
        function: "show_original",
        relation_property_name: "Project",
        rollup_property_name: "Status",
      },
    },
  });
  addDatabase(store, actor, DEMO.journalDatabaseId, DEMO.homePageId, "Journal", [{
    id: DEMO.journalDataSourceId,
    properties: {
      Title: { title: {} },
      Date: { date: {} },
      Entry: { rich_text: {} },
      Mood: {
        select: {
          options: [{ name: "Great" }, { name: "Good" }, { name: "Meh" }, { name: "Rough" }],
        },
      },
      Author: { people: {} },
    },
  }]);

  const hour = 3_600_000;
  const stamp = (
    page: {
      created_time: number;
      last_edited_time: number;
      created_by: string;
      last_edited_by: string;
    },
    ageHours: number,
    by: string,
  ) => {
    page.created_time = start - ageHours * hour;
    page.last_edited_time = start - Math.floor(ageHours * rng.next()) * hour;
    page.created_by = by;
    page.last_edited_by = rng.pick(userIds);
  };
  const projectCount = Math.max(4, Math.min(PROJECTS.length * 50, Math.ceil(taskCount / 8)));
  const projectIds: string[] = [];
  for (let i = 0; i < projectCount; i++) {
    const name = PROJECTS[i % PROJECTS.length] +
      (i >= PROJECTS.length ? ` ${Math.floor(i / PROJECTS.length) + 1}` : "");
    const p = createPage(store, actor, {
      parent: { data_source_id: DEMO.projectsDataSourceId },
      properties: {
        Name: { title: [{ text: { content: name } }] },
        Status: { select: { name: rng.pick(["Planning", "Active", "Active", "On hold", "Done"]) } },
        Owner: { people: [{ id: rng.pick(userIds) }] },
        Start: {
          date: {
            start: new Date(start - (30 + rng.int(90)) * 24 * hour).toISOString().slice(0, 10),
          },
        },
        Budget: { number: 1000 * (5 + rng.int(95)) },
      },
    }, "2025-09-03");
    stamp(p, 24 * 60 + i, rng.pick(userIds));
    projectIds.push(p.id);
  }
  for (let i = 0; i < taskCount; i++) {
    const due = rng.next();
    const dueValue = due < 0.2
      ? null
      : due < 0.6
      ? { start: new Date(start + (rng.int(40) - 10) * 24 * hour).toISOString().slice(0, 10) }
      : due < 0.85
      ? {
        start: new Date(start + (rng.int(40) - 10) * 24 * hour).toISOString().slice(0, 16) + ":00",
        time_zone: "Europe/Paris",
      }
      : {
        start: new Date(start + rng.int(10) * 24 * hour).toISOString().slice(0, 10),
        end: new Date(start + (10 + rng.int(10)) * 24 * hour).toISOString().slice(0, 10),
      };
    const status = rng.pick(["Not started", "In progress", "In progress", "Blocked", "Done"]);
    const props: Record<string, unknown> = {
      Name: {
        title: [{ text: { content: `${sentence(rng, 3 + rng.int(4)).slice(0, -1)} #${i + 1}` } }],
      },
      Status: { status: { name: status } },
      Assignees: {
        people: [...new Set(Array.from({ length: rng.int(4) }, () => rng.pick(userIds)))].map((
          id,
        ) => ({ id })),
      },
      Due: { date: dueValue },
      Tags: {
        multi_select: [...new Set(Array.from({ length: rng.int(4) }, () => rng.pick(TAGS)))].map((
          name,
        ) => ({ name })),
      },
      Priority: {
        select: rng.next() < 0.15 ? null : { name: rng.pick(["High", "Medium", "Low"]) },
      },
      Estimate: { number: rng.next() < 0.2 ? null : 0.5 * (1 + rng.int(16)) },
      Done: { checkbox: status === "Done" },
      Description: { rich_text: description(rng, userIds, 1 + rng.int(4)) },
      Project: { relation: rng.next() < 0.1 ? [] : [{ id: rng.pick(projectIds) }] },
      Link: { url: rng.next() < 0.5 ? null : `https://github.com/acme/app/issues/${100 + i}` },
      Contact: {
        email: rng.next() < 0.6 ? null : `${rng.pick(["ops", "support", "pm"])}@example.com`,
      },
      Phone: {
        phone_number: rng.next() < 0.8 ? null : `+1 555 01${String(i % 100).padStart(2, "0")}`,
      },
      Attachments: {
        files: rng.next() < 0.7
          ? []
          : rng.next() < 0.5
          ? [{ name: "mockup.png", external: { url: "https://example.com/files/mockup.png" } }]
          : [{
            name: "requirements.txt",
            type: "file_upload",
            file_upload: { id: DEMO.hostedFileKey },
          }],
      },
    };
    const page = createPage(store, actor, {
      parent: { data_source_id: DEMO.tasksDataSourceId },
      properties: props,
    }, "2025-09-03");
    stamp(page, taskCount - i + 1, rng.pick(userIds));
  }
  const journalCount = Math.max(10, Math.ceil(taskCount / 3));
  for (let i = 0; i < journalCount; i++) {
    const day = new Date(start - (journalCount - i) * 24 * hour).toISOString().slice(0, 10);
    const page = createPage(store, actor, {
      parent: { data_source_id: DEMO.journalDataSourceId },
      properties: {
        Title: { title: [{ text: { content: `Journal ${day}` } }] },
        Date: { date: { start: day } },
        Entry: { rich_text: longText(rng, 1500 + rng.int(5000)) },
        Mood: { select: { name: rng.pick(["Great", "Good", "Meh", "Rough"]) } },
        Author: { people: [{ id: rng.pick(userIds) }] },
      },
    }, "2025-09-03");
    stamp(page, (journalCount - i) * 24, rng.pick(userIds));
  }
  for (const ds of Object.values(s.dataSources)) {
    ds.created_time = ds.last_edited_time = start - 24 * 90 * hour;
  }
  for (const db of Object.values(s.databases)) {
    db.created_time = db.last_edited_time = start - 24 * 90 * hour;
  }
  store.changed();
}
