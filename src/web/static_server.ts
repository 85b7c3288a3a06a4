/**
 * A small read-only static file server for the browser page: GET and HEAD only, files under one
 * folder only (no `..`, no symlink out of it), the MIME types a page of modules and WebAssembly
 * needs, and on every response the two headers that make the page cross-origin isolated
 * (`Cross-Origin-Opener-Policy: same-origin`, `Cross-Origin-Embedder-Policy: require-corp`), which
 * browsers require before they give a page shared memory: two threads for onnxruntime-web and for
 * the trainer. Without them the page still works, on one thread.
 *
 * @module
 */
import { extname, resolve, sep } from "node:path";

/** Content types by file extension. */
export const MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".onnx": "application/octet-stream",
  ".gz": "application/gzip",
  ".png": "image/png",
  ".svg": "image/svg+xml",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
});

/** The headers every response carries: cross-origin isolation, and no guessing of types. */
export const ISOLATION_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
  "X-Content-Type-Options": "nosniff",
});

/** A running server. */
export interface StaticServer {
  /** Its address, e.g. `http://127.0.0.1:8000/`. */
  url: string;
  /** Its port (the one the system chose, when asked for 0). */
  port: number;
  /** Settles when it has stopped. */
  finished: Promise<void>;
  /** Stops it. */
  shutdown(): Promise<void>;
}

function reply(status: number, text: string, extra: Record<string, string> = {}): Response {
  return new Response(text, {
    status,
    headers: { ...ISOLATION_HEADERS, "Content-Type": "text/plain; charset=utf-8", ...extra },
  });
}

/**
 * The file a request path names under `root`, or undefined when it names none (outside the root,
 * hidden, or malformed). `/` and folders are their `index.html`.
 *
 * @param root The served folder, absolute.
 * @param pathname The request's path.
 * @returns The file's path.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { fileFor } from "./static_server.ts";
 * assert.equal(fileFor("/srv", "/app.js"), "/srv/app.js");
 * assert.equal(fileFor("/srv", "/"), "/srv/index.html");
 * assert.equal(fileFor("/srv", "/../etc/passwd"), undefined);
 * assert.equal(fileFor("/srv", "/%2e%2e/etc/passwd"), undefined);
 * ```
 */
export function fileFor(root: string, pathname: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (path.includes("\0") || path.split("/").some((part) => part === ".." || part.startsWith("."))) {
    return undefined;
  }
  const file = resolve(root, "." + (path.endsWith("/") ? path + "index.html" : path));
  return file.startsWith(root + sep) ? file : undefined;
}

async function respond(root: string, request: Request): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return reply(405, "Method not allowed\n", { Allow: "GET, HEAD" });
  }
  const file = fileFor(root, new URL(request.url).pathname);
  if (!file) return reply(404, "Not found\n");
  let real: string;
  try {
    real = await Deno.realPath(file);
  } catch {
    return reply(404, "Not found\n");
  }
  if (!real.startsWith(root + sep)) return reply(404, "Not found\n"); // a link out of the folder
  const info = await Deno.stat(real);
  if (info.isDirectory) return reply(404, "Not found\n");
  const headers = {
    ...ISOLATION_HEADERS,
    "Content-Type": MIME_TYPES[extname(real).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": String(info.size),
    "Cache-Control": "no-cache",
  };
  if (request.method === "HEAD") return new Response(null, { headers });
  const opened = await Deno.open(real, { read: true });
  return new Response(opened.readable, { headers });
}

/**
 * Serves a folder on 127.0.0.1 (see the module's doc).
 *
 * @param dir The folder.
 * @param port The port; 0 lets the system choose a free one.
 * @returns The running server.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { serveStatic } from "./static_server.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/index.html`, "<p>hi</p>");
 * const server = await serveStatic(dir, 0);
 * const response = await fetch(server.url);
 * assert.equal(await response.text(), "<p>hi</p>");
 * assert.equal(response.headers.get("cross-origin-embedder-policy"), "require-corp");
 * await server.shutdown();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function serveStatic(dir: string, port: number): Promise<StaticServer> {
  const root = await Deno.realPath(resolve(dir));
  const { promise: listening, resolve: ready } = Promise.withResolvers<number>();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port, onListen: ({ port }) => ready(port) },
    (request) => respond(root, request).catch(() => reply(500, "Internal error\n")),
  );
  const bound = await listening;
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    finished: server.finished,
    shutdown: () => server.shutdown(),
  };
}
