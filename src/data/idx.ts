/**
 * Reader of the IDX format the MNIST files use (and Fashion-MNIST, KMNIST, EMNIST after it):
 * a big-endian header `0x00 0x00 <type> <ndim>`, one uint32 per dimension, then the data.
 * Headers are validated before the data are allocated.
 *
 * @module
 */
import { LenetError, messageOf } from "../errors.ts";
import { readBounded, readHead, statRegular } from "../_bounded_read.ts";
import { type LabeledImages, showable } from "./labeled_images.ts";

/** Magic number of an IDX file of unsigned-byte images with three dimensions (count, rows, cols). */
export const IDX_IMAGES_MAGIC = 2051;
/** Magic number of an IDX file of unsigned-byte labels with one dimension (count). */
export const IDX_LABELS_MAGIC = 2049;
/** IDX type code of unsigned bytes, the only element type MNIST-like files use. */
export const IDX_TYPE_UBYTE = 0x08;
const GZIP_MAGIC = [0x1f, 0x8b];

/** An array read from an IDX file: its dimensions and its bytes, row-major. */
export interface IdxArray {
  /** Size of each dimension, outermost first. */
  dims: number[];
  /** The elements, row-major. */
  data: Uint8Array;
}

/** Raised when an IDX file is malformed; the message names the file and the problem. */
export class IdxError extends LenetError {}

/**
 * Validates an IDX header and returns the dimensions it declares, without touching the data.
 *
 * @param header At least the first `4 + 4 * ndim` bytes of the file.
 * @param fileSize The total size of the file, to reject a truncated or over-long one.
 * @param name The file's name, for error messages.
 * @param expectedMagic When given, the magic number the file must carry (2051 images, 2049 labels).
 * @param sizeUnknown When the file's size is not known yet (a stream): check the header alone.
 * @returns The declared dimensions.
 * @throws {IdxError} On a bad magic, an unsupported type or a size that does not match.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseIdxHeader } from "./idx.ts";
 * const header = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3]);
 * assert.deepEqual(parseIdxHeader(header, 11, "labels"), [3]);
 * ```
 */
export function parseIdxHeader(
  header: Uint8Array,
  fileSize: number,
  name: string,
  expectedMagic?: number,
  sizeUnknown = false,
): number[] {
  if (header.length < 4) throw new IdxError(`Truncated IDX file ${name}: only ${header.length} bytes`);
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const magic = view.getUint32(0);
  if (header[0] !== 0 || header[1] !== 0) {
    throw new IdxError(`Invalid IDX magic number in ${name}: got ${magic} (0x${hex(magic)})`);
  }
  if (expectedMagic !== undefined && magic !== expectedMagic) {
    throw new IdxError(`Invalid IDX magic number in ${name}: expected ${expectedMagic}, got ${magic}`);
  }
  if (header[2] !== IDX_TYPE_UBYTE) {
    throw new IdxError(
      `Unsupported IDX element type 0x${hex(header[2]!)} in ${name}: only unsigned bytes (0x08) are read`,
    );
  }
  const ndim = header[3]!;
  const headerSize = 4 + 4 * ndim;
  if (ndim === 0) throw new IdxError(`Invalid IDX header in ${name}: zero dimensions`);
  if (header.length < headerSize || fileSize < headerSize) {
    throw new IdxError(`Truncated IDX file ${name}: header of ${ndim} dimensions needs ${headerSize} bytes`);
  }
  const dims = Array.from({ length: ndim }, (_, i) => view.getUint32(4 + 4 * i));
  if (sizeUnknown) return dims;
  const expected = headerSize + dims.reduce((a, b) => a * b, 1);
  if (fileSize < expected) {
    throw new IdxError(
      `Truncated IDX file ${name}: header declares [${dims}] (${expected} bytes), file has ${fileSize}`,
    );
  }
  if (fileSize > expected) {
    throw new IdxError(
      `IDX length mismatch in ${name}: header declares [${dims}] (${expected} bytes), file has ${fileSize}`,
    );
  }
  return dims;
}

function hex(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/**
 * Parses a whole IDX file held in memory.
 *
 * @param bytes The file's bytes (not gzipped).
 * @param name The file's name, for error messages.
 * @param expectedMagic When given, the magic number the file must carry.
 * @returns The dimensions and a view of the data (no copy).
 * @throws {IdxError} When the file is malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { IdxError, parseIdx } from "./idx.ts";
 * const bytes = new Uint8Array([0, 0, 8, 1, 0, 0, 0, 2, 7, 3]);
 * assert.deepEqual(parseIdx(bytes).data, Uint8Array.of(7, 3));
 * assert.throws(() => parseIdx(bytes.subarray(0, 9)), IdxError); // one label short
 * ```
 */
export function parseIdx(bytes: Uint8Array, name = "<bytes>", expectedMagic?: number): IdxArray {
  const dims = parseIdxHeader(bytes, bytes.length, name, expectedMagic);
  return { dims, data: bytes.subarray(4 + 4 * dims.length) };
}

/**
 * Largest IDX file accepted by default, in bytes, plain or once inflated (MNIST's training images
 * are 47 MB); `loadMnist`'s `maxBytes` (`--max-data-mb` of train) raises it.
 */
export const MAX_IDX_BYTES: number = 256 * 1024 * 1024;

// Inflates a gzipped IDX file as a stream, checking its header as soon as it arrives: a small
// file that would inflate to gigabytes (or to more than its header declares) stops there.
async function gunzipBounded(bytes: Uint8Array, name: string, maxBytes: number, expectedMagic?: number) {
  // fed in 4 KB slices: inflating one slice makes at most ~4 MB, so a bomb is caught while small
  let at = 0;
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at += 4096));
    },
  });
  const reader = source.pipeThrough(new DecompressionStream("gzip")).getReader();
  const chunks: Uint8Array[] = [];
  let total = 0, limit = maxBytes;
  const fail = (message: string) => (reader.cancel().catch(() => {}), new IdxError(message));
  try {
    for (let read = await reader.read(); !read.done; read = await reader.read()) {
      chunks.push(read.value);
      total += read.value.length;
      if (limit === maxBytes && total >= 4) {
        const head = concat(chunks, Math.min(total, 4 + 4 * 255));
        const headerSize = 4 + 4 * head[3]!;
        if (total >= headerSize || head[3] === 0) {
          const dims = parseIdxHeader(head, Infinity, name, expectedMagic, true);
          limit = headerSize + dims.reduce((a, b) => a * b, 1);
          if (limit > maxBytes) {
            throw fail(
              `IDX file ${name} declares [${dims}], ${
                limit.toLocaleString("en-US")
              } bytes: over the limit of ${maxBytes.toLocaleString("en-US")}`,
            );
          }
        }
      }
      if (total > limit) {
        throw fail(
          `IDX length mismatch in ${name}: inflates to more than ${limit.toLocaleString("en-US")} bytes`,
        );
      }
    }
  } catch (error) {
    if (error instanceof IdxError) throw error;
    throw new IdxError(`Corrupt gzip file ${name}: ${messageOf(error)}`);
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const chunk of chunks) {
    if (at >= length) break;
    out.set(chunk.subarray(0, length - at), at);
    at += chunk.length;
  }
  return out;
}

