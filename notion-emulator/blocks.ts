/** Page content blocks: creation from requests, listing children with block-id cursors, trash. */

import { bodyInvalid, tooLong, validationError } from "./errors.ts";
import type { Block, Parent, Store } from "./model.ts";
import { normalizeRichText } from "./rich_text.ts";

const TEXT_BLOCKS = new Set([
  "paragraph",
  "heading_1",
  "heading_2",
  "heading_3",
  "bulleted_list_item",
  "numbered_list_item",
  "to_do",
  "toggle",
  "quote",
  "callout",
  "code",
]);

const OTHER_BLOCKS = new Set(["divider", "equation", "bookmark", "image", "table_of_contents"]);

function blockData(store: Store, type: string, raw: any, path: string): Record<string, any> {
  if (TEXT_BLOCKS.has(type)) {
    const rich = normalizeRichText(raw?.rich_text ?? [], `${path}.rich_text`, store);
    const color = typeof raw?.color === "string" ? raw.color : "default";
    switch (type) {
      case "paragraph":
        return { rich_text: rich, icon: null, color };
      case "heading_1":
      case "heading_2":
      case "heading_3":
        return { rich_text: rich, is_toggleable: !!raw?.is_toggleable, color };
      case "to_do":
        return { rich_text: rich, checked: !!raw?.checked, color };
      case "code":
        return {
          caption: normalizeRichText(raw?.caption ?? [], `${path}.caption`, store),
          rich_text: rich,
          language: typeof raw?.language === "string" ? raw.language : "plain text",
        };
      case "callout":
        return { rich_text: rich, icon: raw?.icon ?? null, color };
      default:
        return { rich_text: rich, color };
    }
  }
  if (type === "divider" || type === "table_of_contents") {
    return type === "divider" ? {} : { color: "default" };
  }
  if (type === "equation") return { expression: String(raw?.expression ?? "") };
  if (type === "bookmark") {
    return {
      caption: normalizeRichText(raw?.caption ?? [], `${path}.caption`, store),
      url: String(raw?.url ?? ""),
    };
  }
  if (type === "image") {
    return { caption: [], type: "external", external: { url: String(raw?.external?.url ?? "") } };
  }
  throw bodyInvalid(path, `should be a supported block type, instead was \`${type}\``);
}

/** Creates blocks from a request `children` array under a parent; returns the new block ids. */
export function createBlocks(
  store: Store,
  userId: string,
  parent: Parent,
  children: unknown,
  path: string,
  depth = 0,
): string[] {
  if (!Array.isArray(children)) throw bodyInvalid(path, "should be an array");
  if (children.length > 100) throw tooLong(`${path}.length`, 100, children.length);
  if (depth > 2) throw validationError(`${path} exceeds the maximum nesting depth of 2.`);
  if (depth === 0) {
    const total = countBlocks(children);
    if (total > 1000) {
      throw validationError(
        `body failed validation: the request contains ${total} blocks, which is more than the limit of 1000.`,
      );
    }
  }
  const ids: string[] = [];
  children.forEach((raw: any, i: number) => {
    const bp = `${path}[${i}]`;
    if (!raw || typeof raw !== "object") throw bodyInvalid(bp, "should be an object");
    const type: string = raw.type ??
      Object.keys(raw).find((k) => TEXT_BLOCKS.has(k) || OTHER_BLOCKS.has(k)) ?? "";
    if (!TEXT_BLOCKS.has(type) && !OTHER_BLOCKS.has(type)) {
      throw bodyInvalid(bp, "should be a supported block type");
    }
    const now = store.now();
    const block: Block = {
      id: store.newId(),
      parent,
      type,
      data: blockData(store, type, raw[type], `${bp}.${type}`),
      children: [],
      in_trash: false,
      created_time: now,
      last_edited_time: now,
      created_by: userId,
      last_edited_by: userId,
    };
    store.state.blocks[block.id] = block;
    if (raw[type]?.children) {
      block.children = createBlocks(
        store,
        userId,
        { type: "block_id", id: block.id },
        raw[type].children,
        `${bp}.${type}.children`,
        depth + 1,
      );
    }
    ids.push(block.id);
  });
  return ids;
}

/** Number of blocks in a request `children` array, nested ones included. */
function countBlocks(children: unknown): number {
  if (!Array.isArray(children)) return 0;
  let n = 0;
  for (const raw of children) {
    n++;
    if (raw && typeof raw === "object") {
      for (const v of Object.values(raw as Record<string, any>)) {
        if (v && typeof v === "object" && Array.isArray(v.children)) n += countBlocks(v.children);
      }
    }
  }
  return n;
}

/** The child list (block, page and database ids) of a page or block, or undefined. */
export function childrenOf(store: Store, id: string): string[] | undefined {
  return store.state.pages[id]?.children ?? store.state.blocks[id]?.children;
}

/** True when the child is trashed (trashed children are hidden from listings). */
export function childTrashed(store: Store, id: string): boolean {
  const s = store.state;
  return (s.blocks[id] ?? s.pages[id] ?? s.databases[id])?.in_trash ?? true;
}

/** Updates a block's content or trash state (PATCH /v1/blocks/{id}). */
export function updateBlock(store: Store, userId: string, block: Block, body: any): void {
  const trash: boolean | undefined = body?.in_trash ?? body?.archived;
  if (block.in_trash && trash !== false) {
    throw validationError(
      "Can't edit block that is archived. You must unarchive the block before editing.",
    );
  }
  if (body?.[block.type] !== undefined) {
    block.data = {
      ...block.data,
      ...blockData(store, block.type, { ...block.data, ...body[block.type] }, `body.${block.type}`),
    };
  }
  if (trash !== undefined) block.in_trash = trash;
  store.touch(block, userId);
}
