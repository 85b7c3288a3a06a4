// The ONNX graph check: what an image classifier is made of passes, with its cost; loops,
// shape-making ops, subgraphs, foreign domains, wrong outputs and oversized tensors are refused
// with the op or the shape named, before onnxruntime sees the model.
import { assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { checkGraph, OnnxModelError } from "../../src/onnx/graph_check.ts";
import { OnnxClassifier, SHIPPED_MODEL } from "../../src/onnx/classifier.ts";
import {
  head,
  onnxClasses,
  onnxConstantOfShapeBomb,
  onnxElementwiseChain,
  onnxLoopBomb,
  onnxLrnWindow,
  onnxModel,
  type OnnxNode,
  onnxWideVariadic,
} from "../../testing/hostile.ts";

const SHIPPED = new URL("../../models/lenet-tutorial/model.onnx", import.meta.url);

Deno.test("checkGraph() passes the shipped LeNet and counts its operations and its live values", async () => {
  const graph = checkGraph(await Deno.readFile(SHIPPED), "lenet-tutorial");
  assertEquals(graph.inputShape, [1, 28, 28]);
  // multiply-adds: conv1 28*28*6*9, pool1 14*14*6*4, conv2 14*14*16*54, pool2 7*7*16*4, dense 784*120 +
  // 120*84 + 84*10; then one per value: the four sigmoids, the flatten's copy and the softmax
  const macs = 42_336 + 4_704 + 169_344 + 3_136 + 94_080 + 10_080 + 840;
  assertEquals(graph.operations, macs + 4_704 + 3_136 + 120 + 84 + 784 + 10);
  // the most at once: at conv2, pool1 (6*14*14) and its output (16*14*14) and its im2col (54 * 14*14)
  assertEquals(graph.liveValues, 1_176 + 3_136 + 54 * 196);
});

Deno.test("checkGraph() counts what onnxruntime does: elementwise chains, wide variadic nodes, LRN windows", async () => {
  // each model below uses only allowed ops and counts 12.5 million multiply-adds; on 0eb9b34 each
  // was accepted (and ran 60 s, 23 s and 13 s with 2.6 GB before its probe's time was read)
  await assertRejects(
    async () => checkGraph(await onnxElementwiseChain(990, 16_000), "erf990"),
    OnnxModelError,
    "Model erf990 costs over 1,000,000,000 operations an image (at its Erf)",
  );
  await assertRejects(
    async () => checkGraph(await onnxWideVariadic(4_000, 16_000), "sum4000"),
    OnnxModelError,
    "costs over 1,000,000,000 operations an image (at its Sum)",
  );
  await assertRejects(
    async () => checkGraph(await onnxLrnWindow(800_001), "lrn"),
    OnnxModelError,
    "Model lrn needs 627,210,202 values alive at once for one image (at its LRN), over 32,000,000",
  );
  // the same shapes, small: accepted, and counted as they run
  const chain = checkGraph(await onnxElementwiseChain(3, 16), "erf3");
  const wide = 16 * 784; // the 1x1 convolution's output
  // the convolution, 3 Erf, the pooling, the flatten's copy, the Gemm, the softmax
  assertEquals(chain.operations, wide + 3 * wide + wide + 16 + 16 * 10 + 10);
  const sum = checkGraph(await onnxWideVariadic(5, 16), "sum5");
  assertEquals(sum.operations, wide + 5 * wide + wide + 16 + 16 * 10 + 10); // Sum: 5 inputs a value
  const lrn = checkGraph(await onnxLrnWindow(5), "lrn5");
  assertEquals(lrn.liveValues, 784 + 784 + (1 + 5 - 1) * 784); // the image, the output, the scratch
});

Deno.test("a Loop of 2^62 trips and a ConstantOfShape of 900 million values are refused by name", async () => {
  assertThrows(() => checkGraph(new Uint8Array(0), "empty.onnx"), OnnxModelError, "empty.onnx is empty");
  await assertRejects(
    async () => await OnnxClassifier.load(await onnxLoopBomb()),
    OnnxModelError,
    "Unsupported op Loop",
  );
  await assertRejects(
    async () => await OnnxClassifier.load(await onnxConstantOfShapeBomb(900_000_000)),
    OnnxModelError,
    "Unsupported op ConstantOfShape",
  );
});

Deno.test("a classifier of 1 or 1,000 classes is refused: the output must be [batch, 10]", async () => {
  for (const classes of [1, 1000]) {
    await assertRejects(
      async () => await OnnxClassifier.load(await onnxClasses(classes)),
      OnnxModelError,
      `expected one output [batch, 10], got [batch, ${classes}]`,
    );
  }
  const ten = await OnnxClassifier.load(await onnxClasses(10)); // the same graph with 10 classes runs
  assertEquals(ten.numClasses, 10);
  await ten.release();
});

Deno.test("checkGraph() refuses a tensor past its bound, a cost past its bound, subgraphs and foreign domains", async () => {
  const { nodes, initializers } = head("wide");
  // a 1x1 convolution to 40,000 channels: 40,000 x 28 x 28 = 31 million values from a 160 KB weight
  const wide: OnnxNode = { opType: "Conv", input: ["image", "k"], output: ["wide"] };
  const bytes = await onnxModel([wide, ...nodes], [
    { name: "k", dims: [40_000, 1, 1, 1], floats: new Float32Array(40_000) },
    ...initializers,
  ], { name: "probabilities", dims: ["batch", 10] });
  assertThrows(() => checkGraph(bytes, "wide"), OnnxModelError, "Conv makes a tensor of [1, 40000, 28, 28]");
  assertThrows(
    () => checkGraph(bytes, "wide", { maxTensorValues: 1e9, maxOperations: 1e6 }),
    OnnxModelError,
    "costs over 1,000,000 operations",
  );
  const [flatten, gemm, softmax] = nodes as [OnnxNode, OnnxNode, OnnxNode];
  const withNode = (extra: OnnxNode) =>
    onnxModel([extra, { ...flatten, input: ["x"] }, gemm, softmax], initializers, {
      name: "probabilities",
      dims: ["batch", 10],
    });
  const foreign = {
    opType: "FusedConv",
    domain: "com.microsoft",
    input: ["image"],
    output: ["x"],
  } as OnnxNode;
  const foreignBytes = await withNode(foreign);
  assertThrows(() => checkGraph(foreignBytes, "x"), OnnxModelError, "Unsupported op com.microsoft.FusedConv");
  const subgraph: OnnxNode = {
    opType: "Identity",
    input: ["image"],
    output: ["x"],
    attribute: [{ name: "then_branch", g: { name: "g" }, type: 5 }],
  };
  const subgraphBytes = await withNode(subgraph);
  assertThrows(() => checkGraph(subgraphBytes, "x"), OnnxModelError, "carries a subgraph");
  const ok = { opType: "Identity", input: ["image"], output: ["x"] };
  assertEquals(checkGraph(await withNode(ok), "x").classes, 10);
});

Deno.test("a shipped model skips the graph check only under the default limits: a caller's own limits are checked", async () => {
  const shipped = await Deno.readFile(SHIPPED_MODEL);
  await assertRejects(
    async () => await OnnxClassifier.load(shipped, { limits: { maxNodes: 3 } }),
    OnnxModelError,
    "nodes",
  );
  const classifier = await OnnxClassifier.load(shipped); // its recorded check: it runs
  assertEquals(classifier.numClasses, 10);
  await classifier.release();
});
