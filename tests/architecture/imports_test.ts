// The architecture as a checked fact: the modules of src/ import each other without a cycle
// (type-only imports included); the entry points that promise no TensorFlow.js reach none; the
// training loop (src/training/) imports no engine; tests/ and tools/ share helpers only through
// testing/; and everything in src/ is there for the library, the tasks or the page.
import { assert, assertEquals } from "../_assert.ts";
import { entryPoints, tsModules } from "../../testing/repository.ts";

const ROOT = new URL("../../", import.meta.url);
// static and dynamic imports, and a worker's module (`new URL("./_worker.ts", import.meta.url)`)
const IMPORT =
  /(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,]+\s+from\s+)?"(\.{1,2}\/[^"]+)"|(?:import\(|new URL\()"(\.{1,2}\/[^"]+\.ts)"/g;

/** Every module reachable from `entries` through relative imports, with the modules it imports. */
export async function importGraph(entries: string[]): Promise<Map<string, string[]>> {
  const graph = new Map<string, string[]>();
  const todo = entries.map((e) => new URL(e, ROOT).href);
  while (todo.length > 0) {
    const url = todo.pop()!;
    if (graph.has(url)) continue;
    const code = (await Deno.readTextFile(new URL(url))).replace(/^\s*\*.*$/gm, ""); // not doc examples
    const deps = [...code.matchAll(IMPORT)].map((m) => new URL(m[1] ?? m[2]!, url).href);
    graph.set(url, deps);
    todo.push(...deps.filter((d) => d.endsWith(".ts")));
  }
  return graph;
}

/** The import cycles of a graph, each as a list of modules, from a depth-first search. */
export function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [], state = new Map<string, "open" | "done">(), path: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    path.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === "open") found.push([...path.slice(path.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(node, "done");
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const short = (url: string) => url.slice(ROOT.href.length);
const ENTRIES = entryPoints(ROOT);

Deno.test("src/ has no import cycle, type-only imports included", async () => {
  const all = [...ENTRIES];
  for (const module of tsModules(new URL("src/", ROOT))) all.push(short(module.href));
  assertEquals(cycles(await importGraph(all)).map((cycle) => cycle.map(short).join(" → ")), []);
});

Deno.test("inference.ts and fused.ts reach no TensorFlow.js module", async () => {
  for (const entry of ["inference.ts", "fused.ts"]) {
    const reached = [...(await importGraph([entry])).keys()].map(short);
    assertEquals(reached.filter((m) => /_tfjs|tfjs_types|engines\/tfjs/.test(m)), [], entry);
  }
});

/** The modules under a folder, relative to the repository, e.g. `src/training/loop.ts`. */
function modulesIn(folder: string): string[] {
  const found: string[] = [];
  for (const module of tsModules(new URL(folder, ROOT))) found.push(short(module.href));
  return found.sort();
}

/** What the modules under `folder` import directly (their own folder's modules left out). */
async function importsOf(folder: string): Promise<{ from: string; to: string }[]> {
  const edges: { from: string; to: string }[] = [];
  for (const module of modulesIn(folder)) {
    const code = (await Deno.readTextFile(new URL(module, ROOT))).replace(/^\s*\*.*$/gm, "");
    for (const m of code.matchAll(IMPORT)) {
      const to = short(new URL(m[1] ?? m[2]!, new URL(module, ROOT)).href);
      if (!to.startsWith(folder)) edges.push({ from: module, to });
    }
  }
  return edges;
}

Deno.test("the training loop (src/training/) imports no engine: engines implement its step_engine.ts", async () => {
  const edges = await importsOf("src/training/");
  assertEquals(edges.filter(({ to }) => to.startsWith("src/engines/")), []);
});

Deno.test("the model imports no engine: it runs on tfjs's backend (src/tfjs/), which imports no engine either", async () => {
  for (const folder of ["src/model/", "src/tfjs/", "src/data/", "src/onnx/"]) {
    assertEquals((await importsOf(folder)).filter(({ to }) => to.startsWith("src/engines/")), [], folder);
  }
});

Deno.test("data, model, onnx, figures and train import no display code: notebook.ts registers it", async () => {
  for (const folder of ["src/data/", "src/model/", "src/onnx/", "src/figures/", "src/training/"]) {
    const edges = await importsOf(folder);
    assertEquals(edges.filter(({ to }) => to.startsWith("src/notebook/")), [], folder);
  }
  const train = (await Deno.readTextFile(new URL("src/train.ts", ROOT))).replace(/^\s*\*.*$/gm, "");
  assertEquals([...train.matchAll(IMPORT)].filter((m) => (m[1] ?? m[2])!.includes("notebook/")), []);
});

Deno.test("mod.ts's module graph holds no charting package (vega, vega-lite, resvg, fonts)", async () => {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "mod.ts"], // the tree of what mod.ts reaches, npm packages as npm:/name@version
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const tree = new TextDecoder().decode(stdout);
  const packages = new Set([...tree.matchAll(/npm:\/?(@?[\w.-]+(?:\/[\w.-]+)?)@/g)].map((m) => m[1]!));
  assert(packages.has("@tensorflow/tfjs-core"), [...packages].join(" ")); // the tree was read
  assertEquals([...packages].filter((p) => /vega|resvg|font|sharp/.test(p)), []);
});

Deno.test("each npm version is written once, in src/npm/: no other module of the library, a task or the page names npm:", async () => {
  const published = [
    ...ENTRIES,
    ...modulesIn("src/"),
    ...modulesIn("scripts/"),
    ...modulesIn("web/"),
  ];
  const naming = [];
  for (const module of published) {
    const code = (await Deno.readTextFile(new URL(module, ROOT))).split("\n").filter((line) =>
      !/^\s*(\*|\/\/)/.test(line)
    ).join("\n");
    if (/["']npm:/.test(code) && !module.startsWith("src/npm/")) naming.push(module);
  }
  assertEquals(naming, []);
  // the page's import map names onnxruntime-web as the bundles import it
  const { ONNXRUNTIME_WEB } = await import("../../src/npm/onnxruntime_web.ts");
  assert((await Deno.readTextFile(new URL("web/page/index.html", ROOT))).includes(`"${ONNXRUNTIME_WEB}"`));
});

Deno.test("tests/ and tools/ do not import each other: what both use lives in testing/", async () => {
  const crossing = [
    ...(await importsOf("tests/")).filter(({ to }) => to.startsWith("tools/")),
    ...(await importsOf("tools/")).filter(({ to }) => to.startsWith("tests/")),
    ...(await importsOf("testing/")).filter(({ to }) => /^(tests|tools)\//.test(to)),
  ];
  assertEquals(crossing, []);
});

Deno.test("every module of src/ serves the library, a task or the page, not only tools or tests", async () => {
  const users = [...ENTRIES, ...modulesIn("scripts/"), ...modulesIn("web/")];
  const reached = new Set([...(await importGraph(users)).keys()].map(short));
  assertEquals(modulesIn("src/").filter((module) => !reached.has(module)), []);
});

// src/'s layers, lowest first: a module imports its own folder or a lower layer. The foundation's
// files (no folder of src/ below them) may import each other.
const LAYERS: string[][] = [
  ["src/errors.ts", "src/config.ts", "src/display_hook.ts", "src/tfjs_types.ts", "src/_", "src/npm/"],
  ["src/data/", "src/images/", "src/tfjs/"],
  ["src/model/"],
  ["src/training/", "src/onnx/"],
  ["src/engines/"],
  ["src/train.ts", "src/figures/"],
  ["src/notebook/", "src/cli/"],
];
const unitOf = (module: string) => LAYERS.flat().find((unit) => module.startsWith(unit));
const layerOf = (unit: string) => LAYERS.findIndex((layer) => layer.includes(unit));

Deno.test("no import runs up a layer of src/ (or across one: data, images and tfjs know nothing of each other)", async () => {
  const modules = modulesIn("src/");
  assertEquals(modules.filter((module) => unitOf(module) === undefined), []); // every module has a layer
  const wrong: string[] = [];
  for (const module of modules) {
    const from = unitOf(module)!;
    const code = (await Deno.readTextFile(new URL(module, ROOT))).replace(/^\s*\*.*$/gm, "");
    for (const m of code.matchAll(IMPORT)) {
      const target = short(new URL(m[1] ?? m[2]!, new URL(module, ROOT)).href);
      const to = unitOf(target);
      if (to === undefined || to === from) continue; // outside src/ (models.json, deno.json) or its own folder
      const [a, b] = [layerOf(from), layerOf(to)];
      if (b > a || (b === a && a > 0)) wrong.push(`${module} → ${target}`);
    }
  }
  assertEquals(wrong, []);
});

Deno.test("every task runs a file of the folder for its kind: README's tasks from scripts/, the rest from tools/ or bench/", async () => {
  const { tasks } = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT))) as {
    tasks: Record<string, { command: string }>;
  };
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const table = readme.slice(readme.indexOf("## Tasks"), readme.indexOf("## As a library"));
  const listed = new Set([...table.matchAll(/`deno task ([\w:-]+)/g)].map((m) => m[1]!));
  const fileOf = (name: string) =>
    // the last file a `deno run` or `bash` of the task runs
    [...tasks[name]!.command.matchAll(/(?:deno run [^&]*?|bash )(\S+\.(?:ts|sh))\b/g)].at(-1)?.[1];
  const misplaced = Object.keys(tasks).flatMap((name) => {
    const file = fileOf(name);
    if (file === undefined) return []; // a task of other tasks (ok, test, lint)
    const folder = file.split("/")[0]!;
    // `deno task bench` is README's too, and runs the benches' own report
    const expected = name === "bench"
      ? ["bench"]
      : listed.has(name)
      ? ["scripts"]
      : ["scripts", "tools", "bench"];
    return expected.includes(folder) ? [] : [`${name}: ${file}`];
  });
  assertEquals(misplaced, []);
  assert(listed.has("train") && listed.has("predict"), [...listed].join(" ")); // the table was read
  const run = new Set(Object.keys(tasks).map(fileOf));
  assertEquals(modulesIn("scripts/").filter((file) => !run.has(file)), []); // no script without a task
});
