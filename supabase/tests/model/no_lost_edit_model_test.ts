/**
 * Model test of the sync core at the SQL level: fast-check drives random sequences of Notion
 * edits, Supabase edits, syncs (staging + reconcile + pushes that succeed or fail), resolutions,
 * undos and reverts against the Postgres functions, with a simple in-memory Notion. After every
 * step: no edit is lost, and no base runs ahead of a confirmed write. At the end, resolving
 * everything converges both sides. Fixed seed, so a failure replays.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import postgres from "postgres";
import { asUser, closeDb, type Tx } from "../../functions/_shared/db.ts";
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

type Field = "title" | "status";
const FIELDS: Field[] = ["title", "status"];
const VALUES: Record<Field, string[]> = {
  title: ["Alpha", "Beta", "Gamma"],
  status: ["Todo", "Doing", "Done"],
};
const PAGES = ["p0", "p1", "p2"];

type Op =
  | { t: "notion"; page: number; field: Field; value: number }
  | { t: "supabase"; page: number; field: Field; value: number }
  /** A person sets a page's done column to null: what Notion's unchecked box already says. */
  | { t: "blank"; page: number }
  | {
    t: "sync";
    fail: "none" | "transient" | "permanent";
    policy: "manual" | "prefer_notion" | "prefer_supabase";
    /** A person editing Notion between the plan and the push (the pre-push check's window). */
    race: { page: number; field: Field; value: number } | null;
  }
  | { t: "resolve"; action: "prefer_notion" | "prefer_supabase" | "skip" }
  | { t: "undo" }
  | { t: "revert"; which: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    t: fc.constant("notion" as const),
    page: fc.nat(2),
    field: fc.constantFrom<Field>("title", "status"),
    value: fc.nat(2),
  }),
  fc.record({
    t: fc.constant("supabase" as const),
    page: fc.nat(2),
    field: fc.constantFrom<Field>("title", "status"),
    value: fc.nat(2),
  }),
  fc.record({ t: fc.constant("blank" as const), page: fc.nat(2) }),
  fc.record({
    t: fc.constant("sync" as const),
    fail: failArb,
    policy: policyArb,
    race: fc.option(
      fc.record({
        page: fc.nat(2),
        field: fc.constantFrom<Field>("title", "status"),
        value: fc.nat(2),
      }),
      { freq: 3 },
    ),
  }),
  resolveArb,
  fc.record({ t: fc.constant("undo" as const) }),
  fc.record({ t: fc.constant("revert" as const), which: fc.nat(5) }),
);

interface NotionPage {
  title: string;
  status: string;
}

function pageJson(id: string, p: NotionPage) {
  return notionPage(id, {
    Name: titleProperty(p.title),
    Status: { id: "st%3A", type: "status", status: { name: p.status } },
    Done: { id: "dn%3A", type: "checkbox", checkbox: false },
  });
}

/** Applies a PATCH's properties to the in-memory Notion page, as Notion would. */
function applyPatch(p: NotionPage, properties: Record<string, any>) {
  if (properties.title) {
    p.title = properties.title.title.map((t: any) => t.text?.content ?? t.plain_text ?? "").join(
      "",
    );
  }
  if (properties["st%3A"]) p.status = properties["st%3A"].status.name;
}

class World {
  notion: Record<string, NotionPage> = {};
  /** Values each side has held (per page/field), for the base invariant. */
  heldN = new Map<string, Set<string>>();
  heldS = new Map<string, Set<string>>();
  /** The latest value a person wrote on each side that must not vanish, per page/field/side. */
  mustSurvive = new Map<string, string>();
  runs: string[] = [];

  constructor(readonly claims: UserClaims) {}

  key(page: string, field: Field) {
    return `${page}/${field}`;
  }

  async supabase(tx?: Tx): Promise<Record<string, Record<Field, string | null>>> {
    const read = async (t: Tx) =>
      await t`select l.page_id, t.title, t.status from notion_sync_demo.tasks t
              join notion_sync.links l on l.record_key = t.task_id::text`;
    const rows = tx ? await read(tx) : await asUser(this.claims, read);
    return Object.fromEntries(rows.map((r) => [r.page_id, { title: r.title, status: r.status }]));
  }

  async record() {
    const s = await this.supabase();
    for (const page of PAGES) {
      for (const f of FIELDS) {
        const k = this.key(page, f);
        if (!this.heldN.has(k)) this.heldN.set(k, new Set());
        if (!this.heldS.has(k)) this.heldS.set(k, new Set());
        this.heldN.get(k)!.add(this.notion[page][f]);
        if (s[page]?.[f] != null) this.heldS.get(k)!.add(s[page][f]!);
      }
    }
  }

