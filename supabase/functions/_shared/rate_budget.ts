/**
 * The Notion rate budget shared by every function instance: one token bucket per integration (its
 * bot id), kept in Postgres (notion_sync_api.take_notion_budget / pause_notion_budget), reached
 * through asUser like every other user-data query.
 */
import type { UserClaims } from "./auth.ts";
import { asUser } from "./db.ts";

/** A budget of Notion requests: take one before each request; pause on Retry-After. */
export interface RateBudget {
  /** Reserves one request and resolves when it may be sent; returns how long it waited (ms). */
  take(): Promise<number>;
  /** Records Notion's Retry-After: no instance sends for this integration before it passes. */
  pause(seconds: number): Promise<void>;
}

/** Thrown when the budget asks for a wait longer than the caller can afford. */
export class RateBudgetWaitTooLong extends Error {
  constructor(readonly waitMs: number) {
    super(
      `the Notion rate budget asks to wait ${Math.round(waitMs)} ms, past this run's time budget`,
    );
  }
}

/** Resolves after ms milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

/**
 * The Postgres budget of one of the caller's connections. `maxWaitMs` bounds a single wait and
 * `deadline` (epoch ms) the time it may end: a longer wait (a long Retry-After pause) throws
 * RateBudgetWaitTooLong, so a run stops instead of outliving the function's time limit.
 */
export function pgRateBudget(
  claims: UserClaims,
  connectionId: string,
  opts: { maxWaitMs?: number; deadline?: number } = {},
): RateBudget {
  return {
    async take() {
      const waitMs = await asUser(claims, async (tx) => {
        const [row] =
          await tx`select notion_sync_api.take_notion_budget(${connectionId}) as wait_ms`;
        return Number(row.wait_ms);
      });
      const late = opts.deadline !== undefined && Date.now() + waitMs > opts.deadline;
      if (late || (opts.maxWaitMs !== undefined && waitMs > opts.maxWaitMs)) {
        throw new RateBudgetWaitTooLong(waitMs);
      }
      if (waitMs > 0) await sleep(waitMs);
      return waitMs;
    },
    async pause(seconds: number) {
      await asUser(
        claims,
        (tx) => tx`select notion_sync_api.pause_notion_budget(${connectionId}, ${seconds})`,
      );
    },
  };
}
