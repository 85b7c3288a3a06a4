// Records finished training runs as one result record for the docs, read from their metrics.json,
// history.json and checkpoint.json:
// - `--kind training-runs.<name>`: each run's seed, test accuracy, epochs and wall time;
// - `--kind validation-search[.<name>]`: runs trained with --validation-split, each as the flags that set it
//   apart from `--base` and its validation accuracy after the last epoch (never its test accuracy).
//   deno run --allow-read --allow-write=results --allow-run=git tools/record_runs.ts \
//     --kind training-runs.best --command "deno task train --recipe best --seed N" runs/a runs/b ...
import { join } from "node:path";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { configsFromFlags, TRAIN_FLAGS, type TrainFlagSpec } from "../src/cli/train_flags.ts";
import { type TrainingRuns, type ValidationSearch, writeRecord } from "../results/records.ts";

const FLAGS = {
  kind: { type: "string", description: "the record's kind, e.g. training-runs.best", placeholder: "KIND" },
  command: { type: "string", description: "the command that trained each run", placeholder: "TEXT" },
  base: {
    type: "string",
    description: "validation-search: the train flags every candidate starts from",
    placeholder: "FLAGS",
  },
} satisfies Record<string, FlagSpec>;

// The flags that make a run's recipe and model differ from the base's, as a user would type them.
function flagsApart(
  base: { model: Record<string, unknown>; recipe: Record<string, unknown> },
  run: { model: Record<string, unknown>; recipe: Record<string, unknown> },
): string {
  const flags: string[] = [];
  for (const [name, spec] of Object.entries(TRAIN_FLAGS as Record<string, TrainFlagSpec>)) {
    if (!spec.sets) continue;
    const [part, key] = spec.sets;
    const theirs = run[part][key], ours = base[part][key];
    if (theirs !== ours) flags.push(spec.type === "boolean" ? `--${name}` : `--${name} ${theirs}`);
  }
  return flags.join(" ") || "(the base)";
}

async function validationSearch(base: string, command: string, dirs: string[]): Promise<ValidationSearch> {
  const baseConfigs = configsFromFlags(parseFlags(TRAIN_FLAGS, base.split(/\s+/).filter(Boolean)).flags);
  const runs: ValidationSearch["runs"] = [];
  for (const dir of dirs) {
    const { epochs } = JSON.parse(await Deno.readTextFile(join(dir, "history.json")));
    const { train, model } = JSON.parse(await Deno.readTextFile(join(dir, "checkpoint.json")));
    runs.push({
      candidate: flagsApart(
        baseConfigs as unknown as { model: Record<string, unknown>; recipe: Record<string, unknown> },
        { model, recipe: { ...train, seed: baseConfigs.recipe.seed } },
      ),
      seed: train.seed,
      validationAccuracy: epochs.at(-1).valAccuracy,
    });
  }
  return { base, command, runs };
}

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("tools/record_runs.ts --kind K --command C <run>...", FLAGS)), 0);
  if (!flags.kind || !flags.command || positionals.length === 0) {
    throw new UsageError("Give --kind, --command and the run folders");
  }
  if (flags.kind.split(".")[0] === "validation-search") {
    if (!flags.base) throw new UsageError("A validation search needs --base");
    const search = await validationSearch(flags.base, flags.command, positionals);
    console.log(`recorded in ${await writeRecord(flags.kind, flags.command, search)}`);
    return 0;
  }
  if (!flags.kind.startsWith("training-runs")) throw new UsageError(`Unknown --kind ${flags.kind}`);
  const runs: TrainingRuns["runs"] = [];
  for (const dir of positionals) {
    const metrics = JSON.parse(await Deno.readTextFile(join(dir, "metrics.json")));
    const { train } = JSON.parse(await Deno.readTextFile(join(dir, "checkpoint.json")));
    runs.push({
      name: flags.command.replace("N", String(train.seed)),
      seed: train.seed,
      testAccuracy: metrics.testAccuracy,
      epochs: metrics.epochs,
      wallSeconds: metrics.wallSeconds,
    });
  }
  console.log(`recorded in ${await writeRecord(flags.kind, flags.command, { runs })}`);
  return 0;
}

await runMain(main);
