/** The Notion SDK as the sync uses it: pinned version, our own retries, a bounded timeout. */
import {
  Client,
  isHTTPResponseError,
  isNotionClientError,
  LogLevel,
  RequestTimeoutError,
} from "@notionhq/client";
import type { UserClaims } from "./auth.ts";
import { decryptToken } from "./crypto.ts";
import { asUser } from "./db.ts";
import { env } from "./env.ts";
import { pgRateBudget, type RateBudget, sleep } from "./rate_budget.ts";

/** The Notion-Version every request sends. */
export const NOTION_VERSION = "2025-09-03";

/**
 * A Notion client for one integration token, outside the shared rate budget (its callers make few
 * requests). For a budget and our retries, use budgetedNotionClient.
 */
export function notionClient(token: string): Client {
  return new Client({
    auth: token,
    baseUrl: env().NOTION_API_BASE_URL,
    notionVersion: NOTION_VERSION,
    timeoutMs: env().NOTION_TIMEOUT_MS,
    retry: false,
  });
}

/** What went wrong with a Notion request, as far as retrying it is concerned. */
export type NotionFailure =
  | "rate_limited" // 429: refused before doing anything; wait Retry-After
  | "blocked" // 429 public_api_request_blocked: never retry
  | "overloaded" // 529: refused before doing anything; retry like 429
  | "server" // 5xx: for a write, the outcome is unknown
  | "conflict" // 409 conflict_error: a concurrent save; re-read before writing again
  | "timeout" // our timeout: the request may have been applied
  | "network" // reset, refused, unreadable answer: the request may have been applied
  | "permanent"; // 4xx: the request itself is wrong (validation, unshared, forbidden, …)

/** The HTTP status of a Notion error answer, if it was one. */
export function notionStatus(e: unknown): number | undefined {
  return isHTTPResponseError(e) ? e.status : undefined;
}

/** Classifies a failed Notion request (see NotionFailure). */
export function notionFailure(e: unknown): NotionFailure {
  if (e instanceof UnknownOutcomeError || e instanceof NotionNetworkError) {
    return notionFailure(e.cause);
  }
  if (RequestTimeoutError.isRequestTimeoutError(e)) return "timeout";
  if (isHTTPResponseError(e)) {
    if (e.status === 429) {
      return e.additional_data?.rate_limit_reason ===
          "public_api_request_blocked"
        ? "blocked"
        : "rate_limited";
    }
    if (e.status === 529) return "overloaded";
    if (e.status === 409) return "conflict";
    if (e.status >= 500) return "server";
    return "permanent";
  }
  if (isNotionClientError(e)) return "permanent"; // an invalid path parameter
  return "network"; // fetch's TypeError (reset, refused), a truncated JSON answer, …
}

/** Whether Notion refused a request without doing anything (429 rate limited, 529 overloaded). */
export function isRefused(e: unknown): boolean {
  const failure = notionFailure(e);
  return failure === "rate_limited" || failure === "overloaded";
}

/** Seconds Notion asked us to wait (Retry-After header, else additional_data.retry_after). */
export function retryAfterSeconds(e: unknown): number | undefined {
  if (!isHTTPResponseError(e)) return undefined;
  const headers = e.headers as
    | { get?: (name: string) => string | null }
    | undefined;
  const header = typeof headers?.get === "function" ? headers.get("retry-after") : undefined;
  return parseRetryAfter(header) ??
    parseRetryAfter(e.additional_data?.retry_after as string);
}

function parseRetryAfter(value: string | undefined | null): number | undefined {
  if (value === undefined || value === null || value.trim() === "") {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - Date.now()) / 1000);
}

/**
 * A write whose outcome is unknown (timeout, 5xx, reset, 409): it may have been applied. Never
 * repeat it blindly: read the object again (or, for a create, look the page up) and decide then.
 */
