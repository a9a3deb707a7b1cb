/**
 * connect-notion: stores a user's Notion integration. The token is checked with Notion (users.me
 * names the bot and its workspace), encrypted here (AES-GCM, a key only the functions hold) and
 * only its ciphertext reaches the database; no answer, log or view ever carries either. It also
 * gives a connection its webhook URL and, once Notion sent it there, the verification token to
 * paste in Notion's webhook settings.
 */
import { z } from "zod";
import { APIResponseError, isNotionClientError } from "@notionhq/client";
import { requireUser, type UserClaims } from "../_shared/auth.ts";
import { asUser } from "../_shared/db.ts";
import { decryptToken, encryptToken, randomUrlKey, sha256Hex } from "../_shared/crypto.ts";
import { env } from "../_shared/env.ts";
import { HttpError, readBody, respond } from "../_shared/http.ts";
import { isRefused, notionClient, retryAfterSeconds } from "../_shared/notion.ts";

const Connect = z.strictObject({
  action: z.literal("connect"),
  name: z.string().trim().min(1, "name must not be blank").max(100),
  token: z.string().trim().min(1, "token must be the integration's secret").max(
    500,
  ),
});

const List = z.strictObject({ action: z.literal("list") });

const Webhook = z.strictObject({
  action: z.literal("webhook"),
  name: z.string().trim().min(1, "name must name one of your connections").max(100),
  /** A new URL (and key), replacing the connection's webhook endpoint. */
  newUrl: z.boolean().default(false),
});

/** `{ name, token }` connects; `{ action: "list" }` lists; `{ action: "webhook", name }`. */
const Body = z.preprocess(
  (raw) =>
    raw !== null && typeof raw === "object" && !Array.isArray(raw) &&
      !("action" in raw)
      ? { ...raw, action: "connect" }
      : raw,
  z.discriminatedUnion("action", [Connect, List, Webhook]),
);

/** What Notion says about the integration behind a token. */
interface Integration {
  botId: string;
  workspaceId: string | null;
  workspaceName: string | null;
}

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => {
    const claims = await requireUser(req);
    const body = await readBody(req, Body);
    if (body.action === "list") {
      const connections = await asUser(claims, (tx) =>
        tx`
        select connection_id, name, bot_id, workspace_id, workspace_name, mappings, created_at,
               updated_at
        from notion_sync_api.connections
        order by name`);
      return { connections };
    }
    if (body.action === "webhook") return await webhook(claims, body.name, body.newUrl);
    const integration = await identify(body.token);
    const ciphertext = await encryptToken(body.token);
    const connectionId = await asUser(claims, async (tx) => {
      const [row] = await tx`
        select notion_sync_api.save_connection(${body.name}, ${ciphertext}, ${integration.botId},
          ${integration.workspaceId}, ${integration.workspaceName})::text as id`;
      return row.id as string;
    }).catch((e) => {
      // a database error could carry the statement's parameters: never let it reach a log
      if (e instanceof HttpError) throw e;
      console.error(
        "could not store a connection:",
        (e as { code?: string }).code,
        String(e),
      );
      throw new HttpError(
        500,
        "internal_error",
        "Could not store the connection.",
      );
    });
    return {
      connectionId,
      name: body.name,
      botId: integration.botId,
      workspaceId: integration.workspaceId,
      workspaceName: integration.workspaceName,
    };
  });
}

/**
 * A connection's webhook: with newUrl, a new endpoint (a random key in the URL, only its sha256
 * stored) whose URL is answered once; else where the webhook stands, with the verification token
 * Notion sent (to paste in Notion's settings) once it came.
 */
async function webhook(claims: UserClaims, name: string, newUrl: boolean) {
  let url: string | null = null;
  if (newUrl) {
    const key = randomUrlKey();
    const keyHash = await sha256Hex(key);
    await asUser(claims, (tx) => tx`select notion_sync_api.set_webhook_key(${name}, ${keyHash})`);
    url = `${env().SUPABASE_URL.replace(/\/+$/, "")}/functions/v1/notion-webhook?key=${key}`;
  }
  return await asUser(claims, async (tx) => {
    const [state] = await tx`
      select notion_sync_api.webhook_token_ciphertext(${name}) as ciphertext,
             c.webhook_handshake_at, c.webhook_verified_at
      from notion_sync_api.connections c where c.name = ${name}`;
    if (!state) throw new HttpError(404, "not_found", `no connection named "${name}"`);
    return {
      name,
      ...(url ? { url } : {}),
      verificationToken: state.ciphertext ? await decryptToken(state.ciphertext) : null,
      handshakeAt: state.webhook_handshake_at,
      verifiedAt: state.webhook_verified_at,
    };
  });
}

/** Asks Notion who the token belongs to; a token Notion refuses is the caller's mistake (400). */
async function identify(token: string): Promise<Integration> {
  let me;
  try {
    me = await notionClient(token).users.me({});
  } catch (e) {
    if (
      APIResponseError.isAPIResponseError(e) &&
      (e.status === 401 || e.status === 403)
    ) {
      throw new HttpError(
        400,
        "notion_token_refused",
        `Notion refused this token (${e.code}: ${e.message}). Copy the internal integration ` +
          "secret from notion.so/my-integrations and try again.",
      );
    }
    if (isRefused(e)) {
      // Notion refused before doing anything (429/529): nothing is wrong with the request
      const wait = Math.ceil(retryAfterSeconds(e) ?? 60);
      throw new HttpError(
        503,
        "notion_rate_limited",
        `Notion is not taking requests from this integration now (${(e as Error).message}); ` +
          `nothing was stored: try again in ${wait} seconds.`,
      );
    }
    if (isNotionClientError(e)) {
      throw new HttpError(502, "notion_error", `Notion answered: ${e.message}`);
    }
    throw e;
  }
  if (me.type !== "bot") {
    throw new HttpError(
      400,
      "not_an_integration",
      "This token belongs to a person, not an integration: use an integration's secret.",
    );
  }
  const bot = me.bot as {
    workspace_name?: string | null;
    workspace_id?: string | null;
  };
  return {
    botId: me.id,
    workspaceId: bot.workspace_id ?? null,
    workspaceName: bot.workspace_name ?? null,
  };
}
