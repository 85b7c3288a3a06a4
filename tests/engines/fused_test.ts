// The fused one-call training step against tfjs's reference `cpu` backend.
import { ArgumentError, LenetError } from "../../src/errors.ts";
import { checkContract, CONTRACT, instantiateLenet } from "../../src/engines/fused/_wasm.ts";
import * as tf from "../../src/npm/tfjs.ts";
import { assert, assertAllClose, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { leakFree, onBackend, tfjsGradients } from "../_helpers.ts";
import { ACTIVATIONS, ConfigError, DEFAULT_LENET, type LeNetConfig } from "../../src/config.ts";
import { DataError, takeRange } from "../../src/data/labeled_images.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { FusedTrainer } from "../../src/engines/fused/trainer.ts";
import { hasRelaxedSimd } from "../../src/engines/fused/peak.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { gatherBatch, gatherBytes, normalizePixels } from "../../src/data/batch.ts";
import { train as trainLeNet } from "../../src/train.ts";

const { train, test } = await loadMnist();
const BATCH = 16;
const indices = Array.from({ length: BATCH }, (_, i) => i * 7);
const { x, y } = gatherBatch(train.images, train.labels, indices, 784);
const labels = Int32Array.from(indices, (i) => train.labels[i]!);

function checkGradients(config: Partial<LeNetConfig>, threads: number, count: number): Promise<void> {
  return onBackend("cpu", () => leakFree(() => checkGradientsOnCpu(config, threads, count)));
}

async function checkGradientsOnCpu(
  config: Partial<LeNetConfig>,
  threads: number,
  count: number,
): Promise<void> {
  const lenet = await LeNet.create(config, { seed: 8 });
  const expected = tfjsGradients(lenet, x, y, count);
  using trainer = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads });
  assertEquals(trainer.threads, threads);
  const actual = trainer.gradients(x.subarray(0, count * 784), labels.subarray(0, count));
  assertEquals(actual.length, expected.length);
  const scale = Math.max(...expected.map(Math.abs));
  assertAllClose(actual, expected, 1e-4 * scale, 1e-3);
  lenet.dispose();
}

// odd channel counts: vectors of 4 do not fill them
const SMALL = { conv1Filters: 5, conv2Filters: 7, fc1Units: 30, fc2Units: 20 };
for (const activation of ACTIVATIONS) {
  for (const threads of [1, 2, 3, 4]) {
    Deno.test(`FusedTrainer gradients match tfjs cpu with ${activation}, ${threads} thread(s)`, () =>
      checkGradients({ ...SMALL, activation }, threads, BATCH));
  }
}

Deno.test("FusedTrainer gradients match tfjs cpu with under 4 channels and odd batches, on 2 to 4 threads", async () => {
  for (const threads of [2, 3, 4]) {
    await checkGradients({ conv1Filters: 3, conv2Filters: 2, fc1Units: 9, fc2Units: 5 }, threads, 15);
    // fewer images than threads: each image on a thread of its own, the others idle
    for (const count of [1, 2]) {
      await checkGradients(
        { conv1Filters: 1, conv2Filters: 4, fc1Units: 9, fc2Units: 5, activation: "tanh" },
        threads,
        count,
      );
    }
  }
});

Deno.test("FusedTrainer steps are the same bits run after run for a thread count, and agree across counts", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 5 });
  const run = async (threads: number) => {
    using trainer = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads });
    for (let step = 0; step < 20; step++) trainer.step(x, labels, 1e-3);
    return trainer.weights();
  };
  const byThreads = new Map<number, Float32Array>();
  for (const threads of [1, 2, 3, 4]) {
    const weights = await run(threads);
    assertEquals(await run(threads), weights, `${threads} threads: two runs differ`);
    byThreads.set(threads, weights);
  }
  for (const threads of [2, 3, 4]) assertAllClose(byThreads.get(threads)!, byThreads.get(1)!, 1e-5, 1e-3);
  lenet.dispose();
});

