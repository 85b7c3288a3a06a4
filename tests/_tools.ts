// Outside tools some tests use (Debian packages on the machine this project is built on). Where
// one is missing, its tests are skipped with one line naming it; under CI (CI=true, where .ci/run
// installed them all) nothing is skipped, so a missing tool fails those tests instead.

/** Debian's python3 (python3-onnx installs there), else the first on PATH. */
export const PYTHON: string = exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

const tools = {
  "python3-onnx": () => runs(PYTHON, ["-c", "import onnx"]),
  chromium: () => runs("chromium", ["--version"]),
  "dataset-fashion-mnist": () => exists("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"),
  // Deno's kernel and what runs a notebook headless (deno jupyter --install registers the kernel)
  "jupyter-nbconvert python3-nbclient": () =>
    runs("jupyter", ["nbconvert", "--version"]) && runs("jupyter", ["kernelspec", "list"]) &&
    new TextDecoder().decode(
      new Deno.Command("jupyter", { args: ["kernelspec", "list"] }).outputSync().stdout,
    )
      .includes("deno"),
} as const;

/** A Debian package a test needs. */
export type Tool = keyof typeof tools;

function runs(command: string, args: string[]): boolean {
  try {
    return new Deno.Command(command, { args, stdout: "null", stderr: "null" }).outputSync().success;
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

const said = new Set<Tool>();

/**
 * Whether tests needing `tool` should be skipped: true (after one line on stderr) when it is
 * missing outside CI.
 */
export function missing(tool: Tool): boolean {
  if (tools[tool]()) return false;
  if (Deno.env.get("CI") === "true") return false; // CI installs every tool: run, and fail loudly
  if (!said.has(tool)) {
    said.add(tool);
    const hint = tool.startsWith("jupyter")
      ? `apt-get install ${tool}, then deno jupyter --install`
      : `apt-get install ${tool}`;
    console.error(`skipping tests that need ${tool}: not installed (${hint})`);
  }
  return true;
}
