/**
 * How long residue matching (notion_sync_api.match_residue) takes for 5,000 staged Notion pages
 * against 5,000 records of the demo tasks table, with realistic, partly overlapping titles: some
 * equal (up to case and spacing), some near (a typo, a plural, a word added or dropped), the rest
 * unrelated. Prints the timings, the counts, and the plans showing that the trigram index on
 * staged_pages is probed inside one join (no per-record loop in PL/pgSQL). Everything happens in
 * one transaction that is rolled back. Numbers only, no timed assertions.
 *
 * Run: cd /work/main && source stack/lib.sh && deno run -A bench/matching_bench.ts
 * (reads DB_URL; the database needs the migrations up to 20261126000600_match_pages.sql).
 */

import postgres from "postgres";

const PAGES = 5_000;
const EXACT = 1_500; // titles on both sides, equal once normalized
const NEAR = 1_500; // a record title and an edited page title
const UNRELATED = PAGES - EXACT - NEAR; // on each side

const dbUrl = Deno.env.get("DB_URL");
if (!dbUrl) throw new Error("DB_URL is not set (source stack/lib.sh)");

/** A small deterministic generator (mulberry32), so every run stages the same titles. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VERBS = (
  "Review|Write|Update|Prepare|Fix|Plan|Draft|Schedule|Migrate|Test|Design|Refactor|" +
  "Document|Deploy|Audit|Archive|Translate|Publish|Clean up|Estimate|Approve|Benchmark|" +
  "Rename|Split|Merge|Order|Renew|Book|Call|Email"
).split("|");
const OBJECTS = (
  "the onboarding guide|quarterly budget|login page|billing webhook|release notes|" +
  "customer interviews|API rate limits|invoice template|search index|team offsite|" +
  "privacy policy|mobile navigation|error dashboard|support macros|pricing page|" +
  "data retention rules|hiring plan|sprint board|landing page copy|backup restore drill|" +
  "SSO settings|CSV export|notification emails|dark mode|accessibility audit|checkout flow|" +
  "partner contract|security questionnaire|office lease|travel policy|design tokens|" +
  "status page|integration tests|changelog|roadmap slides|warehouse schema|tax forms|" +
  "vendor list|Slack alerts|user permissions|password reset|signup funnel|cohort report|" +
  "feature flags|cache invalidation|board meeting deck|expense reports|OKR draft|" +
  "brand guidelines|podcast episode|newsletter|help center|cron jobs|load balancer|" +
  "cost report|GDPR request|trial emails|referral program|bug bash|retro notes"
).split("|");
const QUALIFIERS = (
  "for Q3|for Q4|before launch|with legal|for the EU|in Notion|for mobile|for enterprise|" +
  "v2|after the migration|with design|for the board|(urgent)|for Berlin office|" +
  "for Lisbon team|next week|by Friday|for partners|in staging|for the audit|with finance|" +
  "for onboarding|follow-up|round 2|for APAC|for the demo|for support|phase 1|phase 2|" +
  "for 2027"
).split("|");

const rnd = random(42);
const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
const used = new Set<string>();
function freshTitle(): string {
  for (;;) {
    const t = `${pick(VERBS)} ${pick(OBJECTS)} ${pick(QUALIFIERS)}`;
    if (!used.has(t.toLowerCase())) {
      used.add(t.toLowerCase());
      return t;
    }
  }
}
/** The same title as a person might retype it: other case, doubled or trailing spaces. */
function restyled(t: string): string {
  const r = rnd();
  if (r < 0.3) return t.toLowerCase();
  if (r < 0.5) return ` ${t.replace(" ", "  ")} `;
  if (r < 0.6) return t.toUpperCase();
  return t;
}
/** A near title: a typo, a plural, a word added or dropped. */
function edited(t: string): string {
  const words = t.split(" ");
  switch (Math.floor(rnd() * 4)) {
    case 0: { // swap two letters inside a word
      const i = Math.floor(rnd() * words.length);
      const w = words[i];
      if (w.length > 3) words[i] = w[0] + w[2] + w[1] + w.slice(3);
      else words.push("draft");
      return words.join(" ");
    }
    case 1:
      return `${t}s`;
    case 2:
      return `${t} draft`;
    default:
      return words.length > 3 ? words.filter((_, i) => i !== 1).join(" ") : `${t} again`;
  }
}

