// Hostile files made to measure, one maker per class of attack that once got past a loader:
// decompression bombs in PNG image data and in compressed ancillary chunks, a PNG whose second
// IHDR disagrees with its first, a progressive JPEG of thousands of tiny scans. tools/fuzz/fuzz.ts
// draws from them with seeded parameters, and the tests use them at fixed sizes.
import { type Chunk, concat, crc32, NASTY, pick, pngBytes, pngChunks, type Random } from "./mutate.ts";

/**
 * `bytes` followed by `zeros` zero bytes, compressed as a stream (no big buffer): zlib (RFC 1950)
 * with `deflate`, as PNG's image data and compressed chunks hold it; `gzip` for gzipped files.
 */
export async function compressedZeros(
  zeros: number,
  bytes: Uint8Array = new Uint8Array(0),
  format: "deflate" | "gzip" = "deflate",
): Promise<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  let left = zeros, sentHead = false;
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (!sentHead) return (sentHead = true, controller.enqueue(bytes.slice()));
      if (left <= 0) return controller.close();
      const n = Math.min(left, chunk.length);
      left -= n;
      controller.enqueue(chunk.slice(0, n));
    },
  });
  return new Uint8Array(await new Response(source.pipeThrough(new CompressionStream(format))).arrayBuffer());
}

function ihdr(width: number, height: number, depth = 8, colorType = 0): Chunk {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width), view.setUint32(4, height);
  data.set([depth, colorType, 0, 0, 0], 8);
  return { type: "IHDR", data };
}

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Where a PNG bomb puts its compressed bytes. */
export type PngBombPlace = "IDAT" | "iCCP" | "zTXt" | "iTXt";

/**
 * A 1x1 gray PNG carrying `inflated` bytes of zeros, compressed, in its image data (far past the
 * 2 bytes its header needs) or in a compressed ancillary chunk beside a valid image.
 */
export async function pngBomb(inflated: number, place: PngBombPlace = "IDAT"): Promise<Uint8Array> {
  const pixel = await compressedZeros(0, Uint8Array.of(0, 255)); // filter 0, one white pixel
  if (place === "IDAT") {
    return pngBytes([ihdr(1, 1), {
      type: "IDAT",
      data: await compressedZeros(inflated - 2, Uint8Array.of(0, 255)),
    }, {
      type: "IEND",
      data: new Uint8Array(0),
    }]);
  }
  const bomb = await compressedZeros(inflated);
  const head = place === "iCCP"
    ? latin1("profile\0\0") // name, compression method 0
    : place === "zTXt"
    ? latin1("Comment\0\0")
    : latin1("Comment\0\x01\0\0\0"); // iTXt: compressed, method 0, no language, no translation
  return pngBytes([ihdr(1, 1), { type: place, data: concat(head, bomb) }, { type: "IDAT", data: pixel }, {
    type: "IEND",
    data: new Uint8Array(0),
  }]);
}

/**
 * A PNG whose first IHDR says 1x1 and whose second says `side` x `side`, with image data for the
 * second: a check that reads the first header lets a decoder that takes the last one through.
 */
export async function pngTwoHeaders(side: number): Promise<Uint8Array> {
  const rows = side * (side + 1);
  return pngBytes([ihdr(1, 1), ihdr(side, side), { type: "IDAT", data: await compressedZeros(rows) }, {
    type: "IEND",
    data: new Uint8Array(0),
  }]);
}