  async sync(op: Extract<Op, { t: "sync" }>) {
    const run = await asUser(this.claims, async (tx) => {
      const [{ id }] =
        await tx`select notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id' as id`;
      await stagePages(tx, id, PAGES.map((p) => pageJson(p, this.notion[p])));
      await tx`select notion_sync_api.reconcile(${id}, ${tx.json({ policy: op.policy } as never)})`;
      await tx`select notion_sync_api.finish_run(${id}, 'completed')`;
      return id as string;
    });
    this.runs.push(run);
    if (op.race) this.notionEdit(op.race.page, op.race.field, op.race.value);
    // a run that chose a side lets that side win divergent fields (logged, undoable): the other
    // side's edits are no longer owed
    if (op.policy === "prefer_notion") this.releaseSide("supabase");
    if (op.policy === "prefer_supabase") this.releaseSide("notion");
    await pushOutbox(
      this.claims,
      "tasks",
      op.fail,
      (id) => pageJson(id, this.notion[id]),
      (id, properties) => applyPatch(this.notion[id], properties),
    );
  }

  /** A person edits a Notion page. */
  notionEdit(index: number, field: Field, value: number) {
    const page = PAGES[index];
    if (this.notion[page][field] === VALUES[field][value]) return; // writing the same value is no edit
    this.notion[page][field] = VALUES[field][value];
    this.mustSurvive.set(`${this.key(page, field)}/notion`, VALUES[field][value]);
  }

  /** Edits of one side are no longer owed once a run chose the other side. */
  releaseSide(side: "notion" | "supabase") {
    for (const k of [...this.mustSurvive.keys()]) {
      if (k.endsWith(`/${side}`)) this.mustSurvive.delete(k);
    }
  }

  /**
   * A person's decision releases exactly the values they decided about (the ones a conflict
   * showed, or the ones a reverted run wrote); an edit made since stays owed.
   */
  release(page: string, decided: Record<string, Record<string, unknown>>) {
    for (const [field, sides] of Object.entries(decided)) {
      for (const side of ["notion", "supabase"]) {
        const k = `${page}/${field}/${side}`;
        if (
          this.mustSurvive.get(k) !== undefined &&
          Object.values(sides).includes(this.mustSurvive.get(k))
        ) {
          this.mustSurvive.delete(k);
        }
      }
    }
  }

  async apply(op: Op) {
    if (op.t === "notion") {
      this.notionEdit(op.page, op.field, op.value);
    } else if (op.t === "supabase") {
      const page = PAGES[op.page];
      const value = VALUES[op.field][op.value];
      if ((await this.supabase())[page]?.[op.field] === value) return; // writing the same value is no edit
      await asUser(
        this.claims,
        (tx) =>
          tx`update notion_sync_demo.tasks t set ${tx(op.field)} = ${value}
           from notion_sync.links l where l.record_key = t.task_id::text and l.page_id = ${page}`,
      );
      this.mustSurvive.set(`${this.key(page, op.field)}/supabase`, value);
    } else if (op.t === "blank") {
      await asUser(
        this.claims,
        (tx) =>
          tx`update notion_sync_demo.tasks t set done = null
           from notion_sync.links l where l.record_key = t.task_id::text and l.page_id = ${
            PAGES[op.page]
          }`,
      );
    } else if (op.t === "sync") {
      await this.sync(op);
    } else if (op.t === "resolve") {
      const c = await resolveOldest(this.claims, op.action);
      if (c) this.release(c.page_id, c.fields);
    } else if (op.t === "undo") {
      const [c] = await asUser(
        this.claims,
        (tx) =>
          tx`select conflict_id, page_id from notion_sync.conflicts where status = 'resolved'
           and resolution ->> 'action' <> 'obsolete' order by resolved_at desc limit 1`,
      );
      if (!c) return;
      const written = await asUser(
        this.claims,
        (tx) =>
          tx`select field, new_value from notion_sync.changes where conflict_id = ${c.conflict_id} and undone_at is null`,
      );
      await asUser(
        this.claims,
        (tx) => tx`select notion_sync_api.undo_resolution(${c.conflict_id})`,
      );
      this.release(
        c.page_id,
        Object.fromEntries(written.map((w) => [w.field, { value: w.new_value }])),
      );
    } else if (op.t === "revert") {
      if (this.runs.length === 0) return;
      const run = this.runs[op.which % this.runs.length];
      const written = await asUser(
        this.claims,
        (tx) =>
          tx`select page_id, field, new_value from notion_sync.changes where run_id = ${run} and undone_at is null`,
      );
      await asUser(this.claims, (tx) => tx`select notion_sync_api.revert_run(${run})`);
      for (const w of written) this.release(w.page_id, { [w.field]: { value: w.new_value } });
    }
  }

