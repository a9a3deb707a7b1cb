import assert from "node:assert/strict";
import { asUser, closeDb } from "../../supabase/functions/_shared/db.ts";
import { freshUser } from "../testing.ts";

Deno.test("asUser runs as authenticated with the caller's claims, through the pooler, under RLS", async () => {
  const alice = await freshUser("alice");
  const bob = await freshUser("bob");
  try {
    const who = await asUser(alice.claims, async (tx) => {
      const [row] = await tx`select current_user as role, auth.uid()::text as uid`;
      return row;
    });
    assert.equal(who.role, "authenticated");
    assert.equal(who.uid, alice.id);

    await asUser(
      bob.claims,
      (tx) => tx`insert into notion_sync_demo.tasks (title) values ('Bob only')`,
    );
    const aliceSees = await asUser(
      alice.claims,
      (tx) => tx`select title from notion_sync_demo.tasks where title = 'Bob only'`,
    );
    assert.equal(aliceSees.length, 0, "RLS must hide Bob's row from Alice");
    const bobSees = await asUser(
      bob.claims,
      (tx) => tx`select owner_id::text from notion_sync_demo.tasks where title = 'Bob only'`,
    );
    assert.deepEqual(bobSees.map((r) => r.owner_id), [bob.id]);

    // Nothing leaks into the next transaction on the same pooled connection.
    const { db } = await import("../../supabase/functions/_shared/db.ts");
    const [after] = await db()`select current_user as role, auth.uid() as uid`;
    assert.equal(after.role, "postgres");
    assert.equal(after.uid, null);
  } finally {
    await closeDb();
  }
});

Deno.test("asUser turns a not-found raised by SQL into a 404 and a busy mapping into a 409", async () => {
  const user = await freshUser("errors");
  try {
    await assert.rejects(
      asUser(user.claims, (tx) => tx`select notion_sync_api.start_run('no-such-mapping')`),
      (e: { status: number; message: string }) =>
        e.status === 404 && /no mapping named "no-such-mapping"/.test(e.message),
    );
  } finally {
    await closeDb();
  }
});

Deno.test("asUser turns a value the target table's constraints refuse into a 409 naming the column", async () => {
  const user = await freshUser("refused");
  try {
    await assert.rejects(
      asUser(
        user.claims,
        (tx) => tx`insert into notion_sync_demo.tasks (title, updated_at) values ('x', null)`,
      ),
      (e: { status: number; code: string; message: string }) =>
        e.status === 409 && e.code === "refused_by_table" && /updated_at/.test(e.message),
    );
  } finally {
    await closeDb();
  }
});
