// Thin client: signs in with supabase-js, calls the functions with functions.invoke, renders.
// The server decides; the client only chooses which answers to offer and how to word them.
const config = globalThis.NOTION_SYNC_CONFIG;
const client = globalThis.supabase.createClient(config.supabaseUrl, config.anonKey);
const $ = (id) => document.getElementById(id);

/** The review handler's default limits: a list this long may have been cut. */
const CONFLICT_LIMIT = 200;
const ROW_LIMIT = 100;
/** How many rows of a held bulk change's diff a card shows. */
const DIFF_ROWS = 10;

/** An element with properties (textContent, className, …) and children. */
function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

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

function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}

/** The run summary: what the run did (or, dry, would do) to each side, as the answer says. */
function renderSummary(result, askedDry) {
  const s = result.summary ?? {};
  const dry = result.summary ? result.summary.dry_run === true : askedDry;
  const would = (did, wouldDo) => (dry ? wouldDo : did);
  const items = [
    ["Status", dry ? `${result.status} (dry run: nothing was changed)` : result.status, "status"],
    ["Retrieved", result.retrieved, "retrieved"],
    ["New records", result.newRecords, "new-records"],
    ["Matched", result.matched, "matched"],
    ["Conflicts", result.conflicts, "conflicts"],
  ];
  if (result.summary) {
    items.push(
      [would("Rows inserted", "Rows to insert"), s.inserts ?? 0, "inserts"],
      [would("Notion pages created", "Notion pages to create"), s.creates ?? 0, "creates"],
      [
        would("Records updated from Notion", "Records to update from Notion"),
        s.notion_to_supabase ?? 0,
        "notion-to-supabase",
      ],
      [
        would("Pages updated from Supabase", "Pages to update from Supabase"),
        s.supabase_to_notion ?? 0,
        "supabase-to-notion",
      ],
      ["Pairs with a side gone", s.missing ?? 0, "missing"],
      ["Records in conflict", s.conflicts ?? 0, "summary-conflicts"],
      [
        "Held for review",
        s.held?.length
          ? `${s.held.map((h) => HELD[h]?.name ?? h).join(", ")} (more than ${s.threshold} changes)`
          : "none",
        "held",
      ],
    );
    // relation fields whose related page or record is not linked yet (decided by a later run)
    if (s.pending) items.push(["Waiting for a link", s.pending, "pending"]);
  }
  if (result.status === "running" && result.progress) {
    items.push([
      "Still running",
      `${result.progress.pagesRead} pages read; the next call continues from there`,
      "progress",
    ]);
  }
  if (result.missingPages) {
    const verified = Object.entries(result.missingPages.verified ?? {})
      .map(([state, n]) => `${n} ${state}`).join(", ");
    items.push([
      "Missing pages checked",
      `${verified || "none"}; ${result.missingPages.left} left to check${
        result.missingPages.error ? ` (${result.missingPages.error})` : ""
      }`,
      "missing-pages",
    ]);
  }
  const errors = result.errors ?? [];
  items.push([
    "Errors",
    errors.length
      ? errors.map((e) => (typeof e === "string" ? e : e?.message ?? JSON.stringify(e))).join("\n")
      : "none",
    "errors",
  ]);
  items.push(["Run", result.runId, "run"]);
  $("summary").replaceChildren(...items.flatMap(([k, v, field]) => [
    el("dt", { textContent: k }),
    dd(field, v),
  ]));
}

/** A definition of a summary, named by data-field for tests and styles. */
function dd(field, value) {
  const node = el("dd", { textContent: String(value) });
  node.dataset.field = field;
  return node;
}

function emptySummary() {
  $("summary").replaceChildren(
    el("dd", { className: "muted", textContent: "No run yet in this session." }),
  );
}

/** A value of the rows table: objects as compact JSON, lists of plain values joined. */
function cellText(value) {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value) && value.every((x) => x === null || typeof x !== "object")) {
    return value.join(", ");
  }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

function renderRows(rows) {
  const hidden = new Set(["owner_id"]);
  // Titles first, keys and timestamps last, the rest as the table has them.
  const rank = (c) => (c === "title" || c === "name" ? 0 : /_id$|_at$/.test(c) ? 2 : 1);
  const columns = rows.length
    ? Object.keys(rows[0]).filter((c) => !hidden.has(c)).sort((a, b) => rank(a) - rank(b))
    : [];
  const head = el("tr", {}, ...columns.map((c) => el("th", { textContent: c, scope: "col" })));
  $("rows").tHead.replaceChildren(head);
  $("rows").tBodies[0].replaceChildren(
    ...rows.map((row) =>
      el("tr", {}, ...columns.map((c) => el("td", { textContent: cellText(row[c]) })))
    ),
  );
  $("row-count").textContent = rows.length >= ROW_LIMIT
    ? `(first ${rows.length})`
    : `(${rows.length})`;
}

const isRichText = (value) =>
  Array.isArray(value) && value.length > 0 &&
  value.every((x) => typeof x === "object" && x && "plain_text" in x);

/** A Notion date ({start, end, time_zone}, canonical form) as a person reads it. */
const isDate = (value) =>
  value !== null && typeof value === "object" && !Array.isArray(value) && "start" in value &&
  Object.keys(value).every((k) => ["start", "end", "time_zone"].includes(k));

/**
 * A conflict value in words: rich text as its plain text, a date as its start → end and time zone,
 * a list of names or ids (multi-select, relation, people) one after the other, [] as "empty list",
 * "" as "empty text", null as "—".
 */
