// The decoding process: PictureDecoder (picture_decoder.ts) runs this file as a Deno process of
// its own, with read access and the CPU count only (no write, network, environment, processes or
// native code), and kills it at a picture's deadline. It reads a frame per picture on stdin (the
// limits, then the file's bytes), decodes it with libvips, prepares the digit, and answers a frame
// (what was found, then the 28x28 floats), or the error's name and message.
import { prepareDigit } from "./digit.ts";
import { toGray } from "./decode.ts";
import { decodeWithLibvips, loadLibvips } from "./libvips.ts";
import { encodeFrame, FrameReader } from "./_frames.ts";
import { LenetError } from "../errors.ts";

/** What the parent asks: the limits for this picture. */
export interface DecodeRequest {
  maxPixels: number;
  maxSide: number;
}

/** What this process answers: a prepared digit's facts (the floats are the body), or an error. */
export type DecodeAnswer =
  | { ok: true; inverted: boolean; box: [number, number, number, number]; width: number; height: number }
  | { ok: false; name: string; message: string };

// A tiny PNG decoded at start: libvips's first call starts its threads (~0.25 s), which then
// happens while the parent is still starting onnxruntime
const WARM_UP = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==",
  ),
  (c) => c.charCodeAt(0),
);

async function answer(request: DecodeRequest, bytes: Uint8Array): Promise<Uint8Array> {
  try {
    const picture = await decodeWithLibvips(bytes, request);
    const { pixels, inverted, box } = prepareDigit(toGray(picture), picture.width, picture.height);
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
    return encodeFrame(header, new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
  } catch (error) {
    const known = error instanceof LenetError;
    const header: DecodeAnswer = {
      ok: false,
      name: known ? error.name : "ImageError",
      message: known
        ? error.message
        : `Cannot decode this picture: ${String((error as Error)?.message ?? error)}`,
    };
    return encodeFrame(header);
  }
}

if (import.meta.main) {
  await loadLibvips();
  await decodeWithLibvips(WARM_UP, { maxPixels: 1, maxSide: 1 }).catch(() => {});
  const frames = new FrameReader(Deno.stdin.readable, 1 << 30);
  const out = Deno.stdout.writable.getWriter();
  for (let frame = await frames.next<DecodeRequest>(); frame; frame = await frames.next<DecodeRequest>()) {
    await out.write(await answer(frame.header, frame.body));
  }
  await out.close().catch(() => {});
}
