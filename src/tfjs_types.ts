/**
 * The TensorFlow.js types that appear in this module's API, named once so the documentation
 * can link them. They are tfjs 4.22.0's own types, not copies.
 *
 * @module
 */
import type * as tf from "./npm/tfjs.ts";

/** A tfjs tensor. */
export type Tensor = tf.Tensor;
/** A tfjs 2-D tensor, such as a batch of class probabilities. */
export type Tensor2D = tf.Tensor2D;
/** A tfjs layers model: `predict`, `fit`, `save` and the rest of its API. */
export type LayersModel = tf.LayersModel;
/** A tfjs model save/load handler. */
export type IOHandler = tf.io.IOHandler;
/** The geometry of a 2-D convolution or pooling, as `tf.backend_util` computes it. */
export type Conv2DInfo = tf.backend_util.Conv2DInfo;