export class UnknownOutcomeError extends Error {
  constructor(override readonly cause: unknown) {
    super(
      `the outcome of a Notion write is unknown: ${(cause as Error)?.message ?? cause}`,
    );
  }

  /** For a create answered 503 after it committed: the id of the page it made. */
  get committedResourceId(): string | undefined {
    if (!isHTTPResponseError(this.cause)) return undefined;
    const id = this.cause.additional_data?.committed_resource_id;
    return typeof id === "string" && id !== "" ? id : undefined;
  }
}

/** A read that failed without an answer from Notion (reset, refused, unreadable) after retries. */
export class NotionNetworkError extends Error {
  constructor(override readonly cause: unknown) {
    super(`Notion could not be reached: ${(cause as Error)?.message ?? cause}`);
  }
}

/** How a budgeted client spends its budget and retries. */
export interface BudgetedNotionOptions {
  /** The integration's shared budget (pgRateBudget in production). */
  budget: RateBudget;
  /** Attempts per request, first included (default 8). */
  maxAttempts?: number;
  /** First backoff delay before jitter (default 500 ms), doubled on each attempt … */
  baseDelayMs?: number;
  /** … up to this (default 20 s). */
  maxDelayMs?: number;
  /** Epoch ms after which no retry is started (the run's time budget). */
  deadline?: number;
}

/** A Notion client whose every request takes from the shared budget and whose retries are ours. */
export interface BudgetedNotion {
  /** The SDK client (retry: false); call it through read or write. */
  readonly client: Client;
  /** A read: retried with backoff and jitter on 429, 529, 409, 5xx, timeouts and network errors. */
  read<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  /**
   * A write: retried only when Notion refused it without doing anything (429, 529); any other
   * transient failure throws UnknownOutcomeError, for the caller to check before writing again.
   */
  write<T>(fn: (client: Client) => Promise<T>): Promise<T>;
  /**
   * A write that depends on a read made just before it (a PATCH after its pre-read): not retried
   * even when refused, so the caller reads again before sending it again (rule 6: a refused PATCH
   * waits out Retry-After, and a Notion edit made meanwhile must be seen, not overwritten).
   */
  writeOnce<T>(fn: (client: Client) => Promise<T>): Promise<T>;
}

/** The longest wait between two attempts of a request (backoffMs's cap). */
export const MAX_BACKOFF_MS = 20_000;

/** Exponential backoff with full jitter in [0.5, 1.5) × base·2^attempt, capped. */
export function backoffMs(
  attempt: number,
  baseMs = 500,
  maxMs = MAX_BACKOFF_MS,
): number {
  return Math.min(maxMs, baseMs * 2 ** attempt * (0.5 + Math.random()));
}

/**
 * The budgeted client of one of the user's connections, for a run that ends at `deadline` (epoch
 * ms): its token decrypted, every request taking from the integration's shared budget (which may
 * make a request wait up to 20 s past the deadline), retries started only before it.
 */
export async function connectionNotion(
  claims: UserClaims,
  connectionId: string,
  deadline: number,
): Promise<BudgetedNotion> {
  const ciphertext = await asUser(claims, async (tx) => {
    const [row] = await tx`select notion_sync.connection_token_ciphertext(${connectionId}) as c`;
    return row.c as string;
  });
  return budgetedNotionClient(await decryptToken(ciphertext), {
    budget: pgRateBudget(claims, connectionId, { deadline: deadline + 20_000 }),
    deadline,
  });
}

/**
 * A Notion client for one integration token whose requests go through the shared rate budget:
 * each attempt takes from it first (outside the SDK's request timeout), and a 429/529 answer's
 * Retry-After pauses it for every instance. A request made on `client` directly still takes from
 * the budget (inside its timeout).
 */
