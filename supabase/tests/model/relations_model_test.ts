/**
 * Model test of relation columns that hold a related mapping's record keys: fast-check drives
 * random sequences of Notion edits of a task's Project relation, Supabase edits of its project keys
 * (including a project made in Supabase that has no page, and one whose page is linked only
 * later), syncs with pushes that succeed or fail, resolutions and the late link, against the
 * Postgres functions with a simple in-memory Notion. Values are compared as project letters (the
 * Notion page, or the record key, of project A, B or C). After every step: no edit is lost, and no
 * base holds a value one side never held. At the end, once everything is linked and resolved, both
 * sides agree. Fixed seed, so a failure replays.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import postgres from "postgres";
import { asUser, closeDb } from "../../functions/_shared/db.ts";
import { stagePages } from "../../functions/_shared/staging.ts";
import { activity, testStack } from "../../../stack/testing.ts";
import type { UserClaims } from "../../functions/_shared/auth.ts";
import {
  failArb,
  notionPage,
  policyArb,
  pushOutbox,
  resolveAllForNotion,
  resolveArb,
  resolveOldest,
  runModel,
  titleProperty,
} from "./steps.ts";

/** The task pages at the start; t2 is made in Notion by an op, with a relation that may wait. */
const TASKS = ["t0", "t1"];
/** What a person may pick on each side (Notion has pages for A and B only). */
const NOTION_VALUES = ["", "A", "B", "AB", "BA"];
const SUPABASE_VALUES = ["", "A", "B", "C", "AC"];
const PAGE_OF: Record<string, string> = { A: "pa", B: "pb" };

type Op =
  | { t: "notion"; task: number; value: number }
  | { t: "supabase"; task: number; value: number }
  | {
    t: "sync";
    fail: "none" | "transient" | "permanent";
    policy: "manual" | "prefer_notion" | "prefer_supabase";
  }
  | { t: "link" }
  | { t: "add"; value: number }
  | { t: "resolve"; action: "prefer_notion" | "prefer_supabase" | "skip" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("notion" as const),
    task: fc.nat(1),
    value: fc.nat(NOTION_VALUES.length - 1),
  }),
  fc.record({
    t: fc.constant("supabase" as const),
    task: fc.nat(1),
    value: fc.nat(SUPABASE_VALUES.length - 1),
  }),
  fc.record({
    t: fc.constant("sync" as const),
    fail: failArb,
    policy: policyArb,
  }),
  fc.record({ t: fc.constant("link" as const) }),
  fc.record({ t: fc.constant("add" as const), value: fc.nat(NOTION_VALUES.length - 1) }),
  resolveArb,
);

const projectPage = (letter: string) =>
  notionPage(PAGE_OF[letter], { Name: titleProperty(`Project ${letter}`) });
const taskPage = (id: string, letters: string) =>
  notionPage(id, {
    Name: titleProperty(`Task ${id}`),
    Project: {
      id: "pr%3A",
      type: "relation",
      has_more: false,
      relation: [...letters].map((l) => ({ id: PAGE_OF[l] })),
    },
  });

class World {
  notion: Record<string, string> = {};
  pages = [...TASKS];
  /** Record keys of the projects that have a record (C from the start, B once linked). */
  keys: Record<string, string> = {};
  heldN = new Map<string, Set<string>>();
  heldS = new Map<string, Set<string>>();
  mustSurvive = new Map<string, string>();

  constructor(readonly claims: UserClaims) {}

  /** Project letters of record keys (null and [] are both ""). */
  letters(keys: unknown): string {
    if (!Array.isArray(keys)) return "";
    const byKey = Object.fromEntries(Object.entries(this.keys).map(([l, k]) => [k, l]));
    return keys.map((k) => byKey[k] ?? "?").join("");
  }

  async supabase(): Promise<Record<string, string>> {
    const rows = await asUser(
      this.claims,
      (tx) =>
        tx`select l.page_id, t.project_keys from public.model_tasks t
           join notion_sync.links l on l.record_key = t.task_id::text
           join notion_sync.mappings m on m.mapping_id = l.mapping_id and m.name = 'tasks'`,
    );
    return Object.fromEntries(rows.map((r) => [r.page_id, this.letters(r.project_keys)]));
  }

  async syncProjects(letters: string) {
    await asUser(this.claims, async (tx) => {
      const [{ id }] =
        await tx`select notion_sync_api.start_run('projects', 'retrieve', 'incremental') ->> 'run_id' as id`;
      await stagePages(tx, id, [...letters].map(projectPage));
      await tx`select notion_sync_api.reconcile(${id}, '{"create_unmatched": true}')`;
      await tx`select notion_sync_api.finish_run(${id}, 'completed')`;
      for (const l of letters) {
        const [{ k }] = await tx`select record_key as k from notion_sync.links where page_id = ${
          PAGE_OF[l]
        }`;
        this.keys[l] = k;
      }
    });
  }

