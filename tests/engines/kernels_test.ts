// Our wasm training kernels against tfjs's reference `cpu` backend.
import * as tf from "../../src/npm/tfjs.ts";
import { assertAllClose } from "../_assert.ts";
import { onBackend, tfjsGradients } from "../_helpers.ts";
import { oneHot } from "../../src/data/batch.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { ACTIVATIONS } from "../../src/config.ts";
import { conv2dBackpropFilterNHWC } from "../../src/tfjs/kernels.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { mulberry32 } from "../../src/data/shuffle.ts";
import { loadSimdKernels } from "../../src/tfjs/simd.ts";

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

/** Gradients of sum(conv2d(x, w) * dy) with respect to the input and the filter, on one backend. */
async function convGradients(
  backend: "cpu" | "wasm",
  c: Case,
): Promise<{ input: Float32Array; filter: Float32Array }> {
  await initBackend(backend);
  return tf.tidy(() => {
    const x = tf.tensor4d(randomArray(c.x.reduce((a, b) => a * b), 1), c.x);
    const w = tf.tensor4d(randomArray(c.filter.reduce((a, b) => a * b), 2), c.filter);
    const probe = tf.conv2d(x, w, c.strides, c.pad);
    const dy = tf.tensor(randomArray(probe.size, 3), probe.shape);
    const grads = tf.grads((v, f) =>
      tf.sum(tf.mul(tf.conv2d(v as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad), dy))
    );
    const [dx, dw] = grads([x, w]);
    return { input: dx!.dataSync() as Float32Array, filter: dw!.dataSync() as Float32Array };
  });
}

for (const c of CASES) {
  Deno.test(`Conv2DBackpropFilter on wasm matches cpu for x ${c.x}, filter ${c.filter}, stride ${c.strides}, ${c.pad}`, async () => {
    const expected = await convGradients("cpu", c);
    const actual = await convGradients("wasm", c); // our SIMD kernel
    assertAllClose(actual.filter, expected.filter, 1e-4, 1e-5);
  });
}

for (const c of CASES) {
  Deno.test(`Conv2DBackpropInput on wasm (SIMD) matches cpu for x ${c.x}, filter ${c.filter}, stride ${c.strides}, ${c.pad}`, async () => {
    const expected = await convGradients("cpu", c);
    const actual = await convGradients("wasm", c);
    assertAllClose(actual.input, expected.input, 1e-4, 1e-5);
  });
}

const MATMUL_CASES: { a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { a: [1, 5, 7], b: [1, 7, 3], ta: false, tb: false },
  { a: [1, 7, 5], b: [1, 7, 3], ta: true, tb: false }, // x^T · dy: a dense layer's weight gradient
  { a: [1, 5, 7], b: [1, 3, 7], ta: false, tb: true }, // dy · W^T: its input gradient
  { a: [1, 7, 5], b: [1, 3, 7], ta: true, tb: true },
  { a: [3, 4, 9], b: [3, 9, 6], ta: false, tb: false },
  { a: [1, 33, 13], b: [4, 13, 17], ta: false, tb: false }, // broadcast a
  { a: [2, 128, 784], b: [2, 128, 120], ta: true, tb: false },
];
const MATMUL_2D: { a: [number, number]; b: [number, number] }[] = [{ a: [2, 784], b: [784, 120] }, {
  a: [3, 5],
  b: [5, 1],
}];

for (const c of MATMUL_CASES) {
  Deno.test(`BatchMatMul on wasm (SIMD) matches cpu for ${c.a} x ${c.b}, transposeA ${c.ta}, transposeB ${c.tb}`, async () => {
    const product = async (backend: "cpu" | "wasm") => {
      await initBackend(backend);
      return tf.tidy(() => {
        const a = tf.tensor3d(randomArray(c.a.reduce((x, y) => x * y), 21), c.a as [number, number, number]);
        const b = tf.tensor3d(randomArray(c.b.reduce((x, y) => x * y), 22), c.b as [number, number, number]);
        return tf.matMul(a, b, c.ta, c.tb).dataSync() as Float32Array;
      });
    };
    assertAllClose(await product("wasm"), await product("cpu"), 1e-4, 1e-5);
  });
}

for (const c of MATMUL_2D) {
  Deno.test(`BatchMatMul on wasm (SIMD) matches cpu for rank-2 ${c.a} x ${c.b}`, async () => {
    const product = async (backend: "cpu" | "wasm") => {
      await initBackend(backend);
      return tf.tidy(() =>
        tf.matMul(
          tf.tensor2d(randomArray(c.a[0] * c.a[1], 23), c.a),
          tf.tensor2d(randomArray(c.b[0] * c.b[1], 24), c.b),
        )
          .dataSync() as Float32Array
      );
    };
    assertAllClose(await product("wasm"), await product("cpu"), 1e-4, 1e-5);
  });
}

Deno.test("conv2dBackpropFilterNHWC() in JavaScript and the SIMD kernel agree", async () => {
  const simd = await loadSimdKernels();
  const info = tf.backend_util.computeConv2DInfo([3, 9, 9, 5], [3, 3, 5, 7], 1, 1, "same");
  const x = randomArray(3 * 81 * 5, 7), dy = randomArray(3 * 81 * 7, 8);
  const [js, wasm] = [new Float32Array(315), new Float32Array(315)];
  conv2dBackpropFilterNHWC(x, dy, info, js);
  simd.conv2dBackpropFilter(x, dy, info, wasm);
  assertAllClose(wasm, js, 1e-5, 1e-5);
});

for (const activation of ACTIVATIONS) {
  Deno.test(`LeNet gradients on wasm match cpu with ${activation}`, async () => {
    const grads = (backend: "cpu" | "wasm") =>
      onBackend(backend, async () => {
        const lenet = await LeNet.create({ activation }, { seed: 5 });
        const x = randomArray(2 * 784, 9).map(Math.abs), y = oneHot([3, 7], 10);
        const out = tfjsGradients(lenet, x, y, 2);
        lenet.dispose();
        return out;
      });
    const expected = await grads("cpu");
    const actual = await grads("wasm");
    assertAllClose(actual, expected, 1e-5, 1e-3);
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
