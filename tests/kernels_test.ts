// Our wasm training kernels against tfjs's reference `cpu` backend.
import * as tf from "npm:@tensorflow/tfjs@4.22.0";
import { assertAllClose, assertEquals } from "./_assert.ts";
import { ACTIVATIONS, initBackend, LeNet, mulberry32 } from "../mod.ts";

function randomArray(n: number, seed: number): Float32Array {
  const random = mulberry32(seed);
  return Float32Array.from({ length: n }, () => random() * 2 - 1);
}

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: "same" | "valid";
}

const CASES: Case[] = [
  { x: [1, 5, 5, 1], filter: [3, 3, 1, 1], strides: 1, pad: "same" },
  { x: [3, 28, 28, 1], filter: [3, 3, 1, 6], strides: 1, pad: "same" },
  { x: [4, 14, 14, 6], filter: [3, 3, 6, 16], strides: 1, pad: "same" },
  { x: [2, 9, 7, 6], filter: [3, 3, 6, 5], strides: 1, pad: "valid" },
  { x: [2, 8, 8, 3], filter: [5, 5, 3, 7], strides: 2, pad: "same" },
  { x: [2, 11, 10, 2], filter: [2, 3, 2, 3], strides: [2, 3], pad: "valid" },
];

async function filterGradient(backend: "cpu" | "wasm", c: Case): Promise<Float32Array> {
  await initBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(c.x.reduce((a, b) => a * b), 1), c.x);
    const w = tf.tensor4d(randomArray(c.filter.reduce((a, b) => a * b), 2), c.filter);
    const probe = tf.conv2d(x, w, c.strides, c.pad);
    const dy = tf.tensor(randomArray(probe.size, 3), probe.shape);
    const grad = tf.grad((f) => tf.sum(tf.mul(tf.conv2d(x, f as tf.Tensor4D, c.strides, c.pad), dy)));
    return grad(w).dataSync() as Float32Array;
  });
}

for (const c of CASES) {
  Deno.test(`Conv2DBackpropFilter on wasm matches cpu for x ${c.x}, filter ${c.filter}, stride ${c.strides}, ${c.pad}`, async () => {
    const expected = await filterGradient("cpu", c);
    const actual = await filterGradient("wasm", c);
    assertAllClose(actual, expected, 1e-4, 1e-5);
  });
}

for (const activation of ACTIVATIONS) {
  Deno.test(`LeNet gradients on wasm match cpu with ${activation}`, async () => {
    const grads = async (backend: "cpu" | "wasm") => {
      await initBackend(backend);
      const lenet = LeNet.create({ activation }, { seed: 5 });
      const x = tf.tensor4d(randomArray(2 * 784, 9).map(Math.abs), [2, 28, 28, 1]);
      const y = tf.oneHot([3, 7], 10).toFloat();
      const { grads } = tf.variableGrads(() =>
        tf.losses.softmaxCrossEntropy(y, lenet.model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar
      );
      const out = lenet.model.trainableWeights.map((w) =>
        grads[(w as unknown as { val: tf.Variable }).val.name]!.dataSync() as Float32Array
      );
      lenet.dispose();
      return out;
    };
    const expected = await grads("cpu");
    const actual = await grads("wasm");
    assertEquals(actual.length, expected.length);
    actual.forEach((g, i) => assertAllClose(g, expected[i]!, 1e-5, 1e-3));
  });
}

const POOL_CASES: {
  x: [number, number, number, number];
  size: number;
  stride: number;
  pad: "same" | "valid";
}[] = [
  { x: [2, 28, 28, 6], size: 2, stride: 2, pad: "same" },
  { x: [3, 14, 14, 16], size: 2, stride: 2, pad: "same" },
  { x: [2, 7, 7, 3], size: 2, stride: 2, pad: "same" }, // odd size: padded last row and column
  { x: [1, 9, 8, 5], size: 3, stride: 2, pad: "valid" },
];

for (const c of POOL_CASES) {
  Deno.test(`MaxPoolGrad on wasm matches cpu, negative inputs included, for x ${c.x}, ${c.size}/${c.stride} ${c.pad}`, async () => {
    const grad = async (backend: "cpu" | "wasm") => {
      await initBackend(backend);
      return tf.tidy(() => {
        const x = tf.tensor4d(randomArray(c.x.reduce((a, b) => a * b), 11), c.x); // half negative
        const probe = tf.maxPool(x, c.size, c.stride, c.pad);
        const dy = tf.tensor(randomArray(probe.size, 12), probe.shape);
        const g = tf.grad((v) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, c.size, c.stride, c.pad), dy)));
        return g(x).dataSync() as Float32Array;
      });
    };
    assertAllClose(await grad("wasm"), await grad("cpu"), 0);
  });
}
