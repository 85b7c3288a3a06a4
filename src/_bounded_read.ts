/**
 * Reading a file whose size we bound before reading it: only regular files (a FIFO would block
 * forever, `/dev/zero` never ends, a directory is no file), at most `maxBytes`, checked from the
 * file's size first and again while reading (a file may grow). Each loader passes its own error
 * type, so its callers see one kind of error whatever went wrong.
 *
 * @module
 */
import { firstLine, LenetError } from "./errors.ts";

/** Makes the loader's own error from a one-line reason (which does not name the file). */
export type ErrorOf = (message: string) => LenetError;

/**
 * Reads a whole regular file of at most `maxBytes`.
 *
 * @param path The file.
 * @param maxBytes The largest size accepted.
 * @param errorOf Makes the caller's error type from the reason; the caller names the file.
 * @returns The bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LenetError } from "./errors.ts";
 * import { readBounded } from "./_bounded_read.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hello");
 * assert.equal(new TextDecoder().decode(await readBounded(`${dir}/a.txt`, 10, (m) => new LenetError(m))), "hello");
 * await assert.rejects(readBounded(`${dir}/a.txt`, 4, (m) => new LenetError(m)), /Larger than 4 bytes/);
 * await assert.rejects(readBounded(dir, 10, (m) => new LenetError(m)), /Is a directory/);
 * await assert.rejects(readBounded("/dev/zero", 10, (m) => new LenetError(m)), /Not a regular file/);
 * ```
 */
export async function readBounded(
  path: string | URL,
  maxBytes: number,
  errorOf: ErrorOf,
): Promise<Uint8Array> {
  const info = await statRegular(path, maxBytes, errorOf);
  try {
    using file = await Deno.open(path);
    const out = new Uint8Array(info.size);
    let filled = 0;
    while (true) {
      if (filled === out.length) {
        // the file may have grown since stat: one more byte means it did
        const probe = new Uint8Array(1);
        if ((await file.read(probe)) === null) break;
        throw errorOf("Changed while being read");
      }
      const n = await file.read(out.subarray(filled));
      if (n === null) return out.subarray(0, filled);
      filled += n;
    }
    return out;
  } catch (error) {
    if (error instanceof LenetError) throw error;
    throw errorOf(describeFsError(error));
  }
}

/**
 * The size of a regular file of at most `maxBytes`, before anything opens it (opening a FIFO
 * would block).
 *
 * @param path The file.
 * @param maxBytes The largest size accepted.
 * @param errorOf Makes the caller's error type from the reason.
 * @returns Its `stat` information.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LenetError } from "./errors.ts";
 * import { statRegular } from "./_bounded_read.ts";
 * await assert.rejects(statRegular("/dev/null", 10, (m) => new LenetError(m)), /Not a regular file/);
 * ```
 */
export async function statRegular(
  path: string | URL,
  maxBytes: number,
  errorOf: ErrorOf,
): Promise<Deno.FileInfo> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    throw errorOf(describeFsError(error));
  }
  if (!info.isFile) throw errorOf(info.isDirectory ? "Is a directory" : "Not a regular file");
  if (info.size > maxBytes) throw errorOf(`Larger than ${maxBytes.toLocaleString("en-US")} bytes`);
  return info;
}

/**
 * The first bytes of a regular file (enough to name its format), read without the rest.
 *
 * @param path The file.
 * @param length How many bytes at most.
 * @param errorOf Makes the caller's error type from the reason.
 * @returns The first `length` bytes, fewer when the file is shorter.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { LenetError } from "./errors.ts";
 * import { readHead } from "./_bounded_read.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/a.txt`, "hello");
 * assert.deepEqual(await readHead(`${dir}/a.txt`, 2, (m) => new LenetError(m)), new TextEncoder().encode("he"));
 * await assert.rejects(readHead("/dev/zero", 2, (m) => new LenetError(m)), /Not a regular file/);
 * ```
 */
export async function readHead(path: string | URL, length: number, errorOf: ErrorOf): Promise<Uint8Array> {
  await statRegular(path, Infinity, errorOf);
  try {
    using file = await Deno.open(path);
    const head = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      const n = await file.read(head.subarray(filled));
      if (n === null) break;
      filled += n;
    }
    return head.subarray(0, filled);
  } catch (error) {
    throw errorOf(describeFsError(error));
  }
}

/** A file-system error as a short reason: "not found", "permission denied", or its first line. */
export function describeFsError(error: unknown): string {
  if (error instanceof Deno.errors.NotFound) return "No such file";
  if (error instanceof Deno.errors.PermissionDenied) return "Permission denied";
  if (error instanceof Deno.errors.NotCapable) return "Outside the permissions this task runs with";
  if (error instanceof Deno.errors.IsADirectory) return "Is a directory";
  return firstLine(error);
}
