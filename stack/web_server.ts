/** Serves the web client (web/) locally, with supabase-js's browser bundle and a generated config.js. */
const root = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const types: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  svg: "image/svg+xml",
};

/** Starts the static server; config is what the page reads as window.NOTION_SYNC_CONFIG. */
export function startWebServer(port: number, config: Record<string, string | undefined>) {
  const configJs = `window.NOTION_SYNC_CONFIG = ${JSON.stringify(config)};\n`;
  return Deno.serve({ port, hostname: "127.0.0.1", onListen: () => {} }, async (req) => {
    const path = decodeURIComponent(new URL(req.url).pathname);
    if (path === "/config.js") {
      return new Response(configJs, { headers: { "content-type": types.js } });
    }
    const file = path === "/vendor/supabase.js"
      ? `${root}/node_modules/@supabase/supabase-js/dist/umd/supabase.js`
      : `${root}/web${path === "/" ? "/index.html" : path}`;
    if (path.includes("..")) return new Response("bad path", { status: 400 });
    try {
      const body = await Deno.readFile(file);
      const ext = file.split(".").pop() ?? "";
      return new Response(body, {
        headers: { "content-type": types[ext] ?? "application/octet-stream" },
      });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

if (import.meta.main) {
  const port = Number(Deno.env.get("WEB_PORT") ?? "54323");
  startWebServer(port, {
    supabaseUrl: Deno.env.get("API_URL"),
    anonKey: Deno.env.get("SUPABASE_ANON_KEY"),
    demoEmail: Deno.env.get("DEMO_EMAIL"),
    demoPassword: Deno.env.get("DEMO_PASSWORD"),
  });
  console.log(`web client on http://127.0.0.1:${port}`);
}
