/**
 * The bounds a model's graph must keep, which `graph_check.ts` enforces, in a module of their
 * own: a caller who only names them does not load the ONNX schema and protobufjs.
 *
 * @module
 */

/** The bounds a graph must keep for one image (batch 1). */
export interface GraphLimits {
  /**
   * Largest input image, in values (channels x height x width).
   * @default {65_536}
   */
  maxInputValues: number;
  /**
   * Largest tensor the graph may make, in values (64 MB of float32).
   * @default {16_000_000}
   */
  maxTensorValues: number;
  /**
   * Most operations for one image: a multiply-add counts one; an elementwise op one for each
   * value it writes and each input it reads; a pooling or an `LRN` one for each value of each
   * window (the tutorial's LeNet: 0.33 million).
   * @default {1_000_000_000}
   */
  maxOperations: number;
  /**
   * Most values alive at once for one image: the tensors made and not yet used for the last time,
   * the weights, and the scratch onnxruntime allocates for a convolution (its im2col buffer) or an
   * `LRN` ((channels + size - 1) x height x width). A batch is run in parts that keep to it.
   * @default {32_000_000}
   */
  maxLiveValues: number;
  /**
   * Most nodes in the graph.
   * @default {1000}
   */
  maxNodes: number;
  /**
   * The classes the output must have: `[batch, classes]`.
   * @default {10}
   */
  classes: number;
}

/** The default {@linkcode GraphLimits}. */
export const GRAPH_LIMITS: Readonly<GraphLimits> = Object.freeze({
  maxInputValues: 1 << 16,
  maxTensorValues: 16_000_000,
  maxOperations: 1_000_000_000,
  maxLiveValues: 32_000_000,
  maxNodes: 1000,
  classes: 10,
});
