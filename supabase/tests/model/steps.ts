/**
 * Steps both model tests take: draining the outbox against an in-memory Notion, and a person
 * resolving everything.
 */
import fc from "fast-check";
import { asUser } from "../../functions/_shared/db.ts";
import type { UserClaims } from "../../functions/_shared/auth.ts";

/** A Notion page object as the in-memory Notion of the model tests gives it. */
export function notionPage(id: string, properties: Record<string, unknown>) {
  return {
    object: "page",
    id,
    created_time: "2026-11-01T09:00:00.000Z",
    last_edited_time: "2026-11-26T10:00:00.000Z",
    in_trash: false,
    properties,
  };
}

/** A title property value holding this text. */
export const titleProperty = (text: string) => ({
  id: "title",
  type: "title",
  title: [{ type: "text", text: { content: text, link: null }, plain_text: text, href: null }],
});

/**
 * Claims a mapping's due outbox items and, for each the pre-push check lets through, fails it
 * (transient or permanent, due again at once) or writes it: `apply` patches the in-memory page
 * with the PATCH's properties, and the page as it then is, from `page`, is the read-back.
 */
export async function pushOutbox(
  claims: UserClaims,
  mapping: string,
  fail: "none" | "transient" | "permanent",
  page: (pageId: string) => Record<string, unknown>,
  apply: (pageId: string, properties: Record<string, unknown>) => void,
) {
  const items = await asUser(
    claims,
    (tx) => tx`select * from notion_sync_api.claim_outbox(${mapping}, 100)`,
  );
  for (const item of items) {
    const check = await asUser(claims, async (tx) => {
      const [{ c }] = await tx`select notion_sync_api.check_push(${item.outbox_id}, ${
        tx.json(page(item.page_id) as never)
      }) as c`;
      return c;
    });
    if (check.decision !== "write") continue;
    if (fail !== "none") {
      // retry_after 0: a transient failure is due again at the next sync, whatever the clock says
      await asUser(
        claims,
        (tx) =>
          tx`select notion_sync_api.fail_push(${item.outbox_id}, ${"injected " + fail}, ${
            fail === "permanent"
          }, 0)`,
      );
      continue;
    }
    apply(item.page_id, check.properties);
    await asUser(
      claims,
      (tx) =>
        tx`select notion_sync_api.confirm_push(${item.outbox_id}, ${
          tx.json(page(item.page_id) as never)
        })`,
    );
  }
}

/**
 * The person's part of converging: every open conflict (but a bulk review) and every dismissed
 * value conflict resolved for Notion, and every pending push due now.
 */
export async function resolveAllForNotion(claims: UserClaims) {
  const open = await asUser(
    claims,
    (tx) =>
      tx`select conflict_id from notion_sync.conflicts
         where (status = 'open' and kind <> 'bulk_change')
            or (status = 'dismissed' and kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed'))`,
  );
  for (const c of open) {
    await asUser(
      claims,
      (tx) => tx`select notion_sync_api.resolve_conflict(${c.conflict_id}, 'prefer_notion')`,
    );
  }
  await asUser(
    claims,
    (tx) => tx`update notion_sync.outbox set next_attempt_at = now() where status = 'pending'`,
  );
}

/** What a model test's world does: one op, the invariants after it, and converging at the end. */
export interface ModelWorld<Op> {
  apply(op: Op): Promise<void>;
  check(step: string): Promise<void>;
  converge(): Promise<void>;
}

/**
 * Runs sequences of 5 to 25 ops: a fresh world from `setup` for each, checked after set-up and
 * after every op, then converged. Fixed seed (MODEL_SEED), `runs` sequences (MODEL_RUNS).
 */
export async function runModel<Op>(
  opArb: fc.Arbitrary<Op>,
  runs: number,
  setup: () => Promise<ModelWorld<Op>>,
) {
  await fc.assert(
    fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: 25 }), async (ops) => {
      const world = await setup();
      await world.check("setup");
      for (const [i, op] of ops.entries()) {
        await world.apply(op);
        await world.check(`step ${i} ${JSON.stringify(op)}`);
      }
      await world.converge();
    }),
    {
      seed: Number(Deno.env.get("MODEL_SEED") ?? 20261126),
      numRuns: Number(Deno.env.get("MODEL_RUNS") ?? runs),
    },
  );
}

/** How a sync's pushes end (mostly well), and the run policy a sync uses (mostly manual). */
export const failArb = fc.constantFrom(
  "none" as const,
  "none" as const,
  "transient" as const,
  "permanent" as const,
);
export const policyArb = fc.constantFrom(
  "manual" as const,
  "manual" as const,
  "prefer_notion" as const,
  "prefer_supabase" as const,
);
/** A person resolving the oldest open conflict. */
export const resolveArb = fc.record({
  t: fc.constant("resolve" as const),
  action: fc.constantFrom("prefer_notion" as const, "prefer_supabase" as const, "skip" as const),
});

/**
 * A person resolves the oldest open value or record conflict; returns it (page and fields as
 * shown), or null when there was none or the answer changed nothing (stale, pending).
 */
export async function resolveOldest(
  claims: UserClaims,
  action: "prefer_notion" | "prefer_supabase" | "skip",
): Promise<{ page_id: string; fields: Record<string, Record<string, unknown>> } | null> {
  const [c] = await asUser(
    claims,
    (tx) =>
      tx`select conflict_id, page_id, fields from notion_sync.conflicts where status = 'open'
         and kind not in ('bulk_change', 'match_review', 'ambiguous') order by created_at, page_id, kind limit 1`,
  );
  if (!c) return null;
  const [{ r }] = await asUser(
    claims,
    (tx) => tx`select notion_sync_api.resolve_conflict(${c.conflict_id}, ${action}) as r`,
  );
  return r.status === "stale" || r.status === "pending"
    ? null
    : { page_id: c.page_id, fields: c.fields };
}
