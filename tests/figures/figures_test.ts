import { decode as decodePng } from "npm:fast-png@8.0.0";
import * as tf from "../../src/npm/tfjs.ts";
import { assert, assertEquals } from "../_assert.ts";
import { leakFree } from "../_helpers.ts";
import { missing } from "../_tools.ts";
import { classReports, confidentMistakes, confusionMatrix } from "../../src/figures/analysis.ts";
import { initBackend } from "../../src/tfjs/backend.ts";
import { loadMnist } from "../../src/data/dataset.ts";
import { filtersSpec } from "../../src/figures/specs.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { renderSvg, svgToPng } from "../../src/figures/chart.ts";
import { REPORT_FILES, writeReport } from "../../src/figures/report.ts";
import { evaluate } from "../../src/training/evaluate.ts";
import { takeRange } from "../../src/data/labeled_images.ts";

await initBackend("wasm");

Deno.test("confusionMatrix() counts true × predicted and sums to the number of images", () => {
  const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
  assertEquals(m, [[1, 1, 0], [0, 1, 0], [1, 0, 2]]);
  assertEquals(m.flat().reduce((a, b) => a + b, 0), 6);
  const r = classReports(m);
  assertEquals(r.map((c) => [c.precision, c.recall, c.support]), [[0.5, 0.5, 2], [0.5, 1, 1], [1, 2 / 3, 3]]);
});

Deno.test("confidentMistakes() lists wrong predictions, most confident first", () => {
  assertEquals(confidentMistakes([1, 2, 3, 4], [1, 0, 0, 0], [0.99, 0.6, 0.9, 0.7], 2), [2, 3]);
});

Deno.test("filtersSpec() draws the first convolution's weights themselves, on one shared scale", () =>
  leakFree(async () => {
    const lenet = await LeNet.create({}, { seed: 9 });
    const spec = filtersSpec(lenet, 1) as {
      data: { values: { tile: number; x: number; y: number; v: number }[] };
    };
    const weights = lenet.getWeights(1);
    const w = weights[0]!.dataSync();
    const drawn = spec.data.values;
    assertEquals(drawn.length, 54);
    for (const { tile, x, y, v } of drawn) assertEquals(v, w[(y * 3 + x) * 6 + tile]);
    tf.dispose(weights);
    lenet.dispose();
  }));

Deno.test("svgToPng() rasterises at twice the SVG's size by default", () =>
  leakFree(async () => {
    const svg = await renderSvg({
      width: 100,
      height: 50,
      data: { values: [{ x: 1 }] },
      mark: "point",
      encoding: {},
    });
    const [w, h] = [/width="(\d+)"/, /height="(\d+)"/].map((r) => Number(r.exec(svg)![1]));
    const png = decodePng(await svgToPng(svg));
    assertEquals([png.width, png.height], [2 * w!, 2 * h!]);
  }));

Deno.test("writeReport() writes every figure as a decodable PNG and a self-contained report.html", () =>
  leakFree(async () => {
    const { test } = await loadMnist();
    const lenet = await LeNet.create({ activation: "relu" }, { seed: 2 });
    const small = takeRange(test, 0, 500);
    const evaluation = await evaluate(lenet, small);
    const history = [{
      epoch: 1,
      loss: 1,
      accuracy: 0.5,
      valLoss: 0.9,
      valAccuracy: 0.6,
      seconds: 1,
      learningRate: 1e-3,
    }];
    const dir = await Deno.makeTempDir();
    await writeReport(dir, { lenet, recipe: { epochs: 1 }, history, test: small, evaluation });
    for (const name of Object.values(REPORT_FILES)) {
      const png = decodePng(await Deno.readFile(`${dir}/${name}`));
      assert(png.width > 100 && png.height > 100, `${name}: ${png.width}x${png.height}`);
    }
    const svg = await Deno.readTextFile(`${dir}/history.svg`);
    assert(svg.includes("Accuracy") && svg.includes("epoch"));
    const html = await Deno.readTextFile(`${dir}/report.html`);
    assertEquals(html.match(/src="data:image\/png;base64,/g)?.length, Object.keys(REPORT_FILES).length);
    assert(!/src="(?!data:)/.test(html), "report.html must not reference outside files");
    const confusionTotal = [
      ...html.matchAll(/<tr><td>\d<\/td><td>[\d.]+%<\/td><td>[\d.]+%<\/td><td>(\d+)<\/td><\/tr>/g),
    ]
      .reduce((a, m) => a + Number(m[1]), 0);
    assertEquals(confusionTotal, 500);
    lenet.dispose();
  }));

Deno.test({
  name: "report.html renders in headless Chromium",
  ignore: missing("chromium"),
  fn: async () => {
    const { test } = await loadMnist();
    const small = takeRange(test, 0, 200);
    const lenet = await LeNet.create({}, { seed: 4 });
    const evaluation = await evaluate(lenet, small);
    const history = [1, 2].map((epoch) => ({
      epoch,
      loss: 1 / epoch,
      accuracy: 0.5 * epoch,
      valLoss: 1.1 / epoch,
      valAccuracy: 0.45 * epoch,
      seconds: 1,
      learningRate: 1e-3,
    }));
    const dir = await Deno.makeTempDir();
    await writeReport(dir, { lenet, recipe: {}, history, test: small, evaluation });
    const shot = `${dir}/screenshot.png`;
    const { code, stderr } = await new Deno.Command("chromium", {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        `--user-data-dir=${dir}/profile`,
        "--window-size=1200,2400",
        `--screenshot=${shot}`,
        `file://${dir}/report.html`,
      ],
      stdout: "null",
    }).output();
    assertEquals(code, 0, new TextDecoder().decode(stderr));
    const png = decodePng(await Deno.readFile(shot));
    assertEquals([png.width, png.height], [1200, 2400]);
    // A rendered page has text and figures: many distinct gray levels, not a blank sheet.
    const levels = new Set<number>();
    for (let i = 0; i < png.data.length; i += png.channels * 97) levels.add(png.data[i]!);
    assert(levels.size > 20, `only ${levels.size} distinct levels: blank page?`);
    lenet.dispose();
  },
});
