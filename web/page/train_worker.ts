// The page's training worker: fetches MNIST (gzipped IDX files served beside the page), trains
// a LeNet with the fused WebAssembly engine (every core the batch keeps busy when the page is
// cross-origin isolated, else one thread)
// through the same epoch loop as `deno task train`, reports every step and epoch, and exports the
// result to ONNX for the page to classify with. No TensorFlow.js.
import { defaultThreads, resolveTrainConfig } from "../../src/config.ts";
import { IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, pairIdx, parseIdx } from "../../src/data/idx.ts";
import type { LabeledImages } from "../../src/data/labeled_images.ts";
import { FusedTrainer } from "../../src/engines/fused/trainer.ts";
import { initialWeights } from "../../src/model/weights.ts";
import { exportOnnx } from "../../src/onnx/export.ts";
import { fusedSteps } from "../../src/engines/fused/steps.ts";
import { runEpochs } from "../../src/training/loop.ts";
import type { FromWorker, PageRecipe, ToWorker } from "./protocol.ts";

const scope = globalThis as unknown as {
  onmessage: (event: MessageEvent<ToWorker>) => void;
  postMessage(message: FromWorker, transfer?: Transferable[]): void;
};
const post = (message: FromWorker, transfer: Transferable[] = []) => scope.postMessage(message, transfer);

const FILES = {
  trainImages: "train-images-idx3-ubyte.gz",
  trainLabels: "train-labels-idx1-ubyte.gz",
  testImages: "t10k-images-idx3-ubyte.gz",
  testLabels: "t10k-labels-idx1-ubyte.gz",
} as const;

let stop: AbortController | undefined;
let data: Promise<{ train: LabeledImages; test: LabeledImages }> | undefined;

// the four files, inflated as they arrive; progress counts the bytes that come over the wire
async function fetchMnist(): Promise<{ train: LabeledImages; test: LabeledImages }> {
  const responses = await Promise.all(
    Object.values(FILES).map(async (name) => {
      const response = await fetch(new URL(`mnist/${name}`, location.href));
      if (!response.ok || !response.body) {
        throw new Error(`Cannot fetch the MNIST file ${name}: HTTP ${response.status}`);
      }
      return response;
    }),
  );
  const total = responses.reduce((sum, r) => sum + Number(r.headers.get("content-length") ?? 0), 0);
  let loaded = 0, reported = 0;
  const inflated = await Promise.all(responses.map(async (response) => {
    const counted = response.body!.pipeThrough(
      new TransformStream<Uint8Array<ArrayBuffer>, Uint8Array<ArrayBuffer>>({
        transform(chunk, controller) {
          loaded += chunk.length;
          if (loaded - reported > 256 * 1024 || loaded === total) {
            reported = loaded;
            post({ type: "download", loaded, total });
          }
          controller.enqueue(chunk);
        },
      }),
    );
    const stream = counted.pipeThrough(new DecompressionStream("gzip"));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }));
  post({ type: "download", loaded, total });
  const [trainImages, trainLabels, testImages, testLabels] = inflated as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const pair = (images: Uint8Array, labels: Uint8Array, imagesName: string, labelsName: string) =>
    pairIdx(
      parseIdx(images, imagesName, IDX_IMAGES_MAGIC),
      parseIdx(labels, labelsName, IDX_LABELS_MAGIC),
      imagesName,
      labelsName,
    );
  return {
    train: pair(trainImages, trainLabels, FILES.trainImages, FILES.trainLabels),
    test: pair(testImages, testLabels, FILES.testImages, FILES.testLabels),
  };
}

async function train(recipe: PageRecipe, threads: number, helperUrl: string): Promise<void> {
  data ??= fetchMnist();
  data.catch(() => data = undefined); // a failed download is tried again next time
  const { train: trainSet, test } = await data;
  const { activation, ...steps } = recipe;
  const config = resolveTrainConfig({ ...steps, seed: 1, threads });
  const model = initialWeights({ activation }, config.seed);
  const trainer = await FusedTrainer.create(model, config.batchSize, {
    threads: threads || defaultThreads(config.batchSize),
    workerUrl: helperUrl,
  });
  using engine = fusedSteps(trainer, config, trainSet);
  // what this worker fetched besides MNIST: the trainer's second thread's module
  const scriptBytes = (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
    .filter((e) => e.name.endsWith(".js"))
    .reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
  post({ type: "started", threads: trainer.threads, images: trainSet.count, scriptBytes });
  stop = new AbortController();
  let lastBatch = 0;
  const { history, interrupted } = await runEpochs(engine, trainSet, test, config, {
    signal: stop.signal,
    onBatch: (progress) => {
      const now = performance.now(); // a message every step would flood the page
      if (now - lastBatch > 100 || progress.step === progress.steps) {
        lastBatch = now;
        post({ type: "batch", progress });
      }
    },
    onEpoch: (log) => post({ type: "epoch", log }),
  });
  const onnx = exportOnnx({ config: model.config, weights: trainer.weights() }, {
    metadata: {
      trained: `in a browser page: ${history.length} epoch(s) of ${config.batchSize}, ` +
        `learning rate ${config.learningRate} (${config.schedule}), ${activation}` +
        (config.augment ? ", augmented" : ""),
    },
  });
  post({ type: "done", onnx, history, stopped: interrupted }, [onnx.buffer]);
}

scope.onmessage = (event) => {
  const message = event.data;
  if (message.type === "stop") return stop?.abort();
  train(message.recipe, message.threads, message.helperUrl).catch((error) =>
    post({ type: "error", message: (error as Error).message ?? String(error) })
  ).finally(() => stop = undefined);
};
