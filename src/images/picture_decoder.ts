/**
 * From a picture file's bytes to the 28x28 digit the model reads, for every picture a phone or a
 * scanner makes: JPEG, PNG, WebP, GIF, TIFF and AVIF, upright whatever EXIF orientation it was
 * stored with, up to 120 MP.
 *
 * One function decides how a picture is read ({@linkcode PictureDecoder.prepare}): a small PNG
 * (at most {@linkcode FAST_PNG_BYTES} and {@linkcode WORKING_SIDE} pixels a side, no EXIF) is
 * decoded here, by our own PNG decoder, whose bounds live inside it; every other picture goes to a
 * decoding process that runs libvips (sharp's WebAssembly build) with read access only, and is
 * killed when the picture's deadline passes. A folder is decoded by several such processes at
 * once. Both ways hand the same samples to the same preparation, so a small PNG gives the same
 * 28x28 either way.
 *
 * @module
 */
import { ImageError, type PreparedDigit } from "./digit.ts";
import { MAX_IMAGE_BYTES, prepareRaster } from "./raster.ts";
import { readBounded, readHead, statRegular } from "../_bounded_read.ts";
import { count, object, positive } from "../_arguments.ts";
import { decodePng, hasPngChunk, readPngHeader } from "./png.ts";
import { readFormat } from "./formats.ts";
import { FramedChild } from "../_framed_child.ts";
import { START_LIMIT_MS } from "../_deno_process.ts";
import type { DecodeAnswer, DecodeRequest } from "./_decode_process.ts";
import { IMAGE_PIXELS, PICTURE_TIMEOUT_MS, WORKING_SIDE } from "../config.ts";
import { firstLine } from "../errors.ts";

/** Largest PNG file decoded in this process, in bytes; larger ones go to a decoding process. */
export const FAST_PNG_BYTES = 1024 * 1024;

/** The bounds of reading one picture; each can be raised or lowered. */
export interface PictureLimits {
  /**
   * Largest picture, width x height, enforced by the decoder as it reads (a 108 MP phone photo is
   * 12,000 x 9,000).
   * @default {120_000_000}
   */
  maxPixels: number;
  /**
   * Most scans a JPEG may have (a progressive JPEG from a camera or an encoder has about 10),
   * counted from its markers as libjpeg walks them, before the picture goes to libvips: a file of
   * thousands of tiny scans would otherwise keep a decoding process busy until its deadline.
   * @default {1000}
   */
  maxJpegScans: number;
  /**
   * How long one picture may take to decode and prepare, in milliseconds, after which its decoding
   * process is killed (a 100 MP JPEG takes ~0.2 s here, a 12 MP PNG ~0.8 s).
   * @default {20_000}
   */
  timeoutMs: number;
}

/** The default {@linkcode PictureLimits}. */
export const PICTURE_LIMITS: Readonly<PictureLimits> = Object.freeze({
  maxPixels: 120_000_000,
  maxJpegScans: 1000,
  timeoutMs: PICTURE_TIMEOUT_MS,
});

/** Options of {@linkcode PictureDecoder}. */
export interface PictureDecoderOptions {
  /**
   * Decoding processes at most (each runs one picture at a time).
   * @default {1}
   */
  processes?: number;
  /** Bounds other than {@linkcode PICTURE_LIMITS}. */
  limits?: Partial<PictureLimits>;
}

/** What preparing a picture found: the digit, and the picture's size, upright. */
export interface PreparedPicture extends PreparedDigit {
  /** Width of the whole picture, upright. */
  width: number;
  /** Height of the whole picture, upright. */
  height: number;
}

interface Job {
  /** The picture's bytes, or the file the decoding process reads itself. */
  input: Uint8Array | { path: string };
  resolve: (picture: PreparedPicture) => void;
  reject: (error: Error) => void;
}