const records: string[] = [];
const pages: string[] = [];
for (let i = 0; i < EXACT; i++) {
  const t = freshTitle();
  records.push(t);
  pages.push(restyled(t));
}
for (let i = 0; i < NEAR; i++) {
  const t = freshTitle();
  records.push(t);
  pages.push(edited(t));
}
for (let i = 0; i < UNRELATED; i++) records.push(freshTitle());
for (let i = 0; i < UNRELATED; i++) pages.push(freshTitle());

function page(i: number, title: string) {
  const id = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
  return {
    object: "page",
    id,
    created_time: "2026-11-01T09:00:00.000Z",
    last_edited_time: "2026-11-26T10:00:00.000Z",
    in_trash: false,
    archived: false,
    properties: {
      Name: {
        id: "title",
        type: "title",
        title: [{
          type: "text",
          text: { content: title, link: null },
          plain_text: title,
          href: null,
        }],
      },
    },
  };
}

const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;
class Rollback extends Error {}
const sql = postgres(dbUrl, { max: 1, prepare: false, onnotice: () => {} });

try {
  await sql.begin(async (tx) => {
    // set-up, as postgres: a user, a connection and a mapping onto the demo table
    const [{ uid }] = await tx`
      insert into auth.users (id, email, email_confirmed_at)
      values (gen_random_uuid(), 'matching-bench@example.com', now()) returning id as uid`;
    const [{ conn }] = await tx`
      insert into notion_sync.connections (owner_id, name, token_ciphertext)
      values (${uid}, 'bench', 'v1.bench') returning connection_id as conn`;
    const [{ mapping }] = await tx`
      insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema,
                                        target_table, key_column, owner_column, field_map, match_threshold)
      values (${uid}, ${conn}, 'tasks', 'ds-bench', 'notion_sync_demo', 'tasks', 'task_id', 'owner_id',
              '[{"property_id":"title","name":"Name","type":"title","column":"title"}]', 0.6)
      returning mapping_id as mapping`;
    let t0 = performance.now();
    await tx`
      insert into notion_sync_demo.tasks (owner_id, title)
      select ${uid}, t from unnest(${records}::text[]) t`;
    console.log(`inserted ${records.length} records in ${ms(t0)}`);

    // as the user, the way the functions call it
    await tx`select set_config('request.jwt.claims', ${
      JSON.stringify({ sub: uid, role: "authenticated" })
    }, true), set_config('role', 'authenticated', true)`;
    const [{ run }] =
      await tx`select (notion_sync_api.start_run('tasks') ->> 'run_id')::uuid as run`;
    t0 = performance.now();
    let batchTime = 0;
    for (let b = 0; b < PAGES; b += 100) {
      const batch = pages.slice(b, b + 100).map((t, j) => page(b + j, t));
      await tx`select notion_sync_api.stage_pages(${run}, ${JSON.stringify(batch)}::text::jsonb)`;
      const tb = performance.now();
      await tx`select notion_sync_api.match_batch(${run}, ${batch.map((p) => p.id)}::text[])`;
      batchTime += performance.now() - tb;
    }
    console.log(
      `staged ${PAGES} pages in 50 batches in ${ms(t0)} (tier 0 match_batch: ${
        batchTime.toFixed(0)
      } ms in total)`,
    );
    await tx`select notion_sync_api.complete_scan(${run})`;

    const probes = async () =>
      (await tx`select pg_stat_get_xact_numscans(
                  'notion_sync.staged_pages_title_norm_trgm_idx'::regclass)::int as n`)[0]
        .n as number;
    const probesBefore = await probes();
    t0 = performance.now();
    const [{ result }] = await tx`select notion_sync_api.match_residue(${run}) as result`;
    console.log(`\nmatch_residue: ${ms(t0)}`);
    console.log(`  result: ${JSON.stringify(result)}`);
    console.log(
      `  trigram index probes: ${
        (await probes()) - probesBefore
      } (one per record still unlinked after exact titles)`,
    );
    t0 = performance.now();
    const [{ again }] = await tx`select notion_sync_api.match_residue(${run}) as again`;
    console.log(`match_residue re-run: ${ms(t0)}`);
    console.log(`  result: ${JSON.stringify(again)}`);

    const links =
      await tx`select count(*)::int as n from notion_sync.links where mapping_id = ${mapping}`;
    const kinds = await tx`
      select c.kind, coalesce(cand ->> 'confidence', '-') as confidence, count(*)::int as n
      from notion_sync.conflicts c
      left join lateral (select c.details -> 'candidates' -> 0 as cand) x on true
      where c.mapping_id = ${mapping} and c.status = 'open'
      group by 1, 2 order by 1, 2`;
    console.log(
      `\ndesigned: ${EXACT} exact pairs, ${NEAR} near pairs, ${UNRELATED} unrelated on each side`,
    );
    console.log(`links: ${links[0].n}`);
    for (const k of kinds) {
      console.log(`open ${k.kind} conflicts (best candidate ${k.confidence}): ${k.n}`);
    }

    // The plan of the candidate query of notion_sync.title_candidates (security definer: it runs as
    // the table owner, as here), with the records residue as match_residue passes it.
    await tx`select set_config('role', 'postgres', true)`;
    const [{ keys, norms }] = await tx`
      select array_agg(r.record_key) as keys, array_agg(r.title_norm) as norms
      from notion_sync.match_records(${mapping}, 'residue') r`;
    // as the function's SET clauses do
    await tx`select set_config('pg_trgm.similarity_threshold', '0.6', true),
                    set_config('enable_seqscan', 'off', true)`;
    const plan = await tx.unsafe(
      `explain (analyze, costs off, timing off, summary on)
       with records as materialized (
         select u.record_key, u.title_norm
         from unnest($1::text[], $2::text[]) as u(record_key, title_norm)
         where u.title_norm is not null
       )
       select sp.page_id, r.record_key, extensions.similarity(sp.title_norm, r.title_norm)
       from records r
       cross join lateral (
         select s.page_id, s.title_norm, s.mapping_id, s.owner_id, s.seen_in_run, s.in_trash
         from notion_sync.staged_pages s
         where s.title_norm operator(extensions.%) r.title_norm
         offset 0
       ) sp
       where sp.mapping_id = $3 and sp.owner_id = $4 and sp.seen_in_run = $5 and not sp.in_trash`,
      [keys, norms, mapping, uid, run],
    );
    console.log("\nplan of the trigram candidate join (notion_sync.title_candidates):");
    for (const row of plan) console.log(`  ${row["QUERY PLAN"]}`);

    // No matching function loops over rows: the only PL/pgSQL loop is over configured column names.
    const loops = await tx`
      select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
      where n.nspname in ('notion_sync', 'notion_sync_api')
        and p.proname in ('match_batch', 'match_residue', 'match_residue_titles', 'fill_residue_titles', 'match_records', 'title_candidates', 'complete_scan')
        and p.prosrc ~* '\\mfor\\s+\\w+\\s+in\\s+(select|execute)'`;
    console.log(
      `\nmatching functions with a row loop (for … in select/execute): ${
        loops.length === 0 ? "none" : loops.map((l) => l.proname).join(", ")
      }`,
    );
    throw new Rollback();
  });
} catch (e) {
  if (!(e instanceof Rollback)) throw e;
  console.log("rolled back");
} finally {
  await sql.end();
}
