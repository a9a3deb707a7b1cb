/** HTTP plumbing shared by every function: CORS, JSON bodies, one error shape. */
import { z } from "zod";

/** CORS headers for browser clients (supabase-js sends authorization, apikey, x-client-info). */
export const corsHeaders: Record<string, string> = {
  "access-control-allow-origin": "*",
  "access-control-allow-headers": "authorization, x-client-info, apikey, content-type",
  "access-control-allow-methods": "GET, POST, OPTIONS",
};

/** An error that becomes `{ error: { code, message } }` with its HTTP status. */
export class HttpError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** A JSON response with CORS headers. */
export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...corsHeaders, "content-type": "application/json; charset=utf-8" },
  });
}

/** Parses a JSON request body with a zod schema; bad input is a 400 naming each problem. */
export async function readBody<T extends z.ZodType>(req: Request, schema: T): Promise<z.infer<T>> {
  let raw: unknown;
  try {
    const text = await req.text();
    raw = text.trim() === "" ? {} : JSON.parse(text);
  } catch {
    throw new HttpError(400, "invalid_json", "The request body is not valid JSON.");
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) =>
      i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message
    );
    throw new HttpError(400, "invalid_request", problems.join("; "));
  }
  return parsed.data;
}

/** Runs a POST handler: answers CORS preflight, maps errors to the one error shape. */
export async function respond(req: Request, fn: () => Promise<unknown>): Promise<Response> {
  if (req.method === "OPTIONS") return new Response("ok", { headers: corsHeaders });
  if (req.method !== "POST") {
    return json({ error: { code: "method_not_allowed", message: "Use POST." } }, 405);
  }
  try {
    return json(await fn());
  } catch (e) {
    if (e instanceof HttpError) {
      return json({ error: { code: e.code, message: e.message } }, e.status);
    }
    console.error("unexpected error:", e);
    return json({
      error: { code: "internal_error", message: "Unexpected error; see the function logs." },
    }, 500);
  }
}
