/** Scriptable faults: match requests, then fail them, slow them, reset them or garble them. */

import { NotionError } from "./errors.ts";
import { Rng } from "./ids.ts";

/** What a fault does to a matching request. */
export type FaultAction =
  | "error"
  | "committed_503"
  | "late_commit"
  | "reset"
  | "malformed"
  | "edge_403"
  | "latency"
  | "invalidate_cursor";

/** A fault rule as posted to `/_emulator/faults`. */
export interface FaultRule {
  id?: string;
  /** HTTP method to match (any when absent). */
  method?: string;
  /** Path to match: a substring of `/v1/...`, or a regular expression written as `/.../`. */
  path?: string;
  /** Only requests of this integration token. */
  token?: string;
  /** Fire on the Nth matching request (1-based). */
  nth?: number;
  /** Fire with this probability on each matching request. */
  probability?: number;
  /** How many times the rule may fire (default: 1 with `nth`, unlimited otherwise). */
  times?: number;
  action: FaultAction;
  /** For `error`: HTTP status (code and message default to Notion's for that status). */
  status?: number;
  code?: string;
  message?: string;
  additional_data?: Record<string, unknown>;
  /** Adds `Retry-After` (seconds) and `additional_data.retry_after`; a 429 gets 1 when unset. */
  retry_after?: number;
  /**
   * For `late_commit`: real ms after the error answer at which the write is applied (default
   * 1000), as when Notion's gateway gives up on a request its backend goes on to commit.
   */
  commit_after_ms?: number;
  /** For `latency` (and any action): delay before answering, in real ms, plus uniform jitter. */
  latency_ms?: number;
  jitter_ms?: number;
}

interface LiveRule extends FaultRule {
  id: string;
  matched: number;
  fired: number;
}

const DEFAULTS: Record<number, [string, string]> = {
  400: ["validation_error", "body failed validation."],
  409: ["conflict_error", "Conflict occurred while saving. Please try again."],
  429: ["rate_limited", "You have been rate limited. Please try again in a few minutes."],
  500: ["internal_server_error", "Unexpected error occurred."],
  502: ["bad_gateway", "Bad Gateway"],
  503: ["service_unavailable", "Notion is unavailable, please try again later."],
  504: ["gateway_timeout", "Gateway Timeout"],
  529: ["service_overload", "Notion is temporarily overloaded. Please try again later."],
};

/** Builds the NotionError an `error` rule answers with. */
export function faultError(rule: FaultRule): NotionError {
  const status = rule.status ?? 500;
  const [code, message] = DEFAULTS[status] ??
    ["internal_server_error", "Unexpected error occurred."];
  const additional = rule.additional_data ? { ...rule.additional_data } : undefined;
  const headers: Record<string, string> = {};
  let extra = additional;
  // Notion sends Retry-After with every rate-limited answer (reference §7): 1 s unless the rule says
  const retryAfter = rule.retry_after ??
    (status === 429 && additional?.rate_limit_reason !== "public_api_request_blocked"
      ? 1
      : undefined);
  if (retryAfter !== undefined) {
    extra = { ...(additional ?? {}), retry_after: String(retryAfter) };
    headers["retry-after"] = String(retryAfter);
  }
  if (status === 429 && !extra?.rate_limit_reason) {
    extra = { rate_limit_reason: "public_api_request_rate_limit", ...(extra ?? {}) };
  }
  return new NotionError(status, rule.code ?? code, rule.message ?? message, extra, headers);
}

/** The set of active fault rules. */
export class Faults {
  #rules: LiveRule[] = [];
  #rng = new Rng(777);
  #next = 1;

  /** Adds rules; returns their ids. */
  add(rules: FaultRule[]): string[] {
    return rules.map((r) => {
      const id = r.id ?? `fault_${this.#next++}`;
      this.#rules.push({ ...r, id, matched: 0, fired: 0 });
      return id;
    });
  }

  /** Removes all rules (or one by id). */
  clear(id?: string): void {
    this.#rules = id ? this.#rules.filter((r) => r.id !== id) : [];
  }

  /** Lists rules with their counters. */
  list(): LiveRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** Returns the rules firing for this request (counters advance). */
  match(method: string, path: string, token: string): LiveRule[] {
    const out: LiveRule[] = [];
    for (const r of this.#rules) {
      if (r.method && r.method.toUpperCase() !== method) continue;
      if (r.token && r.token !== token) continue;
      if (r.path && !pathMatches(r.path, path)) continue;
      r.matched++;
      const limit = r.times ?? (r.nth !== undefined ? 1 : Infinity);
      if (r.fired >= limit) continue;
      let fire: boolean;
      if (r.nth !== undefined) fire = r.matched >= r.nth;
      else if (r.probability !== undefined) fire = this.#rng.next() < r.probability;
      else fire = true;
      if (fire) {
        r.fired++;
        out.push(r);
      }
    }
    return out;
  }

  /** Real-time delay for a rule's latency and jitter. */
  delay(rule: FaultRule): number {
    return (rule.latency_ms ?? 0) + (rule.jitter_ms ? this.#rng.next() * rule.jitter_ms : 0);
  }
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern.length > 2 && pattern.startsWith("/") && pattern.endsWith("/")) {
    return new RegExp(pattern.slice(1, -1)).test(path);
  }
  return path.includes(pattern);
}
