/**
 * CLI: `deno run -A notion-emulator/main.ts --port 54330 [--host h] [--seed demo|demo:N|empty|file.json]
 * [--state f.json] [--time-scale N] [--rate-limit 180/60|off] [--short-page-rate 0.1] [--result-cap 10000]`,
 * or `--print-oracle demo:1000` to print the expected rows of a seed and exit.
 */

import { startEmulator } from "./mod.ts";
import { buildState, type SeedInput } from "./seed.ts";
import { Clock } from "./clock.ts";
import { Store } from "./model.ts";
import { oracle } from "./oracle.ts";
import type { RateLimitConfig } from "./rate_limit.ts";

/** Parses `--flag value` pairs. */
export function parseArgs(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new Error(`Unexpected argument ${a}`);
    const [k, inline] = a.slice(2).split("=", 2);
    out[k] = inline ?? args[++i] ?? "";
  }
  return out;
}

/** `--rate-limit 180/60` (requests per seconds), `--rate-limit 600` or `--rate-limit off`. */
export function rateLimitFrom(arg: string | undefined): Partial<RateLimitConfig> | undefined {
  if (arg === undefined) return undefined;
  if (arg === "off") return { mode: "off" };
  const m = /^(\d+)(?:\/(\d+))?$/.exec(arg);
  if (!m) throw new Error(`--rate-limit expects <requests>[/<seconds>] or off, got ${arg}`);
  return { requests: Number(m[1]), windowSeconds: m[2] ? Number(m[2]) : 60 };
}

async function seedFrom(arg: string | undefined): Promise<SeedInput> {
  if (!arg || arg === "demo" || arg === "empty" || /^demo:\d+$/.test(arg)) {
    return (arg ?? "demo") as SeedInput;
  }
  return JSON.parse(await Deno.readTextFile(arg));
}

/** The oracle of every data source of a seed, without starting a server (`--print-oracle`). */
export function seedOracle(seed: SeedInput): Record<string, unknown> {
  const state = buildState(seed);
  const store = new Store(state, new Clock({ start: state.clock.now, scale: 0 }));
  const out: Record<string, unknown> = {};
  for (const ds of Object.values(state.dataSources)) out[ds.id] = oracle(store, ds);
  return out;
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  if (args["print-oracle"] !== undefined) {
    console.log(JSON.stringify(seedOracle(await seedFrom(args["print-oracle"] || args.seed))));
    Deno.exit(0);
  }
  const running = await startEmulator({
    port: args.port !== undefined ? Number(args.port) : 54330,
    hostname: args.host ?? "127.0.0.1",
    seed: await seedFrom(args.seed),
    statePath: args.state,
    timeScale: args["time-scale"] !== undefined ? Number(args["time-scale"]) : undefined,
    rateLimit: rateLimitFrom(args["rate-limit"]),
    query: {
      ...(args["short-page-rate"] !== undefined
        ? { shortPageRate: Number(args["short-page-rate"]) }
        : {}),
      ...(args["result-cap"] !== undefined ? { resultCap: Number(args["result-cap"]) } : {}),
    },
  });
  console.log(`notion-emulator listening on ${running.url}`);
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await running.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}
