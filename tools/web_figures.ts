// The browser page's figures, measured side by side in one run, and README's screenshot of it:
// page load to the model ready and to the first answer, one prediction, one training epoch in the
// page against the same epoch in Deno (`deno task train`), and TensorFlow.js training the same
// LeNet in the same browser on its default backend.
//   deno task web:figures [--runs 2] [--screenshot docs/page.png]
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeFileAtomic } from "../src/_atomic.ts";
import { type FlagSpec, helpText, parseFlags, runMain } from "../src/cli/flags.ts";
import { checkReplaceableFile } from "../src/cli/ownership.ts";
import { SOFTWARE } from "../src/config.ts";
import { withPngText } from "../src/images/png.ts";
import { bundleForBrowser } from "../web/bundle.ts";
import { type PageFigures, writeRecord } from "../results/records.ts";
import { serveStatic } from "../web/static_server.ts";
import { Chromium, type Page } from "../testing/chromium.ts";
import { drawStrokes } from "../testing/pad.ts";
import { DIGIT_STROKES } from "../testing/strokes.ts";

const FLAGS = {
  runs: {
    type: "integer",
    min: 1,
    max: 5,
    description: "epochs timed in the page and in Deno, alternating",
    default: 2,
  },
  screenshot: { type: "string", description: "write README's screenshot here", placeholder: "FILE" },
  record: { type: "boolean", description: "write a result record to results/" },
} satisfies Record<string, FlagSpec>;

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = "dist/web-figures";
const RECIPE = [
  "--activation",
  "relu",
  "--batch-size",
  "128",
  "--learning-rate",
  "0.004",
  "--schedule",
  "one-cycle",
];

async function run(args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("deno", { args, cwd: ROOT }).output();
  if (code !== 0) {
    throw new Error(`deno ${args.join(" ")}: ${new TextDecoder().decode(stderr).trim().split("\n").at(-1)}`);
  }
  return new TextDecoder().decode(stdout);
}

/** What the tfjs bench adds to the built page, and removes when done. */
const BENCH_FILES = ["tfjs_bench.js", "bench.html"] as const;

async function build(): Promise<void> {
  await run(["task", "build:web", "--out", OUT, "--model", "models/lenet-best/model.onnx"]);
  await bundleForBrowser(join(ROOT, "tools/web_bench/tfjs_bench.ts"), join(ROOT, OUT, BENCH_FILES[0]));
  await Deno.copyFile(join(ROOT, "tools/web_bench/bench.html"), join(ROOT, OUT, BENCH_FILES[1]));
}

async function draw(page: Page, digit: number): Promise<void> {
  await drawStrokes(page, DIGIT_STROKES[digit]!);
  await page.waitFor(`document.getElementById('answer').dataset.digit !== ''`, 10_000, "an answer");
}

async function pageEpochs(page: Page, epochs = 1): Promise<number> {
  await page.evaluate(`document.querySelector('[name=epochs]').value = '${epochs}'`);
  await page.evaluate("document.getElementById('train').click()");
  await page.waitFor(
    "document.body.dataset.state === 'trained' && document.body.dataset.trainSeconds",
    300_000,
  );
  const seconds = Number(await page.evaluate("document.body.dataset.trainSeconds"));
  await page.evaluate("delete document.body.dataset.trainSeconds");
  return seconds;
}

