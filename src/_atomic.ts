/**
 * Files that survive interruption: every model, checkpoint and history is written to a temporary
 * file beside its destination, flushed, then renamed over it, so a reader sees the old file or the
 * new one, never half of one.
 *
 * @module
 */
import { describeFsError } from "./_bounded_read.ts";
import { LenetError } from "./errors.ts";

/**
 * Writes bytes or text to `path` atomically: temp file, fsync, rename.
 *
 * @param path Destination; its directory must exist.
 * @param data The whole content.
 * @throws {WriteError} Naming the file, when it cannot be written; no temp file is left.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { writeFileAtomic } from "./_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeFileAtomic(`${dir}/a.txt`, "hello");
 * assert.equal(await Deno.readTextFile(`${dir}/a.txt`), "hello");
 * assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a.txt"]); // no temp file left
 * ```
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const tmp = `${path}.tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
  try {
    {
      // a new file (O_EXCL): never one a link planted under that name points to
      using file = await Deno.open(tmp, { write: true, createNew: true });
      let written = 0;
      while (written < bytes.length) written += await file.write(bytes.subarray(written));
      await file.syncData();
    }
    await Deno.rename(tmp, path);
  } catch (error) {
    await Deno.remove(tmp).catch(() => {}); // never leave a temp file behind
    throw new WriteError(`Cannot write ${path}: ${describeFsError(error)}`, { cause: error });
  }
}

/**
 * Copies a file atomically, as {@linkcode writeFileAtomic} writes: the destination is replaced,
 * never written through (a link there is replaced by the file, its target untouched).
 *
 * @param from The source, read whole (the project's own files: pages, models, bundles).
 * @param to The destination.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { copyFileAtomic } from "./_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/victim`, "mine");
 * await Deno.writeTextFile(`${dir}/page.html`, "<p>lenet</p>");
 * await Deno.symlink(`${dir}/victim`, `${dir}/out.html`);
 * await copyFileAtomic(`${dir}/page.html`, `${dir}/out.html`);
 * assert.equal(await Deno.readTextFile(`${dir}/victim`), "mine"); // the link's target is untouched
 * assert.equal((await Deno.lstat(`${dir}/out.html`)).isSymlink, false);
 * ```
 */
export async function copyFileAtomic(from: string, to: string): Promise<void> {
  await writeFileAtomic(to, await Deno.readFile(from));
}

/** Raised when a file cannot be written (a full disk, a directory in the way, no permission). */
export class WriteError extends LenetError {}

/**
 * Writes a value as pretty-printed JSON, atomically.
 *
 * @param path Destination.
 * @param value Anything `JSON.stringify` accepts.
 *
 * @example
 * ```ts
 * import { writeJsonAtomic } from "./_atomic.ts";
 * const dir = await Deno.makeTempDir();
 * await writeJsonAtomic(`${dir}/h.json`, { loss: [1, 0.5] });
 * ```
 */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(value, null, 2) + "\n");
}
