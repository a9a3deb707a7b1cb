// Thin client: signs in with supabase-js, calls the functions with functions.invoke, renders.
const config = globalThis.NOTION_SYNC_CONFIG;
const client = globalThis.supabase.createClient(config.supabaseUrl, config.anonKey);
const $ = (id) => document.getElementById(id);

/** The error message of a functions.invoke failure, read from our { error: { message } } body. */
async function errorMessage(error) {
  try {
    const body = await error.context.json();
    return body.error?.message ?? error.message;
  } catch {
    return error.message;
  }
}

async function call(name, body) {
  const { data, error } = await client.functions.invoke(name, { body });
  if (error) throw new Error(await errorMessage(error));
  return data;
}

function renderSummary(result) {
  const items = [
    ["Status", result.status],
    ["Retrieved", result.retrieved],
    ["New records", result.newRecords],
    ["Matched", result.matched],
    ["Conflicts", result.conflicts],
    // relation fields whose related page or record is not linked yet (decided by a later run)
    ...(result.summary?.pending ? [["Waiting for a link", result.summary.pending]] : []),
    ["Run", result.runId],
  ];
  $("summary").replaceChildren(...items.flatMap(([k, v]) => {
    const dt = document.createElement("dt");
    dt.textContent = k;
    const dd = document.createElement("dd");
    dd.textContent = String(v);
    dd.dataset.field = k.toLowerCase().replace(/ /g, "-");
    return [dt, dd];
  }));
}

function cell(value) {
  const td = document.createElement("td");
  td.textContent = value === null || value === undefined
    ? ""
    : Array.isArray(value)
    ? value.join(", ")
    : String(value);
  return td;
}

function renderRows(rows) {
  const hidden = new Set(["owner_id"]);
  // Titles first, keys and timestamps last, the rest as the table has them.
  const rank = (c) => (c === "title" || c === "name" ? 0 : /_id$|_at$/.test(c) ? 2 : 1);
  const columns = rows.length
    ? Object.keys(rows[0]).filter((c) => !hidden.has(c)).sort((a, b) => rank(a) - rank(b))
    : [];
  const head = document.createElement("tr");
  head.append(
    ...columns.map((c) => Object.assign(document.createElement("th"), { textContent: c })),
  );
  $("rows").tHead.replaceChildren(head);
  $("rows").tBodies[0].replaceChildren(...rows.map((row) => {
    const tr = document.createElement("tr");
    tr.append(...columns.map((c) => cell(row[c])));
    return tr;
  }));
  $("row-count").textContent = `(${rows.length})`;
}

