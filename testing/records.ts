// Result records: what a measuring task found, with when, where and how. `bench/speed_report.ts`,
// `bench/inference_report.ts`, `deno task speedrun`, `deno task eval:images`, `deno task
// web:figures` and `tools/record_runs.ts` write one with `--record`, as
// results/<kind>/<date>.json; `tools/render_docs.ts` renders the docs' tables from the latest
// record of each kind, between `<!-- record: <kind> -->` and `<!-- /record -->`; and
// tests/docs/docs_test.ts checks that every such table is what its record renders. A figure in the
// docs thus always names its date, machine, Deno, commit and command.
import { cpus } from "node:os";
import { writeFileAtomic } from "../src/_atomic.ts";

/** A measurement, with what it needs to be trusted and repeated. */
export interface ResultRecord<T = unknown> {
  /** What was measured: names the renderer, e.g. `training-speed`. */
  kind: string;
  /** When, ISO 8601 in UTC. */
  date: string;
  /** Where. */
  machine: { cpu: string; cores: number; os: string };
  /** The Deno that ran it. */
  deno: string;
  /** The commit measured (with `+` when the tree had changes). */
  commit: string;
  /** The command that measured it, as typed. */
  command: string;
  /** The figures. */
  results: T;
}

/** Where the records live. */
export const RESULTS = new URL("../results/", import.meta.url);

// The CPU's model name, as node:os reports it (--allow-sys=cpus); Deno reads /proc only with
// every permission.
function cpuName(): string {
  try {
    const name = cpus()[0]?.model?.trim();
    if (name) return name.replace(/\s+/g, " ").replace(/ \d+-Core Processor$/, "");
  } catch { /* no permission: say so */ }
  return "an unnamed CPU";
}

async function commitOf(): Promise<string> {
  try {
    const run = (args: string[]) =>
      new Deno.Command("git", { args, cwd: new URL("../", import.meta.url), stdout: "piped", stderr: "null" })
        .output();
    const head = new TextDecoder().decode((await run(["rev-parse", "--short", "HEAD"])).stdout).trim();
    const dirty =
      (await run(["diff", "--quiet", "HEAD", "--", "src", "wasm", "scripts", "tools", "bench"])).code;
    return head ? `${head}${dirty ? "+" : ""}` : "unknown";
  } catch {
    return "unknown";
  }
}

/**
 * Writes a record of `results` as results/<kind>/<date>.json.
 *
 * @returns The file written.
 */
export async function writeRecord<T>(kind: string, command: string, results: T): Promise<string> {
  const record: ResultRecord<T> = {
    kind,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    machine: { cpu: cpuName(), cores: navigator.hardwareConcurrency, os: Deno.build.os },
    deno: Deno.version.deno,
    commit: await commitOf(),
    command,
    results,
  };
  const dir = new URL(`${kind}/`, RESULTS);
  await Deno.mkdir(dir, { recursive: true });
  const file = new URL(`${record.date.replaceAll(":", "-")}.json`, dir);
  await writeFileAtomic(file.pathname, JSON.stringify(record, null, 2) + "\n");
  return file.pathname;
}

/** The latest record of a kind, or undefined when there is none. */
export async function latestRecord<T>(kind: string): Promise<ResultRecord<T> | undefined> {
  const dir = new URL(`${kind}/`, RESULTS);
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json")).map((e) => e.name).sort();
  } catch {
    return undefined;
  }
  if (names.length === 0) return undefined;
  return JSON.parse(await Deno.readTextFile(new URL(names.at(-1)!, dir))) as ResultRecord<T>;
}

// ---- rendering ----------------------------------------------------------------------------------

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

/** What bench/speed_report.ts records. */
export interface TrainingSpeed {
  cores: number;
  /** GFLOP/s by `<build>/<threads>`. */
  peak: Record<string, number>;
  training: {
    name: string;
    batch: number;
    threads: number;
    imagesPerSecond: number;
    gflops: number;
    ofPeak?: number;
  }[];
  /** What threads cost a step, measured on 1 and 2, and projected for more cores. */
  threadCost?: {
    /** The fixed part of a step on 1 and 2 threads, milliseconds. */
    fixedMs: [number, number];
    /** The part per image on 1 and 2 threads, milliseconds. */
    perImageMs: [number, number];
    /** What each helper thread adds to a step's fixed part, milliseconds. */
    helperMs: number;
    /** The per-image work's efficiency on 2 threads (1: twice as fast). */
    efficiency: number;
    handOffsPerStep: number;
    reductionFloatsPerThread: number;
    projected: { threads: number; batch: number; imagesPerSecond: number; overheadShare: number }[];
  };
}

/** What bench/inference_report.ts records. */
export interface InferenceSpeed {
  /** Microseconds per call, median, by engine and batch. */
  perCall: { engine: string; batch: number; microseconds: number }[];
  /** Cold starts, milliseconds, median. */
  coldStart: { what: string; milliseconds: number }[];
  /** A drawing's preparation and answer, milliseconds, median. */
  drawing: { what: string; milliseconds: number }[];
}

/** What tools/speedrun.ts records. */
export interface Speedrun {
  runs: { seed: number; timeToTargetSeconds: number | null; finalAccuracy: number; epochSeconds: number[] }[];
  target: number;
  recipe: Record<string, unknown>;
  defaultEpochSeconds?: number;
}

/** What tools/eval_images.ts records. */
export interface EvalImages {
  model: string;
  sets: { name: string; pictures: number; accuracy: number }[];
}

/** What tools/record_runs.ts records: finished training runs. */
export interface TrainingRuns {
  runs: { name: string; seed: number; testAccuracy: number; epochs: number; wallSeconds: number }[];
}

/** What tools/record_runs.ts records of a validation search. */
export interface ValidationSearch {
  /** The flags every candidate starts from. */
  base: string;
  /** How each run was trained. */
  command: string;
  runs: { candidate: string; seed: number; validationAccuracy: number }[];
}

/** What tools/fuzz.ts records. */
export interface FuzzRun {
  targets: {
    name: string;
    inputs: number;
    loaded: number;
    typed: number;
    other: number;
    hangs: number;
    killedForMemory: number;
    peakRssMb: number;
  }[];
}

/** What tools/web_figures.ts records. */
export interface PageFigures {
  rows: { what: string; measured: string }[];
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
