/**
 * A small read-only static file server for the browser page, on `Deno.listen` so that it keeps
 * every bound a public-facing tool needs (Deno.serve has no header timeout and stops for good
 * when accepting fails): a header-read timeout, one request per connection, Host names checked,
 * and a back-off when the process is out of file descriptors. GET and HEAD only, files under one
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

/** Bounds of {@linkcode serveStatic}. */
export interface ServeOptions {
  /**
   * How long a connection may take to send its request line and headers, in milliseconds.
   * @default {10_000}
   */
  headerTimeoutMs?: number;
  /**
   * How long a connection may stay open in all, the response included, in milliseconds.
   * @default {120_000}
   */
  connectionTimeoutMs?: number;
}

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

/** Largest request head (request line and headers) read, in bytes. */
const MAX_HEAD_BYTES = 16 * 1024;

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  404: "Not Found",
  405: "Method Not Allowed",
  421: "Misdirected Request",
  431: "Request Header Fields Too Large",
  500: "Internal Server Error",
};

/** A response to write: status, headers, and a body (a file's stream, or text). */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body?: ReadableStream<Uint8Array> | string;
}

function reply(status: number, text: string, extra: Record<string, string> = {}): Reply {
  return {
    status,
    headers: { ...ISOLATION_HEADERS, "Content-Type": "text/plain; charset=utf-8", ...extra },
    body: text,
  };
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

/** A parsed request head: method, path (no query), and the Host header. */
interface RequestHead {
  method: string;
  path: string;
  host: string | undefined;
}

/**
 * Parses an HTTP/1.x request head (request line, then headers).
 *
 * @param head The bytes up to the blank line, decoded as Latin-1.
 * @returns The request, or undefined when it is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseRequestHead } from "./static_server.ts";
 * assert.deepEqual(parseRequestHead("GET /app.js?v=1 HTTP/1.1\r\nHost: 127.0.0.1:8000"), {
 *   method: "GET", path: "/app.js", host: "127.0.0.1:8000",
 * });
 * assert.equal(parseRequestHead("GET http://evil/ HTTP/1.1"), undefined); // origin-form targets only
 * ```
 */
export function parseRequestHead(head: string): RequestHead | undefined {
  const [requestLine = "", ...lines] = head.split(/\r?\n/);
  const match = /^([A-Z]+) (\/[^ ]*) HTTP\/1\.[01]$/.exec(requestLine);
  if (!match) return undefined;
  let host: string | undefined;
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon <= 0) return undefined;
    if (line.slice(0, colon).trim().toLowerCase() === "host") {
      if (host !== undefined) return undefined; // two Host headers: which is meant?
      host = line.slice(colon + 1).trim().toLowerCase();
    }
  }
  return { method: match[1]!, path: match[2]!.split(/[?#]/)[0]!, host };
}

async function respond(root: string, hosts: Set<string>, request: RequestHead): Promise<Reply> {
  // a page reached through another name (DNS rebinding: evil.example resolving to 127.0.0.1)
  // must not read what this server serves
  if (!request.host || !hosts.has(request.host)) return reply(421, "Not served under this host name\n");
  if (request.method !== "GET" && request.method !== "HEAD") {
    return reply(405, "Method not allowed\n", { Allow: "GET, HEAD" });
  }
  const file = fileFor(root, request.path);
  if (!file) return reply(404, "Not found\n");
  let real: string;
  try {
    real = await Deno.realPath(file);
  } catch {
    return reply(404, "Not found\n");
  }
  if (!real.startsWith(root + sep)) return reply(404, "Not found\n"); // a link out of the folder
  const info = await Deno.stat(real);
  if (!info.isFile) return reply(404, "Not found\n");
  const headers = {
    ...ISOLATION_HEADERS,
    "Content-Type": MIME_TYPES[extname(real).toLowerCase()] ?? "application/octet-stream",
    "Content-Length": String(info.size),
    "Cache-Control": "no-cache",
  };
  if (request.method === "HEAD") return { status: 200, headers };
  const opened = await Deno.open(real, { read: true });
  return { status: 200, headers, body: opened.readable };
}

/** Reads a request head: up to the first blank line, at most MAX_HEAD_BYTES. */
async function readHead(conn: Deno.Conn): Promise<string | "too large" | undefined> {
  const buffer = new Uint8Array(MAX_HEAD_BYTES);
  let filled = 0;
  while (filled < buffer.length) {
    const n = await conn.read(buffer.subarray(filled));
    if (n === null) return undefined;
    filled += n;
    const text = new TextDecoder("latin1").decode(buffer.subarray(0, filled));
    const end = text.search(/\r?\n\r?\n/);
    if (end >= 0) return text.slice(0, end);
  }
  return "too large";
}

async function writeReply(conn: Deno.Conn, { status, headers, body }: Reply): Promise<void> {
  const text = typeof body === "string" ? new TextEncoder().encode(body) : undefined;
  const all: Record<string, string> = { ...headers, Connection: "close" };
  if (text) all["Content-Length"] = String(text.length);
  const head = `HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}\r\n` +
    Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`).join("") + "\r\n";
  await conn.write(new TextEncoder().encode(head));
  if (text) await writeAll(conn, text);
  else if (body && typeof body !== "string") await body.pipeTo(conn.writable, { preventClose: true });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

/** One connection: one request, one response, then closed; bounded in time from the start. */
async function handle(conn: Deno.Conn, root: string, hosts: Set<string>, options: Required<ServeOptions>) {
  const close = () => {
    try {
      conn.close();
    } catch { /* closed already */ }
  };
  const headTimer = setTimeout(close, options.headerTimeoutMs);
  const lifeTimer = setTimeout(close, options.connectionTimeoutMs);
  try {
    const head = await readHead(conn);
    clearTimeout(headTimer);
    if (head === undefined) return;
    const request = head === "too large" ? undefined : parseRequestHead(head);
    const answer = head === "too large"
      ? reply(431, "Request head too large\n")
      : request
      ? await respond(root, hosts, request).catch(() => reply(500, "Internal error\n"))
      : reply(400, "Bad request\n");
    await writeReply(conn, answer);
  } catch {
    /* the client went away, or a timer closed the connection */
  } finally {
    clearTimeout(headTimer);
    clearTimeout(lifeTimer);
    close();
  }
}

/**
 * Serves a folder on 127.0.0.1 (see the module's doc). Each connection carries one request (the
 * response says `Connection: close`) and must send its head within `headerTimeoutMs`; only the
 * Host names it is served under are answered (127.0.0.1 and localhost with its port); when
 * accepting fails (no file descriptor left), it waits and tries again rather than stopping.
 *
 * @param dir The folder.
 * @param port The port; 0 lets the system choose a free one.
 * @param options Timeouts.
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
export async function serveStatic(
  dir: string,
  port: number,
  options: ServeOptions = {},
): Promise<StaticServer> {
  const { headerTimeoutMs = 10_000, connectionTimeoutMs = 120_000 } = options;
  const root = await Deno.realPath(resolve(dir));
  const listener = Deno.listen({ hostname: "127.0.0.1", port });
  const bound = (listener.addr as Deno.NetAddr).port;
  const hosts = new Set([`127.0.0.1:${bound}`, `localhost:${bound}`]);
  if (bound === 80) hosts.add("127.0.0.1").add("localhost");
  const open = new Set<Deno.Conn>();
  let stopping = false;
  const finished = (async () => {
    let backoff = 0;
    while (!stopping) {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
        backoff = 0;
      } catch (error) {
        if (stopping || error instanceof Deno.errors.BadResource) break;
        // out of file descriptors (or another passing failure): the pending connections wait in
        // the kernel's queue while open ones finish or time out
        backoff = Math.min(1000, backoff ? 2 * backoff : 10);
        await new Promise((wake) => setTimeout(wake, backoff));
        continue;
      }
      open.add(conn);
      handle(conn, root, hosts, { headerTimeoutMs, connectionTimeoutMs }).finally(() => open.delete(conn));
    }
  })();
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    finished,
    async shutdown() {
      stopping = true;
      listener.close();
      for (const conn of open) {
        try {
          conn.close();
        } catch { /* closed already */ }
      }
      await finished;
    },
  };
}
