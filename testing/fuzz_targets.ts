// The loaders tools/fuzz/fuzz.ts attacks: for each, valid seed files, how to mutate them, how to load
// one, and the one error type it may answer with.
import { CheckpointError } from "../src/training/checkpoint.ts";
import { DEFAULT_TRAIN, type LeNetConfig } from "../src/config.ts";
import { IdxError } from "../src/data/idx.ts";
import { ImageError } from "../src/images/digit.ts";
import { ModelFileError } from "../src/model/files.ts";
import { OnnxModelError } from "../src/onnx/classifier.ts";
import {
  compressedZeros,
  jpegHostile,
  pngHostile,
  randomCostGraph,
  randomGraph,
  zlibBombs,
} from "./hostile.ts";
import {
  concat,
  mutateBytes,
  mutateIdx,
  mutateJpeg,
  mutateJson,
  mutatePng,
  pick,
  type Random,
} from "./mutate.ts";

/** A tiny LeNet, so that thousands of models load in seconds. */
export const TINY: Partial<LeNetConfig> = { conv1Filters: 2, conv2Filters: 3, fc1Units: 5, fc2Units: 4 };

const FIXTURES = new URL("../tests/fixtures/", import.meta.url);

/** One loader under attack. */
export interface Target {
  /** The only error type the loader may throw. */
  errorType: new (...args: never[]) => Error;
  /** Makes the valid files the mutations start from (once per child process). */
  seeds(dir: string): Promise<Uint8Array[] | string[]>;
  /**
   * Makes input `random` asks for from a seed and loads it.
   *
   * @returns `true` when the input loaded (it was still valid).
   */
  run(seed: Uint8Array | string, random: Random, dir: string): Promise<boolean>;
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new CompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

function idxHeader(dims: number[]): Uint8Array {
  const head = new Uint8Array(4 + 4 * dims.length);
  head.set([0, 0, 8, dims.length]);
  dims.forEach((d, i) => new DataView(head.buffer).setUint32(4 + 4 * i, d));
  return head;
}

async function idxSeeds(): Promise<Uint8Array[]> {
  const { mnistPaths } = await import("../src/data/dataset.ts");
  const images = await Deno.readFile(mnistPaths().testImages);
  return [
    concat(idxHeader([20, 28, 28]), images.subarray(16, 16 + 20 * 784)),
    concat(idxHeader([20]), new Uint8Array(20)),
  ];
}

let bombs: Uint8Array[] | undefined;
let pngBombs: Uint8Array[] | undefined;
let urlServer: { port: number } | undefined;

/** What the url target's server answers: an endless body, a stalled one, a lying length, an error, a model. */
const URL_BODIES = ["endless", "stall", "lying-length", "slow", "error", "model"] as const;

// A server on 127.0.0.1 (a port of its own) with one hostile body per path, for the url target.
function serveBodies(bytes: Uint8Array): { port: number } {
  const model = bytes.slice() as Uint8Array<ArrayBuffer>;
  const chunk = new Uint8Array(1 << 16);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    const path = new URL(request.url).pathname.slice(1);
    const stream = (pull: (c: ReadableStreamDefaultController<Uint8Array>) => Promise<void> | void) =>
      new ReadableStream<Uint8Array>({ pull });
    switch (path) {
      case "endless":
        return new Response(stream((c) => c.enqueue(chunk)));
      case "stall":
        return new Response(stream(() => new Promise(() => {})));
      case "lying-length": // Deno.serve would set the true length: the headers say 1 TB, the body is small
        return new Response(stream((c) => (c.enqueue(model), c.close())), {
          headers: { "content-length": String(2 ** 40) },
        });
      case "slow": { // 64 KB every 100 ms: 64 MB would take 100 s
        let timer: ReturnType<typeof setTimeout> | undefined;
        return new Response(
          new ReadableStream<Uint8Array>({
            pull: (c) => new Promise((wake) => timer = setTimeout(() => (c.enqueue(chunk), wake()), 100)),
            cancel: () => clearTimeout(timer),
          }),
        );
      }
      case "error":
        return new Response("no", { status: 500 });
      default:
        return new Response(model);
    }
  });
  server.unref(); // the child ends when its inputs do
  return { port: server.addr.port };
}

