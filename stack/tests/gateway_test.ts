import assert from "node:assert/strict";
import * as jose from "jose";
import { stackEnv } from "../setup.ts";
import { freshUser, invoke, testStack } from "../testing.ts";
import { signJwt } from "../keys.ts";

Deno.test("the gateway serves an ES256 JWKS that verifies the tokens it signs", async () => {
  const { apiUrl } = stackEnv();
  const jwks = await (await fetch(`${apiUrl}/auth/v1/.well-known/jwks.json`)).json();
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].alg, "ES256");
  assert.equal(jwks.keys[0].d, undefined, "the JWKS must not contain the private key");
  const user = await freshUser("jwks");
  const { payload } = await jose.jwtVerify(user.jwt, jose.createLocalJWKSet(jwks));
  assert.equal(payload.sub, user.id);
  assert.equal(payload.role, "authenticated");
});

Deno.test("password sign-in returns a session for the right password and a clear error otherwise", async () => {
  const { apiUrl } = stackEnv();
  const user = await freshUser("signin");
  const signIn = (password: string) =>
    fetch(`${apiUrl}/auth/v1/token?grant_type=password`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: user.email, password }),
    });
  const ok = await signIn("test-password");
  assert.equal(ok.status, 200);
  const session = await ok.json();
  assert.equal(session.user.id, user.id);
  assert.equal(jose.decodeJwt(session.access_token).sub, user.id);
  const bad = await signIn("wrong");
  assert.equal(bad.status, 400);
  assert.equal((await bad.json()).error_code, "invalid_credentials");
});

Deno.test("functions with verify_jwt refuse a request without a valid JWT, with a body that says why", async () => {
  const missing = await invoke("review", { action: "runs" });
  assert.equal(missing.status, 401);
  assert.equal(missing.body.error.code, "missing_authorization");
  const forged = await invoke(
    "review",
    { action: "runs" },
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln",
  );
  assert.equal(forged.status, 401);
  assert.equal(forged.body.error.code, "invalid_jwt");
  const { keys } = await testStack();
  const expired = await signJwt(keys, { sub: crypto.randomUUID(), role: "authenticated" }, -60);
  const late = await invoke("review", { action: "runs" }, expired);
  assert.equal(late.status, 401);
  assert.match(late.body.error.message, /exp/);
});

Deno.test("the anon key passes the gateway but a function that needs a user answers 401", async () => {
  const { keys } = await testStack();
  const res = await invoke("review", { action: "runs" }, keys.anonKey);
  assert.equal(res.status, 401);
  assert.equal(res.body.error.code, "not_a_user");
});

Deno.test("CORS preflight is answered without a JWT, with the headers supabase-js needs", async () => {
  const { apiUrl } = stackEnv();
  const res = await fetch(`${apiUrl}/functions/v1/retrieve-from-database`, {
    method: "OPTIONS",
    headers: { origin: "http://example.test", "access-control-request-method": "POST" },
  });
  await res.body?.cancel();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("access-control-allow-origin"), "*");
  assert.match(res.headers.get("access-control-allow-headers") ?? "", /authorization.*apikey/);
});

Deno.test("an unknown function is a 404 naming it", async () => {
  const { keys } = await testStack();
  const res = await invoke("no-such-function", {}, keys.anonKey);
  assert.equal(res.status, 404);
  assert.match(res.body.error.message, /no-such-function/);
});
