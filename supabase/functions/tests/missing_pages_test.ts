/**
 * Pages a completed full scan no longer sees are retrieved one by one after the run reconciles, and
 * what Notion answers decides their state: in the trash, moved to another data source, or a 404
 * (deleted for good or no longer shared). Under hold each becomes a question that says so; under
 * trash_other_side a page verified as trashed takes its record along.
 */
import assert from "node:assert/strict";
import { asUser, closeDb } from "../_shared/db.ts";
import {
  EMULATOR_TOKEN,
  emulatorControl,
  freshUser,
  newEmulatorDataSource,
  syncCalls,
  titleOnlyMapping,
} from "../../../stack/testing.ts";

/** New pages of these titles in the data source, as a person makes them in Notion; ids by title. */
async function newPages(dataSourceId: string, titles: string[]): Promise<Record<string, string>> {
  const ids: Record<string, string> = {};
  for (const title of titles) {
    const page = await emulatorControl("pages", {
      parent: { data_source_id: dataSourceId },
      properties: { Name: { title: [{ type: "text", text: { content: title } }] } },
    });
    ids[title] = page.id;
  }
  return ids;
}

Deno.test("pages a full scan missed are verified in Notion: trashed, moved and gone are told apart, and trash_other_side follows a trash", async () => {
  try {
    const user = await freshUser("missing");
    const { dataSourceId, mappingId } = await titleOnlyMapping(user, "missing", "missing_tasks");
    const calls = syncCalls("missing", user.jwt);
    const ids = await newPages(dataSourceId, [
      "kept",
      "trashed",
      "moved",
      "purged",
      "trashed later",
    ]);
    await calls.retrieve({ mode: "full", createUnmatched: true });
    const rows = () =>
      asUser(user.claims, (tx) => tx`select name from public.missing_tasks order by name`)
        .then((rs) => rs.map((r) => r.name));
    assert.deepEqual(await rows(), ["kept", "moved", "purged", "trashed", "trashed later"]);

    const elsewhere = await newEmulatorDataSource("missing elsewhere", { Name: { title: {} } });
    await emulatorControl(`pages/${ids.trashed}`, { in_trash: true });
    await emulatorControl(`pages/${ids.moved}/move`, {
      parent: { type: "data_source_id", data_source_id: elsewhere },
    });
    await emulatorControl(`pages/${ids.purged}/purge`, {});
    const held = await calls.retrieve({ mode: "full" });
    assert.deepEqual(held.missingPages, {
      verified: { trashed: 1, moved: 1, unshared: 1 },
      left: 0,
    });
    const questions = await asUser(
      user.claims,
      (tx) =>
        tx`select page_id, details ->> 'state' as state from notion_sync.conflicts
         where mapping_id = ${mappingId} and kind = 'page_missing' and status = 'open'`,
    );
    assert.deepEqual(
      Object.fromEntries(questions.map((q) => [q.page_id, q.state])),
      { [ids.trashed]: "trashed", [ids.moved]: "moved", [ids.purged]: "unshared" },
    );
    assert.deepEqual(await rows(), ["kept", "moved", "purged", "trashed", "trashed later"]);

    // the next scan asks nothing more and retrieves nothing again
    const again = await calls.retrieve({ mode: "full" });
    assert.deepEqual(again.missingPages, { verified: {}, left: 0 });

    await asUser(
      user.claims,
      (tx) =>
        tx`update notion_sync.mappings set delete_policy = 'trash_other_side' where mapping_id = ${mappingId}`,
    );
    await emulatorControl(`pages/${ids["trashed later"]}`, { in_trash: true });
    const followed = await calls.retrieve({ mode: "full" });
    assert.deepEqual(followed.missingPages, { verified: { trashed: 1 }, left: 0 });
    assert.deepEqual(await rows(), ["kept", "moved", "purged", "trashed"]);
  } finally {
    await closeDb();
  }
});

Deno.test("a page Notion refuses to read (a 4xx other than 404) does not hold up the others: it waits for a later run", async () => {
  const faults: string[] = [];
  try {
    const user = await freshUser("missing-refused");
    const { dataSourceId } = await titleOnlyMapping(user, "refused", "refused_tasks");
    const calls = syncCalls("refused", user.jwt);
    const ids = Object.values(await newPages(dataSourceId, ["one", "two"]));
    await calls.retrieve({ mode: "full", createUnmatched: true });
    for (const id of ids) await emulatorControl(`pages/${id}`, { in_trash: true });
    // the first page to verify (by id) is refused
    const [first] = [...ids].sort();
    faults.push(
      ...(await emulatorControl("faults", {
        rules: [{
          method: "GET",
          path: `/^\\/v1\\/pages\\/${first}$/`,
          token: EMULATOR_TOKEN,
          action: "error",
          status: 403,
        }],
      })).ids,
    );
    const held = await calls.retrieve({ mode: "full" });
    assert.deepEqual(held.missingPages.verified, { trashed: 1 });
    assert.equal(held.missingPages.left, 1);
    assert.match(held.missingPages.error, new RegExp(`retrieving page ${first}`));

    while (faults.length) await emulatorControl(`faults/${faults.pop()}`, undefined, "DELETE");
    const later = await calls.retrieve({ mode: "full" });
    assert.deepEqual(later.missingPages, { verified: { trashed: 1 }, left: 0 });
  } finally {
    while (faults.length) await emulatorControl(`faults/${faults.pop()}`, undefined, "DELETE");
    await closeDb();
  }
});