// gzip bombs: small files inflating to 1 GB of zeros, under a header that declares less, one that
// declares gigabytes, and one whose header never arrives whole.
async function gzipBombs(): Promise<Uint8Array[]> {
  const GB = 1 << 30;
  return bombs ??= [
    await compressedZeros(GB, idxHeader([10, 28, 28]), "gzip"),
    await compressedZeros(GB, idxHeader([100_000, 1000, 1000]), "gzip"),
    await compressedZeros(GB, Uint8Array.of(0, 0, 8, 200), "gzip"),
  ];
}

async function loadIdxFile(bytes: Uint8Array, dir: string): Promise<boolean> {
  const { readIdx } = await import("../src/data/idx.ts");
  const path = `${dir}/input.idx`;
  await Deno.writeFile(path, bytes);
  await readIdx(path);
  return true;
}

async function loadImage(bytes: Uint8Array): Promise<boolean> {
  const [{ decodeImage }, { prepareRaster }] = await Promise.all([
    import("../src/images/decode.ts"),
    import("../src/images/raster.ts"),
  ]);
  prepareRaster(decodeImage(bytes));
  return true;
}

// A model loader must free what a failed load built: tfjs's tensor count is checked after each.
async function withoutLeaks(load: () => Promise<{ dispose(): void }>): Promise<boolean> {
  const tf = await import("../src/npm/tfjs.ts");
  const { ensureBackend } = await import("../src/tfjs/backend.ts");
  await ensureBackend();
  const before = tf.memory().numTensors;
  const leaked = () => {
    const left = tf.memory().numTensors - before;
    return left === 0 ? undefined : new Error(`leak: ${left} tensors left by a load`);
  };
  try {
    (await load()).dispose();
  } catch (error) {
    throw leaked() ?? error;
  }
  const leak = leaked();
  if (leak) throw leak;
  return true;
}

/** Loads a model and classifies one blank image with it: true, or the load's or the run's error. */
async function classifyBlank(model: Uint8Array): Promise<boolean> {
  const { OnnxClassifier } = await import("../src/onnx/classifier.ts");
  const classifier = await OnnxClassifier.load(model);
  try {
    const [c, h, w] = classifier.inputShape;
    await classifier.classify(new Float32Array(c * h * w));
  } finally {
    await classifier.release();
  }
  return true;
}

