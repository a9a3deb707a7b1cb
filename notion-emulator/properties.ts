/** Property values: validation of writes, stored forms, response rendering. */

import { minuteIso } from "./clock.ts";
import { renderDate } from "./dates.ts";
import { bodyInvalid, tooLong, validationError } from "./errors.ts";
import { compactId, hash32, normalizeId } from "./ids.ts";
import type { DataSource, Page, PropSchema, Store } from "./model.ts";
import { normalizeRichText, type RichText, truncateMentions } from "./rich_text.ts";
import { computeFormula, computeRollup, dsOf } from "./computed.ts";
import { encodePropId, newOption, READ_ONLY_TYPES, type RenderOpts } from "./property_schema.ts";

export {
  encodePropId,
  findProp,
  normalizeConfig,
  PROPERTY_TYPES,
  READ_ONLY_TYPES,
  renderSchemaProp,
} from "./property_schema.ts";
export type { RenderOpts } from "./property_schema.ts";

// ---------------------------------------------------------------------------------------------
// Writes

function checkString(v: unknown, path: string, limit: number): string | null {
  if (v === null) return null;
  if (typeof v !== "string") throw bodyInvalid(path, "should be a string or `null`");
  if (v === "") {
    throw validationError(
      `body failed validation: ${path} should be populated or \`null\`, instead was \`""\`.`,
    );
  }
  if (v.length > limit) throw tooLong(`${path}.length`, limit, v.length);
  return v;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const ISO_DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?$/;

function checkDate(v: unknown, path: string, tz: string | null): string {
  if (
    typeof v !== "string" || !(ISO_DATE.test(v) || ISO_DATETIME.test(v)) || isNaN(Date.parse(v))
  ) {
    throw bodyInvalid(
      path,
      `should be a valid ISO 8601 date string, instead was \`${JSON.stringify(v)}\``,
    );
  }
  if (tz) {
    if (ISO_DATE.test(v)) {
      throw validationError(`${path} must include a time when time_zone is set.`);
    }
    if (/(Z|[+-]\d{2}:\d{2})$/.test(v)) {
      throw validationError(`${path} must not include an offset when time_zone is set.`);
    }
  }
  return v;
}

function resolveOption(options: any[], v: any) {
  return options.find((o) =>
    (v.id && o.id === v.id) || (v.name !== undefined && o.name === v.name)
  );
}

/** Validates a write value for a property and returns its stored form. May add select options. */
export function writeValue(
  store: Store,
  ds: DataSource | null,
  p: PropSchema,
  input: any,
  path: string,
  pageId: string,
): unknown {
  if (READ_ONLY_TYPES.has(p.type)) {
    throw validationError(`${p.name} is a ${p.type} property and cannot be updated.`);
  }
  // Request values are either {"<type>": value} or the bare value for title/rich_text arrays.
  let v: any;
  if (Array.isArray(input) && (p.type === "title" || p.type === "rich_text")) v = input;
  else if (input && typeof input === "object" && !Array.isArray(input) && p.type in input) {
    v = input[p.type];
  } else {
    // Notion's wording for a value of the wrong shape: "Status is expected to be status."
    const key = path.startsWith("body.properties.")
      ? path.slice("body.properties.".length)
      : p.name;
    throw validationError(`${key} is expected to be ${p.type}.`);
  }
  const vp = `${path}.${p.type}`;
  switch (p.type) {
    case "title":
    case "rich_text":
      return normalizeRichText(v ?? [], vp, store);
    case "number":
      if (v !== null && (typeof v !== "number" || !Number.isFinite(v))) {
        throw bodyInvalid(vp, "should be a number or `null`");
      }
      return v;
    case "checkbox":
      if (typeof v !== "boolean") throw bodyInvalid(vp, "should be a boolean");
      return v;
    case "url":
      return checkString(v, vp, 2000);
    case "email":
    case "phone_number":
      return checkString(v, vp, 200);
    case "select": {
      if (v === null) return null;
      if (typeof v !== "object") throw bodyInvalid(vp, "should be an object or `null`");
      const found = resolveOption(p.config.options, v);
      if (found) return found.id;
      if (v.id && v.name === undefined) {
        throw validationError(`${p.id} is an invalid select option "${v.id}"`);
      }
      const opt = newOption(store, String(v.name), v.color);
      p.config.options.push(opt);
      if (ds) store.touch(ds, ds.last_edited_by);
      return opt.id;
    }
    case "multi_select": {
      if (!Array.isArray(v)) throw bodyInvalid(vp, "should be an array");
      if (v.length > 100) throw tooLong(`${vp}.length`, 100, v.length);
      const ids: string[] = [];
      for (const item of v) {
        let found = resolveOption(p.config.options, item);
        if (!found) {
          if (item.id && item.name === undefined) {
            throw validationError(`${p.id} is an invalid select option "${item.id}"`);
          }
          found = newOption(store, String(item.name), item.color);
          p.config.options.push(found);
          if (ds) store.touch(ds, ds.last_edited_by);
        }
        if (!ids.includes(found.id)) ids.push(found.id);
      }
      return ids;
    }
    case "status": {
      if (v === null) return defaultStatusId(p);
      if (typeof v !== "object") throw bodyInvalid(vp, "should be an object or `null`");
      const found = resolveOption(p.config.options, v);
      if (!found) {
        throw validationError(
          `Invalid status option. Status option "${
            v.name ?? v.id
          }" does not exist for property "${p.name}".`,
        );
      }
      return found.id;
    }
    case "date": {
      if (v === null) return null;
      if (typeof v !== "object") throw bodyInvalid(vp, "should be an object or `null`");
      const tz = v.time_zone ?? null;
      const start = checkDate(v.start, `${vp}.start`, tz);
      const end = v.end === undefined || v.end === null ? null : checkDate(v.end, `${vp}.end`, tz);
      if (end && Date.parse(end) < Date.parse(start)) {
        throw validationError(`${vp}.end must be after ${vp}.start.`);
      }
      return renderDate({ start, end, time_zone: tz });
    }
    case "people": {
      if (!Array.isArray(v)) throw bodyInvalid(vp, "should be an array");
      if (v.length > 100) throw tooLong(`${vp}.length`, 100, v.length);
      const ids: string[] = [];
      v.forEach((u, i) => {
        const id = normalizeId(String(u?.id ?? ""));
        if (!id) throw bodyInvalid(`${vp}[${i}].id`, "should be a valid uuid");
        if (!store.state.users[id]) throw validationError(`Could not find user with ID: ${id}.`);
        if (!ids.includes(id)) ids.push(id);
      });
      return ids;
    }
    case "relation": {
      if (!Array.isArray(v)) throw bodyInvalid(vp, "should be an array");
      if (v.length > 100) throw tooLong(`${vp}.length`, 100, v.length);
      const ids: string[] = [];
      v.forEach((r, i) => {
        const id = normalizeId(String(r?.id ?? ""));
        if (!id) throw bodyInvalid(`${vp}[${i}].id`, "should be a valid uuid");
        const target = store.state.pages[id];
        if (!target) throw validationError(`Could not find page with ID: ${id}.`);
        if (
          target.parent.type !== "data_source_id" || target.parent.id !== p.config.data_source_id
        ) {
          throw validationError(
            `Relation page ${id} is not in the related data source ${p.config.data_source_id}.`,
          );
        }
        if (!ids.includes(id)) ids.push(id);
      });
      void pageId;
      return ids;
    }
    case "files": {
      if (!Array.isArray(v)) throw bodyInvalid(vp, "should be an array");
      if (v.length > 100) throw tooLong(`${vp}.length`, 100, v.length);
      return v.map((f, i) => {
        const fp = `${vp}[${i}]`;
        const name = typeof f?.name === "string" ? f.name : undefined;
        const type = f?.type ??
          (f?.external
            ? "external"
            : f?.file_upload
            ? "file_upload"
            : f?.file
            ? "file"
            : undefined);
        if (type === "external") {
          const url = checkString(f.external?.url, `${fp}.external.url`, 2000);
          if (!url) throw bodyInvalid(`${fp}.external.url`, "should be defined");
          return { name: name ?? url.split("/").pop() ?? url, type: "external", url };
        }
        if (type === "file_upload") {
          const key = String(f.file_upload?.id ?? "");
          const stored = store.state.files[key];
          if (!stored) throw validationError(`Could not find file upload with ID: ${key}.`);
          return { name: name ?? stored.name, type: "file", key };
        }
        if (type === "file") {
          const url = String(f.file?.url ?? "");
          const key = Object.keys(store.state.files).find((k) =>
            url.includes(`/_emulator/files/${k}/`)
          );
          if (!key) {
            throw validationError(
              `${fp}.file.url is not a file hosted by Notion; upload it first.`,
            );
          }
          return { name: name ?? store.state.files[key].name, type: "file", key };
        }
        throw bodyInvalid(fp, "should have an `external` or `file_upload` object");
      });
    }
    default:
      throw validationError(`${p.name} is a ${p.type} property and cannot be updated.`);
  }
}

/** The default option of a status property (first option of the first group). */
export function defaultStatusId(p: PropSchema): string | null {
  const g = p.config.groups?.[0];
  return g?.option_ids?.[0] ?? p.config.options?.[0]?.id ?? null;
}

/** The empty stored value of a property (what a new page holds when it is not set). */
export function emptyValue(p: PropSchema): unknown {
  switch (p.type) {
    case "title":
    case "rich_text":
    case "multi_select":
    case "people":
    case "relation":
    case "files":
      return [];
    case "checkbox":
      return false;
    case "status":
      return defaultStatusId(p);
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Reads

function user(id: string): Record<string, unknown> {
  return { object: "user", id };
}

/** Renders a full user object (as in people values and users endpoints). */
export function fullUser(store: Store, id: string): Record<string, unknown> {
  const u = store.state.users[id];
  if (!u) return { object: "user", id };
  if (u.type === "bot") {
    return {
      object: "user",
      id: u.id,
      name: u.name,
      avatar_url: u.avatar_url,
      type: "bot",
      bot: {},
    };
  }
  return {
    object: "user",
    id: u.id,
    name: u.name,
    avatar_url: u.avatar_url,
    type: "person",
    person: u.email ? { email: u.email, email_verified: true } : {},
  };
}

/** Signs a Notion-hosted file URL that expires one hour (emulated) from now. */
export function signedFileUrl(
  store: Store,
  baseUrl: string,
  key: string,
): { url: string; expiry_time: string } {
  const f = store.state.files[key];
  const expires = Math.floor(store.now() / 1000) + 3600;
  const sig = fileSignature(store, key, expires);
  return {
    url: `${baseUrl}/_emulator/files/${key}/${
      encodeURIComponent(f?.name ?? "file")
    }?X-Amz-Expires=3600&expires=${expires}&signature=${sig}`,
    expiry_time: new Date(expires * 1000).toISOString(),
  };
}

/** The signature of a hosted file URL. */
export function fileSignature(store: Store, key: string, expires: number): string {
  return hash32(`${store.state.fileSecret}:${key}:${expires}`).toString(16).padStart(8, "0") +
    hash32(`${expires}:${key}:${store.state.fileSecret}`).toString(16).padStart(8, "0");
}

/** The `{id, name, color}` of an option id, or null. */
export function optionValue(p: PropSchema, id: string | null) {
  if (!id) return null;
  const o = p.config.options?.find((x: any) => x.id === id);
  return o ? { id: o.id, name: o.name, color: o.color } : null;
}

/** The full (untruncated) stored relation of a page property. */
export function relationIds(page: Page, p: PropSchema): string[] {
  return (page.props[p.id] as string[] | undefined) ?? [];
}

/** Raw typed value of a property, used by filters, formulas and rollups. */
export function rawValue(store: Store, page: Page, p: PropSchema, depth = 0): any {
  switch (p.type) {
    case "created_time":
      return page.created_time;
    case "last_edited_time":
      return page.last_edited_time;
    case "created_by":
      return page.created_by;
    case "last_edited_by":
      return page.last_edited_by;
    case "formula":
      return depth > 4 ? null : computeFormula(store, page, p, depth);
    case "rollup":
      return depth > 4 ? null : computeRollup(store, page, p, depth);
    case "unique_id":
      return page.props[p.id] ?? null;
    case "relation": {
      // Trashed pages drop out of relations (and come back when restored); purged pages are gone.
      const ids: string[] = page.props[p.id] ?? [];
      const pages = store.state.pages;
      const hidden = (id: string) => pages[id] === undefined || pages[id].in_trash;
      return ids.some(hidden) ? ids.filter((id) => !hidden(id)) : ids;
    }
    default:
      return page.props[p.id] ?? emptyValue(p);
  }
}

/** Renders a property value as it appears in a page object. */
export function renderValue(
  store: Store,
  page: Page,
  p: PropSchema,
  opts: RenderOpts,
): Record<string, any> {
  const id = encodePropId(p.id);
  const v = rawValue(store, page, p);
  const out = (value: unknown, hasMore?: boolean) => {
    const o: Record<string, any> = { id, type: p.type };
    o[p.type] = value;
    if (hasMore !== undefined) o.has_more = hasMore;
    return o;
  };
  switch (p.type) {
    case "title":
    case "rich_text": {
      let items = opts.truncate ? truncateMentions(v as RichText[]) : v;
      if (opts.canSee) items = hideInaccessibleMentions(items, opts.canSee);
      return out(opts.raw ? opts.raw.ref(items) : items);
    }
    case "select":
    case "status":
      return out(optionValue(p, v));
    case "multi_select":
      return out((v as string[]).map((o) => optionValue(p, o)).filter(Boolean));
    case "people": {
      const ids = v as string[];
      return out((opts.truncate ? ids.slice(0, 25) : ids).map((u) => fullUser(store, u)));
    }
    case "relation": {
      const ids = v as string[];
      const shown = opts.truncate ? ids.slice(0, 25) : ids;
      return out(shown.map((r) => ({ id: r })), ids.length > shown.length);
    }
    case "files":
      return out(
        (v as any[]).map((f) =>
          f.type === "external"
            ? { name: f.name, type: "external", external: { url: f.url } }
            : { name: f.name, type: "file", file: signedFileUrl(store, opts.baseUrl, f.key) }
        ),
      );
    case "created_time":
    case "last_edited_time":
      return out(minuteIso(v));
    case "created_by":
    case "last_edited_by":
      return out(user(v));
    case "unique_id": {
      return out({ prefix: p.config.prefix ?? null, number: v ?? null });
    }
    case "button":
      return out({});
    default:
      return out(v ?? null);
  }
}

/** Mentions of pages or databases the integration cannot see keep their id but read "Untitled". */
function hideInaccessibleMentions(items: RichText[], canSee: (id: string) => boolean): RichText[] {
  let copy: RichText[] | null = null;
  items.forEach((it, i) => {
    const m = it.type === "mention" ? it.mention : null;
    const id = m?.type === "page" ? m.page.id : m?.type === "database" ? m.database.id : null;
    if (id && !canSee(id) && it.plain_text !== "Untitled") {
      copy ??= [...items];
      copy[i] = { ...it, plain_text: "Untitled" };
    }
  });
  return copy ?? items;
}

/** Renders the `properties` map of a page (optionally only some property ids). */
export function renderProperties(
  store: Store,
  page: Page,
  opts: RenderOpts,
  only?: Set<string>,
): Record<string, unknown> {
  const ds = dsOf(store, page);
  const props: Record<string, unknown> = {};
  if (!ds) {
    if (!only || only.has("title")) {
      const t = page.props.title ?? [];
      props.title = { id: "title", type: "title", title: opts.truncate ? truncateMentions(t) : t };
    }
    return props;
  }
  for (const p of ds.schema) {
    if (only && !only.has(p.id)) continue;
    props[p.name] = renderValue(store, page, p, opts);
  }
  return props;
}

/** Notion's page URL: `https://app.notion.com/p/<Slug>-<id32>`. */
export function pageUrl(title: string, id: string): string {
  const slug = title.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
  return `https://app.notion.com/p/${slug ? `${slug}-` : ""}${compactId(id)}`;
}
