import { ArgumentError } from "../../src/errors.ts";
import { assertEquals, assertThrows } from "../_assert.ts";
import { gatherBatch, normalizePixels, oneHot } from "../../src/data/batch.ts";
import { DataError } from "../../src/data/labeled_images.ts";

Deno.test("normalizePixels() maps bytes onto [0, 1] as p / 255", () => {
  const out = normalizePixels(new Uint8Array([0, 1, 51, 128, 255]));
  assertEquals([...out], [0, 1 / 255, 0.2, 128 / 255, 1].map(Math.fround));
});

Deno.test("normalizePixels() refuses an output buffer that is too small", () => {
  assertThrows(
    () => normalizePixels(new Uint8Array(4), new Float32Array(3)),
    ArgumentError,
    "needs 4 floats",
  );
});

Deno.test("oneHot() writes a single 1 per row at the label", () => {
  assertEquals([...oneHot(new Uint8Array([3, 0, 9]), 10)], [
    ...[0, 0, 0, 1, 0, 0, 0, 0, 0, 0],
    ...[1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    ...[0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
  ]);
});

Deno.test("oneHot() rejects a label outside 0..numClasses-1", () => {
  assertThrows(() => oneHot([1, 10], 10), DataError, "Invalid label 10 at index 1");
});

Deno.test("gatherBatch() picks images and labels in the order of the indices", () => {
  const images = new Uint8Array([0, 0, 255, 255, 51, 102]); // three 2-pixel images
  const labels = new Uint8Array([0, 1, 2]);
  const { x, y } = gatherBatch(images, labels, [2, 0], 2, 3);
  assertEquals([...x], [0.2, 0.4, 0, 0].map(Math.fround));
  assertEquals([...y], [0, 0, 1, 1, 0, 0]);
});
