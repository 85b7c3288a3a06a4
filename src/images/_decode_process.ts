// The decoding process: PictureDecoder (picture_decoder.ts) runs this file as a Deno process of
// its own, with read access and the CPU count only (no write, network, environment, processes or
// native code), and kills it at a picture's deadline. Once libvips has started it says so in a
// frame; then it reads a frame per picture on stdin (the limits, then the file's bytes or its
// path), decodes it with libvips, prepares the digit, and answers a frame (what was found, then
// the 28x28 floats), or why it could not.
import { MAX_IMAGE_BYTES, prepareRaster, readImageFile } from "./raster.ts";
import { ImageError } from "./digit.ts";
import { sniffFormat } from "./formats.ts";
import { jpegCost } from "./jpeg.ts";
import { decodeWithLibvips, loadLibvips } from "./libvips.ts";
import { FrameReader, writeFrame } from "../_frames.ts";
import { LenetError, messageOf } from "../errors.ts";

type Writer = WritableStreamDefaultWriter<Uint8Array>;

/** A picture file from this size on is followed by a garbage collection (with --expose-gc). */
const LARGE_PICTURE = 1024 * 1024;

/** What the parent asks: the limits for this picture, and its file when the body is empty. */
export interface DecodeRequest {
  maxPixels: number;
  maxSide: number;
  maxJpegScans: number;
  /** A file to read (bounded, as the parent would) instead of the frame's body. */
  path?: string;
}

/** What this process answers: a prepared digit's facts (the floats are the body), or why not. */
export type DecodeAnswer =
  | { ok: true; inverted: boolean; box: [number, number, number, number]; width: number; height: number }
  | { ok: false; message: string };

// A tiny PNG decoded at start: libvips's first call starts its threads (~0.25 s), which then
// happens while the parent is still starting onnxruntime
const WARM_UP = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

// Answers one picture; returns its file's size.
async function answer(request: DecodeRequest, body: Uint8Array, out: Writer): Promise<number> {
  let size = body.length;
  try {
    const bytes = request.path === undefined ? body : await readImageFile(request.path);
    size = bytes.length;
    const scans = jpegScans(bytes);
    if (scans > request.maxJpegScans) {
      throw new ImageError(
        `JPEG has too many scans: ${scans} exceeds the limit of ${request.maxJpegScans} ` +
          "(raise it: PictureLimits.maxJpegScans)",
      );
    }
    const picture = await decodeWithLibvips(bytes, request);
    const { pixels, inverted, box } = prepareRaster(picture);
    // the box in the upright picture's own pixels, not the shrunk copy's
    const scale = picture.fullWidth / picture.width;
    const fullBox = box.map((v) => Math.round(v * scale)) as [number, number, number, number];
    const header: DecodeAnswer = {
      ok: true,
      inverted,
      box: fullBox,
      width: picture.fullWidth,
      height: picture.fullHeight,
    };
    await writeFrame(out, header, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
    return size;
  } catch (error) {
    const header: DecodeAnswer = {
      ok: false,
      message: error instanceof LenetError
        ? error.message
        : `Cannot decode this picture: ${messageOf(error)}`,
    };
    await writeFrame(out, header);
    return size;
  }
}

// A JPEG's scans as its markers count them, walking segments by their lengths as libjpeg does
// (0 for any other file, or for one libvips will refuse for its markers).
function jpegScans(bytes: Uint8Array): number {
  try {
    return sniffFormat(bytes) === "jpeg" ? jpegCost(bytes).scans : 0;
  } catch {
    return 0;
  }
}

if (import.meta.main) {
  await loadLibvips();
  await decodeWithLibvips(WARM_UP, { maxPixels: 1, maxSide: 1 }).catch(() => {});
  const out = Deno.stdout.writable.getWriter();
  await writeFrame(out, { ready: true }); // a picture's deadline runs from here
  const frames = new FrameReader(Deno.stdin.readable, MAX_IMAGE_BYTES);
  // with --expose-gc, a large picture's buffers (tens of MB) are freed before the next one is
  // read; small ones are left to V8 (a full collection costs milliseconds)
  const gc: unknown = Reflect.get(globalThis, "gc");
  const collect = typeof gc === "function" ? () => gc() : () => {};
  while (true) {
    const frame = await frames.next<DecodeRequest>();
    if (!frame) break;
    const size = await answer(frame.header, frame.body, out);
    if (size > LARGE_PICTURE) collect();
  }
  await out.close().catch(() => {});
}
