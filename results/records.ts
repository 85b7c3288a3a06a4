// Result records: what a measuring task found, with when, where and how. `bench/speed_report.ts`,
// `bench/inference_report.ts`, `deno task speedrun`, `deno task eval:images`, `deno task
// web:figures` and `tools/record_runs.ts` write one with `--record`, as
// results/<kind>/<date>.json; `tools/render_docs.ts` renders the docs' tables from the latest
// record of each kind (results/render.ts), and tests/docs/docs_test.ts checks that every table is what
// its record renders. A figure in the docs thus always names its date, machine, Deno, commit and command.
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
export const RESULTS = new URL("./", import.meta.url);

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

/** What scripts/speedrun.ts records. */
export interface Speedrun {
  runs: { seed: number; timeToTargetSeconds: number | null; finalAccuracy: number; epochSeconds: number[] }[];
  target: number;
  recipe: Record<string, unknown>;
  defaultEpochSeconds?: number;
}

/** What scripts/eval_images.ts records. */
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

/** What tools/fuzz/fuzz.ts records. */
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