  async sync(op: Extract<Op, { t: "sync" }>) {
    await asUser(this.claims, async (tx) => {
      const [{ id }] =
        await tx`select notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id' as id`;
      await stagePages(tx, id, this.pages.map((t) => taskPage(t, this.notion[t])));
      await tx`select notion_sync_api.reconcile(${id}, ${tx.json({ policy: op.policy } as never)})`;
      await tx`select notion_sync_api.finish_run(${id}, 'completed')`;
    });
    // a run that chose a side lets that side win divergent fields: the other side's edits are no
    // longer owed
    if (op.policy === "prefer_notion") this.release("supabase");
    if (op.policy === "prefer_supabase") this.release("notion");
    await pushOutbox(
      this.claims,
      "tasks",
      op.fail,
      (pageId) => taskPage(pageId, this.notion[pageId]),
      (pageId, props) => {
        const relation = (props["pr%3A"] as { relation: { id: string }[] } | undefined)?.relation;
        if (!relation) return;
        const letterOf = Object.fromEntries(Object.entries(PAGE_OF).map(([l, p]) => [p, l]));
        this.notion[pageId] = relation.map((r) => letterOf[r.id] ?? "?").join("");
      },
    );
  }

  release(side: "notion" | "supabase", task?: string, decided?: unknown[]) {
    for (const [k, v] of [...this.mustSurvive]) {
      const [t, s] = k.split("/");
      if (s !== side || (task !== undefined && t !== task)) continue;
      if (decided === undefined || decided.includes(v)) this.mustSurvive.delete(k);
    }
  }

  async apply(op: Op) {
    if (op.t === "notion") {
      const task = this.pages[op.task % this.pages.length];
      if (this.notion[task] === NOTION_VALUES[op.value]) return;
      this.notion[task] = NOTION_VALUES[op.value];
      this.mustSurvive.set(`${task}/notion`, NOTION_VALUES[op.value]);
    } else if (op.t === "supabase") {
      await this.supabaseEdit(this.pages[op.task % this.pages.length], SUPABASE_VALUES[op.value]);
    } else if (op.t === "sync") {
      await this.sync(op);
    } else if (op.t === "link") {
      await this.syncProjects("AB");
    } else if (op.t === "add") {
      if (this.pages.includes("t2")) return;
      this.pages.push("t2");
      this.notion.t2 = NOTION_VALUES[op.value];
      this.mustSurvive.set("t2/notion", NOTION_VALUES[op.value]);
    } else if (op.t === "resolve") {
      const c = await resolveOldest(this.claims, op.action);
      if (!c) return;
      const shown = Object.values(c.fields)
        .flatMap((f) => [this.letters(f.notion), this.letters(f.supabase)]);
      this.release("notion", c.page_id, shown);
      this.release("supabase", c.page_id, shown);
    }
  }

  async supabaseEdit(task: string, value: string) {
    if ([...value].some((l) => !this.keys[l])) return; // no record to pick yet
    const now = await this.supabase();
    if (!(task in now) || now[task] === value) return; // no record yet, or no edit
    await asUser(
      this.claims,
      (tx) =>
        tx`update public.model_tasks t set project_keys = ${
          [...value].map((l) => this.keys[l])
        }::text[]
           from notion_sync.links l where l.record_key = t.task_id::text and l.page_id = ${task}`,
    );
    this.mustSurvive.set(`${task}/supabase`, value);
  }

  async check(step: string) {
    const s = await this.supabase();
    for (const t of this.pages) {
      if (!this.heldN.has(t)) this.heldN.set(t, new Set());
      if (!this.heldS.has(t)) this.heldS.set(t, new Set());
      this.heldN.get(t)!.add(this.notion[t]);
      if (t in s) this.heldS.get(t)!.add(s[t]);
    }
    const held = await asUser(this.claims, async (tx) => ({
      conflicts: await tx`select page_id, fields from notion_sync.conflicts where status = 'open'`,
      outbox:
        await tx`select page_id, fields from notion_sync.outbox where status in ('pending', 'in_flight')`,
      links: await tx`select l.page_id, l.base from notion_sync.links l
                      join notion_sync.mappings m on m.mapping_id = l.mapping_id and m.name = 'tasks'`,
    }));
    for (const [k, value] of this.mustSurvive) {
      const task = k.split("/")[0];
      const places = [
        this.notion[task],
        ...(task in s ? [s[task]] : []),
        ...held.conflicts.filter((c) => c.page_id === task).flatMap((c) => [
          this.letters(c.fields?.project_keys?.notion),
          this.letters(c.fields?.project_keys?.supabase),
        ]),
        ...held.outbox.filter((o) => o.page_id === task).map((o) =>
          this.letters(o.fields?.project_keys?.value)
        ),
      ];
      assert.ok(
        places.includes(value),
        `${step}: the edit ${k} = ${value} was lost (now: ${JSON.stringify(places)})`,
      );
      const base = held.links.find((l) => l.page_id === task)?.base;
      if (base && "project_keys" in base && this.letters(base.project_keys) === value) {
        this.mustSurvive.delete(k);
      }
    }
    for (const l of held.links) {
      if (!("project_keys" in l.base)) continue;
      const v = this.letters(l.base.project_keys);
      assert.ok(
        this.heldN.get(l.page_id)?.has(v) && this.heldS.get(l.page_id)?.has(v),
        `${step}: base ${l.page_id} = ${v} was never held by both sides`,
      );
    }
  }

