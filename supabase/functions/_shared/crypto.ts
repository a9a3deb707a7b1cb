/**
 * AES-GCM encryption of Notion tokens with a key only the functions hold (TOKEN_ENCRYPTION_KEY;
 * during a rotation the previous key still decrypts), and webhook URL keys: random, and their
 * sha256 (only the hash is stored).
 */
import { env } from "./env.ts";

const VERSION = "v1";

/** Encrypts and decrypts Notion tokens (and webhook verification tokens) with AES-GCM keys. */
export interface TokenCipher {
  /** `v1.<iv>.<ciphertext>` (base64), under the current key. */
  encrypt(token: string): Promise<string>;
  /** The token, under the current key or the previous one; throws, saying what to do, otherwise. */
  decrypt(ciphertext: string): Promise<string>;
  /** Whether a ciphertext is under the current key (false: the previous one, or none). */
  current(ciphertext: string): Promise<boolean>;
}

function b64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

function unb64(text: string): Uint8Array<ArrayBuffer> {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function importKey(base64: string): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", unb64(base64), "AES-GCM", false, ["encrypt", "decrypt"]);
}

/** The plain text under this key, or null when it is not (AES-GCM authenticates). */
async function open(key: CryptoKey, ciphertext: string): Promise<string | null> {
  const [version, iv, ct] = ciphertext.split(".");
  if (version !== VERSION || !iv || !ct) {
    throw new Error("a stored token is not v1.<iv>.<ciphertext>");
  }
  try {
    const plain = await crypto.subtle.decrypt({ name: "AES-GCM", iv: unb64(iv) }, key, unb64(ct));
    return new TextDecoder().decode(plain);
  } catch {
    return null;
  }
}

/**
 * A cipher with the current key (base64, 32 bytes) and, while a rotation is under way, the
 * previous one, which only decrypts (see ops/rotate_token_key.ts).
 */
export function tokenCipher(key: string, previousKey?: string): TokenCipher {
  const keys = Promise.all([key, ...(previousKey ? [previousKey] : [])].map(importKey));
  return {
    async encrypt(token) {
      const iv = crypto.getRandomValues(new Uint8Array(12));
      const [current] = await keys;
      const ct = await crypto.subtle.encrypt(
        { name: "AES-GCM", iv },
        current,
        new TextEncoder().encode(token),
      );
      return `${VERSION}.${b64(iv)}.${b64(new Uint8Array(ct))}`;
    },
    async decrypt(ciphertext) {
      try {
        for (const k of await keys) {
          const plain = await open(k, ciphertext);
          if (plain !== null) return plain;
        }
        throw new Error(
          previousKey
            ? "neither TOKEN_ENCRYPTION_KEY nor TOKEN_ENCRYPTION_KEY_PREVIOUS opens it"
            : "TOKEN_ENCRYPTION_KEY does not open it",
        );
      } catch (e) {
        throw new Error(
          "the connection's Notion token cannot be decrypted: it was stored under another " +
            "TOKEN_ENCRYPTION_KEY, or altered; store the connection again with connect-notion " +
            `(${e instanceof Error ? e.message : e})`,
        );
      }
    },
    async current(ciphertext) {
      const [current] = await keys;
      return (await open(current, ciphertext)) !== null;
    },
  };
}

let fromEnv: TokenCipher | undefined;
/** The functions' cipher: TOKEN_ENCRYPTION_KEY, and TOKEN_ENCRYPTION_KEY_PREVIOUS when set. */
function envCipher(): TokenCipher {
  fromEnv ??= tokenCipher(env().TOKEN_ENCRYPTION_KEY, env().TOKEN_ENCRYPTION_KEY_PREVIOUS);
  return fromEnv;
}

/** Encrypts a token as `v1.<iv>.<ciphertext>` (base64) under TOKEN_ENCRYPTION_KEY. */
export function encryptToken(token: string): Promise<string> {
  return envCipher().encrypt(token);
}

/** Decrypts what encryptToken made (under the current or the previous key). */
export function decryptToken(ciphertext: string): Promise<string> {
  return envCipher().decrypt(ciphertext);
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
