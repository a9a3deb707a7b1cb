/**
 * A throw-away user for a benchmark: made in auth.users, and each transaction run as that user the
 * way the functions run it (role authenticated and the user's claims, so RLS applies). Deleting the
 * user at the end deletes everything it owned (every sync table and the demo tasks cascade).
 */
import type postgres from "postgres";

/** Makes the bench user; `as` runs one committed transaction as it, `drop` deletes it. */
export async function benchUser(sql: postgres.Sql) {
  const [{ id }] = await sql`insert into auth.users (id, email)
    values (gen_random_uuid(), ${`bench-${crypto.randomUUID()}@example.com`}) returning id::text`;
  const userId = id as string;
  const as = <T>(fn: (tx: postgres.TransactionSql) => Promise<T>) =>
    sql.begin(async (tx) => {
      await tx`select set_config('role', 'authenticated', true),
                      set_config('request.jwt.claims', ${
        JSON.stringify({ sub: userId, role: "authenticated" })
      }, true)`;
      return await fn(tx);
    }) as Promise<T>;
  const drop = async () => {
    await sql`delete from auth.users where id = ${userId}`;
  };
  return { userId, as, drop };
}
