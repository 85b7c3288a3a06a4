// The tutorial notebook: run headless on Deno's Jupyter kernel with a one-epoch training (every code
// cell without an error, and the outputs the tutorial shows, each of its kind), and the committed
// notebook itself (executed: every code cell has outputs, none an error).
import { fileURLToPath } from "node:url";
import { assert, assertEquals } from "../_assert.ts";
import { missing } from "../_tools.ts";

const NOTEBOOK = new URL("../../notebooks/tutorial.ipynb", import.meta.url);

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  text?: string[];
  ename?: string;
  evalue?: string;
}
interface Notebook {
  metadata: { kernelspec: { name: string } };
  cells: { cell_type: string; source: string[]; outputs?: Output[] }[];
}

const codeCells = (nb: Notebook) => nb.cells.filter((c) => c.cell_type === "code");
const text = (o: Output) => (o.text ?? []).join("") + JSON.stringify(o.data ?? {});
/** A MIME entry as one string (nbformat stores text as a list of lines). */
const entry = (o: Output | undefined, mime: string) => {
  const value = o?.data?.[mime];
  return Array.isArray(value) ? value.join("") : String(value ?? "");
};
/** The outputs of the code cell whose source contains `marker` (whitespace aside: the formatter may wrap it). */
function outputsOf(nb: Notebook, marker: string): Output[] {
  const squeeze = (text: string) => text.replace(/\s+/g, "");
  const cell = codeCells(nb).find((c) => squeeze(c.source.join("")).includes(squeeze(marker)));
  assert(cell, `no cell with ${marker}`);
  return cell.outputs ?? [];
}

function checkExecuted(nb: Notebook, epochs: string): void {
  assertEquals(nb.metadata.kernelspec.name, "deno");
  for (const [i, cell] of codeCells(nb).entries()) {
    const outputs = cell.outputs ?? [];
    assert(outputs.length > 0, `code cell ${i} has no output`);
    const error = outputs.find((o) => o.output_type === "error");
    assert(!error, `code cell ${i}: ${error?.ename}: ${error?.evalue}`);
  }
  assert(
    entry(codeCells(nb)[0]!.outputs![0], "text/plain").match(
      new RegExp(`^ran \\d{4}-\\d\\d-\\d\\d .* ${epochs} epochs`),
    ),
    "first cell: when and where",
  );
  const kinds = (marker: string) => outputsOf(nb, marker).flatMap((o) => Object.keys(o.data ?? {}));
  // the shapes, sample 123 (a 7) drawn, the one-hot row, the summary table with 106,154
  assert(outputsOf(nb, "X_train").map(text).join("").includes("X_train: 60000 x 28 x 28"));
  const seven = outputsOf(nb, "takeRange(trainSet, 123, 124)")[0]!;
  assert(
    kinds("takeRange(trainSet, 123, 124)").includes("image/svg+xml") && text(seven).includes("label 7"),
    "sample 123",
  );
  assert(outputsOf(nb, "y_train[123] =").map(text).join("").includes("[0, 0, 0, 0, 0, 0, 0, 1, 0, 0]"));
  const summary = outputsOf(nb, "LeNet.create()").find((o) => o.data?.["text/html"]);
  assert(entry(summary, "text/html").includes("106,154"), "the summary table");
  // training: a progress display, then the curves; the curves and the filters as charts with an SVG
  for (
    const marker of ["const result = await train", "historySpec(result.history)", "filtersSpec(lenet, 1)"]
  ) {
    assert(
      kinds(marker).includes("image/svg+xml") && kinds(marker).includes("application/vnd.vegalite.v5+json"),
      marker,
    );
  }
  assert(kinds("digitsSpec(test").includes("image/png"), "the grid of test predictions");
  const digit = outputsOf(nb, "classifyImage").find((o) => o.data?.["text/plain"]);
  assert(
    digit && /^7 \(/.test(digit.data!["text/plain"] as string),
    `the fixture's digit: ${digit && text(digit)}`,
  );
  assert(kinds("classifyImage").includes("image/svg+xml"), "the classification's picture");
  assert(outputsOf(nb, "LeNet.load(dir)").map(text).join("").includes("the same answer for all of 1,000"));
  assert(outputsOf(nb, "the video").map(text).join("").includes("99.85%"));
}

Deno.test({
  name:
    "the tutorial notebook runs headless on Deno's kernel, every cell without an error and with its picture",
  ignore: missing("jupyter-nbconvert python3-nbclient"),
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const { success, stderr } = await new Deno.Command("jupyter", {
        args: [
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.timeout=600",
          fileURLToPath(NOTEBOOK),
          "--output",
          `${dir}/out.ipynb`,
        ],
        env: { LENET_NOTEBOOK_EPOCHS: "1" },
      }).output();
      assert(success, new TextDecoder().decode(stderr));
      checkExecuted(JSON.parse(await Deno.readTextFile(`${dir}/out.ipynb`)), "1");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("the committed notebook is executed (30 epochs): every code cell has outputs, and none is an error", async () => {
  checkExecuted(JSON.parse(await Deno.readTextFile(NOTEBOOK)), "30");
});

Deno.test("deno task notebook --out reads its target bounded: a FIFO and a 40 MB file each get one line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await new Deno.Command("mkfifo", { args: [`${dir}/fifo`] }).output();
    await Deno.writeFile(`${dir}/big.ipynb`, new Uint8Array(40 * 1024 * 1024));
    const cases: [string, string][] = [["fifo", "Not a regular file"], ["big.ipynb", "Larger than"]];
    for (const [target, expected] of cases) {
      const { code, stderr } = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          `--allow-read=${dir}`,
          "--allow-run=jupyter",
          scriptPath(),
          "--out",
          `${dir}/${target}`,
        ],
        signal: AbortSignal.timeout(20_000), // the FIFO once blocked the task for ever
      }).output();
      const text = new TextDecoder().decode(stderr).trim();
      assertEquals(code, 1, text);
      assertEquals(text.split("\n").length, 1, text);
      assert(text.includes(expected), text);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function scriptPath(): string {
  return fileURLToPath(new URL("../../scripts/notebook.ts", import.meta.url));
}
