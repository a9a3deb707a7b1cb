/**
 * The schedule end to end, as pg_cron drives it on hosted: the tick's call of the worker
 * (notion_sync.call_worker: net.http_post with the URL and secret from Vault, sent by the local
 * pg_net stand-in) reaches the worker function, which runs each kind of scheduled job as the
 * mapping's owner. Which jobs are due is the tick's other half, tested in supabase/tests/schedule;
 * here the jobs are queued for this test's mapping only (the tick would queue them for every
 * test's mappings).
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { asUser, closeDb } from "../_shared/db.ts";
import { stackEnv } from "../../../stack/setup.ts";
import {
  emulatorNotion,
  freshUser,
  tickUntilRun,
  titleOnlyMapping,
} from "../../../stack/testing.ts";

Deno.test("scheduled full scans, incremental retrieves and pushes run through the tick's call of the worker", async () => {
  const admin = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
  const notion = emulatorNotion();
  try {
    const user = await freshUser("scheduled");
    const { dataSourceId } = await titleOnlyMapping(user, "scheduled", "scheduled_tasks");
    for (const name of ["Water the plants", "Call the bank"]) {
      await notion.pages.create({
        parent: { type: "data_source_id", data_source_id: dataSourceId },
        properties: { Name: { title: [{ text: { content: name } }] } },
      } as never);
    }
    const db = <T>(fn: Parameters<typeof asUser>[1]) => asUser(user.claims, fn) as Promise<T>;
    // the first import makes rows of the pages (else they wait unmatched for a person's first run)
    await db((tx) => tx`update notion_sync.mappings set create_unmatched = true`);

    const jobIds: string[] = [];
    /** Queues a job as the tick would, then ticks until the worker has run it (or it failed). */
    const schedule = async (kind: string) => {
      const [{ job_id }] = await db<{ job_id: string }[]>((tx) =>
        tx`insert into notion_sync.jobs (owner_id, mapping_id, kind)
           select owner_id, mapping_id, ${kind} from notion_sync.mappings where name = 'scheduled'
           returning job_id::text`
      );
      jobIds.push(job_id);
      return await tickUntilRun(user.claims, job_id);
    };

    const scan = await schedule("full_scan");
    assert.deepEqual(scan.last_error, null, "the full scan ran without error");
    const names = async () =>
      (await db<{ name: string }[]>((tx) =>
        tx`select name from public.scheduled_tasks order by name`
      ))
        .map((r) => r.name);
    assert.deepEqual(
      await names(),
      ["Call the bank", "Water the plants"],
      "the scan imported the pages",
    );

    await db((tx) =>
      tx`update public.scheduled_tasks set name = 'Call the bank at nine' where name = 'Call the bank'`
    );
    assert.equal((await schedule("incremental")).last_error, null, "the incremental retrieve ran");
    assert.equal((await schedule("push")).last_error, null, "the push ran");
    const titles = [];
    for (
      const p of (await notion.dataSources.query({ data_source_id: dataSourceId }) as never as {
        results: { properties: { Name: { title: { plain_text: string }[] } } }[];
      }).results
    ) {
      titles.push(p.properties.Name.title.map((t) => t.plain_text).join(""));
    }
    assert.deepEqual(
      titles.sort(),
      ["Call the bank at nine", "Water the plants"],
      "the edit made in Supabase reached Notion by the scheduled push",
    );

    const runs = await db<{ kind: string; mode: string; status: string }[]>((tx) =>
      tx`select kind, mode, status from notion_sync_api.runs where mapping = 'scheduled' order by started_at`
    );
    assert.deepEqual(
      [...runs],
      [
        { kind: "retrieve", mode: "full", status: "completed" },
        { kind: "retrieve", mode: "incremental", status: "completed" },
        { kind: "push", mode: "full", status: "completed" },
      ],
      "each job ran as one run of the mapping's owner",
    );
    const answers = (await admin`select status_code, content from net._http_response`)
      .map((r) => ({ status: r.status_code, ran: JSON.parse(r.content ?? "{}").ran ?? [] }))
      .filter((a) => a.ran.some((j: { jobId: string }) => jobIds.includes(j.jobId)));
    assert.deepEqual(
      answers.map((a) => [a.status, a.ran.length]),
      [[200, 1], [200, 1], [200, 1]],
      "the worker answered each of the tick's calls that ran this mapping's jobs with 200, one job each",
    );
  } finally {
    await admin.end();
    await closeDb();
  }
});
