/** Per-integration request budget in fixed windows (Notion: 180 requests per 60 s, burstable). */

import { NotionError } from "./errors.ts";

/** Rate-limit settings (`/_emulator/limits`). */
export interface RateLimitConfig {
  /** Requests allowed per window per integration. */
  requests: number;
  /** Window length in emulated seconds. */
  windowSeconds: number;
  /** Optional workspace-wide budget per window shared by all integrations. */
  workspaceRequests: number | null;
  /** `blocked` answers every request with `public_api_request_blocked` (never clears). */
  mode: "normal" | "blocked" | "off";
  /** Divide Retry-After by the clock's time scale, so clients that sleep for real wait less. */
  scaleRetryAfter: boolean;
}

/** Notion's documented default for non-Business plans. */
export const DEFAULT_RATE_LIMIT: RateLimitConfig = {
  requests: 180,
  windowSeconds: 60,
  workspaceRequests: null,
  mode: "normal",
  scaleRetryAfter: false,
};

const MESSAGE = "You have been rate limited. Please try again in a few minutes.";

/** Builds Notion's 429 error with `Retry-After` and `additional_data`. */
export function rateLimited(reason: string, retryAfter: number | null): NotionError {
  const additional: Record<string, unknown> = { rate_limit_reason: reason };
  const headers: Record<string, string> = {};
  if (retryAfter !== null) {
    additional.retry_after = String(retryAfter);
    headers["retry-after"] = String(retryAfter);
  }
  return new NotionError(429, "rate_limited", MESSAGE, additional, headers);
}

/** Counts requests per integration (and workspace) in fixed windows of emulated time. */
export class RateLimiter {
  config: RateLimitConfig = { ...DEFAULT_RATE_LIMIT };
  #windows = new Map<string, { start: number; count: number }>();
  #scale = 1;

  /** Charges one request; throws a 429 NotionError when the budget is spent. */
  charge(
    key: string,
    now: number,
    override?: { requests: number; windowSeconds: number },
    timeScale = 1,
  ): void {
    const cfg = this.config;
    if (cfg.mode === "off") return;
    this.#scale = timeScale;
    if (cfg.mode === "blocked") throw rateLimited("public_api_request_blocked", null);
    const requests = override?.requests ?? cfg.requests;
    const windowMs = (override?.windowSeconds ?? cfg.windowSeconds) * 1000;
    if (cfg.workspaceRequests !== null) {
      this.#take(
        "\u0000workspace",
        now,
        cfg.workspaceRequests,
        windowMs,
        "public_api_space_request_rate_limit",
      );
    }
    this.#take(key, now, requests, windowMs, "public_api_request_rate_limit");
  }

  /** Forgets all windows (after a reset or a limits change). */
  clear(): void {
    this.#windows.clear();
  }

  #take(key: string, now: number, budget: number, windowMs: number, reason: string) {
    let w = this.#windows.get(key);
    if (!w || now >= w.start + windowMs) {
      w = { start: now, count: 0 };
      this.#windows.set(key, w);
    }
    if (w.count >= budget) {
      let seconds = (w.start + windowMs - now) / 1000;
      if (this.config.scaleRetryAfter && this.#scale > 0) seconds /= this.#scale;
      const retryAfter = Math.max(this.config.scaleRetryAfter ? 0 : 1, Math.ceil(seconds));
      throw rateLimited(reason, retryAfter);
    }
    w.count++;
  }
}
