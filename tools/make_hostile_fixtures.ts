// Writes tests/fixtures/hostile/: small files that once cost gigabytes, hung or crashed a loader
// (the cases of the reliability issue), for tests/reliability/hostile_inputs_test.ts.
//   deno run --allow-read --allow-write=tests/fixtures/hostile tools/make_hostile_fixtures.ts
import { encode as encodePng } from "npm:fast-png@8.0.0";
import { DEFAULT_LENET } from "../src/config.ts";
import { ModelProto } from "../src/onnx/_schema.ts";
import { exportOnnx } from "../src/onnx/export.ts";
import { weightSlots } from "../src/config.ts";

const OUT = new URL("../tests/fixtures/hostile/", import.meta.url);
const write = (name: string, bytes: Uint8Array | string) =>
  typeof bytes === "string"
    ? Deno.writeTextFile(new URL(name, OUT), bytes)
    : Deno.writeFile(new URL(name, OUT), bytes);

// a JPEG of 600 bytes whose frame declares 6324x6324 (40 MP)
const photo = await Deno.readFile(new URL("../tests/fixtures/photo_7.jpg", import.meta.url));
const jpeg = photo.slice(0, 600);
const view = new DataView(jpeg.buffer);
for (let i = 2; i + 9 < jpeg.length; i += 2 + view.getUint16(i + 2)) {
  if (jpeg[i + 1] === 0xc0) view.setUint16(i + 5, 6324), view.setUint16(i + 7, 6324);
}
await write("jpeg_6324x6324.jpg", jpeg);

// a valid PNG of 40 MP (6400x6250, 1-bit gray): ~20 KB
await write(
  "png_40mp.png",
  encodePng({ width: 6400, height: 6250, data: new Uint8Array(6400 * 6250 / 8), depth: 1, channels: 1 }),
);

// a gzipped IDX whose header declares 10 images of 28x28 and which inflates to 256 MB
const header = Uint8Array.of(0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28);
const zeros = new Uint8Array(1 << 20);
let left = 256;
const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
  start(controller) {
    controller.enqueue(header.slice());
  },
  pull(controller) {
    if (left-- <= 0) return controller.close();
    controller.enqueue(zeros.slice());
  },
});
await write(
  "idx_bomb.gz",
  new Uint8Array(await new Response(source.pipeThrough(new CompressionStream("gzip"))).arrayBuffer()),
);

// an ONNX LeNet whose input is [batch, 1, 1024, 1024]
const big = {
  ...DEFAULT_LENET,
  inputShape: [1024, 1024, 1] as [number, number, number],
  conv1Filters: 1,
  conv2Filters: 1,
  fc1Units: 1,
  fc2Units: 1,
};
const size = (c: typeof big) => (weightSlots(c).at(-1)!.offset + weightSlots(c).at(-1)!.size);
await write("onnx_input_1m.onnx", exportOnnx({ config: big, weights: new Float32Array(size(big)) }));

// an ONNX LeNet whose last node is Relu instead of Softmax: its outputs are not probabilities
const model = ModelProto.toObject(
  ModelProto.decode(
    exportOnnx({ config: DEFAULT_LENET, weights: new Float32Array(size(DEFAULT_LENET)).fill(0.01) }),
  ),
);
model.graph.node.at(-1).opType = "Relu";
model.graph.node.at(-1).attribute = [];
await write("onnx_not_softmax.onnx", ModelProto.encode(ModelProto.fromObject(model)).finish());

// model folders: 16 million filters; a weight file outside the folder; an activation edited
const shipped = JSON.parse(
  await Deno.readTextFile(new URL("../models/lenet-tutorial/model.json", import.meta.url)),
);
const edit = async (name: string, change: (json: typeof shipped) => void) => {
  const json = structuredClone(shipped);
  change(json);
  await Deno.mkdir(new URL(`${name}/`, OUT), { recursive: true });
  await write(`${name}/model.json`, JSON.stringify(json));
  await Deno.copyFile(
    new URL("../models/lenet-tutorial/weights.bin", import.meta.url),
    new URL(`${name}/weights.bin`, OUT),
  );
};
await edit("model_16m_filters", (json) => {
  json.modelTopology.config.layers[0].config.filters = 16_000_000;
  json.userDefinedMetadata.lenet.conv1Filters = 16_000_000;
});
await edit("model_weights_outside", (json) => json.weightsManifest[0].paths = ["../../../../../../dev/zero"]);
await edit("model_activation_edited", (json) => json.userDefinedMetadata.lenet.activation = "relu");
console.log(`wrote ${[...Deno.readDirSync(OUT)].map((e) => e.name).join(", ")}`);
