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
  if (session) await loadRows().catch((e) => ($("sync-error").textContent = e.message));
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
    await loadRows();
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
