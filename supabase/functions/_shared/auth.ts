/** Verifies the caller's Supabase JWT: asymmetric keys through the project's JWKS, or legacy HS256. */
import * as jose from "jose";
import { env } from "./env.ts";
import { HttpError } from "./http.ts";

/** Verified JWT claims of a signed-in user. */
export interface UserClaims extends jose.JWTPayload {
  sub: string;
  role: string;
  email?: string;
}

let jwks: ReturnType<typeof jose.createRemoteJWKSet> | undefined;

function keySet() {
  const e = env();
  jwks ??= jose.createRemoteJWKSet(
    new URL(e.SUPABASE_JWKS_URL ?? `${e.SUPABASE_URL}/auth/v1/.well-known/jwks.json`),
  );
  return jwks;
}

/** Verifies a JWT and returns its claims; any failure is a 401 that says why. */
export async function verifyJwt(token: string): Promise<jose.JWTPayload> {
  try {
    const { alg } = jose.decodeProtectedHeader(token);
    if (alg === "HS256") {
      const secret = env().SUPABASE_JWT_SECRET;
      if (!secret) throw new Error("HS256 tokens are not accepted (no SUPABASE_JWT_SECRET)");
      return (await jose.jwtVerify(token, new TextEncoder().encode(secret))).payload;
    }
    return (await jose.jwtVerify(token, keySet())).payload;
  } catch (e) {
    throw new HttpError(401, "invalid_jwt", `Invalid JWT: ${(e as Error).message}`);
  }
}

/** The signed-in user behind a request (role authenticated, with a subject), or a 401. */
export async function requireUser(req: Request): Promise<UserClaims> {
  const header = req.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw new HttpError(
      401,
      "missing_authorization",
      "Send Authorization: Bearer <user access token>.",
    );
  }
  const claims = await verifyJwt(match[1]);
  if (claims.role !== "authenticated" || typeof claims.sub !== "string") {
    throw new HttpError(
      401,
      "not_a_user",
      `This function needs a signed-in user's token; got role "${String(claims.role)}".`,
    );
  }
  return claims as UserClaims;
}
