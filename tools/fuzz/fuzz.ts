// Feed every loader mutated files and check that each answers with its own error type, within
// bounded memory and time:
//   deno task fuzz [--count 10000] [--targets idx,png] [--seed 1] [--batch 500] [--max-rss-mb 1024]
// Inputs are made from small valid seeds by seeded, structure-aware mutations (bit flips,
// truncation, header fields, duplicated chunks, huge dimensions, gzip bombs). They run in batches in
// child processes: a child that passes the memory cap (its resident memory, sampled with `ps`; each
// child also reports its peak, getrusage's maxrss) or stops making
// progress for --timeout seconds is killed, and its input counted. Prints a table; exits 1 when an
// input ended in an error of another type, a crash or a hang.
import { type FlagSpec, helpText, parseFlags, runMain } from "../../src/cli/flags.ts";
import { type FuzzRun, writeRecord } from "../../results/records.ts";
import { type TargetName, TARGETS } from "../../testing/fuzz_targets.ts";

const FLAGS = {
  count: { type: "integer", min: 1, description: "inputs per target", default: 10_000 },
  targets: {
    type: "string",
    description: `comma-separated: ${Object.keys(TARGETS).join(",")}`,
    default: "all",
  },
  seed: { type: "integer", description: "seed of the mutations", default: 1 },
  batch: { type: "integer", min: 1, description: "inputs per child process", default: 500 },
  "max-rss-mb": { type: "integer", min: 64, description: "memory cap of a child (peak RSS)", default: 1024 },
  timeout: { type: "number", min: 1, description: "seconds an input may take", default: 10 },
  json: { type: "boolean", description: "print the table as one JSON line" },
  record: { type: "boolean", description: "write a result record to results/" },
} satisfies Record<string, FlagSpec>;

/** What one target's inputs came to: its row of the record, and examples of what went wrong. */
interface Tally extends Omit<FuzzRun["targets"][number], "name"> {
  examples: string[];
}

// Resident memory of a process and its children now (an isolated model's process counts with
// the child that started it), in MB, from `ps` (Deno reads /proc/<pid> only with --allow-all), or 0
// where ps is missing: then only the time limit guards.
async function residentMb(pid: number): Promise<number> {
  try {
    const rss = async (args: string[]) => {
      const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=", ...args], stderr: "null" })
        .output();
      return new TextDecoder().decode(stdout).split("\n").reduce(
        (kb, line) => kb + Number(line.trim() || 0),
        0,
      );
    };
    return (await rss(["-p", String(pid)]) + await rss(["--ppid", String(pid)])) / 1024;
  } catch {
    return 0;
  }
}

