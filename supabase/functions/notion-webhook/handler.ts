/**
 * notion-webhook: receives the Notion webhook of one connection, at the URL connect-notion gave
 * (`?key=` names the connection; only the key's sha256 is stored). Notion's handshake
 * (`{verification_token}`) is stored encrypted, for the owner to read back and paste in Notion;
 * every event must then carry Notion's signature (X-Notion-Signature: HMAC-SHA256 of the raw body
 * keyed by that token) and is recorded as the connection's owner, which queues the retrieve it calls
 * for. What an event calls for is decided in SQL (notion_sync_api.record_webhook_event); the
 * worker runs it at the next tick. No user JWT.
 */
import { asService, asUser } from "../_shared/db.ts";
import { decryptToken, encryptToken, sha256Hex } from "../_shared/crypto.ts";
import { HttpError, respond } from "../_shared/http.ts";

interface Endpoint {
  connection_id: string;
  owner_id: string;
  token_ciphertext: string | null;
}

/** Whether `sha256=<hex>` is the HMAC-SHA256 of body keyed by token (compared in constant time). */
async function signedBy(body: Uint8Array<ArrayBuffer>, signature: string, token: string) {
  const hex = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())?.[1];
  if (!hex) return false;
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(token),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["verify"],
  );
  const mac = Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16));
  return await crypto.subtle.verify("HMAC", key, mac, body);
}

/** Handles one request (exported so tests call it without a server). */
export function handler(req: Request): Promise<Response> {
  return respond(req, async () => {
    const key = new URL(req.url).searchParams.get("key") ?? "";
    const unknown = new HttpError(
      404,
      "unknown_webhook_endpoint",
      'No webhook endpoint has this URL: make one with connect-notion {"action": "webhook", ' +
        '"name": "<connection>", "newUrl": true}.',
    );
    if (!/^[A-Za-z0-9_-]{32,128}$/.test(key)) throw unknown;
    const keyHash = await sha256Hex(key);
    const raw = new Uint8Array(await req.arrayBuffer());
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(new TextDecoder().decode(raw));
    } catch {
      throw new HttpError(400, "invalid_json", "The request body is not valid JSON.");
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) {
      throw new HttpError(400, "invalid_request", "A webhook body is a JSON object.");
    }
    const [endpoint] = await asService((tx) =>
      tx`select connection_id::text, owner_id::text, token_ciphertext
         from notion_sync.webhook_endpoint(${keyHash})`
    ) as unknown as Endpoint[];
    if (!endpoint) throw unknown;

    if (typeof body.verification_token === "string" && !("type" in body)) {
      // Notion's handshake: kept (encrypted) for the owner to paste in Notion's settings
      if (!/^\S{1,500}$/.test(body.verification_token)) {
        throw new HttpError(400, "invalid_request", "verification_token must be one word.");
      }
      const ciphertext = await encryptToken(body.verification_token);
      await asService((tx) =>
        tx`select notion_sync.store_webhook_token(${keyHash}, ${ciphertext})`
      );
      return { received: "verification_token" };
    }
    if (!endpoint.token_ciphertext) {
      throw new HttpError(
        409,
        "webhook_not_verified",
        "No verification token has reached this endpoint yet, so no event can be checked: " +
          "create the webhook subscription in Notion with this URL first.",
      );
    }
    const token = await decryptToken(endpoint.token_ciphertext);
    if (!(await signedBy(raw, req.headers.get("x-notion-signature") ?? "", token))) {
      throw new HttpError(
        401,
        "invalid_signature",
        "X-Notion-Signature is not the HMAC-SHA256 of this body keyed by the endpoint's " +
          "verification token.",
      );
    }
    const claims = { sub: endpoint.owner_id, role: "authenticated" };
    const [row] = await asUser(
      claims,
      (tx) =>
        tx`select notion_sync_api.record_webhook_event(${endpoint.connection_id}, ${
          tx.json(body as never)
        }) as r`,
    );
    return row.r;
  });
}
