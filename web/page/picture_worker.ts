/// <reference lib="webworker" />
// The page's picture worker: a chosen or dropped file is decoded here by the browser (upright as
// its EXIF orientation says), shrunk to at most WORKING_SIDE a side, prepared as predict prepares
// it and classified by the page's model, all off the page's thread. The page terminates this
// worker when a picture passes its deadline, so a hostile file costs the tab nothing but the wait.
import { ImageError } from "../../src/images/digit.ts";
import { prepareRaster } from "../../src/images/raster.ts";
import { OnnxClassifier } from "../../src/onnx/classifier.ts";
import { configureOnnxRuntime } from "../../src/onnx/runtime.ts";
import type { FromPictureWorker, ToPictureWorker } from "./protocol.ts";

configureOnnxRuntime({ threads: 1 }); // one picture at a time: a second thread gains nothing
// the page's model (the shipped one, or one it trained): this worker is its isolation
let classifier: Promise<OnnxClassifier> | undefined;

async function read({ file, side, model }: ToPictureWorker): Promise<FromPictureWorker> {
  classifier ??= OnnxClassifier.load(model, { topK: 3, isolation: "here" });
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
  const prepared = prepareRaster({ width, height, channels: 4, maxValue: 255, data });
  const [answer] = await (await classifier).classifyDigits([prepared]);
  const { digit, probability, probabilities, top } = answer!;
  return {
    ok: true,
    prepared,
    answer: { digit, probability, probabilities, top },
    picture: canvas.transferToImageBitmap(),
  };
}

self.onmessage = async (event: MessageEvent<ToPictureWorker>) => {
  let answer: FromPictureWorker;
  try {
    answer = await read(event.data);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    answer = { ok: false, message, noDigit: error instanceof ImageError };
  }
  self.postMessage(answer, answer.ok ? [answer.picture] : []);
};