  /** Link everything, drop the project Notion has no page for, resolve, sync until quiet. */
  async converge() {
    await this.syncProjects("AB");
    const s = await this.supabase();
    for (const t of this.pages) if (t in s) await this.supabaseEdit(t, s[t].replaceAll("C", ""));
    for (let round = 0; round < 6; round++) {
      await resolveAllForNotion(this.claims);
      await this.sync({ t: "sync", fail: "none", policy: "manual" });
    }
    const after = await this.supabase();
    const links = await asUser(
      this.claims,
      (tx) =>
        tx`select l.page_id, l.base from notion_sync.links l
                 join notion_sync.mappings m on m.mapping_id = l.mapping_id and m.name = 'tasks'`,
    );
    for (const t of this.pages) {
      assert.equal(after[t], this.notion[t], `after converging, ${t} differs between the sides`);
      assert.equal(
        this.letters(links.find((l) => l.page_id === t)?.base.project_keys),
        this.notion[t],
        `after converging, the base of ${t} lags`,
      );
    }
    const before = await activity(this.claims);
    await this.sync({ t: "sync", fail: "none", policy: "manual" });
    assert.deepEqual(
      await activity(this.claims),
      before,
      "a sync after converging queued a push or asked a question",
    );
  }
}

Deno.test("relation columns of record keys: no edit is lost, no base is a value a side never held, and linking and resolving everything converges", async () => {
  const { stack } = await testStack();
  const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  await admin`select tests.owner_only_table('model_projects',
    'project_id uuid primary key default gen_random_uuid(), name text')`;
  await admin`select tests.owner_only_table('model_tasks',
    'task_id uuid primary key default gen_random_uuid(), title text, project_keys text[]')`;
  try {
    await runModel(opArb, 30, async () => {
      const [{ id }] =
        await admin`select tests.create_user(${`relmodel-${crypto.randomUUID()}@example.com`})::text as id`;
      const claims: UserClaims = { sub: id, role: "authenticated" };
      const world = new World(claims);
      for (const t of TASKS) world.notion[t] = "";
      await asUser(claims, async (tx) => {
        const [{ c }] = await tx`insert into notion_sync.connections (name, token_ciphertext)
            values ('model', 'v1.test.ciphertext') returning connection_id::text as c`;
        await tx`select notion_sync_api.stage_schema(${
          tx.json({
            object: "data_source",
            id: "ds-mprojects",
            properties: { Name: { id: "title", name: "Name", type: "title", title: {} } },
          } as never)
        })`;
        await tx`select notion_sync_api.stage_schema(${
          tx.json({
            object: "data_source",
            id: "ds-mtasks",
            properties: {
              Name: { id: "title", name: "Name", type: "title", title: {} },
              Project: {
                id: "pr%3A",
                name: "Project",
                type: "relation",
                relation: {
                  data_source_id: "ds-mprojects",
                  type: "single_property",
                  single_property: {},
                },
              },
            },
          } as never)
        })`;
        const common = {
          connection_id: c,
          owner_column: "owner_id",
          create_unmatched: true,
          bulk_threshold_rows: 1000,
        };
        await tx`select notion_sync_api.save_mapping(${
          tx.json({
            ...common,
            name: "projects",
            data_source_id: "ds-mprojects",
            target_table: "model_projects",
            key_column: "project_id",
            field_map: [{ property_id: "title", name: "Name", type: "title", column: "name" }],
          } as never)
        })`;
        await tx`select notion_sync_api.save_mapping(${
          tx.json({
            ...common,
            name: "tasks",
            data_source_id: "ds-mtasks",
            target_table: "model_tasks",
            key_column: "task_id",
            field_map: [
              { property_id: "title", name: "Name", type: "title", column: "title" },
              {
                property_id: "pr%3A",
                name: "Project",
                type: "relation",
                column: "project_keys",
                related_mapping: "projects",
              },
            ],
          } as never)
        })`;
        const [{ k }] = await tx`insert into public.model_projects (name) values ('Project C')
            returning project_id::text as k`;
        world.keys.C = k;
      });
      await world.syncProjects("A");
      await world.sync({ t: "sync", fail: "none", policy: "manual" });
      return world;
    });
  } finally {
    await admin.end();
    await closeDb();
  }
});