async function denoEpoch(): Promise<number> {
  const out = await run([
    "task",
    "train",
    "--epochs",
    "1",
    ...RECIPE,
    "--out",
    "runs/web-figures",
  ]);
  await Deno.remove(join(ROOT, "runs/web-figures"), { recursive: true }).catch(() => {});
  return Number(out.match(/epoch 1\/1 done in ([\d.]+) s/)![1]);
}

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task web:figures [options]", FLAGS)), 0);
  if (flags.screenshot) await checkReplaceableFile(flags.screenshot, "png");
  await build();
  const server = await serveStatic(join(ROOT, OUT), 0);
  const chromium = await Chromium.launch(1100, 1250, join(ROOT, "dist"));
  try {
    const page = await chromium.page();
    await page.goto(server.url);
    await page.waitFor("document.body.dataset.state === 'ready'", 60_000);
    await draw(page, 3);
    const mark = (name: string) =>
      page.evaluate<number>(`performance.getEntriesByName('${name}')[0].startTime`);
    const ready = await mark("lenet-ready");
    const perPrediction = await page.evaluate<number>(
      // after 10 to warm up, the median of 50, as every figure here is (a mean would take a garbage
      // collection's pause in too)
      // each after a pen's segment across the middle of the pad, as drawing gives them (the pad's
      // changed pixels are read back, then prepared and classified)
      "(async () => { const step = async () => { lenetPage.touch([[130, 140], [150, 140]]); await lenetPage.classifyPad(); }; for (let i = 0; i < 10; i++) await step(); const ms = []; for (let i = 0; i < 50; i++) { const t = performance.now(); await step(); ms.push(performance.now() - t); } return ms.sort((a, b) => a - b)[25]; })()",
    );
    console.log(
      `page load to model ready: ${(ready / 1000).toFixed(2)} s (navigation start to the model loaded)`,
    );
    console.log(
      `one prediction after a pen's segment (its pixels read back, preparation, onnxruntime-web; median of 50): ${
        perPrediction.toFixed(1)
      } ms`,
    );
    console.log(`threads: onnxruntime-web ${await page.evaluate("document.body.dataset.ortThreads")}`);
    const page_: number[] = [], deno: number[] = [];
    for (let i = 0; i < flags.runs; i++) {
      deno.push(await denoEpoch());
      page_.push(await pageEpochs(page));
    }
    const list = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(", ");
    console.log(
      `one epoch (60,000 images, relu, batch 128): page ${list(page_)} s, Deno ${list(deno)} s ` +
        `(threads: page ${await page.evaluate("document.body.dataset.trainThreads")}, Deno 2)`,
    );
    const accuracy = await page.evaluate<string>("document.body.dataset.testAccuracy"); // before more epochs
    console.log(`in-page test accuracy after that epoch: ${accuracy}`);
    if (flags.screenshot) {
      await pageEpochs(page, 3); // curves with a few points
      await page.evaluate("document.getElementById('use').click()");
      await page.waitFor("document.getElementById('model').textContent.includes('trained in this page')");
      await page.evaluate("document.getElementById('clear').click()");
      await draw(page, 3);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await page.send("Emulation.setDeviceMetricsOverride", {
        width: 1100,
        height: 1250,
        deviceScaleFactor: 1,
        mobile: false,
      });
      const png = withPngText(await page.screenshot(false), "Software", SOFTWARE); // ours to replace next time
      await writeFileAtomic(flags.screenshot, png);
      console.log(`wrote ${flags.screenshot}`);
    }
    const pageImagesPerSecond = 60_000 / Math.min(...page_);
    await page.goto(new URL("bench.html", server.url).href);
    await page.waitFor(
      "typeof benchTfjs === 'function'",
      30_000,
      `the TensorFlow.js bench (${page.errors.join("; ")})`,
    );
    const tfjs = await page.evaluate<{ backend: string; imagesPerSecond: number }>("benchTfjs(20, 128)");
    console.log(
      `training speed in the page, batch 128: ours ${
        Math.round(pageImagesPerSecond).toLocaleString("en-US")
      } img/s, ` +
        `TensorFlow.js (${tfjs.backend} backend) ${
          Math.round(tfjs.imagesPerSecond).toLocaleString("en-US")
        } img/s ` +
        `(${(pageImagesPerSecond / tfjs.imagesPerSecond).toFixed(1)}x)`,
    );
    if (page.errors.length) console.log(`console errors: ${page.errors.join("; ")}`);
    if (flags.record) {
      const version = await page.evaluate<string>(
        "navigator.userAgent.match(/(HeadlessChrome|Chrome)\\/[\\d.]+/)[0]",
      );
      const rows: PageFigures["rows"] = [
        { what: "browser", measured: `headless ${version.replace("/", " ")}` },
        {
          what: "page load (navigation start) to the model ready",
          measured: `${(ready / 1000).toFixed(2)} s`,
        },
        {
          what: "one prediction of a drawn digit: a pen's segment read back, preparation, onnxruntime-web",
          measured: `${perPrediction.toFixed(1)} ms`,
        },
        { what: "one epoch, 60,000 images, relu, batch 128: in the page", measured: `${list(page_)} s` },
        { what: "the same epoch in Deno (deno task train), alternating", measured: `${list(deno)} s` },
        { what: "test accuracy after that epoch in the page", measured: accuracy },
        {
          what: `training speed in the page, batch 128: ours against TensorFlow.js (${tfjs.backend})`,
          measured: `${Math.round(pageImagesPerSecond).toLocaleString("en-US")} against ${
            Math.round(tfjs.imagesPerSecond).toLocaleString("en-US")
          } images/s (${(pageImagesPerSecond / tfjs.imagesPerSecond).toFixed(1)}x)`,
        },
      ];
      const command = `deno task web:figures ${Deno.args.join(" ")}`.trim();
      console.log(`recorded in ${await writeRecord("page", command, { rows })}`);
    }
  } finally {
    await chromium.close();
    await server.shutdown();
    // the bench's two files go again: beside them, the next build:web would refuse the folder
    for (const file of BENCH_FILES) await Deno.remove(join(ROOT, OUT, file)).catch(() => {});
  }
  return 0;
}

await runMain(main);
