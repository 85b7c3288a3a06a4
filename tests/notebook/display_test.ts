// What the library's objects show in a notebook once notebook.ts is imported: their MIME bundles,
// each with a picture (SVG or PNG) or a table beside its text, and nothing of it visible to JSON
// or to equality.
import "../../notebook.ts";
import { assert, assertEquals } from "../_assert.ts";
import { DEFAULT_LENET } from "../../src/config.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { takeRange } from "../../src/data/labeled_images.ts";
import { filtersSpec, historySpec } from "../../src/figures/specs.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { JUPYTER_DISPLAY, type MimeBundle } from "../../src/display_hook.ts";
import { OnnxClassifier } from "../../src/onnx/classifier.ts";
import { train } from "../../src/train.ts";

const show = (value: unknown): Promise<MimeBundle> =>
  Promise.resolve((value as Record<symbol, () => MimeBundle | Promise<MimeBundle>>)[JUPYTER_DISPLAY]!());

Deno.test("a LeNet shows its summary as an HTML table with its parameter count", async () => {
  const lenet = await LeNet.create(DEFAULT_LENET);
  const bundle = await show(lenet);
  assert(
    (bundle["text/html"] as string).startsWith("<table>") &&
      (bundle["text/html"] as string).includes("106,154"),
  );
  assertEquals(bundle["text/plain"], lenet.summaryText());
  lenet.dispose();
});

Deno.test("a set of images shows one as a labelled drawing, more as a PNG grid, and JSON does not see it", async () => {
  const { train: set } = await loadMnist();
  const one = await show(takeRange(set, 123, 124));
  assert((one["image/svg+xml"] as string).includes("label 7"));
  const many = await show(takeRange(set, 0, 100));
  assert(atob(many["image/png"] as string).startsWith("\x89PNG"));
  assert(
    (many["text/plain"] as string).startsWith("100 images of 28x28 (the first 32 shown); labels 5 0 4 1"),
  );
  assertEquals(Object.keys(takeRange(set, 0, 2)), ["images", "labels", "count", "rows", "cols"]);
});

Deno.test("a training's result shows its curves, a figure itself, a classification its picture and bars", async () => {
  const { train: set, test } = await loadMnist();
  const lenet = await LeNet.create({ activation: "relu" });
  const result = await train(lenet, takeRange(set, 0, 256), {
    epochs: 2,
    validation: takeRange(test, 0, 100),
  });
  const curves = await show(result);
  assert((curves["image/svg+xml"] as string).startsWith("<svg"));
  assert((curves["text/plain"] as string).startsWith("2 epochs, last: loss"));
  assertEquals(JSON.parse(JSON.stringify(result)).history.length, 2); // the data are as they were
  for (const spec of [historySpec(result.history), filtersSpec(lenet, 1)]) {
    const bundle = await show(spec);
    assert(
      bundle["application/vnd.vegalite.v5+json"] && (bundle["image/svg+xml"] as string).startsWith("<svg"),
    );
  }
  lenet.dispose();
  const classifier = await OnnxClassifier.load();
  const answer = await classifier.classifyImage(
    await Deno.readFile(new URL("../fixtures/photo_7.jpg", import.meta.url)),
  );
  const bundle = await show(answer);
  assert((bundle["text/plain"] as string).startsWith("7 ("));
  assert((bundle["image/svg+xml"] as string).includes("what the model saw"));
  await classifier.release();
});