/** Writes bits most significant first, stuffing a zero byte after every 0xff as JPEG requires. */
class BitWriter {
  readonly bytes: number[] = [];
  #byte = 0;
  #bits = 0;
  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.#byte = (this.#byte << 1) | ((value >> i) & 1);
      if (++this.#bits === 8) this.#flush();
    }
  }
  end(): Uint8Array {
    while (this.#bits !== 0) this.write(1, 1); // pad with ones
    return Uint8Array.from(this.bytes);
  }
  #flush(): void {
    this.bytes.push(this.#byte);
    if (this.#byte === 0xff) this.bytes.push(0);
    this.#byte = 0, this.#bits = 0;
  }
}

function segment(marker: number, body: number[] | Uint8Array): Uint8Array {
  const length = body.length + 2;
  return concat(Uint8Array.of(0xff, marker, length >> 8, length & 0xff), Uint8Array.from(body));
}

/**
 * A valid progressive gray JPEG of `side` x `side` pixels: one DC scan, then `scans` AC scans that
 * each say "every block ends here" in a few end-of-band runs (16 bytes), while a decoder walks
 * every block of the image for each of them.
 */
export function jpegScanBomb(side: number, scans: number): Uint8Array {
  const blocks = Math.ceil(side / 8) ** 2;
  const dc = new BitWriter();
  for (let i = 0; i < blocks; i++) dc.write(0, 1); // DC difference category 0: code "0"
  const ac = new BitWriter();
  for (let left = blocks; left > 0;) {
    const run = Math.min(left, 32767); // EOB14: code "01", then 14 bits: the run is 16384 + them
    ac.write(0b01, 2), ac.write(run - 16384 < 0 ? 0 : run - 16384, 14);
    left -= Math.max(run, 16384);
  }
  const acData = ac.end();
  const sos = (ss: number, se: number) => segment(0xda, [1, 1, 0x00, ss, se, 0x00]);
  const parts = [
    Uint8Array.of(0xff, 0xd8),
    segment(0xdb, [0, ...new Array(64).fill(1)]),
    segment(0xc2, [8, side >> 8, side & 0xff, side >> 8, side & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0]), // DC: one code of length 1, symbol 0
    segment(0xc4, [0x10, 0, 2, ...new Array(14).fill(0), 0x00, 0xe0]), // AC: EOB0 "00", EOB14 "01"
    sos(0, 0),
    dc.end(),
  ];
  for (let i = 0; i < scans; i++) parts.push(sos(1, 63), acData);
  parts.push(Uint8Array.of(0xff, 0xd9));
  return concat(...parts);
}

// ---- ONNX graphs ------------------------------------------------------------------------------

/** A node of an ONNX graph, as `_schema.ts` encodes it. */
export interface OnnxNode {
  opType: string;
  domain?: string;
  input: string[];
  output: string[];
  attribute?: Record<string, unknown>[];
}

/** A tensor of an ONNX graph: float32 or int64 values, or one boolean. */
export type OnnxTensor =
  & { name: string; dims: number[] }
  & (
    | { floats: Float32Array }
    | { int64s: bigint[] }
    | { bool: boolean }
  );

const FLOAT_TYPE = 1, INT64_TYPE = 7, BOOL_TYPE = 9;

/**
 * A progressive JPEG like {@linkcode jpegScanBomb} whose AC scans hide inside DRI segments: each
 * DRI declares a length that covers the scans after it, so a reader that walks segments by their
 * lengths counts no scan, while a decoder that takes DRI as its fixed 4 bytes (jpeg-js) decodes
 * every one. libjpeg checks that length and refuses the file.
 */
export function jpegDriHiddenScans(side: number, scans: number): Uint8Array {
  const plain = jpegScanBomb(side, 1);
  const firstAc = lastSos(plain); // the one AC scan's start
  const head = plain.subarray(0, firstAc), oneScan = plain.subarray(firstAc, plain.length - 2);
  const perSegment = Math.max(1, Math.floor((65535 - 4) / oneScan.length));
  const parts = [head];
  for (let left = scans; left > 0; left -= perSegment) {
    const hidden = concat(...new Array<Uint8Array>(Math.min(left, perSegment)).fill(oneScan));
    const length = 4 + hidden.length; // the DRI's 2 length bytes, its 2-byte interval, the hidden scans
    parts.push(Uint8Array.of(0xff, 0xdd, length >> 8, length & 0xff, 0, 0), hidden);
  }
  parts.push(Uint8Array.of(0xff, 0xd9));
  return concat(...parts);
}

// Where the last SOS marker of a JPEG starts.
function lastSos(jpeg: Uint8Array): number {
  for (let at = jpeg.length - 2; at >= 0; at--) if (jpeg[at] === 0xff && jpeg[at + 1] === 0xda) return at;
  throw new Error("no SOS");
}

/**
 * A valid gray PNG of `side` x `side` white pixels whose image data, stored uncompressed, comes in
 * one-byte IDAT chunks: `side * (side + 1)` bytes of data in as many chunks (2150: 4.6 million
 * chunks, 60 MB), each costing a decoder a chunk's work.
 */
export function pngOneByteIdats(side: number): Uint8Array {
  const raw = new Uint8Array(side * (side + 1)).fill(255);
  for (let y = 0; y < side; y++) raw[y * (side + 1)] = 0; // each row: filter "none", then white
  const stream = storedZlib(raw);
  const out = new Uint8Array(8 + 25 + stream.length * 13 + 12);
  const view = new DataView(out.buffer);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  let at = 8;
  const put = (type: string, data: Uint8Array) => {
    view.setUint32(at, data.length);
    for (let i = 0; i < 4; i++) out[at + 4 + i] = type.charCodeAt(i);
    out.set(data, at + 8);
    view.setUint32(at + 8 + data.length, crc32(out.subarray(at + 4, at + 8 + data.length)));
    at += 12 + data.length;
  };
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, side), new DataView(header.buffer).setUint32(4, side);
  header.set([8, 0, 0, 0, 0], 8);
  put("IHDR", header);
  for (let i = 0; i < stream.length; i++) put("IDAT", stream.subarray(i, i + 1));
  put("IEND", new Uint8Array());
  return out;
}