/** One decoding process: one picture at a time. */
class DecodingProcess {
  readonly #child = new FramedChild(new URL("./_decode_process.ts", import.meta.url), [
    "--allow-read",
    "--allow-sys=cpus",
    "--v8-flags=--expose-gc", // to free each picture's buffers before the next
  ], 4 * IMAGE_PIXELS);
  #ready = false;

  /**
   * Resolves once the process has started libvips (its first frame), at most `timeoutMs` after
   * it was spawned: a picture's deadline counts decoding, not Deno's start on a busy machine.
   */
  async started(timeoutMs: number): Promise<void> {
    if (this.#ready) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const first = await this.#child.held(() =>
      Promise.race([
        this.#child.next<{ ready?: boolean }>(),
        new Promise<undefined>((resolve) => timer = setTimeout(() => resolve(undefined), timeoutMs)),
      ]).finally(() => clearTimeout(timer))
    );
    if (!first?.header.ready) {
      const why = this.#child.exited ? await this.#child.why() : `not started within ${timeoutMs / 1000} s`;
      throw new ImageError(`The decoding process did not start${why ? `: ${why}` : ""}`);
    }
    this.#ready = true;
  }

  // The prepared picture, or the process's refusal as a value (it stays usable); a throw means
  // the process is lost.
  async run(input: Job["input"], request: DecodeRequest): Promise<PreparedPicture | ImageError> {
    // while a picture is out, its answer is awaited
    const frame = await this.#child.held(async () => {
      if (input instanceof Uint8Array) await this.#child.send(request, input);
      else await this.#child.send({ ...request, path: input.path });
      return await this.#child.next<DecodeAnswer>();
    });
    if (!frame) {
      const why = await this.#child.why();
      throw new ImageError(
        `The decoding process stopped on this picture${why ? `: ${why}` : " (out of memory, or killed)"}`,
      );
    }
    const { header, body } = frame;
    if (!header.ok) return new ImageError(header.message);
    const pixels = new Float32Array(body.buffer, body.byteOffset, IMAGE_PIXELS);
    return { pixels, inverted: header.inverted, box: header.box, width: header.width, height: header.height };
  }

  get exited(): boolean {
    return this.#child.exited;
  }

  kill(): Promise<void> {
    return this.#child.kill();
  }
}

// What a job is told when its decoding process is lost: our own error as it is, anything else named.
function lost(error: unknown): ImageError {
  return error instanceof ImageError ? error : new ImageError(`The decoding process failed: ${error}`);
}

// Why no decoding process could start, in one line: most often, no permission to run Deno.
function cannotStart(error: unknown): ImageError {
  const denied = error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied;
  return new ImageError(
    denied
      ? "Decoding this picture runs libvips in a process of its own, which needs --allow-run=deno " +
        "(or decode it yourself and call classifyRaster)"
      : `Cannot start a decoding process: ${firstLine(error)}`,
  );
}

/**
 * Prepares picture files for the model: decodes (in this process or a decoding process, see the
 * module's documentation), turns upright, shrinks and prepares the digit, within
 * {@linkcode PictureLimits}.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PictureDecoder } from "./picture_decoder.ts";
 * await using decoder = new PictureDecoder();
 * const photo = await Deno.readFile(new URL("../../tests/fixtures/photo_7.jpg", import.meta.url));
 * const picture = await decoder.prepare(photo); // a JPEG: libvips, in a decoding process
 * assert.equal(picture.pixels.length, 28 * 28);
 * assert.equal(picture.inverted, true); // dark ink on light paper
 * ```
 */
export class PictureDecoder {
  readonly #limits: PictureLimits;
  readonly #maxProcesses: number;
  readonly #idle: DecodingProcess[] = [];
  readonly #queue: Job[] = [];
  #running = 0;
  #closed = false;

