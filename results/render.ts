// The docs' tables, rendered from result records (results/records.ts): `tools/render_docs.ts` writes
// each between `<!-- record: <kind> -->` and `<!-- /record -->` from the latest record of its kind, and
// tests/docs/docs_test.ts checks that every such table is what its record renders.
import {
  type EvalImages,
  type FuzzRun,
  type InferenceSpeed,
  latestRecord,
  type PageFigures,
  type ResultRecord,
  type Speedrun,
  type TrainingRuns,
  type TrainingSpeed,
  type ValidationSearch,
} from "./records.ts";

const int = (n: number) => Math.round(n).toLocaleString("en-US");
const pct = (x: number, digits = 2) => `${(100 * x).toFixed(digits)}%`;

/** The line under every table: when, where and how its figures were measured. */
export function provenance(record: ResultRecord): string {
  const { machine } = record;
  return `Measured ${record.date.slice(0, 10)} on ${machine.cpu} (${machine.cores} cores, ${machine.os}), ` +
    `Deno ${record.deno}, commit ${record.commit}: \`${record.command}\`.`;
}

function table(header: string[], rows: (string | number)[][]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(3, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
  return [
    line(header),
    `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`,
    ...rows.map((r) => line(r.map(String))),
  ]
    .join("\n");
}

// The thread cost: the fitted parts of a step, then the projection for more cores, labelled as such.
function renderThreadCost(cost: NonNullable<TrainingSpeed["threadCost"]>): string {
  const us = (ms: number, digits = 0) => `${(ms * 1000).toFixed(digits)} µs`;
  const fitted = table(["threads", "fixed part of a step", "per image"], [
    [1, us(cost.fixedMs[0]), us(cost.perImageMs[0], 1)],
    [2, us(cost.fixedMs[1]), us(cost.perImageMs[1], 1)],
  ]);
  const projected = table(
    ["threads (projected)", "batch", "images/s", "threading's share of a step"],
    cost.projected.map((p) => [p.threads, p.batch, int(p.imagesPerSecond), pct(p.overheadShare, 0)]),
  );
  return `${fitted}\n\nEach helper thread adds ${
    us(cost.helperMs)
  } to a step (${cost.handOffsPerStep} hand-offs; ` +
    `the reduction reads ${
      int(cost.reductionFloatsPerThread)
    } gradient floats a thread); the per-image work ` +
    `runs at ${pct(cost.efficiency, 0)} efficiency on 2 threads.\n\n${projected}`;
}

const RENDERERS: Record<string, (record: ResultRecord) => string> = {
  "training-speed": (record) => {
    const { peak, training, threadCost } = record.results as TrainingSpeed;
    const peaks = Object.entries(peak).map(([key, gflops]) => {
      const [build, threads] = key.split("/");
      return [
        `${build} SIMD, ${threads} thread${threads === "1" ? "" : "s"}`,
        `${gflops.toFixed(1)} GFLOP/s`,
      ];
    });
    const rows = training.map((r) => [
      r.batch,
      r.name,
      int(r.imagesPerSecond),
      r.gflops.toFixed(1),
      r.ofPeak === undefined ? "" : pct(r.ofPeak, 0),
    ]);
    return table(["measured peak (wasm/peak.c)", "GFLOP/s"], peaks) + "\n\n" +
      table(["batch", "engine", "images/s", "GFLOP/s", "of peak"], rows) +
      (threadCost ? "\n\n" + renderThreadCost(threadCost) : "");
  },
  "inference": (record) => {
    const { perCall, coldStart, drawing } = record.results as InferenceSpeed;
    const batches = [...new Set(perCall.map((r) => r.batch))].sort((a, b) => a - b);
    const engines = [...new Set(perCall.map((r) => r.engine))];
    const at = (engine: string, batch: number) =>
      perCall.find((r) => r.engine === engine && r.batch === batch);
    const native = engines.find((e) => e.includes("node"));
    const cell = (engine: string, batch: number) => {
      const r = at(engine, batch);
      if (!r) return "";
      const n = native ? at(native, batch) : undefined;
      const time = r.microseconds >= 1000
        ? `${(r.microseconds / 1000).toFixed(2)} ms`
        : `${r.microseconds.toFixed(1)} µs`;
      const ratio = n && engine !== native ? ` (${(r.microseconds / n.microseconds).toFixed(2)}x)` : "";
      return time + ratio;
    };
    const calls = table(
      ["engine", ...batches.map((b) => (b === 1 ? "one image" : `batch ${b}`))],
      engines.map((e) => [e, ...batches.map((b) => cell(e, b))]),
    );
    const minimal = coldStart[coldStart.length - 1];
    const cold = table(
      ["cold start", "process start to answer", "against the minimal script"],
      coldStart.map((
        r,
      ) => [
        r.what,
        `${r.milliseconds.toFixed(0)} ms`,
        minimal ? `${(r.milliseconds / minimal.milliseconds).toFixed(2)}x` : "",
      ]),
    );
    const draw = table(
      ["a drawing", "median"],
      drawing.map((r) => [r.what, `${r.milliseconds.toFixed(2)} ms`]),
    );
    return [calls, cold, draw].join("\n\n");
  },
  "speedrun": (record) => {
    const { runs, target, recipe, defaultEpochSeconds } = record.results as Speedrun;
    const rows = runs.map((r) => [
      r.seed,
      r.timeToTargetSeconds === null ? "not reached" : `${r.timeToTargetSeconds.toFixed(1)} s`,
      pct(r.finalAccuracy),
      r.epochSeconds.map((s) => s.toFixed(1)).join(", "),
    ]);
    // the seed is each row's own
    const recipeLine = Object.entries(recipe).filter(([k]) => k !== "seed").map(([k, v]) => `${k} ${v}`).join(
      ", ",
    );
    return table([
      "seed",
      `time to ${pct(target, 0)} from process start`,
      "final test accuracy",
      "epochs (s)",
    ], rows) +
      `\n\nRecipe: ${recipeLine}.` +
      (defaultEpochSeconds
        ? ` One epoch of the default model and recipe: ${defaultEpochSeconds.toFixed(2)} s.`
        : "");
  },
  "training-runs": (record) => {
    const { runs } = record.results as TrainingRuns;
    const mean = runs.reduce((a, r) => a + r.testAccuracy, 0) / runs.length;
    return table(
      ["run", "seed", "test accuracy", "epochs", "wall time"],
      [
        ...runs.map((r) => [r.name, r.seed, pct(r.testAccuracy), r.epochs, `${r.wallSeconds.toFixed(0)} s`]),
        ["mean", "", pct(mean, 3), "", ""],
      ],
    );
  },
  "page": (record) =>
    table(["what", "measured"], (record.results as PageFigures).rows.map((r) => [r.what, r.measured])),
  "validation-search": (record) => {
    const { runs } = record.results as ValidationSearch;
    const seeds = [...new Set(runs.map((r) => r.seed))].sort((a, b) => a - b);
    const candidates = [...new Set(runs.map((r) => r.candidate))];
    const rows = candidates.map((candidate) => {
      const mine = runs.filter((r) => r.candidate === candidate);
      const mean = mine.reduce((a, r) => a + r.validationAccuracy, 0) / mine.length;
      const at = (seed: number) => mine.find((r) => r.seed === seed)?.validationAccuracy;
      return { candidate, cells: seeds.map((s) => at(s) === undefined ? "" : pct(at(s)!)), mean };
    }).sort((a, b) => b.mean - a.mean);
    return table(
      ["candidate (flags beside the base)", ...seeds.map((s) => `seed ${s}`), "mean"],
      rows.map((r) => [`\`${r.candidate}\``, ...r.cells, pct(r.mean, 3)]),
    );
  },
  "fuzz": (record) =>
    table(
      ["target", "inputs", "loaded", "typed errors", "other errors", "hangs", "memory kills", "peak RSS MB"],
      (record.results as FuzzRun).targets.map((t) => [
        t.name,
        int(t.inputs),
        int(t.loaded),
        int(t.typed),
        t.other,
        t.hangs,
        t.killedForMemory,
        Math.round(t.peakRssMb),
      ]),
    ),
  "eval-images": (record) => {
    const { sets } = record.results as EvalImages;
    return table(
      ["set", "pictures", "accuracy"],
      sets.map((s) => [s.name, int(s.pictures), pct(s.accuracy)]),
    );
  },
};

/**
 * The markdown a record renders to: its table(s), then its provenance line. A kind may name a
 * variant after a dot (`eval-images.lenet-best`); the part before it picks the renderer.
 *
 * @throws {Error} For a kind nothing renders.
 */
export function renderRecord(record: ResultRecord): string {
  const render = RENDERERS[record.kind.split(".")[0]!];
  if (!render) throw new Error(`No renderer for records of kind ${record.kind}`);
  return `${render(record)}\n\n${provenance(record)}`;
}

/** A `<!-- record: kind -->` block of a document: its kind and where its body lies. */
export interface RecordBlock {
  kind: string;
  body: string;
  start: number;
  end: number;
  /** No line between the markers yet: the rendered body brings its own line break. */
  empty: boolean;
}

// a block, its body on the lines between its markers; a new block may have none (the optional
// body is lazy: tried empty first, it never reaches on to a later block's end marker)
const BLOCK = /<!-- record: ([\w.-]+) -->\n(?:([\s\S]*?)\n)??<!-- \/record -->/g;

/** The record blocks of a document (an empty block's body is the empty string). */
export function recordBlocks(text: string): RecordBlock[] {
  return [...text.matchAll(BLOCK)].map((m) => {
    const start = m.index! + m[0].indexOf("\n") + 1, body = m[2] ?? "";
    return { kind: m[1]!, body, start, end: start + body.length, empty: m[2] === undefined };
  });
}

// The summary's rows: a figure each, from the latest record of its kind.
const SUMMARY: [string, (record: ResultRecord) => string | undefined][] = [];
function summaryRow(kind: string, what: string, figure: (results: never) => string | undefined): void {
  SUMMARY.push([kind, (record) => {
    const value = figure(record.results as never);
    return value === undefined
      ? undefined
      : `| ${what} | ${value} | ${
        record.date.slice(0, 10)
      }, ${record.machine.cpu} (${record.machine.cores} cores) | \`${record.command}\` |`;
  }]);
}
summaryRow(
  "training-runs.tutorial",
  "test accuracy, the tutorial's recipe (30 epochs)",
  (r: TrainingRuns) => pct(r.runs[0]!.testAccuracy),
);
summaryRow(
  "training-runs.best",
  "test accuracy, `--recipe best`, mean of seeds 1, 2, 3",
  (r: TrainingRuns) => pct(r.runs.reduce((a, x) => a + x.testAccuracy, 0) / r.runs.length, 2),
);
summaryRow(
  "speedrun",
  "one epoch of the tutorial's model, 60,000 images",
  (r: Speedrun) => r.defaultEpochSeconds === undefined ? undefined : `${r.defaultEpochSeconds.toFixed(2)} s`,
);
summaryRow("speedrun", "time to 99% test accuracy from process start, median of 3 seeds", (r: Speedrun) => {
  const times = r.runs.map((x) => x.timeToTargetSeconds ?? Infinity).sort((a, b) => a - b);
  return `${times[times.length >> 1]!.toFixed(1)} s`;
});
summaryRow(
  "training-speed",
  "training, one thread, batch 32: share of the CPU's WebAssembly peak",
  (r: TrainingSpeed) => {
    const row = r.training.find((x) => x.batch === 32 && x.threads === 1 && x.ofPeak !== undefined);
    return row ? `${row.gflops.toFixed(1)} GFLOP/s, ${pct(row.ofPeak!, 0)}` : undefined;
  },
);
summaryRow("inference", "one image on onnxruntime-web, against native onnxruntime", (r: InferenceSpeed) => {
  const web = r.perCall.find((x) => x.batch === 1 && x.engine.includes("web"));
  const native = r.perCall.find((x) => x.batch === 1 && x.engine.includes("node"));
  return web && native
    ? `${web.microseconds.toFixed(0)} µs (${(web.microseconds / native.microseconds).toFixed(2)}x)`
    : undefined;
});
summaryRow(
  "inference",
  "cold start of `deno task predict`: a small PNG; a JPEG photo",
  (r: InferenceSpeed) => {
    // the minimal script is the last row; before it, predict on a small PNG, then on a JPEG
    const minimal = r.coldStart.at(-1), [png, jpeg] = r.coldStart.slice(0, -1);
    if (!png || !minimal || png === minimal) return undefined;
    const floor = `${png.milliseconds.toFixed(0)} ms (${
      (png.milliseconds / minimal.milliseconds).toFixed(2)
    }x the floor)`;
    return jpeg ? `${floor}; ${jpeg.milliseconds.toFixed(0)} ms` : floor;
  },
);
summaryRow(
  "page",
  "the browser page: one prediction of a drawn digit",
  (r: PageFigures) => r.rows.find((x) => x.what.startsWith("one prediction"))?.measured,
);

/** The summary table: a figure from the latest record of each kind it draws on, with its provenance. */
export async function renderSummary(): Promise<string> {
  const lines = ["| what | figure | measured | command |", "| --- | --- | --- | --- |"];
  for (const [kind, row] of SUMMARY) {
    const record = await latestRecord(kind);
    const line = record && row(record);
    if (line) lines.push(line);
  }
  return lines.join("\n");
}

/**
 * A document with every record block rendered from the latest record of its kind (the `summary`
 * block from several).
 *
 * @throws {Error} When a block's kind has no record.
 */
export async function renderBlocks(text: string): Promise<string> {
  let out = "", at = 0;
  for (const block of recordBlocks(text)) {
    let body: string;
    if (block.kind === "summary") body = await renderSummary();
    else {
      const record = await latestRecord(block.kind);
      if (!record) throw new Error(`No record of kind ${block.kind} in results/`);
      body = renderRecord(record);
    }
    out += text.slice(at, block.start) + body + (block.empty ? "\n" : "");
    at = block.end;
  }
  return out + text.slice(at);
}