function text(value) {
  if (value === null || value === undefined) return "—";
  if (Array.isArray(value) && value.every((x) => typeof x === "object" && x && "plain_text" in x)) {
    return value.map((x) => x.plain_text).join("") || "—";
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/** What a deletion question's state means, in a sentence (details.state, set in SQL). */
const STATES = {
  page_missing: {
    unverified: "A full scan did not see this page; it has not been read in Notion yet.",
    trashed: "The page is in Notion's trash.",
    moved: "The page was moved out of the data source.",
    unshared:
      "Notion does not find the page: it was deleted for good, or is no longer shared with the integration.",
    gone: "The page is gone from Notion.",
  },
  record_deleted: { deleted: "The record was deleted in Supabase." },
};

/** The three decisions, worded for the question: a deletion's answers delete or bring back. */
const ANSWERS = {
  page_missing: ["Delete the record", "Restore the page"],
  record_deleted: ["Restore the record", "Trash the page"],
};

/** One open conflict: its fields side by side and the three decisions a person can take. */
function conflictCard(c) {
  const card = document.createElement("article");
  card.className = "conflict";
  card.dataset.conflictId = c.conflict_id;
  const title = document.createElement("h3");
  const kind = c.kind.replaceAll("_", " ");
  const page = c.page_title ? `“${c.page_title}” (page ${c.page_id})` : `page ${c.page_id ?? "—"}`;
  title.textContent = `${kind[0].toUpperCase()}${kind.slice(1)} · ${page}`;
  card.append(title);
  if (c.details?.error) {
    // why Notion refused a write (push_failed, formatting_would_be_lost): one line per field
    card.append(Object.assign(document.createElement("p"), {
      className: "why",
      textContent: c.details.error,
    }));
  }
  if (c.fields.length) {
    const table = document.createElement("table");
    const head = document.createElement("tr");
    head.append(
      ...["field", "base", "Notion", "Supabase"].map((h) =>
        Object.assign(document.createElement("th"), { textContent: h })
      ),
    );
    table.append(
      head,
      ...c.fields.map((f) => {
        const tr = document.createElement("tr");
        tr.append(
          ...[f.field, text(f.base), text(f.notion), text(f.supabase)].map((v) =>
            Object.assign(document.createElement("td"), { textContent: v })
          ),
        );
        return tr;
      }),
    );
    card.append(table);
  } else if (c.details?.state) {
    const said = STATES[c.kind]?.[c.details.state] ?? `state: ${c.details.state}`;
    const putBack = c.details.record === "put back"
      ? " The record was put back (same key) after the pair was forgotten."
      : "";
    card.append(
      Object.assign(document.createElement("p"), {
        className: "state",
        textContent: said + putBack,
      }),
    );
    if (c.details.last_values) {
      card.append(Object.assign(document.createElement("p"), {
        className: "last-values",
        textContent: `Last values: ${
          Object.entries(c.details.last_values).map(([k, v]) => `${k}: ${text(v)}`).join(", ")
        }`,
      }));
    }
  }
  const actions = document.createElement("div");
  actions.className = "actions";
  const [notionLabel, supabaseLabel] = ANSWERS[c.kind] ?? ["Keep Notion", "Keep Supabase"];
  for (
    const [resolution, label] of [["prefer_notion", notionLabel], [
      "prefer_supabase",
      supabaseLabel,
    ], ["skip", "Skip"]]
  ) {
    const button = Object.assign(document.createElement("button"), {
      type: "button",
      textContent: label,
    });
    if (resolution === "skip") button.className = "secondary";
    button.addEventListener("click", async () => {
      $("sync-error").textContent = "";
      try {
        const result = await call("review", {
          action: "resolve",
          conflictId: c.conflict_id,
          // the question as shown: if a run added to it since, nothing changes and we look again
          version: c.version,
          resolution,
        });
        // stale or pending: nothing changed, and the message says why
        if (result.message) $("sync-error").textContent = result.message;
        await refresh();
      } catch (e) {
        $("sync-error").textContent = e.message;
      }
    });
    actions.append(button);
  }
  card.append(actions);
  return card;
}

async function loadReview() {
  const databaseType = $("retrieve-form").databaseType.value;
  const [{ conflicts }, { recovery }] = await Promise.all([
    call("review", { action: "conflicts", databaseType }),
    call("review", { action: "recovery", databaseType }),
  ]);
  $("conflicts").replaceChildren(...conflicts.map(conflictCard));
  $("conflict-count").textContent = `(${conflicts.length})`;
  $("no-conflicts").hidden = conflicts.length > 0;
  const r = recovery[0];
  $("recovery").hidden = !r || r.recommendation === "none";
  if (r) {
    $("recovery").textContent = `Recovery: ${r.recommendation.replaceAll("_", " ")} — ${r.reason}.`;
  }
}

async function refresh() {
  await Promise.all([loadRows(), loadReview()]);
}

async function loadRows() {
  const { rows } = await call("review", {
    action: "rows",
    databaseType: $("retrieve-form").databaseType.value,
  });
  renderRows(rows);
}

async function show(session) {
  $("signin").hidden = Boolean(session);
  $("sync").hidden = !session;
  $("who").textContent = session ? session.user.email : "";
  if (session) await refresh().catch((e) => ($("sync-error").textContent = e.message));
}

$("signin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  $("signin-error").textContent = "";
  const { data, error } = await client.auth.signInWithPassword({
    email: form.email.value,
    password: form.password.value,
  });
  if (error) $("signin-error").textContent = error.message;
  else await show(data.session);
});

$("retrieve-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.target;
  const button = $("retrieve");
  button.disabled = true;
  button.textContent = "Retrieving…";
  $("sync-error").textContent = "";
  try {
    renderSummary(
      await call("retrieve-from-database", {
        databaseType: form.databaseType.value,
        mode: form.mode.value,
        createUnmatched: form.createUnmatched.checked,
        dryRun: form.dryRun.checked,
      }),
    );
    await refresh();
  } catch (e) {
    $("sync-error").textContent = e.message;
  } finally {
    button.disabled = false;
    button.textContent = "Retrieve from Notion";
  }
});

$("signout").addEventListener("click", async () => {
  await client.auth.signOut();
  await show(null);
});

if (config.demoEmail) {
  $("signin-form").email.value = config.demoEmail;
  $("signin-form").password.value = config.demoPassword ?? "";
}
const { data } = await client.auth.getSession();
await show(data.session);