// zlib (RFC 1950) of `data` in stored deflate blocks: no compression, any size.
function storedZlib(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + 5 * blocks + 4);
  out.set([0x78, 0x01]);
  let at = 2;
  for (let b = 0; b < blocks; b++) {
    const part = data.subarray(b * 65535, (b + 1) * 65535);
    out.set([
      b === blocks - 1 ? 1 : 0,
      part.length & 0xff,
      part.length >> 8,
      ~part.length & 0xff,
      (~part.length >> 8) & 0xff,
    ], at);
    out.set(part, at + 5);
    at += 5 + part.length;
  }
  let a = 1, c = 0; // Adler-32
  for (const byte of data) a = (a + byte) % 65521, c = (c + a) % 65521;
  new DataView(out.buffer).setUint32(at, ((c << 16) | a) >>> 0);
  return out;
}

/** An initializer or attribute tensor, as `_schema.ts` encodes it. */
export function tensorProto(tensor: OnnxTensor): Record<string, unknown> {
  const { name, dims } = tensor;
  if ("floats" in tensor) {
    return { name, dims, dataType: FLOAT_TYPE, rawData: new Uint8Array(tensor.floats.slice().buffer) };
  }
  if ("int64s" in tensor) {
    return {
      name,
      dims,
      dataType: INT64_TYPE,
      rawData: new Uint8Array(BigInt64Array.from(tensor.int64s).buffer),
    };
  }
  return { name, dims, dataType: BOOL_TYPE, rawData: Uint8Array.of(tensor.bool ? 1 : 0) };
}

