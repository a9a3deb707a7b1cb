/** The Notion SDK as the sync uses it: pinned version, our own retries, a bounded timeout. */
import { Client } from "@notionhq/client";
import { env } from "./env.ts";

/** The Notion-Version every request sends. */
export const NOTION_VERSION = "2025-09-03";

/** A Notion client for one integration token. */
export function notionClient(token: string): Client {
  return new Client({
    auth: token,
    baseUrl: env().NOTION_API_BASE_URL,
    notionVersion: NOTION_VERSION,
    timeoutMs: env().NOTION_TIMEOUT_MS,
    retry: false,
  });
}
