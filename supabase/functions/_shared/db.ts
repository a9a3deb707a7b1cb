/** The one database path for user data: a transaction as `authenticated` with the caller's claims. */
import postgres from "postgres";
import { env } from "./env.ts";
import { HttpError } from "./http.ts";
import type { UserClaims } from "./auth.ts";

/** A transaction handle of postgres.js. */
export type Tx = postgres.TransactionSql;

let pool: postgres.Sql | undefined;

/** The shared pool, through the transaction-mode pooler (no prepared statements, no session state). */
export function db(): postgres.Sql {
  pool ??= postgres(env().SUPABASE_DB_URL, {
    prepare: false,
    max: env().DB_POOL_MAX,
    idle_timeout: 20,
    connect_timeout: 10,
    onnotice: () => {},
  });
  return pool;
}

/** Closes the pool (tests and shutdown). */
export async function closeDb(): Promise<void> {
  await pool?.end({ timeout: 5 });
  pool = undefined;
}

const sqlStateToHttp: Record<string, [number, string]> = {
  P0002: [404, "not_found"],
  "55006": [409, "busy"],
  "55000": [409, "not_ready"],
  "22023": [400, "invalid_request"],
  "23505": [409, "duplicate"],
  // the target table's own constraints refusing a value (a person's decision restoring a record
  // whose mapped NOT NULL column Notion left empty, …): the message names the column or constraint
  "23502": [409, "refused_by_table"],
  "23503": [409, "refused_by_table"],
  "23514": [409, "refused_by_table"],
  "23P01": [409, "refused_by_table"],
  "42501": [403, "forbidden"],
};

/**
 * Runs fn in one transaction as the `authenticated` role with `request.jwt.claims` set to the
 * verified claims, as PostgREST does, so RLS applies. Database errors we raise on purpose become
 * HttpErrors (P0002 → 404, 55006 → 409, …); others propagate.
 */
export async function asUser<T>(claims: UserClaims, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return await inRole("authenticated", JSON.stringify(claims), fn);
}

/**
 * Runs fn in one transaction as `service_role` (RLS bypassed): only for the worker's own
 * bookkeeping (claiming jobs across users); the work itself runs through asUser as each owner.
 */
export async function asService<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
  return await inRole("service_role", '{"role":"service_role"}', fn);
}

/** One transaction in a role with these claims; errors we raise on purpose become HttpErrors. */
async function inRole<T>(role: string, claims: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
  try {
    return await db().begin(async (tx) => {
      await tx`select set_config('role', ${role}, true),
                      set_config('request.jwt.claims', ${claims}, true)`;
      return await fn(tx);
    }) as T;
  } catch (e) {
    const code = (e as { code?: string }).code;
    const mapped = code ? sqlStateToHttp[code] : undefined;
    if (mapped) throw new HttpError(mapped[0], mapped[1], (e as Error).message);
    throw e;
  }
}
