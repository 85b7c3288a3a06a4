// The ONNX graph check: what an image classifier is made of passes, with its cost; loops,
// shape-making ops, subgraphs, foreign domains, wrong outputs and oversized tensors are refused
// with the op or the shape named, before onnxruntime sees the model.
import { assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { checkGraph, OnnxModelError } from "../../src/onnx/graph_check.ts";
import { OnnxClassifier } from "../../src/onnx/classifier.ts";
import {
  head,
  onnxClasses,
  onnxConstantOfShapeBomb,
  onnxLoopBomb,
  onnxModel,
  type OnnxNode,
} from "../../testing/hostile.ts";

const SHIPPED = new URL("../../models/lenet-mnist/model.onnx", import.meta.url);

Deno.test("checkGraph() passes the shipped LeNet and counts its multiply-adds", async () => {
  const graph = checkGraph(await Deno.readFile(SHIPPED), "lenet-mnist");
  assertEquals(graph.inputShape, [1, 28, 28]);
  // conv1 28*28*6*9, pool1 14*14*6*4, conv2 14*14*16*54, pool2 7*7*16*4, dense 784*120 + 120*84 + 84*10
  assertEquals(graph.multiplyAdds, 42_336 + 4_704 + 169_344 + 3_136 + 94_080 + 10_080 + 840);
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
    () => checkGraph(bytes, "wide", { maxTensorValues: 1e9, maxMultiplyAdds: 1e6 }),
    OnnxModelError,
    "costs over 1,000,000 multiply-adds",
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
