// The page's server: cross-origin isolation headers on every response (errors too), the MIME types
// browsers insist on for modules and WebAssembly, nothing outside its folder, read-only.
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";
import { ISOLATION_HEADERS, serveStatic } from "../../web/static_server.ts";

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
        new TextEncoder().encode(
          `GET ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: close\r\n\r\n`,
        ),
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

async function rawRequest(url: string, head: string): Promise<string> {
  const { hostname, port } = new URL(url);
  const conn = await Deno.connect({ hostname, port: Number(port) });
  await conn.write(new TextEncoder().encode(head));
  const reply = new TextDecoder().decode(await new Response(conn.readable).arrayBuffer());
  return reply.split("\r\n")[0]!;
}

Deno.test("serveStatic() answers only the host names it is served under (no DNS rebinding)", async () => {
  await withServer(async (url) => {
    const { port } = new URL(url);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`]) {
      assertEquals(await rawRequest(url, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`), "HTTP/1.1 200 OK", host);
    }
    for (const host of [`evil.example:${port}`, "127.0.0.1", `127.0.0.1:${port}.evil.example`]) {
      assertEquals(
        await rawRequest(url, `GET / HTTP/1.1\r\nHost: ${host}\r\n\r\n`),
        "HTTP/1.1 421 Misdirected Request",
        host,
      );
    }
    assertEquals(await rawRequest(url, "GET / HTTP/1.1\r\n\r\n"), "HTTP/1.1 421 Misdirected Request");
    assertEquals(await rawRequest(url, "GARBAGE\r\n\r\n"), "HTTP/1.1 400 Bad Request");
    const twoHosts = `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nHost: evil.example\r\n\r\n`;
    assertEquals(await rawRequest(url, twoHosts), "HTTP/1.1 400 Bad Request");
  });
});

Deno.test("serveStatic() closes a connection that has not sent its headers in time", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/index.html`, "<p>hi</p>");
  const server = await serveStatic(dir, 0, { headerTimeoutMs: 300 });
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.port });
    await conn.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")); // and no blank line
    const started = performance.now();
    const read = await conn.read(new Uint8Array(100));
    assertEquals(read, null); // closed, with nothing sent
    assert(performance.now() - started < 3000, "the connection stayed open");
    conn.close();
  } finally {
    await server.shutdown();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("deno task serve out of file descriptors backs off and serves again, instead of exiting", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/index.html`, "<p>hi</p>");
  // a server limited to 64 open files, 150 connections that never finish their request
  const server = new Deno.Command("sh", {
    args: [
      "-c",
      'ulimit -n 64 && exec "$@"',
      "sh",
      Deno.execPath(),
      "run",
      "--allow-net=127.0.0.1",
      "--allow-read",
      fileURLToPath(new URL("../../scripts/serve.ts", import.meta.url)),
      "--dir",
      dir,
      "--port",
      "0",
    ],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = (await reader.read()).value ?? "";
  const url = /http:\/\/127\.0\.0\.1:\d+\//.exec(first)?.[0];
  assert(url, first);
  const { port } = new URL(url);
  const idle: Deno.Conn[] = [];
  try {
    for (let i = 0; i < 150; i++) {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: Number(port) });
      await conn.write(new TextEncoder().encode(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`));
      idle.push(conn);
    }
    await new Promise((wait) => setTimeout(wait, 500));
    for (const conn of idle) conn.close();
    idle.length = 0;
    const response = await fetch(url);
    assertEquals([response.status, await response.text()], [200, "<p>hi</p>"]);
    const exited = await Promise.race([server.status.then(() => true), Promise.resolve(false)]);
    assertEquals(exited, false, "the server exited");
  } finally {
    for (const conn of idle) conn.close();
    try {
      server.kill();
    } catch { /* it exited: the assertions above say why */ }
    await server.status;
    await reader.cancel();
    const stderr = await new Response(server.stderr).text();
    assert(!stderr.includes("panicked"), stderr);
    await Deno.remove(dir, { recursive: true });
  }
});
