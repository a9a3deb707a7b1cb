/** Signing keys of the local stack: an ES256 key pair (as hosted projects now use), its JWKS, API keys. */
import * as jose from "jose";

/** Keys persisted in the stack directory. */
export interface StackKeys {
  kid: string;
  privateJwk: jose.JWK;
  publicJwk: jose.JWK;
  issuer: string;
  anonKey: string;
  serviceRoleKey: string;
}

/** A user as the local auth stand-in knows it. */
export interface LocalUser {
  id: string;
  email: string;
}

const TEN_YEARS = 10 * 365 * 24 * 3600;

/** Loads STACK_DIR/keys.json, or creates it with a fresh ES256 key pair and API keys. */
export async function loadOrCreateKeys(dir: string, apiUrl: string): Promise<StackKeys> {
  const path = `${dir}/keys.json`;
  try {
    return JSON.parse(await Deno.readTextFile(path)) as StackKeys;
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  const { privateKey, publicKey } = await jose.generateKeyPair("ES256", { extractable: true });
  const kid = crypto.randomUUID();
  const privateJwk = { ...(await jose.exportJWK(privateKey)), kid, alg: "ES256", use: "sig" };
  const publicJwk = { ...(await jose.exportJWK(publicKey)), kid, alg: "ES256", use: "sig" };
  const issuer = `${apiUrl}/auth/v1`;
  const partial = { kid, privateJwk, publicJwk, issuer, anonKey: "", serviceRoleKey: "" };
  const keys: StackKeys = {
    ...partial,
    anonKey: await signJwt(partial, { role: "anon", iss: "supabase-demo" }, TEN_YEARS),
    serviceRoleKey: await signJwt(
      partial,
      { role: "service_role", iss: "supabase-demo" },
      TEN_YEARS,
    ),
  };
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(path, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

/** Signs claims with the stack's private key, valid for ttlSeconds. */
export async function signJwt(
  keys: Pick<StackKeys, "kid" | "privateJwk" | "issuer">,
  claims: jose.JWTPayload,
  ttlSeconds: number,
): Promise<string> {
  const key = await jose.importJWK(keys.privateJwk, "ES256");
  return await new jose.SignJWT({ iss: keys.issuer, ...claims })
    .setProtectedHeader({ alg: "ES256", kid: keys.kid, typ: "JWT" })
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
    .sign(key);
}

/** A user access token shaped like Supabase Auth's. */
export function signUserJwt(keys: StackKeys, user: LocalUser, ttlSeconds = 3600): Promise<string> {
  return signJwt(keys, {
    sub: user.id,
    aud: "authenticated",
    role: "authenticated",
    email: user.email,
    phone: "",
    app_metadata: { provider: "email", providers: ["email"] },
    user_metadata: {},
    aal: "aal1",
    amr: [{ method: "password", timestamp: Math.floor(Date.now() / 1000) }],
    session_id: crypto.randomUUID(),
    is_anonymous: false,
  }, ttlSeconds);
}
