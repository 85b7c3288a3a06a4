import { ArgumentError } from "../../src/errors.ts";
import * as tf from "../../src/npm/tfjs.ts";
import { assert, assertAllClose, assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { leakFree } from "../_helpers.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { ModelFileError } from "../../src/model/files.ts";
import { LeNet } from "../../src/model/lenet.ts";

await initBackend("wasm");

Deno.test("LeNet.create() builds the tutorial's 106,154-parameter network, 28→14→7", () =>
  leakFree(async () => {
    const lenet = await LeNet.create();
    const rows = lenet.summary();
    assertEquals(rows.map((r) => r.outputShape), [
      [28, 28, 1],
      [28, 28, 6],
      [14, 14, 6],
      [14, 14, 16],
      [7, 7, 16],
      [784],
      [120],
      [84],
      [10],
    ]);
    assertEquals(rows.map((r) => r.params), [0, 60, 0, 880, 0, 0, 94200, 10164, 850]);
    assertEquals(lenet.countParams(), 106154);
    assert(lenet.summaryText().includes("Total params: 106,154"));
    lenet.dispose();
  }));

Deno.test("LeNet.create() follows a non-default configuration", () =>
  leakFree(async () => {
    const c = { conv1Filters: 4, conv2Filters: 8, fc1Units: 32, fc2Units: 16, activation: "tanh" as const };
    const lenet = await LeNet.create(c);
    const expected = (9 * 1 + 1) * 4 + (9 * 4 + 1) * 8 + (7 * 7 * 8 + 1) * 32 + (32 + 1) * 16 + (16 + 1) * 10;
    assertEquals(lenet.countParams(), expected);
    assertEquals(lenet.summary()[4]!.outputShape, [7, 7, 8]);
    lenet.dispose();
  }));

Deno.test("LeNet.getWeights(1) is the first convolution: kernel [3,3,1,6] and bias [6]", () =>
  leakFree(async () => {
    const lenet = await LeNet.create();
    const [kernel, bias] = lenet.getWeights(1);
    assertEquals(kernel!.shape, [3, 3, 1, 6]);
    assertEquals(bias!.shape, [6]);
    assertEquals(lenet.getWeights(0), []);
    const fc1 = lenet.getWeights(6);
    assertEquals(fc1[0]!.shape, [784, 120]);
    tf.dispose([kernel!, bias!, ...fc1]);
    assertThrows(() => lenet.getWeights(9), ArgumentError, "expected 0..8, got 9");
    tf.dispose([kernel!, bias!]);
    lenet.dispose();
  }));

Deno.test("LeNet.create() gives identical weights for one seed and different ones for another", () =>
  leakFree(async () => {
    const [a, b, c] = [
      await LeNet.create({}, { seed: 7 }),
      await LeNet.create({}, { seed: 7 }),
      await LeNet.create({}, { seed: 8 }),
    ];
    assertEquals(a.toWeights().weights, b.toWeights().weights);
    assert(a.toWeights().weights.some((v, i) => v !== c.toWeights().weights[i]));
    [a, b, c].forEach((l) => l.dispose());
  }));

Deno.test("LeNet.save() then LeNet.load() predicts identically", () =>
  leakFree(async () => {
    const dir = await Deno.makeTempDir();
    const lenet = await LeNet.create({ activation: "relu", fc1Units: 50 }, { seed: 3 });
    await lenet.save(dir);
    const loaded = await LeNet.load(dir);
    assertEquals(loaded.config, lenet.config);
    const [ours, theirs] = tf.tidy(() => {
      const x = tf.randomUniform([4, 28, 28, 1], 0, 1, "float32", 1);
      return [loaded.predict(x).dataSync(), lenet.predict(x).dataSync()];
    });
    assertAllClose(ours, theirs, 0);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assertEquals(names, ["model.json", "weights.bin"]); // no temp files left behind
    [lenet, loaded].forEach((l) => l.dispose());
  }));

Deno.test("LeNet.load() reports a missing or truncated model clearly", () =>
  leakFree(async () => {
    const dir = await Deno.makeTempDir();
    await assertRejects(() => LeNet.load(dir), ModelFileError, "model.json: No such file");
    const lenet = await LeNet.create();
    await lenet.save(dir);
    await Deno.writeFile(`${dir}/weights.bin`, new Uint8Array(100));
    await assertRejects(() => LeNet.load(dir), ModelFileError, "have 100 bytes");
    lenet.dispose();
  }));