Deno.test("FusedTrainer's plain and relaxed builds agree to float tolerance; train's simd chooses the build", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 6 });
  const run = async (simd: "plain" | "relaxed") => {
    using trainer = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads: 1, simd });
    for (let step = 0; step < 20; step++) trainer.step(x, labels, 1e-3);
    return trainer.weights();
  };
  const plain = await run("plain");
  assertEquals(await run("plain"), plain, "the plain build: two runs differ");
  const viaTrain = async (simd: "plain" | "relaxed") => {
    const model = await LeNet.create({ activation: "relu" }, { seed: 6 });
    await trainLeNet(model, takeRange(train, 0, 64), { epochs: 1, batchSize: 16, threads: 1, simd, seed: 2 });
    const { weights } = model.toWeights();
    model.dispose();
    return weights;
  };
  if (!hasRelaxedSimd()) {
    await assertRejects(() => run("relaxed"), ConfigError, "no relaxed SIMD");
    return lenet.dispose();
  }
  const relaxed = await run("relaxed");
  assertAllClose(relaxed, plain, 1e-5, 1e-3);
  // Where the CPU fuses the multiply-add, the builds differ in the last bits, and so must the
  // runs train() makes with each: that is how we know it passed the choice on.
  if (relaxed.some((w, i) => w !== plain[i])) {
    const [a, b] = [await viaTrain("plain"), await viaTrain("relaxed")];
    assert(a.some((w, i) => w !== b[i]), "train() ran the same build for simd plain and relaxed");
    assertAllClose(a, b, 1e-5, 1e-3);
  }
  lenet.dispose();
});

Deno.test("FusedTrainer on 8-bit pixels computes exactly what it computes on normalizePixels' floats", () =>
  onBackend("cpu", async () => {
    const everyByte = Uint8Array.from({ length: 784 * 2 }, (_, i) => i % 256);
    const floats = normalizePixels(everyByte), pairs = Int32Array.of(3, 8);
    const lenet = await LeNet.create({}, { seed: 2 });
    using trainer = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads: 1 });
    assertAllClose(trainer.gradients(everyByte, pairs), trainer.gradients(floats, pairs), 0);
    const batch = gatherBytes(train.images, train.labels, indices, 784);
    assertAllClose(trainer.gradients(batch.pixels, batch.labels), trainer.gradients(x, labels), 0);
    lenet.dispose();
  }));

Deno.test("FusedTrainer.predict gives tfjs's probabilities, in chunks, on both threads", () =>
  onBackend("cpu", async () => {
    const lenet = await LeNet.create({ activation: "tanh", conv1Filters: 5 }, { seed: 4 });
    const some = takeRange(test, 0, 75); // chunks of 32, 32 and 11 images
    const all = gatherBatch(some.images, some.labels, [...Array(some.count).keys()], 784);
    const expected = tf.tidy(() => lenet.predict(tf.tensor4d(all.x, [some.count, 28, 28, 1])).dataSync());
    for (const threads of [1, 2, 3, 4]) {
      using trainer = await FusedTrainer.create(lenet.toWeights(), 32, { threads });
      assertAllClose(trainer.predict(some.images), expected, 1e-5);
      assertAllClose(trainer.predict(all.x), expected, 1e-5);
      assertThrows(() => trainer.predict(new Uint8Array(785)), ArgumentError, "784 pixels");
    }
    lenet.dispose();
  }));

Deno.test("FusedTrainer refuses a thread count outside 1 to 64, and a batch its memory cannot hold", async () => {
  const model = { config: DEFAULT_LENET, weights: new Float32Array(106_154) };
  for (const threads of [0, 1.5, 65]) {
    await assertRejects(() => FusedTrainer.create(model, 8, { threads }), ConfigError, "threads");
  }
  await assertRejects(() => FusedTrainer.create(model, 20000), ConfigError, "does not fit");
  await assertRejects(() => FusedTrainer.create(model, 0), ConfigError, "does not fit");
  // the largest batch it names does fit
  const message = await FusedTrainer.create(model, 20000, { threads: 3 }).catch((e) => (e as Error).message);
  const largest = Number(/use 1 to (\d+)/.exec(message as string)?.[1]);
  assert(largest > 1000, message as string);
  (await FusedTrainer.create(model, largest, { threads: 3 })).dispose();
});

