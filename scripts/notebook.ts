// Runs the tutorial notebook headless on Deno's Jupyter kernel and writes it back with its outputs
// (Debian: apt-get install jupyter-nbconvert python3-nbclient, then deno jupyter --install):
//   deno task notebook [--epochs 30] [--out notebooks/tutorial.ipynb]
// It then checks what every code cell printed: an error in any of them fails the task.
import { fileURLToPath } from "node:url";
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { NotOursError } from "../src/cli/ownership.ts";
import { LenetError } from "../src/errors.ts";
import { readBounded } from "../src/_bounded_read.ts";

const NOTEBOOK = fileURLToPath(new URL("../notebooks/tutorial.ipynb", import.meta.url));

const FLAGS = {
  epochs: { type: "integer", min: 1, max: 1000, description: "epochs the notebook trains", default: 30 },
  out: {
    type: "string",
    description: "where the executed notebook goes (new, or a lenet notebook)",
    default: "notebooks/tutorial.ipynb",
    placeholder: "FILE",
  },
} satisfies Record<string, FlagSpec>;

/** Largest notebook read, in bytes (the executed tutorial, pictures included, is ~0.5 MB). */
const MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024;

/** A notebook as nbformat 4 writes it: what this script reads of it. */
interface Notebook {
  metadata?: { lenet?: string };
  cells: {
    cell_type: string;
    outputs?: { output_type: string; ename?: string; evalue?: string; data?: object }[];
  }[];
}

/** Raised when the notebook cannot run, or a cell of it failed. */
class NotebookError extends LenetError {}

// A notebook file, read bounded: a regular file of at most MAX_NOTEBOOK_BYTES (a FIFO is refused,
// never waited on); undefined when there is none.
async function readNotebook(path: string): Promise<string | undefined> {
  try {
    await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  }
  const bytes = await readBounded(
    path,
    MAX_NOTEBOOK_BYTES,
    (reason) => new NotebookError(`${path}: ${reason}`),
  );
  return new TextDecoder().decode(bytes);
}

async function refuseForeign(path: string): Promise<void> {
  const text = await readNotebook(path);
  if (text === undefined) return;
  let ours = false;
  try {
    ours = (JSON.parse(text) as Notebook).metadata?.lenet === "tutorial";
  } catch { /* not JSON: not ours */ }
  if (!ours) throw new NotOursError(`${path} exists and is not lenet's notebook: choose another --out`);
}

async function main(): Promise<number> {
  const { flags, positionals, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task notebook [options]", FLAGS)), 0);
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
  const out = flags.out;
  await refuseForeign(out);
  const started = performance.now();
  let result: Deno.CommandOutput;
  try {
    result = await new Deno.Command("jupyter", {
      args: [
        "nbconvert",
        "--to",
        "notebook",
        "--execute",
        "--ExecutePreprocessor.timeout=7200",
        "--ExecutePreprocessor.kernel_name=deno",
        NOTEBOOK,
        "--output",
        await Deno.realPath(".").then((cwd) => `${cwd}/${out}`),
      ],
      env: { LENET_NOTEBOOK_EPOCHS: String(flags.epochs) },
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new NotebookError(
      "jupyter not found: install it (Debian: apt-get install jupyter-nbconvert python3-nbclient), then deno jupyter --install",
    );
  }
  const notebook = JSON.parse((await readNotebook(out)) ?? '{"cells":[]}') as Notebook;
  const failed = notebook.cells.flatMap((cell, i) =>
    (cell.outputs ?? []).filter((o) => o.output_type === "error").map((o) =>
      `cell ${i}: ${o.ename}: ${o.evalue}`
    )
  );
  if (!result.success || failed.length > 0) {
    const why = failed[0] ?? new TextDecoder().decode(result.stderr).trim().split("\n").at(-1);
    throw new NotebookError(`The notebook did not run through: ${why}`);
  }
  const code = notebook.cells.filter((cell) => cell.cell_type === "code");
  console.log(
    `ran ${NOTEBOOK} (${flags.epochs} epochs) in ${((performance.now() - started) / 1000).toFixed(0)} s: ` +
      `${code.length} code cells, every one without an error; wrote ${out}`,
  );
  return 0;
}

await runMain(main);
