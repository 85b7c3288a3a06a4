/// <reference lib="webworker" />
// The page's picture worker: a chosen or dropped file is decoded here by the browser (upright as
// its EXIF orientation says), shrunk to at most WORKING_SIDE a side and prepared as predict
// prepares it, off the page's thread. The page terminates this worker when a picture passes its
// deadline, so a hostile file costs the tab nothing but the wait.
import { prepareDigit } from "../../src/images/digit.ts";
import { ImageError } from "../../src/images/digit.ts";
import { toGray } from "../../src/images/raster.ts";
import type { FromPictureWorker, ToPictureWorker } from "./protocol.ts";

async function read({ file, side }: ToPictureWorker): Promise<FromPictureWorker> {
  const upright = await createImageBitmap(file, { imageOrientation: "from-image" });
  const scale = Math.min(1, side / Math.max(upright.width, upright.height));
  const width = Math.max(1, Math.round(upright.width * scale));
  const height = Math.max(1, Math.round(upright.height * scale));
  const canvas = new OffscreenCanvas(width, height), context = canvas.getContext("2d")!;
  context.fillStyle = "#fff"; // transparency reads as white paper, as toGray() has it
  context.fillRect(0, 0, width, height);
  context.drawImage(upright, 0, 0, width, height);
  upright.close();
  const { data } = context.getImageData(0, 0, width, height);
  const prepared = prepareDigit(toGray({ width, height, channels: 4, maxValue: 255, data }), width, height);
  return { ok: true, prepared, picture: canvas.transferToImageBitmap() };
}

self.onmessage = async (event: MessageEvent<ToPictureWorker>) => {
  let answer: FromPictureWorker;
  try {
    answer = await read(event.data);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    answer = { ok: false, message, noDigit: error instanceof ImageError };
  }
  self.postMessage(answer, answer.ok ? [answer.picture, answer.prepared.pixels.buffer as ArrayBuffer] : []);
};
