/**
 * Classifying pictures of digits with an ONNX LeNet on onnxruntime-web, and exporting a LeNet to
 * ONNX. No TensorFlow.js: the export takes a configuration and plain `Float32Array` weights
 * (`lenet.toWeights()` from the main entry point, or a `FusedTrainer`'s), so someone who only
 * predicts downloads onnxruntime-web, libvips (sharp's WebAssembly build, loaded only by the
 * process that decodes photos) and nothing else.
 *
 * A picture (JPEG, PNG, WebP, GIF, TIFF or AVIF: a photo, a scan, a canvas drawing) is turned upright
 * as its EXIF orientation says and prepared as MNIST's digits were: gray, ink white on black,
 * cropped, scaled into 20x20 and centred by its centre of mass in 28x28 (`PictureDecoder`).
 *
 * ```ts
 * import assert from "node:assert/strict";
 * import { OnnxClassifier } from "./inference.ts";
 *
 * const classifier = await OnnxClassifier.load(); // the shipped model; or a path, URL or bytes
 * const photo = await Deno.readFile(new URL("./tests/fixtures/photo_7.jpg", import.meta.url));
 * const answer = await classifier.classifyImage(photo);
 * assert.equal(answer.digit, 7);
 * assert.equal(answer.top.length, 3); // the three likeliest digits, likeliest first
 * assert.equal(answer.prepared.pixels.length, 28 * 28); // what the model saw
 * await classifier.release();
 * ```
 *
 * @module
 */
export type { Activation, LeNetConfig } from "./src/config.ts";
export { ImageError, type PreparedDigit, prepareDigit } from "./src/images/digit.ts";
export { decodeImage, type ImageLimits, type RasterImage, toGray } from "./src/images/decode.ts";
export {
  PICTURE_LIMITS,
  PictureDecoder,
  type PictureDecoderOptions,
  type PictureLimits,
  type PreparedPicture,
} from "./src/images/picture_decoder.ts";
export { type PictureFormat, READ_FORMATS, sniffFormat } from "./src/images/formats.ts";
export type { GraphLimits } from "./src/onnx/graph_check.ts";
export {
  type Classification,
  type ClassScore,
  type ImageClassification,
  OnnxClassifier,
  type OnnxClassifierOptions,
  OnnxModelError,
  SHIPPED_MODEL,
} from "./src/onnx/classifier.ts";
export { exportOnnx, type ExportOptions } from "./src/onnx/export.ts";
export { configureOnnxRuntime, type OnnxRuntimeSettings, onnxThreads } from "./src/onnx/runtime.ts";
export { ArgumentError, LenetError } from "./src/errors.ts";
export { type LeNetWeights, WeightsError } from "./src/model/weights.ts";