/** Runs inputs [from, to) of a target in one child; returns at the first kill, with where it stopped. */
async function runBatch(
  target: TargetName,
  seed: number,
  from: number,
  to: number,
  options: { maxRssMb: number; timeoutMs: number },
  tally: Tally,
): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--allow-net=127.0.0.1", // the url target's own server
      "--allow-run=deno", // as predict: a model that is not a shipped one runs in a process of its own
      "--v8-flags=--expose-gc", // the child collects garbage after each input: its peak is one load's
      new URL("./child.ts", import.meta.url).href,
      target,
      String(seed),
      String(from),
      String(to),
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let current = from, lastProgress = performance.now(), killed: "memory" | "hang" | undefined;
  let sampling = false;
  const watch = setInterval(async () => {
    if (sampling) return;
    sampling = true;
    const rss = await residentMb(child.pid);
    sampling = false;
    tally.peakRssMb = Math.max(tally.peakRssMb, rss);
    if (rss > options.maxRssMb) killed = "memory";
    else if (performance.now() - lastProgress > options.timeoutMs) killed = "hang";
    if (killed) {
      try {
        child.kill("SIGKILL");
      } catch { /* already gone */ }
    }
  }, 50);
  let buffered = "";
  const decoder = new TextDecoder();
  for await (const chunk of child.stdout) {
    buffered += decoder.decode(chunk);
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      const event = JSON.parse(line) as { i: number; outcome?: string; detail?: string; peakMb?: number };
      lastProgress = performance.now();
      if ((event.peakMb ?? 0) > tally.peakRssMb + 64 && tally.peakRssMb > 0 && tally.examples.length < 5) {
        tally.examples.push(
          `#${event.i}: peak RSS ${Math.round(tally.peakRssMb)} -> ${Math.round(event.peakMb!)} MB`,
        );
      }
      tally.peakRssMb = Math.max(tally.peakRssMb, event.peakMb ?? 0);
      current = event.i;
      if (!event.outcome) continue; // "starting input i"
      tally.inputs++;
      if (event.outcome === "loaded") tally.loaded++;
      else if (event.outcome === "typed") tally.typed++;
      else {
        tally.other++;
        if (tally.examples.length < 5) tally.examples.push(`#${event.i}: ${event.detail}`);
      }
      current = event.i + 1;
    }
  }
  const status = await child.status;
  clearInterval(watch);
  if (killed || !status.success) {
    // the input being processed when the child died: a hang, a memory blow-up or a crash
    tally.inputs++;
    if (killed === "hang") tally.hangs++;
    else if (killed === "memory") tally.killedForMemory++;
    else tally.other++;
    if (tally.examples.length < 5) tally.examples.push(`#${current}: ${killed ?? `exit ${status.code}`}`);
    return current + 1;
  }
  return to;
}

function table(rows: [string, Tally][]): string {
  const head = [
    "target",
    "inputs",
    "loaded",
    "typed errors",
    "other errors",
    "hangs",
    "memory kills",
    "peak RSS MB",
  ];
  const body = rows.map(([name, t]) =>
    [
      name,
      t.inputs,
      t.loaded,
      t.typed,
      t.other,
      t.hangs,
      t.killedForMemory,
      Math.round(t.peakRssMb),
    ].map(String)
  );
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((r) => r[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padStart(widths[c]!)).join(" | ")} |`;
  return [line(head), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task fuzz [options]", FLAGS)), 0);
  const names = flags.targets === "all"
    ? Object.keys(TARGETS) as TargetName[]
    : flags.targets.split(",") as TargetName[];
  const unknown = names.find((n) => !(n in TARGETS));
  if (unknown) throw new Error(`Unknown target "${unknown}": expected ${Object.keys(TARGETS).join(", ")}`);
  const count = flags.count, batch = flags.batch, seed = flags.seed;
  const options = { maxRssMb: flags["max-rss-mb"], timeoutMs: flags.timeout * 1000 };
  const rows: [string, Tally][] = [];
  for (const name of names) {
    const tally: Tally = {
      inputs: 0,
      loaded: 0,
      typed: 0,
      other: 0,
      hangs: 0,
      killedForMemory: 0,
      peakRssMb: 0,
      examples: [],
    };
    const started = performance.now();
    for (let from = 0; from < count;) {
      const to = Math.min(count, from + batch);
      from = await runBatch(name, seed, from, to, options, tally);
    }
    rows.push([name, tally]);
    if (!flags.json) {
      console.error(
        `${name}: ${tally.inputs} inputs in ${((performance.now() - started) / 1000).toFixed(0)} s`,
      );
      for (const example of tally.examples) console.error(`  ${example}`);
    }
  }
  if (flags.json) console.log(JSON.stringify(Object.fromEntries(rows)));
  else console.log(table(rows));
  if (flags.record) {
    const targets = rows.map(([name, { examples: _, ...counts }]) => ({ name, ...counts }));
    const command = `deno task fuzz ${Deno.args.join(" ")}`.trim();
    console.log(`recorded in ${await writeRecord("fuzz", command, { targets })}`);
  }
  return rows.some(([, t]) => t.other + t.hangs + t.killedForMemory > 0) ? 1 : 0;
}

await runMain(main);
