/**
 * Rotating TOKEN_ENCRYPTION_KEY: the functions' cipher still opens what the previous key made, and
 * ops/rotate_token_key.ts re-encrypts every stored token under the new key, leaving (and naming)
 * one that neither key opens. The test rotates the test stack's tokens to a new key and back.
 */
import assert from "node:assert/strict";
import postgres from "postgres";
import { tokenCipher } from "../supabase/functions/_shared/crypto.ts";
import { freshUser } from "../stack/testing.ts";
import { stackEnv } from "../stack/setup.ts";
import { rotateTokenKey } from "./rotate_token_key.ts";

const newKey = () => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));

Deno.test("a cipher with a previous key opens both keys' tokens and encrypts under the new one", async () => {
  const [oldKey, currentKey] = [newKey(), newKey()];
  const made = await tokenCipher(oldKey).encrypt("secret_made_before");
  const rotating = tokenCipher(currentKey, oldKey);
  assert.equal(await rotating.decrypt(made), "secret_made_before");
  assert.equal(await rotating.current(made), false, "the old key's token is not current");
  const remade = await rotating.encrypt("secret_made_before");
  assert.equal(await tokenCipher(currentKey).decrypt(remade), "secret_made_before");
  assert.equal(await rotating.current(remade), true);
  await assert.rejects(
    () => tokenCipher(currentKey).decrypt(made),
    /cannot be decrypted: .*TOKEN_ENCRYPTION_KEY does not open it/,
  );
  const foreign = await tokenCipher(newKey()).encrypt("x");
  await assert.rejects(
    () => rotating.decrypt(foreign),
    /neither TOKEN_ENCRYPTION_KEY nor TOKEN_ENCRYPTION_KEY_PREVIOUS opens it/,
  );
});

Deno.test("a rotation re-encrypts every stored token under the new key and leaves one it cannot open", async () => {
  const user = await freshUser("rotation");
  const stackKey = Deno.env.get("TOKEN_ENCRYPTION_KEY")!;
  const rotatedKey = newKey();
  const sql = postgres(stackEnv().dbUrl, { max: 1, onnotice: () => {} });
  const mine = () =>
    sql`select name, token_ciphertext, webhook_token_ciphertext from notion_sync.connections
        where owner_id = ${user.id} order by name`;
  try {
    const before = tokenCipher(stackKey);
    const stray = await tokenCipher(newKey()).encrypt("secret_of_another_key");
    await sql`
      insert into notion_sync.connections (owner_id, name, token_ciphertext, webhook_token_ciphertext)
      values (${user.id}, 'kept', ${await before.encrypt("secret_kept")},
              ${await before.encrypt("webhook_kept")}),
             (${user.id}, 'stray', ${stray}, null)`;

    const done = await rotateTokenKey(sql, tokenCipher(rotatedKey, stackKey));
    const after = tokenCipher(rotatedKey);
    const [kept, strayRow] = await mine();
    assert.equal(await after.decrypt(kept.token_ciphertext), "secret_kept");
    assert.equal(await after.decrypt(kept.webhook_token_ciphertext), "webhook_kept");
    assert.equal(strayRow.token_ciphertext, stray, "a token neither key opens is left as it was");
    assert.ok(
      done.unreadable.some((u) =>
        u.ownerId === user.id && u.column === "token_ciphertext" &&
        u.connectionId !== undefined
      ),
      "and named with its owner",
    );
    assert.ok(done.reencrypted >= 2, JSON.stringify(done));

    const again = await rotateTokenKey(sql, tokenCipher(rotatedKey, stackKey));
    assert.equal(again.reencrypted, 0, "a second run finds every token already under the new key");
    assert.equal(
      again.alreadyCurrent,
      done.reencrypted + done.alreadyCurrent,
      "and says so",
    );
  } finally {
    // back under the stack's key, for the tests after this one
    await rotateTokenKey(sql, tokenCipher(stackKey, rotatedKey));
    await sql`delete from notion_sync.connections where owner_id = ${user.id}`;
    await sql.end();
  }
});
