// How the speedrun's recipe was chosen: short recipes of the relu LeNet (the tutorial's layer sizes) on
// the fused engine, trained on the first 50,000 training images and scored on the last 10,000 (never
// on the test set), each over several seeds. Prints one JSON line per recipe: its validation
// accuracy per seed, their mean and least, and how many seeds reached --target.
//   deno run --allow-read tools/recipe_search.ts --seeds 1,2,3,4,5,6,7,8,9,10 \
//     '{"batchSize":64,"learningRate":6e-3,"adamBeta1":0.8,"adamBeta2":0.95,"warmup":0.15}' \
//     '{"batchSize":64,"learningRate":6e-3,"adamBeta1":0.8,"adamBeta2":0.95,"warmup":0.15,"labelSmoothing":0.1}'
// Each recipe is a TrainConfig's fields (JSON) beside --epochs and the one-cycle schedule.
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { DEFAULT_LENET, resolveTrainConfig, type TrainConfig } from "../src/config.ts";
import { loadMnist } from "../src/data/dataset.ts";
import { splitValidation } from "../src/data/labeled_images.ts";
import { FusedTrainer } from "../src/engines/fused/trainer.ts";
import { fusedSteps, recipeOptions } from "../src/engines/fused/steps.ts";
import { initialWeights } from "../src/model/weights.ts";
import { runEpochs } from "../src/training/loop.ts";

const FLAGS = {
  epochs: { type: "integer", min: 1, description: "epochs of every recipe", default: 2 },
  seeds: { type: "string", description: "seeds of every recipe", default: "1,2,3", placeholder: "LIST" },
  target: {
    type: "number",
    min: 0,
    max: 1,
    description: "validation accuracy a seed should reach",
    default: 0.99,
  },
} satisfies Record<string, FlagSpec>;

/** One recipe over every seed: validation accuracy after the last epoch, each seed on one thread. */
async function accuracies(
  data: Awaited<ReturnType<typeof loadMnist>>,
  recipe: Partial<TrainConfig>,
  seeds: number[],
) {
  const { train, validation } = splitValidation(data.train, 1 / 6);
  const out: number[] = [];
  for (const seed of seeds) {
    const config = resolveTrainConfig({ schedule: "one-cycle", ...recipe, seed });
    using trainer = await FusedTrainer.create(
      initialWeights({ ...DEFAULT_LENET, activation: "relu" }, seed),
      config.batchSize,
      {
        threads: 1, // the same bits whatever the cores; the build: the fastest this runtime has
        ...recipeOptions(config),
      },
    );
    const engine = fusedSteps(trainer, config, train);
    const { history } = await runEpochs(engine, train, validation, config, {});
    out.push(history.at(-1)!.valAccuracy);
  }
  return out;
}

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("tools/recipe_search.ts [options] <recipe JSON>...", FLAGS)), 0);
  if (positionals.length === 0) throw new UsageError("Give at least one recipe, as JSON");
  const seeds = flags.seeds.split(",").map(Number);
  const data = await loadMnist();
  for (const text of positionals) {
    const recipe = { ...JSON.parse(text) as Partial<TrainConfig>, epochs: flags.epochs };
    const accs = await accuracies(data, recipe, seeds);
    const pct = (v: number) => Number((100 * v).toFixed(2));
    console.log(JSON.stringify({
      recipe: JSON.parse(text),
      mean: Number((100 * accs.reduce((a, b) => a + b, 0) / accs.length).toFixed(3)),
      least: pct(Math.min(...accs)),
      reached: `${accs.filter((a) => a >= flags.target).length} of ${accs.length}`,
      accuracies: accs.map(pct),
    }));
  }
  return 0;
}

await runMain(main);