/** A graph's input or output: a name, an element type and dims (a string is a symbolic dim). */
export function valueInfo(
  name: string,
  dims: (number | string)[],
  elemType = FLOAT_TYPE,
): Record<string, unknown> {
  const dim = dims.map((d) => typeof d === "string" ? { dimParam: d } : { dimValue: d });
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/**
 * An ONNX model: one input `image` [batch, 1, 28, 28], these nodes and initializers, one output,
 * at this opset.
 */
export async function onnxModel(
  nodes: OnnxNode[],
  initializers: OnnxTensor[],
  output: { name: string; dims: (number | string)[] },
  opset = 13,
): Promise<Uint8Array> {
  const { ModelProto } = await import("../src/onnx/_schema.ts");
  const model = {
    irVersion: 8,
    producerName: "hostile",
    opsetImport: [{ domain: "", version: opset }],
    graph: {
      name: "hostile",
      node: nodes,
      initializer: initializers.map(tensorProto),
      input: [valueInfo("image", ["batch", 1, 28, 28])],
      output: [valueInfo(output.name, output.dims)],
    },
  };
  return new Uint8Array(ModelProto.encode(model).finish());
}

/** A classifier head on 784 pixels: Flatten, a Gemm to `classes`, Softmax; its nodes and weights. */
export function head(from: string, classes = 10): { nodes: OnnxNode[]; initializers: OnnxTensor[] } {
  return {
    nodes: [
      { opType: "Flatten", input: [from], output: ["flat"], attribute: [{ name: "axis", i: 1, type: 2 }] },
      { opType: "Gemm", input: ["flat", "w", "b"], output: ["logits"] },
      {
        opType: "Softmax",
        input: ["logits"],
        output: ["probabilities"],
        attribute: [{ name: "axis", i: 1, type: 2 }],
      },
    ],
    initializers: [
      { name: "w", dims: [784, classes], floats: new Float32Array(784 * classes).fill(0.001) },
      { name: "b", dims: [classes], floats: new Float32Array(classes) },
    ],
  };
}

/**
 * A model that passes the image through a `Loop` of `trips` iterations (2^62: for ever) before a
 * valid classifier head: the 495-byte model that hung predict.
 */
export function onnxLoopBomb(trips = 1n << 62n): Promise<Uint8Array> {
  const body = {
    name: "body",
    node: [
      { opType: "Identity", input: ["cond_in"], output: ["cond_out"] },
      { opType: "Identity", input: ["v_in"], output: ["v_out"] },
    ],
    input: [
      valueInfo("i", [], INT64_TYPE),
      valueInfo("cond_in", [], BOOL_TYPE),
      valueInfo("v_in", ["batch", 1, 28, 28]),
    ],
    output: [valueInfo("cond_out", [], BOOL_TYPE), valueInfo("v_out", ["batch", 1, 28, 28])],
  };
  const { nodes, initializers } = head("looped");
  return onnxModel(
    [{
      opType: "Loop",
      input: ["trips", "cond", "image"],
      output: ["looped"],
      attribute: [{ name: "body", g: body, type: 5 }],
    }, ...nodes],
    [{ name: "trips", dims: [], int64s: [trips] }, { name: "cond", dims: [], bool: true }, ...initializers],
    { name: "probabilities", dims: ["batch", 10] },
  );
}

/**
 * A model that makes a tensor of `values` floats with `ConstantOfShape`, reduces it to one number
 * and adds it to the logits: a valid answer, after gigabytes (the 424-byte model of 3.7 GB).
 */
export function onnxConstantOfShapeBomb(values: number): Promise<Uint8Array> {
  const { nodes, initializers } = head("image");
  const [flatten, gemm, softmax] = nodes as [OnnxNode, OnnxNode, OnnxNode];
  return onnxModel(
    [
      flatten,
      gemm,
      { opType: "ConstantOfShape", input: ["size"], output: ["big"] },
      {
        opType: "ReduceMean",
        input: ["big"],
        output: ["mean"],
        attribute: [{ name: "keepdims", i: 0, type: 2 }],
      },
      { opType: "Add", input: ["logits", "mean"], output: ["shifted"] },
      { ...softmax, input: ["shifted"] },
    ],
    [{ name: "size", dims: [1], int64s: [BigInt(values)] }, ...initializers],
    { name: "probabilities", dims: ["batch", 10] },
  );
}

/** A valid classifier of `classes` classes (1 and 1000 are not digits). */
export function onnxClasses(classes: number): Promise<Uint8Array> {
  const { nodes, initializers } = head("image", classes);
  return onnxModel(nodes, initializers, { name: "probabilities", dims: ["batch", classes] });
}

/**
 * A classifier whose work is `body`, run on `wide`: a 1x1 convolution of the image to `channels`
 * channels (channels x 784 values); the body's output is averaged per channel and classified.
 * Every op is on the allow-list, every tensor within bounds, and the convolution alone counts
 * channels x 784 multiply-adds: the cost is in what the body does.
 */
function wideModel(channels: number, body: OnnxNode[], bodyOut: string): Promise<Uint8Array> {
  return onnxModel([
    { opType: "Conv", input: ["image", "k"], output: ["wide"] },
    ...body,
    { opType: "GlobalAveragePool", input: [bodyOut], output: ["pooled"] },
    { opType: "Flatten", input: ["pooled"], output: ["flat"], attribute: [{ name: "axis", i: 1, type: 2 }] },
    { opType: "Gemm", input: ["flat", "w", "b"], output: ["logits"] },
    {
      opType: "Softmax",
      input: ["logits"],
      output: ["probabilities"],
      attribute: [{ name: "axis", i: 1, type: 2 }],
    },
  ], [
    { name: "k", dims: [channels, 1, 1, 1], floats: new Float32Array(channels).fill(0.5) },
    { name: "w", dims: [channels, 10], floats: new Float32Array(channels * 10).fill(0.001) },
    { name: "b", dims: [10], floats: new Float32Array(10) },
  ], { name: "probabilities", dims: ["batch", 10] });
}

/**
 * A chain of `length` elementwise `op` nodes (Erf by default) on a tensor of `channels` x 784
 * values: 990 Erf on 16,000 channels (12.5 million values, a 723 KB file) took 68 s.
 */
export function onnxElementwiseChain(length: number, channels: number, op = "Erf"): Promise<Uint8Array> {
  const body = Array.from({ length }, (_, i) => ({
    opType: op,
    input: [i === 0 ? "wide" : `e${i - 1}`],
    output: [`e${i}`],
  }));
  return wideModel(channels, body, length > 0 ? `e${length - 1}` : "wide");
}

/**
 * One variadic `op` node (Sum by default) whose `inputs` inputs are all the same wide tensor: one
 * node, past any node count; 4,000 inputs on 12.5 million values took 19 s.
 */
export function onnxWideVariadic(inputs: number, channels: number, op = "Sum"): Promise<Uint8Array> {
  return wideModel(channels, [{ opType: op, input: new Array(inputs).fill("wide"), output: ["sum"] }], "sum");
}

/**
 * An `LRN` of window `size` on the 28x28 image, before a valid head: onnxruntime allocates
 * (channels + size - 1) x 28 x 28 floats of scratch (size 800,001, a 32 KB file: 2.6 GB).
 */
export function onnxLrnWindow(size: number): Promise<Uint8Array> {
  const { nodes, initializers } = head("lrn");
  const lrn: OnnxNode = {
    opType: "LRN",
    input: ["image"],
    output: ["lrn"],
    attribute: [{ name: "size", i: size, type: 2 }],
  };
  return onnxModel([lrn, ...nodes], initializers, { name: "probabilities", dims: ["batch", 10] });
}

// ---- structure-aware generators for tools/fuzz/fuzz.ts ---------------------------------------------

const COSTLY_ELEMENTWISE = ["Erf", "Exp", "Tanh", "Sigmoid", "Softplus", "Gelu", "Relu", "Neg", "Identity"];
const VARIADIC = ["Sum", "Max", "Min", "Mean"];

/**
 * A graph whose cost is in what the graph check must count, at a random scale: a long chain of
 * elementwise ops, a variadic node of many inputs, an `LRN` of a wide window, or a pooling with a
 * large kernel, on a tensor of up to 40,000 channels of 28x28.
 */
export function randomCostGraph(random: Random): Promise<Uint8Array> {
  const channels = pickOf(random, [1, 16, 1_000, 16_000, 40_000]);
  switch (pick(random, 4)) {
    case 0:
      return onnxElementwiseChain(1 + pick(random, 2_000), channels, pickOf(random, COSTLY_ELEMENTWISE));
    case 1:
      return onnxWideVariadic(2 + pick(random, 8_000), channels, pickOf(random, VARIADIC));
    case 2:
      return onnxLrnWindow(pickOf(random, [1, 3, 5, 101, 10_001, 800_001, 2 ** 31 - 1]));
    default: {
      const kernel = pickOf(random, [2, 5, 28, 57]), pad = pick(random, kernel);
      return wideModel(channels, [{
        opType: pickOf(random, ["AveragePool", "MaxPool"]),
        input: ["wide"],
        output: ["pooled_wide"],
        attribute: [
          { name: "kernel_shape", ints: [kernel, kernel], type: 7 },
          { name: "pads", ints: [pad, pad, pad, pad], type: 7 },
        ],
      }], "pooled_wide");
    }
  }
}

/** Compressed bytes the PNG generators put where they do not belong: zlib of 1 MB, 16 MB, 256 MB. */
export async function zlibBombs(): Promise<Uint8Array[]> {
  return await Promise.all([1 << 20, 16 << 20, 256 << 20].map((size) => compressedZeros(size)));
}

const pickOf = <T>(random: Random, items: readonly T[]): T => items[pick(random, items.length)]!;

/**
 * A PNG with its chunks in a hostile arrangement: image data replaced by a bomb, a compressed
 * ancillary chunk (iCCP, zTXt, iTXt) holding one, IHDR moved or repeated, IEND early, PLTE or tRNS
 * twice or after the data, an unknown critical chunk.
 */
export function pngHostile(png: Uint8Array, random: Random, bombs: Uint8Array[]): Uint8Array {
  const chunks = pngChunks(png);
  if (!chunks) return png;
  const at = (type: string) => chunks.findIndex((c) => c.type === type);
  const bomb = pickOf(random, bombs);
  switch (pick(random, 7)) {
    case 0: // the image data: a bomb, with or without the real data before it
      chunks[at("IDAT")]!.data = bomb;
      break;
    case 1: { // a compressed ancillary chunk holding a bomb
      const type = pickOf(random, ["iCCP", "zTXt", "iTXt"] as const);
      const head = type === "iTXt" ? "Comment\0\x01\0\0\0" : type === "iCCP" ? "icc\0\0" : "Comment\0\0";
      chunks.splice(1 + pick(random, chunks.length - 1), 0, { type, data: concat(latin1(head), bomb) });
      break;
    }
    case 2: { // IHDR again, declaring something else, anywhere
      const other = chunks[0]!.data.slice();
      new DataView(other.buffer).setUint32(4 * pick(random, 2), pickOf(random, NASTY));
      chunks.splice(1 + pick(random, chunks.length - 1), 0, { type: "IHDR", data: other });
      break;
    }
    case 3: // IHDR after the data
      chunks.push(chunks.shift()!);
      break;
    case 4: // IEND before the data
      chunks.splice(1, 0, { type: "IEND", data: new Uint8Array(0) });
      break;
    case 5: { // PLTE or tRNS, big, again, after IDAT
      const type = pickOf(random, ["PLTE", "tRNS"] as const);
      const data = new Uint8Array(pickOf(random, [0, 3, 768, 771, 1 << 16]));
      chunks.splice(at("IDAT") + pick(random, 2), 0, { type, data });
      break;
    }
    default: // a critical chunk no decoder knows
      chunks.splice(1, 0, { type: "LENT", data: new Uint8Array(pick(random, 64)) });
  }
  return pngBytes(chunks);
}

/** A JPEG whose scans cost more than its bytes: a scan bomb, or a real scan repeated many times. */
export function jpegHostile(jpeg: Uint8Array, random: Random): Uint8Array {
  if (random() < 0.5) {
    return jpegScanBomb(pickOf(random, [8, 64, 1000, 4000]), pickOf(random, [1, 16, 200, 1001, 5000]));
  }
  // the first scan (header and entropy-coded data up to the next marker), repeated before EOI
  const start = jpeg.findIndex((b, i) => b === 0xff && jpeg[i + 1] === 0xda);
  if (start < 0) return jpeg;
  let end = start + 2;
  while (
    end + 1 < jpeg.length &&
    !(jpeg[end] === 0xff && jpeg[end + 1] !== 0 && !(jpeg[end + 1]! >= 0xd0 && jpeg[end + 1]! <= 0xd7))
  ) end++;
  const scan = jpeg.subarray(start, end);
  const copies = pickOf(random, [2, 100, 1500, 20_000]);
  const repeated = new Uint8Array(scan.length * copies);
  for (let i = 0; i < copies; i++) repeated.set(scan, i * scan.length);
  return concat(jpeg.subarray(0, end), repeated, jpeg.subarray(end));
}

/** Ops an image classifier has, and ops that loop or make shapes from data. */
const GRAPH_OPS = {
  fine: [
    "Relu",
    "Sigmoid",
    "Conv",
    "MaxPool",
    "AveragePool",
    "Reshape",
    "Transpose",
    "Add",
    "Concat",
    "Identity",
  ],
  hostile: [
    "Loop",
    "Scan",
    "If",
    "ConstantOfShape",
    "Expand",
    "Tile",
    "Range",
    "Shape",
    "Pad",
    "Resize",
    "NonZero",
  ],
} as const;

function randomAttributes(op: string, random: Random): Record<string, unknown>[] {
  const ints = (name: string, n: number) => ({
    name,
    ints: Array.from({ length: n }, () => pickOf(random, [0, 1, 2, 3, 7, 28, 1000, 65535, -1])),
    type: 7,
  });
  switch (op) {
    case "Conv":
    case "MaxPool":
    case "AveragePool":
      return [
        ints("kernel_shape", 2),
        ints("strides", 2),
        ints("pads", 4),
        ...(random() < 0.3 ? [ints("dilations", 2)] : []),
      ];
    case "Transpose":
      return [ints("perm", pickOf(random, [2, 4, 5]))];
    case "Concat":
      return [{ name: "axis", i: pickOf(random, [0, 1, 3, 9, -1]), type: 2 }];
    case "Loop":
    case "If":
    case "Scan":
      return [{ name: pickOf(random, ["body", "then_branch"]), g: { name: "g" }, type: 5 }];
    default:
      return [];
  }
}

/**
 * A random graph: a few nodes from image-classifier ops and hostile ones, with random attributes
 * and initializers whose dims may claim more than they hold, then the classifier head.
 */
export function randomGraph(random: Random): Promise<Uint8Array> {
  const nodes: OnnxNode[] = [];
  const initializers: OnnxTensor[] = [];
  let x = "image";
  for (let i = 0, n = 1 + pick(random, 3); i < n; i++) {
    const op = random() < 0.6 ? pickOf(random, GRAPH_OPS.fine) : pickOf(random, GRAPH_OPS.hostile);
    const input = [x];
    if (["Conv", "Add", "Reshape", "Expand", "Tile", "ConstantOfShape", "Pad", "Range"].includes(op)) {
      const name = `k${i}`;
      const dims = Array.from(
        { length: 1 + pick(random, 4) },
        () => pickOf(random, [1, 2, 3, 4, 28, 1 << 20]),
      );
      const held = random() < 0.8 ? dims.reduce((a, b) => a * b, 1) : pick(random, 16);
      if (held > 1 << 16) continue; // a real weight that large would be a large file: not the attack here
      initializers.push(
        op === "Reshape" || op === "Expand" || op === "Tile" || op === "ConstantOfShape" || op === "Pad"
          ? { name, dims: [dims.length], int64s: dims.map((d) => BigInt(random() < 0.1 ? -1 : d)) }
          : {
            name,
            dims: held === dims.reduce((a, b) => a * b, 1) ? dims : [held],
            floats: new Float32Array(held),
          },
      );
      input.push(name);
    }
    nodes.push({ opType: op, input, output: [`n${i}`], attribute: randomAttributes(op, random) });
    x = `n${i}`;
  }
  const tail = head(x);
  return onnxModel([...nodes, ...tail.nodes], [...initializers, ...tail.initializers], {
    name: "probabilities",
    dims: ["batch", 10],
  }, pickOf(random, [13, 13, 13, 6, 99]));
}
