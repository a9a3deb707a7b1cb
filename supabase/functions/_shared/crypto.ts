/**
 * AES-GCM encryption of Notion tokens with a key only the functions hold (TOKEN_ENCRYPTION_KEY),
 * and webhook URL keys: random, and their sha256 (only the hash is stored).
 */
import { env } from "./env.ts";

const VERSION = "v1";
let keyPromise: Promise<CryptoKey> | undefined;

function key(): Promise<CryptoKey> {
  keyPromise ??= crypto.subtle.importKey(
    "raw",
    Uint8Array.from(atob(env().TOKEN_ENCRYPTION_KEY), (c) => c.charCodeAt(0)),
    "AES-GCM",
    false,
    ["encrypt", "decrypt"],
  );
  return keyPromise;
}

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function unb64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

/** Encrypts a token as `v1.<iv>.<ciphertext>` (base64). */
export async function encryptToken(token: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv },
    await key(),
    new TextEncoder().encode(token),
  );
  return `${VERSION}.${b64(iv)}.${b64(new Uint8Array(ct))}`;
}

/** Decrypts what encryptToken made; throws, saying what to do, if it was made with another key or altered. */
export async function decryptToken(ciphertext: string): Promise<string> {
  const [version, iv, ct] = ciphertext.split(".");
  try {
    if (version !== VERSION || !iv || !ct) throw new Error("not v1.<iv>.<ciphertext>");
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: unb64(iv) },
      await key(),
      unb64(ct),
    );
    return new TextDecoder().decode(plain);
  } catch (e) {
    throw new Error(
      "the connection's Notion token cannot be decrypted: it was stored under another " +
        "TOKEN_ENCRYPTION_KEY, or altered; store the connection again with connect-notion " +
        `(${e instanceof Error ? e.message : e})`,
    );
  }
}

/** The sha256 of a text, as lowercase hex. */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** 32 random bytes as base64url without padding (43 characters): a key to put in a URL. */
export function randomUrlKey(): string {
  return b64(crypto.getRandomValues(new Uint8Array(32)))
    .replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");
}