export function budgetedNotionClient(
  token: string,
  opts: BudgetedNotionOptions,
): BudgetedNotion {
  const maxAttempts = opts.maxAttempts ?? 8;
  let permits = 0;
  const fetchThroughBudget = async (
    url: string,
    init?: RequestInit,
  ): Promise<Response> => {
    if (permits > 0) permits--;
    else await opts.budget.take();
    const res = await fetch(url, init);
    if (res.status === 429 || res.status === 529) {
      const seconds = parseRetryAfter(res.headers.get("retry-after"));
      if (seconds !== undefined) {
        await opts.budget.pause(seconds).catch((e) =>
          console.error("could not record Retry-After in the rate budget:", e)
        );
      }
    }
    return res;
  };
  const client = new Client({
    auth: token,
    baseUrl: env().NOTION_API_BASE_URL,
    notionVersion: NOTION_VERSION,
    timeoutMs: env().NOTION_TIMEOUT_MS,
    retry: false,
    logLevel: LogLevel.ERROR,
    fetch: fetchThroughBudget as never,
  });

  async function attempt<T>(
    kind: "read" | "write" | "writeOnce",
    fn: (c: Client) => Promise<T>,
  ): Promise<T> {
    for (let n = 0;; n++) {
      await opts.budget.take();
      permits++;
      try {
        return await fn(client);
      } catch (e) {
        permits = 0;
        const failure = notionFailure(e);
        const refused = isRefused(e);
        if (
          kind !== "read" && !refused && failure !== "permanent" &&
          failure !== "blocked"
        ) {
          throw new UnknownOutcomeError(e);
        }
        const give = (err: unknown) => failure === "network" ? new NotionNetworkError(err) : err;
        if (
          !refused &&
          (kind !== "read" || failure === "permanent" || failure === "blocked")
        ) {
          throw give(e);
        }
        if (kind === "writeOnce") throw e; // refused: the caller reads again first
        if (n + 1 >= maxAttempts) throw give(e);
        // after a 429 the budget itself waits out Retry-After; add only a little jitter
        const delay = failure === "rate_limited" && retryAfterSeconds(e) !== undefined
          ? Math.random() * 250
          : backoffMs(n, opts.baseDelayMs, opts.maxDelayMs);
        if (opts.deadline !== undefined && Date.now() + delay > opts.deadline) {
          throw give(e);
        }
        await sleep(delay);
      }
    }
  }

  return {
    client,
    read: (fn) => attempt("read", fn),
    write: (fn) => attempt("write", fn),
    writeOnce: (fn) => attempt("writeOnce", fn),
  };
}

/**
 * Notion truncates relation, people and mention lists at 25 in page objects: complete relation,
 * people, and title / rich text with 25 mentions through the property-item endpoint (all pages of
 * it), before they are staged or compared.
 */
export async function completeTruncated<P extends Record<string, any>>(
  notion: BudgetedNotion,
  pages: P[],
): Promise<P[]> {
  for (const page of pages) {
    for (
      const prop of Object.values(page.properties ?? {}) as Record<
        string,
        any
      >[]
    ) {
      const truncated = (prop.type === "relation" && prop.has_more) ||
        (prop.type === "people" && Array.isArray(prop.people) &&
          prop.people.length >= 25) ||
        ((prop.type === "title" || prop.type === "rich_text") && Array.isArray(prop[prop.type]) &&
          prop[prop.type].filter((t: { type?: string }) => t.type === "mention").length >= 25);
      if (!truncated) continue;
      const items: unknown[] = [];
      let cursor: string | undefined;
      do {
        const res = await notion.read((c) =>
          c.pages.properties.retrieve({
            page_id: page.id,
            property_id: prop.id,
            start_cursor: cursor,
          })
        ) as {
          results?: Record<string, any>[];
          has_more?: boolean;
          next_cursor?: string | null;
        };
        items.push(...(res.results ?? []).map((r) => r[prop.type]));
        cursor = res.has_more ? res.next_cursor ?? undefined : undefined;
      } while (cursor);
      prop[prop.type] = items;
      if (prop.type === "relation") prop.has_more = false;
    }
  }
  return pages;
}
