import assert from "node:assert/strict";

const functionsDir = new URL("..", import.meta.url);
const root = JSON.parse(await Deno.readTextFile(new URL("../../../deno.json", import.meta.url)));

function functionFolders(): string[] {
  return [...Deno.readDirSync(functionsDir)]
    .filter((e) => e.isDirectory && !e.name.startsWith("_") && e.name !== "tests")
    .map((e) => e.name)
    .sort();
}

Deno.test("every function has its own deno.json whose entries match the root import map", async () => {
  const folders = functionFolders();
  assert.ok(folders.length >= 2, "expected the functions of supabase/config.toml");
  for (const name of folders) {
    const own = JSON.parse(await Deno.readTextFile(new URL(`${name}/deno.json`, functionsDir)));
    for (const [spec, target] of Object.entries(own.imports as Record<string, string>)) {
      assert.equal(
        target,
        root.imports[spec],
        `${name}/deno.json maps ${spec} differently from deno.json`,
      );
      assert.match(
        target,
        /^npm:[^@]*@?[^@]+@\d+\.\d+\.\d+$/,
        `${name}: ${spec} must be an exact npm: pin`,
      );
    }
  }
});

Deno.test("every function folder is declared in supabase/config.toml with verify_jwt, and vice versa", async () => {
  const config = await Deno.readTextFile(new URL("../../config.toml", import.meta.url));
  const declared = [
    ...config.matchAll(
      /^\[functions\.([a-z0-9-]+)\]\s*\n(?:[^\[]*?)verify_jwt\s*=\s*(true|false)/gm,
    ),
  ]
    .map((m) => m[1]).sort();
  assert.deepEqual(declared, functionFolders());
});

Deno.test("no function imports jsr: or https: modules (unreachable here and in CI)", async () => {
  for await (const file of walk(functionsDir)) {
    const text = await Deno.readTextFile(file);
    assert.doesNotMatch(text, /from\s+["'](jsr:|https?:)/, `${file.pathname} imports jsr:/https:`);
  }
});

async function* walk(dir: URL): AsyncGenerator<URL> {
  for await (const e of Deno.readDir(dir)) {
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* walk(url);
    else if (e.name.endsWith(".ts")) yield url;
  }
}
