// The page's server: cross-origin isolation headers on every response (errors too), the MIME types
// browsers insist on for modules and WebAssembly, nothing outside its folder, read-only.
import { assertEquals } from "../_assert.ts";
import { ISOLATION_HEADERS, serveStatic } from "../../src/web/static_server.ts";

async function withServer(fn: (url: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "lenet-serve-" });
  const root = `${dir}/site`;
  await Deno.mkdir(`${root}/ort`, { recursive: true });
  await Deno.writeTextFile(`${root}/index.html`, "<!doctype html><p>page</p>");
  await Deno.writeTextFile(`${root}/app.js`, "export {};");
  await Deno.writeTextFile(`${root}/ort/ort.wasm.min.mjs`, "export {};");
  await Deno.writeFile(`${root}/ort/k.wasm`, Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0));
  await Deno.writeTextFile(`${dir}/secret.txt`, "outside the served folder");
  await Deno.writeTextFile(`${root}/.hidden`, "hidden");
  await Deno.symlink(`${dir}/secret.txt`, `${root}/link.txt`);
  const server = await serveStatic(root, 0);
  try {
    await fn(server.url, dir);
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("serveStatic() serves the page with the right types and the isolation headers on every response", async () => {
  await withServer(async (url) => {
    const cases: [string, number, string][] = [
      ["", 200, "text/html; charset=utf-8"],
      ["app.js", 200, "text/javascript; charset=utf-8"],
      ["ort/ort.wasm.min.mjs", 200, "text/javascript; charset=utf-8"],
      ["ort/k.wasm", 200, "application/wasm"],
      ["missing.js", 404, "text/plain; charset=utf-8"],
    ];
    for (const [path, status, type] of cases) {
      const response = await fetch(url + path);
      await response.body?.cancel();
      assertEquals([response.status, response.headers.get("content-type")], [status, type], path);
      for (const [name, value] of Object.entries(ISOLATION_HEADERS)) {
        assertEquals(response.headers.get(name), value, `${path}: ${name}`);
      }
    }
  });
});

Deno.test("serveStatic() gives nothing outside its folder, nothing hidden, and takes no writes", async () => {
  await withServer(async (url) => {
    const { hostname, port } = new URL(url);
    for (
      const path of [
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/ort/%2e%2e/%2e%2e/secret.txt",
        "/.hidden",
        "/link.txt",
      ]
    ) {
      // a raw request line: fetch() would normalise the dots away before sending
      const conn = await Deno.connect({ hostname, port: Number(port) });
      await conn.write(
        new TextEncoder().encode(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`),
      );
      const reply = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
      assertEquals(reply.split("\r\n")[0], "HTTP/1.1 404 Not Found", path);
      assertEquals(reply.includes("outside the served folder"), false, path);
    }
    const post = await fetch(url + "app.js", { method: "POST", body: "x" });
    await post.body?.cancel();
    assertEquals([post.status, post.headers.get("allow")], [405, "GET, HEAD"]);
  });
});