Deno.test("FusedTrainer steps match tfjs Adam steps on cpu to float tolerance", () =>
  onBackend("cpu", async () => {
    const a = await LeNet.create({}, { seed: 3 }), b = await LeNet.create({}, { seed: 3 });
    a.model.compile({ optimizer: tf.train.adam(1e-3, 0.9, 0.999, 1e-7), loss: "categoricalCrossentropy" });
    using trainer = await FusedTrainer.create(b.toWeights(), BATCH);
    const xs = tf.tensor4d(x, [BATCH, 28, 28, 1]), ys = tf.tensor2d(y, [BATCH, 10]);
    for (let step = 0; step < 3; step++) {
      await a.model.trainOnBatch(xs, ys);
      trainer.step(x, labels, 1e-3);
    }
    b.setWeights(trainer.weights());
    assertAllClose(b.toWeights().weights, a.toWeights().weights, 2e-5, 1e-3);
    tf.dispose([xs, ys]);
    [a, b].forEach((l) => l.dispose());
  }));

Deno.test("FusedTrainer learns: one epoch on 6,000 images exceeds 90% on 1,000 test images", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 1 });
  using trainer = await FusedTrainer.create(lenet.toWeights(), 32);
  const set = takeRange(train, 0, 6000);
  for (let start = 0; start < set.count; start += 32) {
    const idx = Array.from({ length: 32 }, (_, i) => start + i);
    const batch = gatherBatch(set.images, set.labels, idx, 784);
    trainer.step(batch.x, Int32Array.from(idx, (i) => set.labels[i]!), 2e-3);
  }
  lenet.setWeights(trainer.weights());
  const small = takeRange(test, 0, 1000);
  const probs = tf.tidy(() =>
    tf.argMax(
      lenet.predict(
        tf.tensor4d(gatherBatch(small.images, small.labels, [...Array(1000).keys()], 784).x, [
          1000,
          28,
          28,
          1,
        ]),
      ),
      1,
    ).dataSync()
  );
  const accuracy = probs.filter((p, i) => p === small.labels[i]).length / 1000;
  assert(accuracy > 0.9, `accuracy ${accuracy}`);
  lenet.dispose();
});

Deno.test("FusedTrainer and train() refuse labels the model has no output for", () =>
  onBackend("cpu", async () => {
    const lenet = await LeNet.create({ numClasses: 10 });
    using trainer = await FusedTrainer.create(lenet.toWeights(), 2, { threads: 1 });
    assertThrows(
      () => trainer.step(new Uint8Array(2 * 784), Int32Array.of(3, 10), 1e-3),
      DataError,
      "0 to 9",
    );
    const set = takeRange(train, 0, 4);
    const odd = { ...set, labels: Uint8Array.of(1, 2, 12, 3) };
    await assertRejects(() => trainLeNet(lenet, odd, { epochs: 1 }), DataError, "Invalid label 12");
    lenet.dispose();
  }));

