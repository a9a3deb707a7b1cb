/**
 * Rotates TOKEN_ENCRYPTION_KEY: re-encrypts every stored Notion token and webhook verification
 * token under the new key, in one transaction, so no connection has to be made again.
 *
 *   1. `supabase secrets set TOKEN_ENCRYPTION_KEY=<new> TOKEN_ENCRYPTION_KEY_PREVIOUS=<old>`: the
 *      functions encrypt under the new key and still decrypt what the old one made;
 *   2. `DB_URL=<the database, as postgres> TOKEN_ENCRYPTION_KEY=<new> \
 *      TOKEN_ENCRYPTION_KEY_PREVIOUS=<old> deno run -A ops/rotate_token_key.ts`;
 *   3. `supabase secrets unset TOKEN_ENCRYPTION_KEY_PREVIOUS`.
 *
 * A token that neither key opens (stored under some other key, or altered) is left as it is and
 * named, with its owner, who must connect again; the script then exits 1. Running it again is
 * harmless: tokens already under the new key are left alone.
 */
import postgres from "postgres";
import { z } from "zod";
import { type TokenCipher, tokenCipher } from "../supabase/functions/_shared/crypto.ts";
import { aesKey } from "../supabase/functions/_shared/env.ts";

/** What a rotation did. */
export interface Rotation {
  /** Ciphertexts re-encrypted under the new key. */
  reencrypted: number;
  /** Ciphertexts already under the new key. */
  alreadyCurrent: number;
  /** Tokens neither key opens: left as they are. */
  unreadable: { connectionId: string; ownerId: string; column: string }[];
}

const COLUMNS = ["token_ciphertext", "webhook_token_ciphertext"] as const;

/** Re-encrypts every connection's tokens under the cipher's current key (in one transaction). */
export async function rotateTokenKey(sql: postgres.Sql, cipher: TokenCipher): Promise<Rotation> {
  return await sql.begin(async (tx) => {
    const rows = await tx`
      select connection_id::text, owner_id::text, token_ciphertext, webhook_token_ciphertext
      from notion_sync.connections
      order by connection_id
      for update`;
    const done: Rotation = { reencrypted: 0, alreadyCurrent: 0, unreadable: [] };
    for (const row of rows) {
      for (const column of COLUMNS) {
        const ciphertext: string | null = row[column];
        if (ciphertext === null) continue;
        let plain: string;
        try {
          if (await cipher.current(ciphertext)) {
            done.alreadyCurrent += 1;
            continue;
          }
          plain = await cipher.decrypt(ciphertext);
        } catch {
          done.unreadable.push({ connectionId: row.connection_id, ownerId: row.owner_id, column });
          continue;
        }
        await tx`update notion_sync.connections set ${tx(column)} = ${await cipher.encrypt(plain)}
                 where connection_id = ${row.connection_id}`;
        done.reencrypted += 1;
      }
    }
    return done;
  }) as Rotation;
}

if (import.meta.main) {
  const vars = z.object({
    DB_URL: z.string({ error: "DB_URL must be set: the database's connection string, as postgres" })
      .min(1, "DB_URL must be the database's connection string, as postgres"),
    TOKEN_ENCRYPTION_KEY: aesKey("TOKEN_ENCRYPTION_KEY"),
    TOKEN_ENCRYPTION_KEY_PREVIOUS: aesKey("TOKEN_ENCRYPTION_KEY_PREVIOUS"),
  }).refine((v) => v.TOKEN_ENCRYPTION_KEY !== v.TOKEN_ENCRYPTION_KEY_PREVIOUS, {
    message: "TOKEN_ENCRYPTION_KEY (the new key) and TOKEN_ENCRYPTION_KEY_PREVIOUS are the same",
  }).safeParse(Deno.env.toObject());
  if (!vars.success) {
    console.error(vars.error.issues.map((i) => i.message).join("\n"));
    Deno.exit(2);
  }
  const sql = postgres(vars.data.DB_URL, { max: 1, onnotice: () => {} });
  try {
    const done = await rotateTokenKey(
      sql,
      tokenCipher(vars.data.TOKEN_ENCRYPTION_KEY, vars.data.TOKEN_ENCRYPTION_KEY_PREVIOUS),
    );
    console.log(
      `Re-encrypted ${done.reencrypted} token(s) under the new key; ` +
        `${done.alreadyCurrent} already were.`,
    );
    for (const u of done.unreadable) {
      console.error(
        `Left as it was: ${u.column} of connection ${u.connectionId} (owner ${u.ownerId}): neither ` +
          "key opens it. Its owner must connect it again (connect-notion, or a new webhook URL).",
      );
    }
    if (done.unreadable.length) {
      console.error(
        `${done.unreadable.length} token(s) that neither key opens were left as they were.`,
      );
      Deno.exitCode = 1;
    }
  } finally {
    await sql.end();
  }
}