  async check(step: string) {
    await this.record();
    const s = await this.supabase();
    const held = await asUser(this.claims, async (tx) => {
      const conflicts =
        await tx`select page_id, fields from notion_sync.conflicts where status = 'open'`;
      const outbox =
        await tx`select page_id, fields from notion_sync.outbox where status in ('pending', 'in_flight')`;
      const links = await tx`select page_id, base from notion_sync.links`;
      return { conflicts, outbox, links };
    });
    // no lost edit
    for (const [k, value] of this.mustSurvive) {
      const [page, field] = k.split("/") as [string, Field];
      const places = [
        this.notion[page][field],
        s[page]?.[field],
        ...held.conflicts.filter((c) => c.page_id === page).flatMap((
          c,
        ) => [c.fields?.[field]?.notion, c.fields?.[field]?.supabase]),
        ...held.outbox.filter((o) => o.page_id === page).map((o) => o.fields?.[field]?.value),
      ];
      assert.ok(
        places.includes(value),
        `${step}: the edit ${k} = ${value} was lost (now: ${JSON.stringify(places)})`,
      );
      // once both sides agreed on it (it is the base), a later edit may replace it
      if (held.links.find((l) => l.page_id === page)?.base?.[field] === value) {
        this.mustSurvive.delete(k);
      }
    }
    // no base ahead of a confirmed write: every base value was held by both sides at some point
    for (const l of held.links) {
      for (const f of FIELDS) {
        if (!(f in l.base)) continue;
        const k = this.key(l.page_id, f);
        assert.ok(
          this.heldN.get(k)?.has(l.base[f]) && this.heldS.get(k)?.has(l.base[f]),
          `${step}: base ${k} = ${l.base[f]} was never confirmed on both sides`,
        );
      }
    }
  }

  /**
   * Resolve everything, push everything, sync until quiet; both sides must then agree, and one
   * more sync queues no push and asks nothing.
   */
  async converge() {
    for (let round = 0; round < 8; round++) {
      await resolveAllForNotion(this.claims);
      await this.sync({ t: "sync", fail: "none", policy: "manual", race: null });
    }
    const s = await this.supabase();
    const links = await asUser(
      this.claims,
      (tx) => tx`select page_id, base from notion_sync.links`,
    );
    for (const page of PAGES) {
      for (const f of FIELDS) {
        assert.equal(
          s[page][f],
          this.notion[page][f],
          `after converging, ${page}/${f} differs between the sides`,
        );
        assert.equal(
          links.find((l) => l.page_id === page)?.base[f],
          this.notion[page][f],
          `after converging, the base of ${page}/${f} lags`,
        );
      }
    }
    const before = await activity(this.claims);
    await this.sync({ t: "sync", fail: "none", policy: "manual", race: null });
    assert.deepEqual(
      await activity(this.claims),
      before,
      "a sync after converging queued a push or asked a question",
    );
  }
}

Deno.test("no edit is lost, no base runs ahead of a confirmed write, and resolving everything converges", async () => {
  const { stack } = await testStack();
  const admin = postgres(stack.dbUrl, { max: 1, onnotice: () => {} });
  try {
    await runModel(opArb, 40, async () => {
      const [{ id }] =
        await admin`select tests.create_user(${`model-${crypto.randomUUID()}@example.com`})::text as id`;
      const [{ mapping }] = await admin`select tests.create_demo_mapping(${id})::text as mapping`;
      await admin`update notion_sync.mappings set bulk_threshold_rows = 1000 where mapping_id = ${mapping}`;
      const claims: UserClaims = { sub: id, role: "authenticated" };
      const world = new World(claims);
      for (const p of PAGES) world.notion[p] = { title: "Alpha", status: "Todo" };
      await asUser(claims, async (tx) => {
        await tx`select notion_sync.attach_change_capture(${mapping})`;
        await tx`select notion_sync_api.stage_schema(tests.demo_data_source())`;
        await tx`select tests.sync_pages(${
          tx.json(PAGES.map((p) => pageJson(p, world.notion[p])) as never)
        }, '{"create_unmatched": true}')`;
      });
      return world;
    });
  } finally {
    await admin.end();
    await closeDb();
  }
});