/**
 * Reads an IDX file from disk, plain or gzipped (`.gz` or gzip magic). A plain file's header is
 * checked against the file size before the data are read; a gzipped one's as it inflates. Only
 * regular files are read (no FIFO or device), and none larger than `maxBytes`, plain or inflated.
 *
 * @param path The file to read.
 * @param expectedMagic When given, the magic number the file must carry.
 * @param maxBytes The largest file accepted, plain or once inflated.
 * @returns The dimensions and data.
 * @throws {IdxError} When the file is missing, malformed or too large.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mnistPaths } from "./dataset.ts";
 * import { IDX_LABELS_MAGIC, readIdx } from "./idx.ts";
 * const labels = await readIdx(mnistPaths().testLabels, IDX_LABELS_MAGIC);
 * assert.deepEqual(labels.dims, [10_000]);
 * ```
 */
export async function readIdx(
  path: string,
  expectedMagic?: number,
  maxBytes = MAX_IDX_BYTES,
): Promise<IdxArray> {
  const fail = (reason: string) => new IdxError(`${path}: ${reason}`);
  const { size } = await statRegular(path, maxBytes, fail);
  const head = await readHead(path, 4 + 4 * 255, fail);
  if (head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1]) {
    const inflated = await gunzipBounded(await readBounded(path, size, fail), path, maxBytes, expectedMagic);
    return parseIdx(inflated, path, expectedMagic);
  }
  parseIdxHeader(head, size, path, expectedMagic);
  return parseIdx(await readBounded(path, size, fail), path, expectedMagic);
}

/**
 * Reads a pair of IDX files, images (magic 2051) and labels (magic 2049), and checks that they
 * describe the same number of examples.
 *
 * @param imagesPath The images file, plain or gzipped.
 * @param labelsPath The labels file, plain or gzipped.
 * @param maxBytes The largest file accepted, plain or once inflated.
 * @returns Images and labels together.
 * @throws {IdxError} When either file is malformed or their counts differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mnistPaths } from "./dataset.ts";
 * import { loadIdxPair } from "./idx.ts";
 * const { testImages, testLabels } = mnistPaths(); // or Fashion-MNIST's .gz files
 * const test = await loadIdxPair(testImages, testLabels);
 * assert.deepEqual([test.count, test.rows, test.cols], [10_000, 28, 28]);
 * ```
 */
export async function loadIdxPair(
  imagesPath: string,
  labelsPath: string,
  maxBytes: number = MAX_IDX_BYTES,
): Promise<LabeledImages> {
  const [images, labels] = await Promise.all([
    readIdx(imagesPath, IDX_IMAGES_MAGIC, maxBytes),
    readIdx(labelsPath, IDX_LABELS_MAGIC, maxBytes),
  ]);
  return pairIdx(images, labels, imagesPath, labelsPath);
}

/**
 * Images and their labels as one set, from the two parsed files (as {@linkcode loadIdxPair} reads
 * them, or as a browser page fetches them).
 *
 * @param images The images file's array (3 dimensions).
 * @param labels The labels file's array.
 * @param imagesName The images file's name, for errors.
 * @param labelsName The labels file's name, for errors.
 * @returns Images and labels together.
 * @throws {IdxError} When the images are not 3-dimensional or the counts differ.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { pairIdx } from "./idx.ts";
 * const images = { dims: [2, 1, 1], data: Uint8Array.of(0, 255) };
 * assert.equal(pairIdx(images, { dims: [2], data: Uint8Array.of(3, 4) }, "i", "l").count, 2);
 * assert.throws(() => pairIdx(images, { dims: [3], data: Uint8Array.of(3, 4, 5) }, "i", "l"), /mismatch/);
 * ```
 */
export function pairIdx(
  images: IdxArray,
  labels: IdxArray,
  imagesName: string,
  labelsName: string,
): LabeledImages {
  if (images.dims.length !== 3) {
    throw new IdxError(`Not images: ${imagesName} has ${images.dims.length} dimensions, expected 3`);
  }
  const [count, rows, cols] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new IdxError(
      `Image/label count mismatch: ${imagesName} has ${count} images, ${labelsName} has ${
        labels.dims[0]
      } labels`,
    );
  }
  return showable({ images: images.data, labels: labels.data, count, rows, cols });
}
