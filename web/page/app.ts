/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The page: a drawing pad whose digit a LeNet classifies as you draw (onnxruntime-web, the same
// preparation as `deno task predict`: src/images/digit.ts through OnnxClassifier), an image file
// classified exactly as predict classifies it, and a form that trains a LeNet in a worker and
// then classifies with it.
import { ImageError } from "../../src/images/digit.ts";
import { PICTURE_TIMEOUT_MS, WORKING_SIDE } from "../../src/config.ts";
import { type ImageClassification, OnnxClassifier } from "../../src/onnx/classifier.ts";
import { configureOnnxRuntime, onnxThreads } from "../../src/onnx/runtime.ts";
import type { EpochLog } from "../../src/training/types.ts";
import type { FromPictureWorker, FromWorker, PageRecipe, ToPictureWorker, ToWorker } from "./protocol.ts";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const pad = $<HTMLCanvasElement>("pad"), seen = $<HTMLCanvasElement>("seen");
const answer = $<HTMLOutputElement>("answer"), top = $<HTMLOListElement>("top");
const modelLine = $<HTMLParagraphElement>("model"), errorLine = $<HTMLParagraphElement>("error");
const ink = pad.getContext("2d", { willReadFrequently: true })!;
const isolated = globalThis.crossOriginIsolated === true;
// onnxruntime-web's threads, set once for the page: two where the page may share memory with
// workers (isolated); the trainer: every core the batch keeps busy (0 lets it choose), which
// needs isolation as well
configureOnnxRuntime({ threads: isolated ? Math.max(1, Math.min(2, navigator.hardwareConcurrency)) : 1 });
const trainThreads = isolated ? 0 : 1;

/** What the page is doing, for people (the status lines) and for tests (data-state). */
function setState(state: "loading" | "ready" | "training" | "trained"): void {
  document.body.dataset.state = state;
  performance.mark(`lenet-${state}`); // tools/web_figures.ts reads when the page got there
}

function showError(error: unknown): void {
  errorLine.hidden = false;
  errorLine.textContent = error instanceof Error ? error.message : String(error);
  console.warn(errorLine.textContent);
}

// ---------------------------------------------------------------------------------------------
// the model

let classifier: OnnxClassifier | undefined, modelBytes: Uint8Array | undefined;

/** What build:web wrote beside the page (scripts/build_web.ts). */
interface BuildInfo {
  /** The model the page starts with, picked by predict's rule (the newest local run, else the
   * most accurate shipped model). */
  model: { file: string; name: string; why: string };
  /** Bytes of the four gzipped MNIST files training fetches. */
  mnistBytes: number;
}

let build: BuildInfo | undefined;

async function loadShippedModel(): Promise<void> {
  build = await (await fetch("build.json")).json() as BuildInfo;
  const bytes = new Uint8Array(await (await fetch(build.model.file)).arrayBuffer());
  await useModel(bytes, `${build.model.name} (${build.model.why})`);
}

// The page's models are the shipped one (trusted by its SHA-256) and the ones it trains itself:
// both run on the page's thread, with no worker to start
async function useModel(bytes: Uint8Array, label: string): Promise<void> {
  const next = await OnnxClassifier.load(bytes, { topK: 3, isolation: "here" });
  modelBytes = bytes.slice(); // what the picture worker loads (its own copy: a load may keep the buffer)
  const previous = classifier;
  classifier = next;
  await previous?.release();
  const used = onnxThreads();
  document.body.dataset.ortThreads = String(used);
  modelLine.textContent = `model: ${label} · onnxruntime-web, ${used} thread${used === 1 ? "" : "s"}` +
    (isolated ? "" : " (the page is not cross-origin isolated: see README)");
  await classifyPad();
}

// ---------------------------------------------------------------------------------------------
// drawing

type Point = [number, number];
const strokes: Point[][] = [];
let picture: ImageBitmap | undefined; // an opened image, under the strokes
const lineWidth = () => pad.width / 14; // a stroke about as thick, for the digit's size, as MNIST's

/** Draws the pad again; `changed`: the points of the segment that is new, when only it is. */
function redraw(changed?: Point[]): void {
  touch(changed);
  ink.fillStyle = "white";
  ink.fillRect(0, 0, pad.width, pad.height);
  if (picture) {
    const scale = Math.min(pad.width / picture.width, pad.height / picture.height);
    const w = picture.width * scale, h = picture.height * scale;
    ink.drawImage(picture, (pad.width - w) / 2, (pad.height - h) / 2, w, h);
  }
  ink.strokeStyle = "black";
  ink.lineCap = ink.lineJoin = "round";
  ink.lineWidth = lineWidth();
  for (const stroke of strokes) {
    ink.beginPath();
    stroke.forEach(([x, y], i) => i ? ink.lineTo(x, y) : ink.moveTo(x, y));
    if (stroke.length === 1) ink.lineTo(stroke[0]![0] + 0.01, stroke[0]![1]); // a dot
    ink.stroke();
  }
}

// The pad's pixels as the classifier reads them, kept current region by region: reading the whole
// 280x280 canvas back (getImageData) costs ~1 ms in Chromium, the square a pen's segment covers
// ~0.02 ms. A new segment changes the pixels within the pen's reach of its points (the canvas
// draws every stroke again, to the same pixels elsewhere); anything else marks the whole pad.
let padPixels: ImageData | undefined;
let changed: [number, number, number, number] | undefined; // x0, y0, x1, y1 to read again

/** Marks the pixels within the pen's reach of `points` as changed (the pad's whole when none). */
function touch(points?: Point[]): void {
  if (!points) return void (padPixels = undefined);
  const reach = lineWidth() / 2 + 3; // the pen's radius, and its anti-aliased edge
  for (const [x, y] of points) {
    const [x0, y0, x1, y1] = changed ?? [Infinity, Infinity, -Infinity, -Infinity];
    changed = [
      Math.min(x0, x - reach),
      Math.min(y0, y - reach),
      Math.max(x1, x + reach),
      Math.max(y1, y + reach),
    ];
  }
}

/** The pad's pixels, with what changed since the last call read again. */
function padImage(): ImageData {
  const { width, height } = pad;
  if (!padPixels) {
    changed = undefined;
    return padPixels = ink.getImageData(0, 0, width, height);
  }
  if (changed) {
    const x0 = Math.max(0, Math.floor(changed[0])), y0 = Math.max(0, Math.floor(changed[1]));
    const x1 = Math.min(width, Math.ceil(changed[2])), y1 = Math.min(height, Math.ceil(changed[3]));
    changed = undefined;
    if (x1 <= x0 || y1 <= y0) return padPixels;
    const part = ink.getImageData(x0, y0, x1 - x0, y1 - y0).data, rowBytes = 4 * (x1 - x0);
    for (let y = y0; y < y1; y++) {
      padPixels.data.set(part.subarray((y - y0) * rowBytes, (y - y0 + 1) * rowBytes), 4 * (y * width + x0));
    }
  }
  return padPixels;
}

function padPoint(event: PointerEvent): Point {
  const r = pad.getBoundingClientRect();
  return [(event.clientX - r.left) * pad.width / r.width, (event.clientY - r.top) * pad.height / r.height];
}

pad.addEventListener("pointerdown", (event) => {
  pad.setPointerCapture(event.pointerId);
  strokes.push([padPoint(event)]);
  redraw(strokes.at(-1));
  requestClassify();
});
pad.addEventListener("pointermove", (event) => {
  if (!pad.hasPointerCapture(event.pointerId)) return;
  const stroke = strokes.at(-1)!, from = stroke.length - 1;
  for (const e of event.getCoalescedEvents?.() ?? [event]) stroke.push(padPoint(e));
  redraw(stroke.slice(from)); // the segment from the last point on
  requestClassify();
});
const endStroke = (event: PointerEvent) => {
  if (pad.hasPointerCapture(event.pointerId)) pad.releasePointerCapture(event.pointerId);
  requestClassify(0);
};
pad.addEventListener("pointerup", endStroke);
pad.addEventListener("pointercancel", endStroke);

$("clear").addEventListener("click", () => {
  strokes.length = 0;
  picture = undefined;
  redraw();
  requestClassify(0);
});
$("undo").addEventListener("click", () => {
  if (strokes.length) strokes.pop();
  else picture = undefined;
  redraw();
  requestClassify(0);
});

// ---------------------------------------------------------------------------------------------
// classifying: debounced, one at a time, the latest drawing wins

let timer: ReturnType<typeof setTimeout> | undefined, running = false, again = false;

function requestClassify(delay = 60): void {
  clearTimeout(timer);
  timer = setTimeout(() => void classifyPad(), delay);
}

async function classifyPad(): Promise<void> {
  if (running) return void (again = true);
  running = true;
  try {
    if (!classifier) return;
    if (strokes.length === 0 && !picture) return show(undefined);
    const { width, height, data } = padImage();
    show(await classifier.classifyRaster({ width, height, channels: 4, maxValue: 255, data }));
  } catch (error) {
    if (error instanceof ImageError) show(undefined); // nothing that looks like a digit (yet)
    else showError(error);
  } finally {
    running = false;
    if (again) again = false, void classifyPad();
  }
}

function show(result: ImageClassification | undefined): void {
  if (result && !performance.getEntriesByName("lenet-first-answer").length) {
    performance.mark("lenet-first-answer");
  }
  answer.dataset.digit = result ? String(result.digit) : "";
  answer.dataset.probability = result ? String(result.probability) : "";
  answer.textContent = result ? String(result.digit) : "–";
  top.replaceChildren(...(result?.top ?? []).map(({ digit, probability }) => {
    const li = document.createElement("li"), bar = document.createElement("span");
    bar.className = "bar";
    bar.style.width = `${Math.max(1, probability * 100)}%`;
    const track = document.createElement("span");
    track.append(bar);
    li.append(String(digit), track, `${(probability * 100).toFixed(1)}%`);
    return li;
  }));
  const view = seen.getContext("2d")!, image = view.createImageData(28, 28);
  result?.prepared.pixels.forEach((v, i) => image.data.set([v * 255, v * 255, v * 255, 255], i * 4));
  view.putImageData(image, 0, 0);
}

// ---------------------------------------------------------------------------------------------
// an image file, chosen or dropped: read and classified in the picture worker (decoded by the
// browser, upright as its EXIF orientation says, at most WORKING_SIDE a side, prepared as predict
// prepares it, then the page's model), which is terminated at the deadline

let pictures: Worker | undefined;
// the deadline: predict's, unless the page's address sets another (?picture-timeout=seconds)
const pictureTimeoutMs = 1000 * Number(new URLSearchParams(location.search).get("picture-timeout")) ||
  PICTURE_TIMEOUT_MS;

/** Reads a file in the picture worker, or fails with one line when it passes the deadline. */
function readPicture(file: File): Promise<Extract<FromPictureWorker, { ok: true }>> {
  pictures?.terminate(); // a picture still being read is dropped: the newest file wins
  const worker = pictures = new Worker(new URL("picture_worker.js", location.href), { type: "module" });
  return new Promise((resolve, reject) => {
    const end = (error?: Error) => {
      clearTimeout(timer);
      worker.terminate();
      if (pictures === worker) pictures = undefined;
      if (error) reject(error);
    };
    const timer = setTimeout(
      () => end(new ImageError(`${file.name} was not read within ${pictureTimeoutMs / 1000} s: stopped`)),
      pictureTimeoutMs,
    );
    worker.onmessage = ({ data }: MessageEvent<FromPictureWorker>) => {
      if (data.ok) end(), resolve(data);
      else end(data.noDigit ? new ImageError(data.message) : new Error(`${file.name}: ${data.message}`));
    };
    worker.onerror = (event) => (event.preventDefault(), end(new Error(`${file.name}: ${event.message}`)));
    worker.postMessage({ file, side: WORKING_SIDE, model: modelBytes! } satisfies ToPictureWorker);
  });
}

async function openFile(file: File): Promise<void> {
  try {
    const { prepared, answer, picture: shrunk } = await readPicture(file);
    strokes.length = 0;
    picture = shrunk;
    redraw();
    show({ ...answer, prepared });
  } catch (error) {
    showError(error);
  }
}

$<HTMLInputElement>("file").addEventListener("change", (event) => {
  const file = (event.target as HTMLInputElement).files?.[0];
  if (file) void openFile(file);
});
pad.addEventListener("dragover", (event) => (event.preventDefault(), pad.classList.add("dragging")));
pad.addEventListener("dragleave", () => pad.classList.remove("dragging"));
pad.addEventListener("drop", (event) => {
  event.preventDefault();
  pad.classList.remove("dragging");
  const file = event.dataTransfer?.files[0];
  if (file) void openFile(file);
});

// ---------------------------------------------------------------------------------------------
// training in the page

const form = $<HTMLFormElement>("recipe"), trainButton = $<HTMLButtonElement>("train");
const stopButton = $<HTMLButtonElement>("stop"), useButton = $<HTMLButtonElement>("use");
const progress = $<HTMLProgressElement>("progress"), status = $<HTMLParagraphElement>("train-status");
const download = $<HTMLAnchorElement>("download");
let worker: Worker | undefined, trained: { onnx: Uint8Array; accuracy: number } | undefined;
let history: EpochLog[] = [], dataBytes = 0, workerBytes = 0;

function recipe(): PageRecipe {
  const f = new FormData(form);
  return {
    epochs: Number(f.get("epochs")),
    batchSize: Number(f.get("batchSize")),
    learningRate: Number(f.get("learningRate")),
    schedule: f.get("schedule") as PageRecipe["schedule"],
    activation: f.get("activation") as PageRecipe["activation"],
    augment: f.get("augment") === "on",
  };
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);

function onWorkerMessage(message: FromWorker): void {
  switch (message.type) {
    case "download":
      dataBytes = message.loaded;
      progress.value = message.total ? message.loaded / message.total : 0;
      status.textContent = `downloading MNIST: ${mb(message.loaded)} of ${mb(message.total)} MB`;
      return showWeight();
    case "started":
      workerBytes = message.scriptBytes;
      document.body.dataset.trainThreads = String(message.threads);
      status.textContent =
        `training on ${message.images.toLocaleString("en-US")} images, ${message.threads} ` +
        `thread${message.threads === 1 ? "" : "s"}…`;
      return;
    case "batch": {
      const p = message.progress;
      progress.value = ((p.epoch - 1) * p.steps + p.step) / (p.epochs * p.steps);
      status.textContent =
        `epoch ${p.epoch}/${p.epochs} · step ${p.step}/${p.steps} · loss ${p.loss.toFixed(3)} · ` +
        `accuracy ${(p.accuracy * 100).toFixed(1)}% · ${
          Math.round(p.imagesPerSecond).toLocaleString("en-US")
        } img/s`;
      return;
    }
    case "epoch":
      history.push(message.log);
      return void drawCurves();
    case "done":
      return finishTraining(message);
    case "error":
      showError(message.message);
      return finishTraining(undefined);
  }
}

async function drawCurves(): Promise<void> {
  const { renderCurves } = await import(new URL("curves.js", location.href).href);
  await renderCurves($("curves"), history);
  showWeight();
}

function finishTraining(message: Extract<FromWorker, { type: "done" }> | undefined): void {
  trainButton.disabled = false;
  stopButton.disabled = true;
  form.querySelectorAll("input, select").forEach((e) => (e as HTMLInputElement).disabled = false);
  if (!message || message.history.length === 0) {
    setState(trained ? "trained" : "ready");
    if (message) status.textContent = "stopped before the first epoch ended: no model";
    return;
  }
  const last = message.history.at(-1)!;
  trained = { onnx: message.onnx, accuracy: last.valAccuracy };
  document.body.dataset.testAccuracy = String(last.valAccuracy);
  const seconds = message.history.reduce((sum, e) => sum + e.seconds, 0);
  document.body.dataset.trainSeconds = String(seconds);
  status.textContent =
    `${message.stopped ? "stopped" : "done"}: ${(last.valAccuracy * 100).toFixed(2)}% on ` +
    `MNIST's 10,000 test images after ${last.epoch} epoch${last.epoch === 1 ? "" : "s"} ` +
    `(${seconds.toFixed(1)} s of training)`;
  progress.value = 1;
  useButton.disabled = false;
  URL.revokeObjectURL(download.href);
  download.href = URL.createObjectURL(
    new Blob([message.onnx as Uint8Array<ArrayBuffer>], { type: "application/octet-stream" }),
  );
  download.classList.remove("disabled");
  download.removeAttribute("aria-disabled");
  setState("trained");
}

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const asked = recipe(); // before the form is disabled: disabled fields are not in its data
  worker ??= new Worker(new URL("train_worker.js", location.href), { type: "module" });
  worker.onmessage = (e: MessageEvent<FromWorker>) => onWorkerMessage(e.data);
  worker.onerror = (e) => (showError(e.message), finishTraining(undefined));
  history = [];
  $("curves").replaceChildren();
  trainButton.disabled = true;
  stopButton.disabled = false;
  form.querySelectorAll("input, select").forEach((e) => (e as HTMLInputElement).disabled = true);
  setState("training");
  const helperUrl = new URL("fused_worker.js", location.href).href;
  errorLine.hidden = true;
  worker.postMessage({ type: "train", recipe: asked, threads: trainThreads, helperUrl } satisfies ToWorker);
});
stopButton.addEventListener("click", () => worker?.postMessage({ type: "stop" } satisfies ToWorker));
useButton.addEventListener("click", () => {
  if (!trained) return;
  void useModel(
    trained.onnx.slice(),
    `trained in this page, ${(trained.accuracy * 100).toFixed(2)}% on MNIST's test set`,
  )
    .catch(showError);
});

// ---------------------------------------------------------------------------------------------
// what the page has downloaded

function showWeight(): void {
  const entries = [
    ...performance.getEntriesByType("navigation"),
    ...performance.getEntriesByType("resource"),
  ] as PerformanceResourceTiming[];
  const page = workerBytes + entries.reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
  $("weight").textContent = `downloaded: the page ${mb(page)} MB` +
    (dataBytes
      ? `, training data ${mb(dataBytes)} MB`
      : ` (training fetches MNIST, ${mb(build?.mnistBytes ?? 0)} MB, when you press Train)`);
}

// for scripts that measure and test the page (tools/web_figures.ts, tests/web/page_test.ts): one
// classification of the pad; a pen's segment marked changed (as drawing it would); whether the
// pixels the classifier reads are the canvas's
Object.assign(globalThis, {
  lenetPage: {
    classifyPad,
    touch,
    padIsCurrent: () => {
      const whole = ink.getImageData(0, 0, pad.width, pad.height).data, kept = padImage().data;
      return whole.every((v, i) => v === kept[i]);
    },
  },
});

setState("loading");
redraw();
loadShippedModel().then(() => setState("ready"), showError).finally(showWeight);
