import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import { stagePages } from "../_shared/staging.ts";
import { demoMappingFor, freshUser } from "../../../stack/testing.ts";

/** A page whose properties hold text JSON escapes differently from one serializer to another. */
function page(id: string, note: string) {
  const text = (content: string) => [{
    type: "text",
    text: { content, link: null },
    annotations: { bold: false, italic: true, code: false, color: "default" },
    plain_text: content,
    href: null,
  }];
  return {
    object: "page",
    id,
    last_edited_time: "2026-11-26T10:00:00.000Z",
    in_trash: false,
    archived: false,
    properties: {
      Name: { id: "title", type: "title", title: text(`Task ${id}`) },
      Note: { id: "n%3Bte", type: "rich_text", rich_text: text(note) },
      Estimate: { id: "est", type: "number", number: 1.5e-7 },
    },
  };
}

Deno.test("stagePages sends a page in full only when Postgres has not staged its properties as they are", async () => {
  const user = await freshUser("staging");
  await demoMappingFor(user);
  const tricky = 'Zoë 😀 "quoted" </script> \\ back\nslash\ttab \u2028 \u0007 🇫🇷 x'.repeat(20);
  const pages = [page("p1", tricky), page("p2", "plain"), page("p3", "")];
  const stage = (batch: Record<string, unknown>[]) =>
    asUser(user.claims, async (tx) => {
      const [{ run }] =
        await tx`select notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id' as run`;
      const full = await stagePages(tx, run, batch);
      const [{ retrieved }] =
        await tx`select retrieved from notion_sync.runs where run_id = ${run}`;
      await tx`select notion_sync_api.finish_run(${run}, 'completed')`;
      return { full, retrieved };
    });
  try {
    assert.deepEqual(await stage(pages), { full: 3, retrieved: 3 }, "new pages go in full");
    assert.deepEqual(
      await stage(structuredClone(pages)),
      { full: 0, retrieved: 3 },
      "the digest computed here is the one stored with the page, escapes and emoji included",
    );
    const edited = structuredClone(pages);
    edited[0].properties.Note.rich_text[0].annotations.bold = true;
    assert.deepEqual(await stage(edited), { full: 1, retrieved: 3 }, "only the edited page goes");
    const [row] = await asUser(
      user.claims,
      (tx) =>
        tx`select raw -> 'properties' -> 'Note' -> 'rich_text' -> 0 -> 'annotations' ->> 'bold' as bold
           from notion_sync.staged_pages where page_id = 'p1'`,
    );
    assert.equal(row.bold, "true", "the edited page is staged as Notion sent it");
  } finally {
    await closeDb();
  }
});
