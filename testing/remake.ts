/**
 * Remaking a shipped model: the command `models/models.json` records for it, run as a user runs
 * it (`scripts/train.ts` in a process of its own), for the whole run or a short one (one epoch on
 * the first 2,000 images), and the SHA-256 of the weights it writes (`weights.bin`). The plain
 * WebAssembly build computes the same bits on every CPU, so the hash is the model's identity:
 * `tools/ship_model.ts` records both hashes, `tests/onnx/shipped_models_test.ts` remakes the short run
 * and compares.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { denoRun } from "../src/_deno_process.ts";
import { sha256Hex } from "../src/onnx/trusted_models.ts";

/** What turns a shipped model's command into its short remake. */
const SHORT_REMAKE: readonly string[] = ["--epochs", "1", "--train-size", "2000"];

/**
 * The short remake of a command: the same flags, for one epoch on the first 2,000 images.
 *
 * @param command A `deno task train` command.
 * @returns The short command.
 */
export function shortCommand(command: string): string {
  return ["deno task train", ...trainFlagsOf(command), ...SHORT_REMAKE].join(" ");
}

/**
 * Whether train flags give the same bits on every machine: they name the plain build, and the
 * threads (the split of a batch between threads sets the order of the gradient's sums).
 *
 * @param flags Train flags.
 * @returns True when they do.
 */
export function pinsBits(flags: string[]): boolean {
  const line = ` ${flags.join(" ")} `;
  return line.includes(" --simd plain ") && / --threads [1-9]/.test(line);
}

const ROOT = new URL("../", import.meta.url);

/**
 * The flags of a recorded command, which must be `deno task train` and flags.
 *
 * @param command The command, as models.json records it.
 * @returns Its flags.
 */
export function trainFlagsOf(command: string): string[] {
  const [deno, task, train, ...flags] = command.trim().split(/\s+/);
  if (deno !== "deno" || task !== "task" || train !== "train") {
    throw new Error(`Not a "deno task train" command: ${command}`);
  }
  return flags;
}

/**
 * Runs `deno task train` with `flags` into a fresh folder of the repository and gives the SHA-256 of
 * the weights it saved; the folder is removed after.
 *
 * @param flags The train flags (no `--out`).
 * @returns The weights' SHA-256, hex.
 */
export async function remakeWeights(flags: string[]): Promise<string> {
  const parent = await Deno.makeTempDir({ dir: fileURLToPath(ROOT), prefix: ".remake-" });
  try {
    const out = join(parent, "run");
    // as `deno task train` runs it (denoRun: the running Deno when it may be run, else deno on PATH)
    const { command, args } = denoRun(new URL("scripts/train.ts", ROOT), [
      "--allow-read=.",
      "--allow-write=.",
    ]);
    const { code, stderr } = await new Deno.Command(command, {
      args: [...args, ...flags, "--out", out],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    if (code !== 0) throw new Error(`train ${flags.join(" ")} failed: ${new TextDecoder().decode(stderr)}`);
    return await sha256Hex(await Deno.readFile(join(out, "weights.bin")));
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
}
