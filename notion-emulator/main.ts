/** CLI: `deno run -A notion-emulator/main.ts --port 54330 [--host h] [--seed demo|demo:N|empty|file.json] [--state f.json] [--time-scale N]`. */

import { startEmulator } from "./mod.ts";
import type { SeedInput } from "./seed.ts";

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

async function seedFrom(arg: string | undefined): Promise<SeedInput> {
  if (!arg || arg === "demo" || arg === "empty" || /^demo:\d+$/.test(arg)) {
    return (arg ?? "demo") as SeedInput;
  }
  return JSON.parse(await Deno.readTextFile(arg));
}

if (import.meta.main) {
  const args = parseArgs(Deno.args);
  const running = await startEmulator({
    port: args.port !== undefined ? Number(args.port) : 54330,
    hostname: args.host ?? "127.0.0.1",
    seed: await seedFrom(args.seed),
    statePath: args.state,
    timeScale: args["time-scale"] !== undefined ? Number(args["time-scale"]) : undefined,
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
