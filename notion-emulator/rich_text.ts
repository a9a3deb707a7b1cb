/** Rich text: request validation, normalisation to Notion's response form, plain text. */

import { bodyInvalid, tooLong } from "./errors.ts";
import { compactId, normalizeId } from "./ids.ts";
import { renderDate } from "./dates.ts";

/** A rich-text item as returned by Notion. */
export type RichText = Record<string, any>;

const COLORS = [
  "default",
  "gray",
  "brown",
  "orange",
  "yellow",
  "green",
  "blue",
  "purple",
  "pink",
  "red",
];
const ALL_COLORS = new Set([...COLORS, ...COLORS.slice(1).map((c) => `${c}_background`)]);
const ANNOTATION_KEYS = ["bold", "italic", "strikethrough", "underline", "code"] as const;

/** Resolves mention display names; supplied by the store. */
export interface MentionContext {
  userName(id: string): string | null;
  pageTitle(id: string): string | null;
  databaseTitle(id: string): string | null;
}

/** Validates a request rich-text array and returns it in response form. */
export function normalizeRichText(input: unknown, path: string, ctx: MentionContext): RichText[] {
  if (!Array.isArray(input)) throw bodyInvalid(path, "should be an array");
  if (input.length > 100) throw tooLong(`${path}.length`, 100, input.length);
  return input.map((item, i) => normalizeItem(item, `${path}[${i}]`, ctx));
}

function normalizeAnnotations(raw: unknown, path: string): Record<string, unknown> {
  const out: Record<string, unknown> = {
    bold: false,
    italic: false,
    strikethrough: false,
    underline: false,
    code: false,
    color: "default",
  };
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== "object") throw bodyInvalid(`${path}.annotations`, "should be an object");
  const a = raw as Record<string, unknown>;
  for (const k of ANNOTATION_KEYS) {
    if (a[k] === undefined) continue;
    if (typeof a[k] !== "boolean") {
      throw bodyInvalid(`${path}.annotations.${k}`, "should be a boolean");
    }
    out[k] = a[k];
  }
  if (a.color !== undefined) {
    if (typeof a.color !== "string" || !ALL_COLORS.has(a.color)) {
      throw bodyInvalid(`${path}.annotations.color`, "should be a valid color");
    }
    out.color = a.color;
  }
  return out;
}

function normalizeItem(raw: unknown, path: string, ctx: MentionContext): RichText {
  if (!raw || typeof raw !== "object") throw bodyInvalid(path, "should be an object");
  const item = raw as Record<string, any>;
  const type = item.type ??
    (item.text ? "text" : item.mention ? "mention" : item.equation ? "equation" : undefined);
  const annotations = normalizeAnnotations(item.annotations, path);
  if (type === "text") {
    const text = item.text;
    if (!text || typeof text.content !== "string") {
      throw bodyInvalid(`${path}.text.content`, "should be defined, instead was `undefined`");
    }
    if (text.content.length > 2000) {
      throw tooLong(`${path}.text.content.length`, 2000, text.content.length);
    }
    let link: { url: string } | null = null;
    if (text.link) {
      if (typeof text.link.url !== "string") {
        throw bodyInvalid(`${path}.text.link.url`, "should be a string");
      }
      if (text.link.url.length > 2000) {
        throw tooLong(`${path}.text.link.url.length`, 2000, text.link.url.length);
      }
      link = { url: text.link.url };
    }
    return {
      type: "text",
      text: { content: text.content, link },
      annotations,
      plain_text: text.content,
      href: link ? link.url : null,
    };
  }
  if (type === "equation") {
    const expr = item.equation?.expression;
    if (typeof expr !== "string") {
      throw bodyInvalid(`${path}.equation.expression`, "should be a string");
    }
    if (expr.length > 1000) throw tooLong(`${path}.equation.expression.length`, 1000, expr.length);
    return {
      type: "equation",
      equation: { expression: expr },
      annotations,
      plain_text: expr,
      href: null,
    };
  }
  if (type === "mention") return normalizeMention(item.mention, path, annotations, ctx);
  throw bodyInvalid(path, "should have a `text`, `mention` or `equation` object");
}

function normalizeMention(
  m: any,
  path: string,
  annotations: Record<string, unknown>,
  ctx: MentionContext,
): RichText {
  if (!m || typeof m !== "object") throw bodyInvalid(`${path}.mention`, "should be an object");
  const mtype = m.type ?? Object.keys(m).find((k) => k !== "type");
  const base = (mention: Record<string, unknown>, plain: string, href: string | null) => ({
    type: "mention",
    mention,
    annotations,
    plain_text: plain,
    href,
  });
  if (mtype === "user") {
    const id = normalizeId(String(m.user?.id ?? ""));
    if (!id) throw bodyInvalid(`${path}.mention.user.id`, "should be a valid uuid");
    const name = ctx.userName(id);
    return base(
      { type: "user", user: { object: "user", id } },
      name ? `@${name}` : "@Anonymous",
      null,
    );
  }
  if (mtype === "page" || mtype === "database") {
    const id = normalizeId(String(m[mtype]?.id ?? ""));
    if (!id) throw bodyInvalid(`${path}.mention.${mtype}.id`, "should be a valid uuid");
    const title = mtype === "page" ? ctx.pageTitle(id) : ctx.databaseTitle(id);
    return base(
      { type: mtype, [mtype]: { id } },
      title ?? "Untitled",
      `https://www.notion.so/${compactId(id)}`,
    );
  }
  if (mtype === "date") {
    const d = m.date;
    if (!d || typeof d.start !== "string") {
      throw bodyInvalid(`${path}.mention.date.start`, "should be defined");
    }
    const date = renderDate(d);
    return base(
      { type: "date", date },
      date.end ? `${date.start} → ${date.end}` : date.start,
      null,
    );
  }
  if (mtype === "link_preview") {
    const url = String(m.link_preview?.url ?? "");
    return base({ type: "link_preview", link_preview: { url } }, url, url);
  }
  throw bodyInvalid(
    `${path}.mention`,
    "should be a user, page, database, date or link_preview mention",
  );
}

/** Concatenates plain_text of a rich-text array. */
export function plainText(items: RichText[] | undefined | null): string {
  if (!items) return "";
  let out = "";
  for (const it of items) out += it.plain_text ?? "";
  return out;
}

/** Builds a response-form rich-text array from plain text (split at 2,000 characters). */
export function textToRichText(
  text: string,
  annotations: Record<string, unknown> = {},
): RichText[] {
  const out: RichText[] = [];
  for (let i = 0; i < text.length || (i === 0 && out.length === 0 && text.length > 0); i += 2000) {
    const content = text.slice(i, i + 2000);
    out.push({
      type: "text",
      text: { content, link: null },
      annotations: {
        bold: false,
        italic: false,
        strikethrough: false,
        underline: false,
        code: false,
        color: "default",
        ...annotations,
      },
      plain_text: content,
      href: null,
    });
  }
  return out;
}

/** Returns a copy with at most `limit` mention items (Notion truncates mentions in page objects). */
export function truncateMentions(items: RichText[], limit = 25): RichText[] {
  let mentions = 0;
  let truncated = false;
  const out: RichText[] = [];
  for (const it of items) {
    if (it.type === "mention") {
      mentions++;
      if (mentions > limit) {
        truncated = true;
        continue;
      }
    }
    out.push(it);
  }
  return truncated ? out : items;
}
