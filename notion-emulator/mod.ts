/** Public entry: start the Notion API emulator in-process (tests) or from the CLI (main.ts). */

import { Clock } from "./clock.ts";
import { type ControlHost, handleControl } from "./control.ts";
import { type State, STATE_FORMAT, Store } from "./model.ts";
import type { FaultRule } from "./faults.ts";
import type { QueryLimits } from "./query.ts";
import type { RateLimitConfig } from "./rate_limit.ts";
import { buildState, DEMO, type SeedInput, type SeedSpec } from "./seed.ts";
import { Emulator, json } from "./server.ts";

/** Fixed ids of the demo workspace. */
export { DEMO };
/** Expected rows of a data source, computed from the live state. */
export { oracle } from "./oracle.ts";
/** Types of the options and seeds. */
export type { FaultRule, QueryLimits, RateLimitConfig, SeedInput, SeedSpec };

/** Options of `startEmulator`. */
export interface EmulatorOptions {
  /** TCP port (0 = random free port). Default 54330. */
  port?: number;
  hostname?: string;
  /** Seed used when no state file exists: "demo" (default), "demo:<n>", "empty" or a SeedSpec. */
  seed?: SeedInput;
  /** Load state from this JSON file if it exists, and save it on close. */
  statePath?: string;
  /** Emulated seconds per real second (default 1). */
  timeScale?: number;
  rateLimit?: Partial<RateLimitConfig>;
  query?: Partial<QueryLimits>;
  faults?: FaultRule[];
  /** Do not warn about an unusable state file (tests). */
  quiet?: boolean;
  /** With statePath: how often changed state is written (ms, default 5000). */
  autosaveMs?: number;
}

/** A running emulator. */
export interface RunningEmulator {
  url: string;
  port: number;
  emulator: Emulator;
  /** Answers one request without the network (same pipeline). */
  fetch(req: Request): Promise<Response>;
  /** Writes the state file now (no-op without statePath). */
  save(): Promise<void>;
  close(): Promise<void>;
}

async function loadState(opts: EmulatorOptions): Promise<State> {
  if (opts.statePath) {
    try {
      const state = JSON.parse(await Deno.readTextFile(opts.statePath)) as State;
      if (state.format === STATE_FORMAT) return state;
      if (!opts.quiet) {
        console.error(
          `notion-emulator: ${opts.statePath} has another state format; seeding afresh`,
        );
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound) && !(e instanceof SyntaxError)) throw e;
      if (e instanceof SyntaxError) {
        if (!opts.quiet) {
          console.error(`notion-emulator: ${opts.statePath} is not JSON; seeding afresh`);
        }
      }
    }
  }
  return buildState(opts.seed ?? "demo");
}

/** Starts the emulator and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const state = await loadState(opts);
  const store = new Store(
    state,
    new Clock({ start: state.clock.now, scale: opts.timeScale ?? state.clock.scale ?? 1 }),
  );
  const emulator = new Emulator(store);
  Object.assign(emulator.limiter.config, opts.rateLimit ?? {});
  Object.assign(emulator.queries.limits, opts.query ?? {});
  if (opts.faults) emulator.faults.add(opts.faults);
  let savedVersion = -1;
  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    saving = saving.then(async () => {
      if (!opts.statePath) return;
      const version = store.version;
      const tmp = `${opts.statePath}.tmp`;
      await Deno.writeTextFile(tmp, JSON.stringify(store.snapshot()));
      await Deno.rename(tmp, opts.statePath);
      savedVersion = version;
    });
    return saving;
  };
  // With a state file, changes are also written every few seconds, so a killed emulator loses little.
  const autosave = opts.statePath
    ? setInterval(() => {
      if (store.version !== savedVersion) {
        void save().catch((e) => console.error("notion-emulator: autosave", e));
      }
    }, opts.autosaveMs ?? 5000)
    : undefined;
  const host: ControlHost = { emulator, save };
  const handler = async (req: Request): Promise<Response> => {
    const url = new URL(req.url);
    try {
      if (url.pathname.startsWith("/_emulator/") || url.pathname === "/_emulator") {
        return await handleControl(host, req, url);
      }
      return await emulator.handleV1(req, url);
    } catch (e) {
      console.error("notion-emulator: unhandled", e);
      return json({
        object: "error",
        status: 500,
        code: "internal_server_error",
        message: "Unexpected error occurred.",
      }, 500);
    }
  };
  const ready = Promise.withResolvers<number>();
  const server = Deno.serve({
    port: opts.port ?? 54330,
    hostname: opts.hostname ?? "127.0.0.1",
    onListen: ({ port }) => ready.resolve(port),
  }, handler);
  const port = await ready.promise;
  emulator.webhooks.start();
  const url = `http://${opts.hostname ?? "127.0.0.1"}:${port}`;
  return {
    url,
    port,
    emulator,
    fetch: handler,
    save,
    async close() {
      clearInterval(autosave);
      emulator.cancelLateCommits();
      await emulator.webhooks.stop();
      await save();
      await server.shutdown();
    },
  };
}
