/** Environment of the edge functions, read once and validated (see supabase/functions/.env.example). */
import { z } from "zod";

/** 32 random bytes in base64, as `openssl rand -base64 32` prints them. */
export function aesKey(name: string) {
  const must = `${name} must be 32 random bytes in base64 (openssl rand -base64 32)`;
  return z.string({ error: `${must}; it is not set` }).regex(/^[A-Za-z0-9+/]{43}=$/, must);
}

const schema = z.object({
  SUPABASE_URL: z.url(),
  SUPABASE_DB_URL: z.string().min(1, "SUPABASE_DB_URL must be a Postgres connection string"),
  SUPABASE_JWKS_URL: z.url().optional(),
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  TOKEN_ENCRYPTION_KEY: aesKey("TOKEN_ENCRYPTION_KEY"),
  TOKEN_ENCRYPTION_KEY_PREVIOUS: aesKey("TOKEN_ENCRYPTION_KEY_PREVIOUS").optional(),
  NOTION_API_BASE_URL: z.url().default("https://api.notion.com"),
  NOTION_TIMEOUT_MS: z.coerce.number().int().min(1000).max(30000).default(30000),
  DB_POOL_MAX: z.coerce.number().int().min(1).max(50).default(5),
  WORKER_SECRET: z.string().min(32, "WORKER_SECRET must be at least 32 characters").optional(),
});

/** The validated function environment. */
export type Env = z.infer<typeof schema>;

let cached: Env | undefined;

/** Reads and validates the environment on first use; throws an error naming every bad variable. */
export function env(): Env {
  if (cached) return cached;
  const parsed = schema.safeParse(Deno.env.toObject());
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new Error(`invalid function environment: ${problems.join("; ")}`);
  }
  cached = parsed.data;
  return cached;
}