Deno.test("FusedTrainer keeps the weights' moving average after every step, on 1 and 3 threads, and restores it", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 9 });
  for (const threads of [1, 3]) {
    using trainer = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads, averageDecay: 0.9 });
    const expected = Float64Array.from(lenet.toWeights().weights); // the average starts at the weights
    for (let step = 0; step < 5; step++) {
      trainer.step(x, labels, 1e-2);
      const w = trainer.weights();
      for (let i = 0; i < w.length; i++) expected[i] = 0.9 * expected[i]! + 0.1 * w[i]!;
    }
    const average = trainer.averagedWeights();
    assertAllClose(average, Float32Array.from(expected), 1e-6, 1e-5);
    assert(average.some((v, i) => v !== trainer.weights()[i]), "the average is not the weights");
    // predict(images, true) answers with the average, and leaves the weights as they were
    const before = trainer.weights();
    using plain = await FusedTrainer.create({ config: lenet.config, weights: average }, BATCH, {
      threads: 1,
    });
    assertAllClose(trainer.predict(x, true), plain.predict(x), 1e-5);
    assertEquals(trainer.weights(), before);
    using restored = await FusedTrainer.create({ config: lenet.config, weights: before }, BATCH, {
      threads,
      averageDecay: 0.9,
    });
    restored.restoreAdam(trainer.adamState());
    assertEquals(restored.averagedWeights(), average);
  }
  lenet.dispose();
});

Deno.test("FusedTrainer's label smoothing moves each image's target by s: the output bias's gradient by s x (share of the class - 1/10), on 1 and 2 threads", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 4 });
  const k = DEFAULT_LENET.numClasses, s = 0.2;
  for (const threads of [1, 2]) {
    using plain = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads });
    using smooth = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads, labelSmoothing: s });
    // the output bias is the last tensor: its gradient is the batch's mean of (p - target)
    const bias = (g: Float32Array) => g.subarray(g.length - k);
    const [a, b] = [bias(plain.gradients(x, labels)), bias(smooth.gradients(x, labels))];
    const share = (c: number) => labels.filter((l) => l === c).length / labels.length;
    assertAllClose(
      Float32Array.from(b, (v, c) => v - a[c]!),
      Float32Array.from({ length: k }, (_, c) => s * (share(c) - 1 / k)),
      1e-6,
    );
  }
  lenet.dispose();
});

Deno.test("FusedTrainer's weight decay is AdamW's, decoupled: a step takes learning rate x decay of each weight besides Adam's update", async () => {
  const lenet = await LeNet.create({ activation: "relu" }, { seed: 5 });
  const before = lenet.toWeights().weights, lr = 1e-3, decay = 0.5;
  for (const threads of [1, 2]) {
    using plain = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads });
    using decayed = await FusedTrainer.create(lenet.toWeights(), BATCH, { threads, weightDecay: decay });
    plain.step(x, labels, lr), decayed.step(x, labels, lr);
    const [a, b] = [plain.weights(), decayed.weights()];
    assertAllClose(Float32Array.from(b, (v, i) => v - a[i]!), before.map((w) => -lr * decay * w), 1e-7);
    assert(before.some((w) => Math.abs(lr * decay * w) > 1e-5), "the decay is visible beside the tolerance");
  }
  await assertRejects(
    () => FusedTrainer.create(lenet.toWeights(), BATCH, { weightDecay: 1 }),
    ConfigError,
    "weightDecay",
  );
  await assertRejects(
    () => FusedTrainer.create(lenet.toWeights(), BATCH, { labelSmoothing: -0.1 }),
    ConfigError,
    "labelSmoothing",
  );
  lenet.dispose();
});

Deno.test("lenet.wasm states the constants TypeScript lays memory out by; a disagreement is refused at load, a thread count past the limit traps", async () => {
  const memory = new WebAssembly.Memory({ initial: 2, maximum: 16, shared: true });
  const exports = await instantiateLenet(memory); // checks the contract
  assertEquals(CONTRACT.map((_, i) => exports.lenet_contract(i)), CONTRACT.map(({ value }) => value));
  const off = { lenet_contract: (i: number) => i === 2 ? 61 : exports.lenet_contract(i) };
  assertThrows(
    () => checkContract(off),
    LenetError,
    "disagrees on the floats of a transform (TRANSFORM_FLOATS): 61 in C",
  );
  assertThrows(
    () => exports.lenet_pool_init(0, 65), // a pool of 65 threads
    WebAssembly.RuntimeError,
  );
});