function text(value) {
  if (value === null || value === undefined) return "—";
  if (value === "") return "empty text";
  if (Array.isArray(value) && value.length === 0) return "empty list";
  if (isRichText(value)) return value.map((x) => x.plain_text).join("");
  if (Array.isArray(value) && value.every((x) => x !== null && typeof x !== "object")) {
    return value.map(String).join(", ");
  }
  if (isDate(value)) {
    return `${value.start ?? "—"}${value.end ? ` → ${value.end}` : ""}${
      value.time_zone ? ` (${value.time_zone})` : ""
    }`;
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

/** The sides a bulk change can hold (details.held), by name. */
const HELD = {
  notion_to_supabase: { name: "Notion → Supabase" },
  supabase_to_notion: { name: "Supabase → Notion" },
  missing: { name: "pairs with a side gone" },
};

/**
 * A held bulk change's answers (resolve_conflict): Keep Notion approves Notion's values and, for
 * held deletions, restores each deleted record it lists from its page; Keep Supabase the same the
 * other way (missing pages queued for restore); merge {approve: "missing"} lets the deletions go
 * ahead under the mapping's delete policy. Each is offered only where it has something to do.
 */
function bulkAnswers(c) {
  const counts = c.details?.counts ?? {};
  const held = new Set(c.details?.held ?? []);
  const records = c.details?.diff?.records ?? [];
  const listed = (action) => records.filter((r) => r.action === action).length;
  const answers = [];
  const side = (resolution, keep, values, restore) => {
    const parts = [];
    if (held.has(values.side)) {
      parts.push(`apply ${plural(counts[values.side] ?? 0, values.what)} to ${values.to}`);
    }
    if (held.has("missing") && restore.n) parts.push(`restore ${plural(restore.n, restore.what)}`);
    if (!parts.length) return;
    const label = `${keep}: ${parts.join(" and ")}`;
    answers.push({ label: label[0].toUpperCase() + label.slice(1), resolution });
  };
  side("prefer_notion", "Keep Notion", {
    side: "notion_to_supabase",
    what: "Notion change",
    to: "Supabase",
  }, { n: listed("record_deleted"), what: "deleted record" });
  side("prefer_supabase", "Keep Supabase", {
    side: "supabase_to_notion",
    what: "Supabase change",
    to: "Notion",
  }, { n: listed("page_missing") + listed("page_trashed"), what: "missing page" });
  if (held.has("missing")) {
    const n = counts.missing ?? 0;
    answers.push({
      label: `Accept ${plural(n, "deletion")}`,
      resolution: "merge",
      choices: { approve: "missing" },
      danger: true,
      confirm: `Each of the ${plural(n, "pair")} whose page or record is gone is then handled as ` +
        "the mapping's delete policy says: a question for each, the other side deleted or trashed, " +
        "or the pair forgotten. Do this only if the other side really lost them.",
    });
  }
  answers.push({
    label: "Not now",
    resolution: "skip",
    secondary: true,
    describe: "Not now: nothing held is applied; the next run holds what still differs again.",
  });
  return answers;
}

const FORGET_CONFIRM =
  "The record and the page both stay as they are and are no longer synced with each other. " +
  "This is final: it cannot be undone from here.";

/** The answers a card offers: { label, resolution, choices?, danger?, confirm?, note? }. */
function answersFor(c) {
  const forget = {
    label: "Leave as it is — forget the pair",
    resolution: "skip",
    secondary: true,
    confirm: FORGET_CONFIRM,
  };
  switch (c.kind) {
    case "page_missing":
      return [
        // deleting is offered only once the page was read in Notion (not on a scan's absence alone)
        ...(c.details?.state === "unverified" ? [] : [{
          label: "Delete the record",
          resolution: "prefer_notion",
          danger: true,
          confirm: `The record ${c.record_key ?? ""} is deleted from the Supabase table.`,
        }]),
        { label: "Restore the page", resolution: "prefer_supabase" },
        forget,
      ];
    case "record_deleted":
      return [
        { label: "Restore the record", resolution: "prefer_notion" },
        {
          label: "Trash the page",
          resolution: "prefer_supabase",
          danger: true,
          confirm: "The Notion page is moved to Notion's trash.",
        },
        forget,
      ];
    case "match_review":
    case "ambiguous":
      return [{
        label: "Not the same item",
        resolution: "skip",
        secondary: true,
        describe:
          "Not the same item: the page is never matched to these records again; it is then treated " +
          "as a page without a record, and each record as a record without a page (a run that " +
          "creates them makes a new record for the page and a new page for the record).",
      }];
    case "bulk_change":
      return bulkAnswers(c);
    default:
      return [
        { label: "Keep Notion", resolution: "prefer_notion" },
        { label: "Keep Supabase", resolution: "prefer_supabase" },
        { label: "Skip", resolution: "skip", secondary: true },
      ];
  }
}

/** The side-by-side fields of a value conflict; "formatting differs" when only that differs. */
function fieldsTable(c) {
  const head = el(
    "tr",
    {},
    ...["field", "base", "Notion", "Supabase"].map((h) =>
      el("th", { textContent: h, scope: "col" })
    ),
  );
  return el(
    "table",
    { className: "fields" },
    head,
    ...c.fields.map((f) => {
      const same = text(f.notion) === text(f.supabase) &&
        JSON.stringify(f.notion) !== JSON.stringify(f.supabase);
      const tr = el(
        "tr",
        {},
        ...[f.field, text(f.base), text(f.notion), text(f.supabase)].map((v) =>
          el("td", { textContent: v })
        ),
      );
      // the same words on both sides, yet different values: bold, links, colours
      if (same) {
        tr.cells[0].append(el("span", { className: "note", textContent: " (formatting differs)" }));
      }
      return tr;
    }),
  );
}

/** The records a page may be: each with a "Link to" answer (merge with {record_key}). */
function candidatesList(c, decide) {
  const candidates = c.details?.candidates ?? [];
  const list = el("ul", { className: "candidates" });
  for (const cand of candidates) {
    const name = cand.title ? `“${cand.title}”` : `record ${cand.record_key}`;
    const facts = [`record ${cand.record_key}`];
    if (cand.similarity !== undefined) {
      facts.push(`title similarity ${Math.round(Number(cand.similarity) * 100)}%`);
    }
    if (cand.tier) facts.push(`found by ${cand.tier.replaceAll("_", " ")}`);
    if (cand.claimed_by?.length > 1) facts.push(`claimed by ${cand.claimed_by.length} pages`);
    if (cand.linked_page_id) facts.push(`already linked to page ${cand.linked_page_id}`);
    const item = el(
      "li",
      {},
      el("span", { className: "candidate", textContent: name }),
      " ",
      el("span", { className: "muted", textContent: `(${facts.join(", ")})` }),
    );
    // a record linked to another page cannot be linked to this one too
    if (!cand.linked_page_id) {
      item.append(
        " ",
        decide({
          label: `Link to ${name}`,
          resolution: "merge",
          choices: { record_key: String(cand.record_key) },
        }),
      );
    }
    list.append(item);
  }
  const more = (c.details?.candidate_count ?? candidates.length) - candidates.length;
  if (more > 0) list.append(el("li", { className: "muted", textContent: `and ${more} more` }));
  return list;
}

/** A held bulk change: its counts and the first rows of what it would change. */
function bulkDetails(c) {
  const counts = c.details?.counts ?? {};
  const held = c.details?.held ?? [];
  const box = el("div", { className: "bulk" });
  box.append(el("p", {
    className: "state",
    textContent: `The safety valve held ${
      held.map((h) => HELD[h]?.name ?? h).join(" and ")
    }: more than ${counts.threshold ?? "the threshold of"} changes to one side in one run.`,
  }));
  const rows = [
    ["Notion → Supabase (records)", counts.notion_to_supabase, "notion_to_supabase"],
    ["Supabase → Notion (pages)", counts.supabase_to_notion, "supabase_to_notion"],
    ["New records", counts.inserts, "inserts"],
    ["New pages", counts.creates, "creates"],
    ["Pairs with a side gone", counts.missing, "missing"],
    ["Records in conflict", counts.conflicts, "conflicts"],
  ];
  box.append(el(
    "dl",
    { className: "summary counts" },
    ...rows.flatMap(([k, v, field]) => [
      el("dt", { textContent: k }),
      dd(field, v ?? 0),
    ]),
  ));
  const fields = c.details?.diff?.fields ?? [];
  const records = c.details?.diff?.records ?? [];
  if (fields.length) {
    box.append(el("p", {
      className: "muted",
      textContent: fields.length > DIFF_ROWS
        ? `First ${DIFF_ROWS} of ${fields.length}${fields.length >= 1000 ? "+" : ""} field changes:`
        : "Field changes:",
    }));
    // (in a box of its own that scrolls sideways: six columns do not fit a phone's width)
    box.append(el(
      "div",
      { className: "scroll" },
      el(
        "table",
        { className: "diff" },
        el(
          "tr",
          {},
          ...["record", "field", "change", "base", "Notion", "Supabase"].map((h) =>
            el("th", { textContent: h, scope: "col" })
          ),
        ),
        ...fields.slice(0, DIFF_ROWS).map((f) =>
          el(
            "tr",
            {},
            ...[
              f.record_key ?? "—",
              f.field,
              f.action.replaceAll("_", " "),
              text(f.base),
              text(f.notion),
              text(f.supabase),
            ]
              .map((v) => el("td", { textContent: v })),
          )
        ),
      ),
    ));
  }
  if (records.length) {
    box.append(el("p", {
      className: "muted",
      textContent: records.length > DIFF_ROWS
        ? `First ${DIFF_ROWS} of ${records.length}${
          records.length >= 1000 ? "+" : ""
        } records and pages:`
        : "Records and pages:",
    }));
    box.append(el(
      "ul",
      { className: "diff-records" },
      ...records.slice(0, DIFF_ROWS).map((r) =>
        el("li", {
          textContent: `${r.action.replaceAll("_", " ")}: ${
            [r.record_key && `record ${r.record_key}`, r.page_id && `page ${r.page_id}`]
              .filter(Boolean).join(", ")
          }`,
        })
      ),
    ));
  }
  return box;
}

/** What a decision's answer did, in words (from the resolve answer). */
function answerText(result) {
  const parts = [];
  if (result.linked) parts.push(`linked to record ${result.linked}`);
  if (result.restored_records !== undefined) {
    parts.push(`${plural(result.restored_records, "record")} restored from Notion`);
  }
  if (result.restoring_pages !== undefined) {
    parts.push(`${plural(result.restoring_pages, "page")} queued for restore in Notion`);
  }
  if (result.deletions_left) {
    parts.push(`${plural(result.deletions_left, "deletion")} left undecided`);
  }
  if (result.restored_record) parts.push(`record ${result.restored_record} restored`);
  if (result.deleted_record) parts.push(`record ${result.deleted_record} deleted`);
  if (result.written_to_supabase) {
    parts.push(`written to Supabase: ${Object.keys(result.written_to_supabase).join(", ")}`);
  }
  if (result.queued_for_notion) {
    parts.push(
      typeof result.queued_for_notion === "string"
        ? `queued for Notion: ${result.queued_for_notion} the page`
        : `queued for Notion: ${Object.keys(result.queued_for_notion).join(", ")}`,
    );
  }
  return `${result.status}${parts.length ? ` — ${parts.join("; ")}` : ""}`;
}

/** Names a conflict for the list of decisions and the headings. */
function conflictName(c) {
  const kind = c.kind.replaceAll("_", " ");
  const page = c.page_title
    ? `“${c.page_title}” (page ${c.page_id})`
    : c.page_id
    ? `page ${c.page_id}`
    : c.record_key
    ? `record ${c.record_key}`
    : `mapping ${c.mapping}`;
  return `${kind[0].toUpperCase()}${kind.slice(1)} · ${page}`;
}

/**
 * Opens a confirmation in `box` (an alertdialog labelled by `labelId`): the question, a yes button
 * (`onYes(yes)`), and Cancel, which closes it and gives the focus back to `opener`.
 */
function confirmIn(box, labelId, question, { yes: yesLabel, danger, onYes, opener }) {
  const yes = el("button", {
    type: "button",
    textContent: yesLabel,
    className: danger ? "danger" : "",
  });
  const no = el("button", { type: "button", textContent: "Cancel", className: "secondary" });
  yes.addEventListener("click", () => onYes(yes));
  no.addEventListener("click", () => {
    box.hidden = true;
    box.replaceChildren();
    opener.focus();
  });
  box.replaceChildren(
    el("p", { id: labelId, textContent: question }),
    el("div", { className: "actions" }, yes, no),
  );
  box.hidden = false;
  no.focus();
}

/** One open conflict: what it is about and the answers a person can take. */
function conflictCard(c) {
  const id = `conflict-${c.conflict_id}`;
  const card = el("article", { className: "conflict", id });
  card.dataset.conflictId = c.conflict_id;
  card.setAttribute("aria-labelledby", `${id}-title`);
  card.setAttribute("aria-describedby", `${id}-about`);
  card.append(el("h3", { id: `${id}-title`, textContent: conflictName(c), tabIndex: -1 }));
  const about = [`mapping ${c.mapping}`];
  // (a match question's record_key is only its first candidate: the candidates are listed below)
  if (c.record_key && c.kind !== "match_review" && c.kind !== "ambiguous") {
    about.push(`record ${c.record_key}`);
  }
  if (c.page_id && c.page_title) about.push(`page ${c.page_id}`);
  card.append(
    el("p", { className: "about muted", id: `${id}-about`, textContent: about.join(" · ") }),
  );

  const confirmBox = el("div", { className: "confirm", hidden: true, role: "alertdialog" });
  confirmBox.setAttribute("aria-labelledby", `${id}-confirm`);
  // why an answer failed, said on the card it failed on (the page's error line may be out of sight)
  const problem = el("p", { className: "error problem", id: `${id}-problem`, role: "alert" });

  async function resolve(answer, button) {
    if (card.getAttribute("aria-busy") === "true") return;
    card.setAttribute("aria-busy", "true");
    for (const b of card.querySelectorAll("button")) b.disabled = true;
    $("sync-error").textContent = "";
    problem.textContent = "";
    try {
      const result = await call("review", {
        action: "resolve",
        conflictId: c.conflict_id,
        // the question as shown: if a run added to it since, nothing changes and we look again
        version: c.version,
        resolution: answer.resolution,
        ...(answer.choices ? { choices: answer.choices } : {}),
      });
      if (result.status === "stale" || result.status === "pending") {
        // nothing changed, and the message says why
        $("sync-error").textContent = result.message ?? `nothing was changed (${result.status})`;
        await refresh();
        // (the question as it is now replaced this card; if the load failed, it can be tried again)
        card.removeAttribute("aria-busy");
        for (const b of card.querySelectorAll("button")) b.disabled = false;
        return;
      }
      decided(c, answer, result, card);
    } catch (e) {
      problem.textContent = e.message;
      card.removeAttribute("aria-busy");
      for (const b of card.querySelectorAll("button")) b.disabled = false;
      button?.focus();
    }
  }

  function ask(answer, button) {
    confirmIn(confirmBox, `${id}-confirm`, `${answer.label}? ${answer.confirm}`, {
      yes: `Yes, ${answer.label[0].toLowerCase()}${answer.label.slice(1)}`,
      danger: answer.danger,
      onYes: () => resolve(answer, button),
      opener: button,
    });
  }

  /** A button for one answer: straight to the server, or through a confirmation. */
  function decide(answer) {
    const button = el("button", {
      type: "button",
      textContent: answer.label,
      className: answer.danger ? "danger" : answer.secondary ? "secondary" : "",
    });
    button.setAttribute("aria-describedby", `${id}-title ${id}-about`);
    button.addEventListener(
      "click",
      () => (answer.confirm ? ask(answer, button) : resolve(answer, button)),
    );
    return button;
  }

  if (c.details?.error) {
    // why Notion refused a write (push_failed, formatting_would_be_lost): one line per field
    card.append(el("p", { className: "why", textContent: c.details.error }));
  }
  if (c.fields.length) {
    card.append(el("div", { className: "scroll" }, fieldsTable(c)));
  } else if (c.kind === "match_review" || c.kind === "ambiguous") {
    const reason = {
      several_records: "Several records could be this page.",
      record_linked_to_another_page: "The record that fits is linked to another page.",
      record_claimed_by_several_pages: "Several pages claim the same record.",
    }[c.details?.reason] ?? (c.kind === "match_review"
      ? "No record has this title, but some have a similar one."
      : "The page could be more than one record.");
    card.append(el("p", {
      className: "state",
      textContent: `Is this page the same item as one of these records? ${reason}`,
    }));
    card.append(candidatesList(c, decide));
  } else if (c.kind === "bulk_change") {
    card.append(bulkDetails(c));
  } else if (c.details?.state) {
    const said = STATES[c.kind]?.[c.details.state] ?? `state: ${c.details.state}`;
    const putBack = c.details.record === "put back"
      ? " The record was put back (same key) after the pair was forgotten."
      : "";
    const notYet = c.kind === "page_missing" && c.details.state === "unverified"
      ? " Deleting the record is offered once a run has read the page in Notion."
      : "";
    card.append(el("p", { className: "state", textContent: said + putBack + notYet }));
    if (c.details.last_values) {
      card.append(el("p", {
        className: "last-values",
        textContent: `Last values: ${
          Object.entries(c.details.last_values).filter(([k]) => k !== "owner_id")
            .map(([k, v]) => `${k}: ${text(v)}`).join(", ")
        }`,
      }));
    }
  }

  const actions = el("div", { className: "actions", role: "group" });
  actions.setAttribute("aria-labelledby", `${id}-title`);
  for (const answer of answersFor(c)) {
    actions.append(decide(answer));
    if (answer.describe) {
      const describeId = `${id}-${answer.resolution}-says`;
      actions.lastChild.setAttribute(
        "aria-describedby",
        `${id}-title ${id}-about ${describeId}`,
      );
      card.append(
        el("p", { className: "says muted", id: describeId, textContent: answer.describe }),
      );
    }
  }
  card.append(actions, confirmBox, problem);
  return card;
}

/** How many of the mapping's recent decisions the list shows (the newest first). */
const DECISION_LIMIT = 20;

/**
 * What this page session knows of decisions beyond what the server lists: the label of the answer a
 * person clicked and what its answer said (by conflict id), and the decisions undone here (no
 * longer decisions on the server: their questions are open again), said until the page is left.
 */
const sessionSaid = new Map();
let undoneHere = [];

/** A decision's answer in words, from its question's kind (the label clicked, where it was here). */
function decisionLabel(d) {
  const said = sessionSaid.get(d.conflict_id);
  if (said && said.answer === d.answer) return said.label;
  const forget = "Leave as it is — forget the pair";
  const labels = {
    record_deleted: {
      prefer_notion: "Restore the record",
      prefer_supabase: "Trash the page",
      skip: forget,
    },
    page_missing: {
      prefer_notion: "Delete the record",
      prefer_supabase: "Restore the page",
      skip: forget,
    },
    match_review: { skip: "Not the same item" },
    ambiguous: { skip: "Not the same item" },
    bulk_change: {
      prefer_notion: "Keep Notion",
      prefer_supabase: "Keep Supabase",
      merge: "Accept the deletions",
      skip: "Not now",
    },
  }[d.kind] ?? {};
  if (d.answer === "merge" && d.choices?.record_key) {
    return `Link to record ${d.choices.record_key}`;
  }
  return labels[d.answer] ?? {
    prefer_notion: "Keep Notion",
    prefer_supabase: "Keep Supabase",
    merge: "Merge",
    skip: "Skip",
  }[d.answer] ?? d.answer;
}

/** A decision as the list says it: the question, the answer, what it did, and when. */
function decisionText(d) {
  const said = sessionSaid.get(d.conflict_id);
  const did = said && said.answer === d.answer
    ? said.did
    : `${answerText({ status: d.status, ...(d.result ?? {}) })}. `;
  const when = new Date(d.decided_at).toLocaleString();
  return `${conflictName(d)}: ${decisionLabel(d)} — ${did}Decided ${when}. `;
}

/**
 * One of the mapping's decisions (notion_sync_api.decisions), with Undo where SQL says
 * undo_resolution can undo it (undoable: not a skip, which is final, nor an approved bulk change,
 * which its run applied and revert_run undoes).
 */
function decisionItem(d) {
  const entry = el("li", { id: `decision-${d.conflict_id}`, textContent: decisionText(d) });
  entry.dataset.conflictId = d.conflict_id;
  if (!d.undoable) return entry;
  const label = decisionLabel(d);
  const undo = el("button", { type: "button", textContent: "Undo", className: "secondary" });
  undo.setAttribute("aria-label", `Undo: ${label} (${conflictName(d)})`);
  undo.addEventListener("click", async () => {
    if (undo.disabled) return;
    undo.disabled = true;
    entry.setAttribute("aria-busy", "true");
    $("sync-error").textContent = "";
    try {
      const r = await call("review", { action: "undo", conflictId: d.conflict_id });
      undo.remove();
      const note = `${decisionText(d)}Undone: ${plural(r.undone ?? 0, "change")} put back${
        r.kept_as_conflicts ? `, ${r.kept_as_conflicts} kept as conflicts` : ""
      }; the question is open again.`;
      entry.textContent = note;
      // (its question is open again, so the server lists it no more: this page says it still)
      undoneHere.unshift({ id: `undone-${crypto.randomUUID()}`, at: Date.now(), note });
      sessionSaid.delete(d.conflict_id);
      await refresh();
      // the focused Undo is gone: focus the question asked again, or what was said of the undo
      const asked = $(`conflict-${d.conflict_id}`)?.querySelector("h3");
      if (asked) asked.focus();
      else {
        const said = $(undoneHere[0].id);
        if (said) {
          said.tabIndex = -1;
          said.focus();
        }
      }
    } catch (e) {
      $("sync-error").textContent = e.message;
      undo.disabled = false;
      undo.focus();
    } finally {
      entry.removeAttribute("aria-busy");
    }
  });
  entry.append(undo);
  return entry;
}

/** The mapping's recent decisions, newest first, with the undos taken in this session among them. */
function renderDecisions(decisions) {
  const items = [
    ...decisions.map((d) => ({ at: Date.parse(d.decided_at), node: decisionItem(d) })),
    ...undoneHere.map((u) => ({ at: u.at, node: el("li", { id: u.id, textContent: u.note }) })),
  ].sort((a, b) => b.at - a.at);
  $("decisions").replaceChildren(...items.map((i) => i.node));
  $("decision-count").textContent = decisions.length >= DECISION_LIMIT
    ? `(last ${decisions.length})`
    : `(${decisions.length})`;
  $("decisions-section").hidden = items.length === 0;
}

/** A decision taken: the card goes, and the decisions list (from the server) says it, with Undo. */
function decided(c, answer, result, card) {
  const next = card.nextElementSibling ?? card.previousElementSibling;
  sessionSaid.set(c.conflict_id, {
    answer: answer.resolution,
    label: answer.label,
    did: `${answerText(result)}. ${result.message ? `${result.message}. ` : ""}`,
  });
  card.remove();
  // focus the next question; when none is left, the decision just taken once it is listed
  (next?.querySelector("h3") ?? $("conflicts-title")).focus();
  refresh().then(() => {
    const taken = $(`decision-${c.conflict_id}`);
    if (next && document.activeElement === document.body) {
      // the next card was rendered again: focus its new heading
      ($(next.id)?.querySelector("h3") ?? $("conflicts-title")).focus();
    } else if (!next && taken && document.activeElement === $("conflicts-title")) {
      const undo = taken.querySelector("button");
      if (undo) undo.focus();
      else {
        taken.tabIndex = -1;
        taken.focus();
      }
    }
  });
}

/** How many runs the runs list shows (the newest first). */
const RUN_LIMIT = 20;

/** What a revert left about a pair, and the answer that brings its side back (bring_back, SQL's). */
const BRING_BACK = {
  record_deleted: {
    said: "The record this run made of the page was deleted when the run was reverted.",
    label: "Import the page again",
  },
  page_missing: {
    said: "The page this run created for the record was trashed when the run was reverted.",
    label: "Take the page out of the trash",
  },
};

/** A run in words: what, how, when, and what it did. */
function runName(r) {
  const kind = `${r.kind[0].toUpperCase()}${r.kind.slice(1)}`;
  const when = new Date(r.started_at).toLocaleString();
  return `${kind}${r.mode ? ` (${r.mode})` : ""} · ${r.status}${
    r.dry_run ? ", dry run" : ""
  } · ${when}`;
}

function runFacts(r) {
  const facts = [
    plural(r.retrieved ?? 0, "page") + " read",
    plural(r.inserted ?? 0, "record") + " inserted",
    plural(r.updated ?? 0, "record") + " updated",
    plural(r.conflicts ?? 0, "conflict"),
  ];
  const errors = Array.isArray(r.errors) ? r.errors.length : 0;
  if (errors) facts.push(plural(errors, "error"));
  return facts.join(", ");
}

/** Whether a running run's lease ran out: its invocation stopped and nothing resumed it yet. */
const leaseRanOut = (r) => r.status === "running" && new Date(r.lease_expires_at) < new Date();

/** When a running run last said it was alive, and, once its lease ran out, what happens next. */
function lastHeard(r) {
  const heard = `Last heard from at ${new Date(r.heartbeat_at).toLocaleTimeString()}`;
  if (!leaseRanOut(r)) return `${heard}.`;
  return `${heard}; its lease ran out at ${new Date(r.lease_expires_at).toLocaleTimeString()}, ` +
    `so its invocation stopped: the mapping's next ${r.kind} resumes it, or the scheduler ` +
    "marks it failed an hour later.";
}

/** What an answer for all does to the open questions of each kind (open_kinds, counted in SQL). */
const FOR_ALL = {
  prefer_notion: {
    label: "Keep Notion",
    kinds: {
      record_deleted: (n) =>
        `${plural(n, "deleted record")} restored from ${n === 1 ? "its page" : "their pages"}`,
      page_missing: (n) => `${plural(n, "record")} whose page is gone deleted from Supabase`,
    },
    values: (n) => `${plural(n, "record")} given Notion's values`,
    danger: (kinds) => (kinds.page_missing ?? 0) > 0,
  },
  prefer_supabase: {
    label: "Keep Supabase",
    kinds: {
      record_deleted: (n) =>
        `${plural(n, "page")} whose record was deleted moved to Notion's trash`,
      page_missing: (n) => `${plural(n, "missing page")} restored in Notion`,
    },
    values: (n) => `${plural(n, "page")} given Supabase's values`,
    danger: (kinds) => (kinds.record_deleted ?? 0) > 0,
  },
};

/** What a run's answer for all said (by run id), kept across the list's renders. */
const runNotes = new Map();

/**
 * "Keep Notion / Keep Supabase for all" of a run's open questions (resolve {runId}), offered only
 * with the answers SQL says fit all of them (answer_all), each after a confirmation that says how
 * many questions and what the answer does to each kind.
 */
function answerAll(r, item, problem) {
  const id = `run-${r.run_id}`;
  const box = el("div", { className: "answer-all" });
  const count = el("p", {
    className: "muted",
    id: `${id}-open`,
    textContent: `${plural(r.open_questions, "open question")} from this run${
      (r.answer_all ?? []).length ? "" : ": answer them one by one above"
    }.`,
  });
  box.append(count);
  const confirm = el("div", { className: "confirm", hidden: true, role: "alertdialog" });
  confirm.setAttribute("aria-labelledby", `${id}-all-confirm`);
  const actions = el("div", { className: "actions" });
  for (const resolution of r.answer_all ?? []) {
    const what = FOR_ALL[resolution];
    if (!what) continue;
    const kinds = r.open_kinds ?? {};
    const danger = what.danger(kinds);
    const label = `${what.label} for all ${plural(r.open_questions, "question")}`;
    const button = el("button", {
      type: "button",
      textContent: label,
      className: danger ? "danger" : "secondary",
    });
    button.setAttribute("aria-describedby", `${id}-title ${id}-open`);
    button.addEventListener("click", () => {
      const values = Object.entries(kinds).filter(([k]) => !what.kinds[k])
        .reduce((sum, [, n]) => sum + n, 0);
      const parts = [
        ...Object.entries(kinds).filter(([k]) => what.kinds[k]).map(([k, n]) => what.kinds[k](n)),
        ...(values ? [what.values(values)] : []),
      ];
      const onYes = async (yes) => {
        if (yes.disabled) return;
        yes.disabled = true;
        item.setAttribute("aria-busy", "true");
        $("sync-error").textContent = "";
        problem.textContent = "";
        try {
          const result = await call("review", {
            action: "resolve",
            runId: r.run_id,
            resolution,
          });
          const counts = Object.entries(result.counts ?? {});
          // (pending: Notion's value waits for a related page's link; stale: looked at again)
          runNotes.set(
            r.run_id,
            `${what.label} for all: ${
              counts.length
                ? counts.map(([status, n]) => `${n} ${status}`).join(", ")
                : "no question was left to answer"
            }.`,
          );
          await refresh();
          const note = $(`${id}-answered`);
          if (note) {
            note.tabIndex = -1;
            note.focus();
          }
        } catch (e) {
          problem.textContent = e.message;
          yes.disabled = false;
          yes.focus();
        } finally {
          item.removeAttribute("aria-busy");
        }
      };
      confirmIn(
        confirm,
        `${id}-all-confirm`,
        `Answer ${plural(r.open_questions, "open question")} of this run with ` +
          `${what.label}? ${parts.join("; ")}. Each decision is listed under Recent decisions, ` +
          "to undo.",
        {
          yes: `Yes, ${what.label[0].toLowerCase()}${
            what.label.slice(1)
          } for all ${r.open_questions}`,
          danger,
          onYes,
          opener: button,
        },
      );
    });
    actions.append(button);
  }
  if (actions.childElementCount) box.append(actions, confirm);
  return box;
}

/** One run: what it did, Revert where SQL says it may be (revertible), and what a revert left. */
function runItem(r, questions) {
  const id = `run-${r.run_id}`;
  const item = el("li", { className: "run", id });
  item.dataset.runId = r.run_id;
  item.append(el("h3", { id: `${id}-title`, textContent: runName(r), tabIndex: -1 }));
  item.append(el("p", { className: "muted", id: `${id}-facts`, textContent: runFacts(r) }));
  if (r.status === "running") {
    item.append(el("p", { className: "muted", id: `${id}-heard`, textContent: lastHeard(r) }));
  }
  // why a revert or a bring-back failed, said on the run (the page's error line may be out of sight)
  const problem = el("p", { className: "error problem", id: `${id}-problem`, role: "alert" });
  const said = el("p", { className: "reverted", id: `${id}-reverted` });
  if (r.reverted > 0) {
    said.textContent = `Reverted: ${plural(r.reverted, "change")} undone.`;
  }
  item.append(said);
  // what an answer for all said, and the open questions it may still answer
  const answered = el("p", {
    className: "answered",
    id: `${id}-answered`,
    textContent: runNotes.get(r.run_id) ?? "",
  });
  answered.setAttribute("role", "status");
  item.append(answered);
  if (r.open_questions > 0) item.append(answerAll(r, item, problem));

  if (r.revertible) {
    const box = el("div", { className: "confirm", hidden: true, role: "alertdialog" });
    box.setAttribute("aria-labelledby", `${id}-confirm`);
    const button = el("button", {
      type: "button",
      className: "danger",
      textContent: "Revert this run",
    });
    button.setAttribute("aria-describedby", `${id}-title ${id}-facts`);
    const revert = async (yes) => {
      if (yes.disabled) return;
      yes.disabled = true;
      item.setAttribute("aria-busy", "true");
      $("sync-error").textContent = "";
      problem.textContent = "";
      try {
        const result = await call("review", { action: "revert", runId: r.run_id });
        box.hidden = true;
        box.replaceChildren();
        button.remove();
        said.textContent = `Reverted: ${plural(result.undone ?? 0, "change")} undone${
          result.kept_as_conflicts
            ? `, ${plural(result.kept_as_conflicts, "change")} edited since kept and asked about`
            : ""
        }.`;
        said.tabIndex = -1;
        said.focus();
        await refresh();
        // the run was rendered again: say it there too, and keep the focus on it
        $(`${id}-reverted`)?.replaceChildren(said.textContent);
        if (document.activeElement === document.body) $(`${id}-title`)?.focus();
      } catch (e) {
        problem.textContent = e.message;
        yes.disabled = false;
        button.focus();
      } finally {
        item.removeAttribute("aria-busy");
      }
    };
    button.addEventListener("click", () =>
      confirmIn(
        box,
        `${id}-confirm`,
        `Revert this run? ${plural(r.to_revert, "change")} it made ` +
          "are undone where the side still holds what the run wrote; a value edited since is " +
          "kept and asked about. Records it imported are deleted and pages it created are " +
          "trashed: each is listed under the run, to bring back.",
        { yes: "Yes, revert this run", danger: true, onYes: revert, opener: button },
      ));
    item.append(el("div", { className: "actions" }, button), box);
  }

  if (questions.length) {
    item.append(el("p", {
      className: "muted",
      textContent: `Left apart by the revert (${questions.length}):`,
    }));
    const list = el("ul", { className: "reverted-questions" });
    for (const q of questions) {
      const what = BRING_BACK[q.kind] ?? { said: q.details?.error ?? q.kind, label: "Bring back" };
      const qid = `reverted-${q.conflict_id}`;
      const entry = el("li", { id: qid });
      entry.dataset.conflictId = q.conflict_id;
      const name = el("span", { id: `${qid}-name`, textContent: conflictName(q) });
      const answer = { label: what.label, resolution: q.bring_back };
      const button = el("button", { type: "button", textContent: what.label });
      button.setAttribute("aria-describedby", `${qid}-name ${qid}-said`);
      button.addEventListener("click", async () => {
        if (button.disabled) return;
        button.disabled = true;
        $("sync-error").textContent = "";
        problem.textContent = "";
        try {
          const result = await call("review", {
            action: "resolve",
            conflictId: q.conflict_id,
            resolution: q.bring_back,
          });
          if (result.status === "stale" || result.status === "pending") {
            $("sync-error").textContent = result.message ??
              `nothing was changed (${result.status})`;
            button.disabled = false;
            await refresh();
            return;
          }
          decided(q, answer, result, entry);
        } catch (e) {
          problem.textContent = e.message;
          button.disabled = false;
          button.focus();
        }
      });
      entry.append(
        name,
        el("span", { className: "muted", id: `${qid}-said`, textContent: ` ${what.said} ` }),
        button,
      );
      list.append(entry);
    }
    item.append(list);
  }
  item.append(problem);
  return item;
}

/** How often the runs list is read again while a run of the mapping is running. */
const RUN_POLL_MS = 3000;
/** ... and while every running run's lease ran out (nothing moves until one is resumed). */
const STOPPED_RUN_POLL_MS = 30000;
let shownRuns = { runs: [], questions: [] };
let pollTimer = null;
/** Each follow has a number: a poll answered after the list was rendered again is dropped. */
let pollSeq = 0;

function stopFollowing() {
  pollSeq += 1;
  clearTimeout(pollTimer);
  pollTimer = null;
}

/**
 * A run answered `running` (it yielded at its time budget; a continuation finishes it): the runs
 * list is read again every few seconds while one of the mapping's runs is running (every 30 s
 * while every running run's lease ran out: nothing moves until one is resumed), re-rendered when a
 * run changed, and the whole screen refreshed once none is running (its rows and questions are
 * then the run's). Stops on another mapping, on sign-out, and when nothing runs.
 */
function followRuns(runs) {
  stopFollowing();
  const running = runs.filter((r) => r.status === "running");
  if (!running.length) return;
  const mine = pollSeq;
  const mapping = $("retrieve-form").databaseType.value;
  pollTimer = setTimeout(async () => {
    pollTimer = null;
    if (mine !== pollSeq || $("sync").hidden) return;
    try {
      const { runs: now } = await call("review", {
        action: "runs",
        databaseType: mapping,
        limit: RUN_LIMIT,
      });
      if (mine !== pollSeq || mapping !== $("retrieve-form").databaseType.value) return;
      if (!now.some((r) => r.status === "running")) {
        await refresh();
        return;
      }
      const seen = (r) =>
        JSON.stringify([
          r.status,
          r.retrieved,
          r.inserted,
          r.updated,
          r.heartbeat_at,
          leaseRanOut(r),
        ]);
      const before = new Map(shownRuns.runs.map((r) => [r.run_id, seen(r)]));
      if (now.length !== before.size || now.some((r) => !before.has(r.run_id))) {
        // another run started: the list as it is now
        renderRuns(now, shownRuns.questions);
        return;
      }
      // only the runs that moved on are rendered again (a confirmation open on another stays)
      for (const r of now.filter((r) => before.get(r.run_id) !== seen(r))) {
        $(`run-${r.run_id}`)?.replaceWith(
          runItem(r, shownRuns.questions.filter((q) => q.run_id === r.run_id)),
        );
      }
      summaryCaughtUp(now);
      shownRuns = { ...shownRuns, runs: now };
      followRuns(now);
    } catch {
      // a failed read is tried again at the next interval
      if (mine === pollSeq) followRuns(shownRuns.runs);
    }
  }, running.every(leaseRanOut) ? STOPPED_RUN_POLL_MS : RUN_POLL_MS);
}

/**
 * The run summary of a retrieve answered `running`, once the runs list shows that run finished (a
 * continuation finished it): say how it ended, and drop "Still running".
 */
function summaryCaughtUp(runs) {
  const shown = document.querySelector('#summary [data-field="run"]')?.textContent;
  const status = document.querySelector('#summary [data-field="status"]');
  const run = runs.find((r) => r.run_id === shown && r.status !== "running");
  if (!run || !status?.textContent.startsWith("running")) return;
  status.textContent = `${run.status}${
    run.dry_run ? " (dry run: nothing was changed)" : ""
  }, finished by its continuation: the runs list has its counts`;
  const progress = document.querySelector('#summary [data-field="progress"]');
  progress?.previousElementSibling?.remove();
  progress?.remove();
}

function renderRuns(runs, questions) {
  summaryCaughtUp(runs);
  shownRuns = { runs, questions };
  followRuns(runs);
  $("runs").replaceChildren(
    ...runs.map((r) => runItem(r, questions.filter((q) => q.run_id === r.run_id))),
  );
  $("run-count").textContent = runs.length >= RUN_LIMIT
    ? `(last ${runs.length})`
    : `(${runs.length})`;
  $("no-runs").hidden = runs.length > 0;
}

/** Forgets everything shown: rows, questions, summary (sign-out, another mapping). */
function clearScreen() {
  loadSeq += 1;
  $("conflicts").replaceChildren();
  $("conflict-count").textContent = "";
  $("no-conflicts").hidden = true;
  $("recovery").hidden = true;
  $("recovery").textContent = "";
  $("rows").tHead.replaceChildren();
  $("rows").tBodies[0].replaceChildren();
  $("row-count").textContent = "";
  $("decisions").replaceChildren();
  $("decision-count").textContent = "";
  $("decisions-section").hidden = true;
  // what this session said of decisions and runs belongs to the mapping shown
  sessionSaid.clear();
  undoneHere = [];
  runNotes.clear();
  stopFollowing();
  shownRuns = { runs: [], questions: [] };
  $("runs").replaceChildren();
  $("run-count").textContent = "";
  $("no-runs").hidden = true;
  $("sync-error").textContent = "";
  emptySummary();
}

/** Each load has a number; an answer to an older one than the last is dropped. */
let loadSeq = 0;

async function refresh() {
  const mine = ++loadSeq;
  const databaseType = $("retrieve-form").databaseType.value;
  $("conflicts").setAttribute("aria-busy", "true");
  try {
    const [{ rows }, { conflicts, total }, { recovery }, { runs }, { questions }, { decisions }] =
      await Promise.all([
        call("review", { action: "rows", databaseType }),
        call("review", { action: "conflicts", databaseType }),
        call("review", { action: "recovery", databaseType }),
        call("review", { action: "runs", databaseType, limit: RUN_LIMIT }),
        call("review", { action: "reverted", databaseType }),
        call("review", { action: "decisions", databaseType, limit: DECISION_LIMIT }),
      ]);
    if (mine !== loadSeq) return;
    renderRows(rows);
    renderRuns(runs, questions);
    renderDecisions(decisions);
    const focused = document.activeElement?.closest?.(".conflict")?.id;
    $("conflicts").replaceChildren(...conflicts.map(conflictCard));
    if (focused && $(focused)) $(focused).querySelector("h3").focus();
    // (total: the open count, where the handler gives it; else a full page may have been cut)
    $("conflict-count").textContent = typeof total === "number" && total > conflicts.length
      ? `(first ${conflicts.length} of ${total})`
      : conflicts.length >= CONFLICT_LIMIT && typeof total !== "number"
      ? `(first ${conflicts.length})`
      : `(${conflicts.length})`;
    $("no-conflicts").hidden = conflicts.length > 0;
    const r = recovery[0];
    $("recovery").hidden = !r || r.recommendation === "none";
    $("recovery").textContent = r
      ? `Recovery: ${r.recommendation.replaceAll("_", " ")} — ${r.reason}.`
      : "";
  } catch (e) {
    if (mine === loadSeq) $("sync-error").textContent = e.message;
  } finally {
    if (mine === loadSeq) $("conflicts").removeAttribute("aria-busy");
  }
}

async function show(session) {
  clearScreen();
  $("signin").hidden = Boolean(session);
  $("sync").hidden = !session;
  $("who").textContent = session ? session.user.email : "";
  if (session) await refresh();
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
  if (button.disabled) return;
  button.disabled = true;
  button.textContent = "Retrieving…";
  $("sync").setAttribute("aria-busy", "true");
  $("sync-error").textContent = "";
  try {
    const dryRun = form.dryRun.checked;
    renderSummary(
      await call("retrieve-from-database", {
        databaseType: form.databaseType.value,
        mode: form.mode.value,
        createUnmatched: form.createUnmatched.checked,
        dryRun,
      }),
      dryRun,
    );
    await refresh();
  } catch (e) {
    $("sync-error").textContent = e.message;
  } finally {
    button.disabled = false;
    button.textContent = "Retrieve from Notion";
    $("sync").removeAttribute("aria-busy");
  }
});

$("retrieve-form").databaseType.addEventListener("change", () => {
  clearScreen();
  if (!$("sync").hidden) refresh();
});

$("signout").addEventListener("click", async () => {
  clearScreen();
  await client.auth.signOut();
  await show(null);
});

if (config.demoEmail) {
  $("signin-form").email.value = config.demoEmail;
  $("signin-form").password.value = config.demoPassword ?? "";
}
const { data } = await client.auth.getSession();
await show(data.session);