  /**
   * A decoder; its processes start when a picture needs one.
   *
   * @param options How many processes, and the limits.
   */
  constructor(options: PictureDecoderOptions = {}) {
    const { processes = 1, limits = {} }: PictureDecoderOptions = object(options, "PictureDecoder(options)");
    this.#limits = { ...PICTURE_LIMITS, ...object(limits, "PictureDecoder(options.limits)") };
    for (const [name, value] of Object.entries(this.#limits)) {
      positive(value, `PictureDecoder(options.limits.${name})`);
    }
    this.#maxProcesses = count(processes, "PictureDecoder(options.processes)", 1);
  }

  /**
   * Whether a picture is decoded in this process (a small PNG without EXIF), not by libvips.
   *
   * @param bytes The file's content.
   * @returns True for the in-process path.
   * @throws {ImageError} When the bytes are no picture read here (HEIC gets how to convert it).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PictureDecoder } from "./picture_decoder.ts";
   * const png = await Deno.readFile(new URL("../../tests/fixtures/palette_7.png", import.meta.url));
   * assert.equal(PictureDecoder.decodesHere(png), true);
   * assert.equal(PictureDecoder.decodesHere(Uint8Array.of(0xff, 0xd8, 0xff, 0xe0)), false); // a JPEG
   * ```
   */
  static decodesHere(bytes: Uint8Array): boolean {
    if (readFormat(bytes) !== "png" || bytes.length > FAST_PNG_BYTES) return false;
    try {
      const { width, height } = readPngHeader(bytes);
      return Math.max(width, height) <= WORKING_SIDE && !hasPngChunk(bytes, "eXIf");
    } catch {
      return true; // a broken PNG: our decoder says what is wrong with it
    }
  }

  /**
   * Decodes one picture and prepares its digit.
   *
   * @param bytes The file's content.
   * @returns The 28x28 digit, what preparation found, and the picture's upright size.
   * @throws {ImageError} When the picture is not read here, passes a limit, or holds no digit.
   */
  prepare(bytes: Uint8Array): Promise<PreparedPicture> {
    if (!(bytes instanceof Uint8Array)) {
      return Promise.reject(new ImageError(`Invalid bytes: expected a Uint8Array, got ${typeof bytes}`));
    }
    try {
      // pictures decoded here, and files that are no picture read here, never wait for a process
      if (PictureDecoder.decodesHere(bytes)) return Promise.resolve(this.#prepareHere(bytes));
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#enqueue(bytes);
  }

  /**
   * Reads a picture file (a regular file of at most 64 MB) and prepares its digit, as
   * {@linkcode PictureDecoder.prepare} does; a file for libvips is read by the decoding process
   * itself, so a folder of large photos never passes through this process's memory.
   *
   * @param path The file.
   * @returns The 28x28 digit, what preparation found, and the picture's upright size.
   * @throws {ImageError} When the file cannot be read, is no picture read here, passes a limit, or
   *   holds no digit.
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { PictureDecoder } from "./picture_decoder.ts";
   * await using decoder = new PictureDecoder();
   * const picture = await decoder.prepareFile("tests/fixtures/pictures/exif_6.jpg"); // a portrait shot
   * assert.deepEqual([picture.width, picture.height], [320, 240]); // upright, as a viewer shows it
   * ```
   */
  async prepareFile(path: string): Promise<PreparedPicture> {
    const errorOf = (reason: string) => new ImageError(reason);
    const { size } = await statRegular(path, MAX_IMAGE_BYTES, errorOf);
    if (size <= FAST_PNG_BYTES) return await this.prepare(await readBounded(path, MAX_IMAGE_BYTES, errorOf));
    readFormat(await readHead(path, 256, errorOf)); // no process for a file that is no picture
    return await this.#enqueue({ path });
  }

  // A picture for the decoding processes: it waits for one that is free.
  #enqueue(input: Job["input"]): Promise<PreparedPicture> {
    if (this.#closed) return Promise.reject(new ImageError("The picture decoder is closed"));
    return new Promise((resolve, reject) => {
      this.#queue.push({ input, resolve, reject });
      this.#next();
    });
  }

  #prepareHere(bytes: Uint8Array): PreparedPicture {
    const image = decodePng(bytes, { maxPixels: this.#limits.maxPixels });
    return {
      ...prepareRaster(image),
      width: image.width,
      height: image.height,
    };
  }

  #next(): void {
    while (this.#queue.length > 0 && (this.#idle.length > 0 || this.#running < this.#maxProcesses)) {
      const job = this.#queue.shift()!;
      let process: DecodingProcess;
      try {
        process = this.#idle.pop() ?? new DecodingProcess();
      } catch (error) {
        job.reject(cannotStart(error));
        continue;
      }
      this.#running++;
      this.#run(process, job).finally(() => {
        this.#running--;
        this.#next();
      });
    }
  }

  async #run(process: DecodingProcess, job: Job): Promise<void> {
    const { maxPixels, maxJpegScans, timeoutMs } = this.#limits;
    try {
      await process.started(Math.max(timeoutMs, START_LIMIT_MS)); // Deno, then libvips
    } catch (error) {
      await process.kill();
      job.reject(
        error instanceof ImageError ? error : new ImageError(`The decoding process failed: ${error}`),
      );
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(
          new ImageError(
            `Decoding stopped after ${timeoutMs / 1000} s, the limit for one picture ` +
              "(raise it: PictureLimits.timeoutMs, or predict --timeout)",
          ),
        );
      }, timeoutMs);
    });
    const work = process.run(job.input, { maxPixels, maxJpegScans, maxSide: WORKING_SIDE });
    work.catch(() => {}); // after the deadline, killing the process ends it: nobody waits for it
    try {
      const result = await Promise.race([work, deadline]);
      if (this.#closed || process.exited) await process.kill();
      else this.#idle.push(process);
      if (result instanceof ImageError) job.reject(result);
      else job.resolve(result);
    } catch (error) {
      // past its deadline, crashed or out of step: the process is not trusted again
      await process.kill();
      job.reject(lost(error));
    } finally {
      clearTimeout(timer);
    }
  }

  /** Ends every decoding process; pictures still queued are refused. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#queue.splice(0)) job.reject(new ImageError("The picture decoder is closed"));
    await Promise.all(this.#idle.splice(0).map((process) => process.kill()));
  }

  /** Same as {@linkcode PictureDecoder.close}, for `await using`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