/** Every target, by name. */
export const TARGETS = {
  idx: {
    errorType: IdxError,
    seeds: idxSeeds,
    run: (seed, random, dir) => loadIdxFile(mutateIdx(seed as Uint8Array, random), dir),
  },
  "idx-gz": {
    errorType: IdxError,
    seeds: idxSeeds,
    async run(seed, random, dir) {
      const choice = pick(random, 10);
      const input = choice === 0
        ? (await gzipBombs())[pick(random, 3)]!
        : choice < 5
        ? await gzip(mutateIdx(seed as Uint8Array, random))
        : mutateBytes(await gzip(seed as Uint8Array), random);
      return await loadIdxFile(input, dir);
    },
  },
  png: {
    errorType: ImageError,
    seeds: () =>
      Promise.all(
        ["gray1bit_7.png", "gray16_7.png", "palette_7.png", "rgb_interlaced_7.png", "canvas_rgba_2.png"]
          .map((name) => Deno.readFile(new URL(name, FIXTURES))),
      ),
    async run(seed, random) {
      const choice = random();
      return await loadImage(
        choice < 0.55
          ? mutatePng(seed as Uint8Array, random)
          : choice < 0.8
          ? pngHostile(seed as Uint8Array, random, pngBombs ??= await zlibBombs())
          : mutateBytes(seed as Uint8Array, random),
      );
    },
  },
  jpeg: {
    errorType: ImageError,
    seeds: () =>
      Promise.all(["photo_7.jpg", "progressive_7.jpg"].map((name) => Deno.readFile(new URL(name, FIXTURES)))),
    run: (seed, random) =>
      loadImage(
        random() < 0.75 ? mutateJpeg(seed as Uint8Array, random) : jpegHostile(seed as Uint8Array, random),
      ),
  },
  onnx: {
    errorType: OnnxModelError,
    async seeds() {
      const [{ exportOnnx }, { resolveLeNetConfig, weightSlots }] = await Promise.all([
        import("../src/onnx/export.ts"),
        import("../src/config.ts"),
      ]);
      const config = resolveLeNetConfig(TINY);
      const last = weightSlots(config).at(-1)!;
      const weights = new Float32Array(last.offset + last.size).map((_, i) => Math.sin(i) * 0.3);
      return [exportOnnx({ config, weights })];
    },
    run: (seed, random) => classifyBlank(mutateBytes(seed as Uint8Array, random)),
  },
  "onnx-graph": {
    errorType: OnnxModelError,
    seeds: () => Promise.resolve([new Uint8Array(0)]), // each graph is made from nothing but its random stream
    run: async (_, random) => await classifyBlank(await randomGraph(random)),
  },
  "onnx-cost": {
    errorType: OnnxModelError,
    seeds: () => Promise.resolve([new Uint8Array(0)]), // made from the random stream alone
    // what the graph check passes runs in a worker with its deadline
    run: async (_, random) => await classifyBlank(await randomCostGraph(random)),
  },
  url: {
    errorType: OnnxModelError,
    async seeds() {
      const { DEFAULT_LENET, weightCount } = await import("../src/config.ts");
      const { exportOnnx } = await import("../src/onnx/export.ts");
      const model = exportOnnx({
        config: DEFAULT_LENET,
        weights: new Float32Array(weightCount(DEFAULT_LENET)),
      });
      urlServer ??= serveBodies(model);
      return [model];
    },
    async run(_, random) {
      const { OnnxClassifier } = await import("../src/onnx/classifier.ts");
      const path = URL_BODIES[pick(random, URL_BODIES.length)]!;
      const url = new URL(path, `http://127.0.0.1:${urlServer!.port}/`);
      await (await OnnxClassifier.load(url, { fetchTimeoutMs: 300 })).release();
      return true;
    },
  },
  checkpoint: {
    errorType: CheckpointError,
    async seeds(dir) {
      const [{ LeNet }, { saveCheckpoint }] = await Promise.all([
        import("../src/model/lenet.ts"),
        import("../src/training/checkpoint.ts"),
      ]);
      const lenet = await LeNet.create(TINY);
      const path = `${dir}/seed.json`;
      const log = {
        epoch: 1,
        loss: 0.5,
        accuracy: 0.8,
        valLoss: 0.4,
        valAccuracy: 0.85,
        seconds: 1,
        learningRate: 1e-3,
      };
      await saveCheckpoint(path, lenet, { epoch: 1, train: { ...DEFAULT_TRAIN, epochs: 2 }, history: [log] });
      lenet.dispose();
      return [await Deno.readTextFile(path)];
    },
    async run(seed, random, dir) {
      const { loadCheckpoint } = await import("../src/training/checkpoint.ts");
      const path = `${dir}/checkpoint.json`;
      await Deno.writeTextFile(
        path,
        random() < 0.85
          ? mutateJson(seed as string, random)
          : new TextDecoder().decode(mutateBytes(new TextEncoder().encode(seed as string), random)),
      );
      return await withoutLeaks(async () => (await loadCheckpoint(path)).lenet);
    },
  },
  model: {
    errorType: ModelFileError,
    async seeds(dir) {
      const { LeNet } = await import("../src/model/lenet.ts");
      const lenet = await LeNet.create(TINY);
      await lenet.save(`${dir}/seed`);
      lenet.dispose();
      return [await Deno.readTextFile(`${dir}/seed/model.json`)];
    },
    async run(seed, random, dir) {
      const { LeNet } = await import("../src/model/lenet.ts");
      const model = `${dir}/model`;
      await Deno.mkdir(model, { recursive: true });
      const weights = await Deno.readFile(`${dir}/seed/weights.bin`);
      const json = random() < 0.7 ? mutateJson(seed as string, random) : (seed as string);
      await Deno.writeTextFile(`${model}/model.json`, json);
      await Deno.writeFile(`${model}/weights.bin`, json === seed ? mutateBytes(weights, random) : weights);
      return await withoutLeaks(() => LeNet.load(model));
    },
  },
} satisfies Record<string, Target>;

/** The name of a target. */
export type TargetName = keyof typeof TARGETS;
