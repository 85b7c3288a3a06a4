// Who touches files: every read of a user's path goes through the bounded reader (a regular file,
// a size bound, the loader's typed error), every write through the writer (a fresh temporary name
// in the folder, then a rename: a link is replaced, never written through) or the run folder's
// swap. Only the modules named here, each for its role, call Deno's file functions directly; a
// new call anywhere else fails this test until it goes through one of them or is named here.
import { assertEquals } from "../_assert.ts";
import { entryPoints, tsModules } from "../../testing/repository.ts";

const ROOT = new URL("../../", import.meta.url);

/** Deno's calls that read or write a file's content, or move, link or delete one. */
const FILE_CALL =
  /\bDeno\.(readFile|readTextFile|open|create|writeFile|writeTextFile|copyFile|rename|remove|truncate|symlink|link|mkdir)(?:Sync)?\(/g;
/** node:fs's, which would step around the same rules. */
const NODE_FS_CALL = /\b(readFileSync|writeFileSync|createReadStream|createWriteStream|openSync)\(/g;

/** The modules allowed to call them, by role: what they may call, and why. */
const ALLOWED: Record<string, { calls: string[]; role: string }> = {
  "src/_bounded_read.ts": { calls: ["open"], role: "the bounded reader" },
  "src/_atomic.ts": {
    calls: ["open", "rename", "remove", "readFile"],
    role: "the writer; copyFileAtomic reads only the project's own files",
  },
  "src/cli/run_dir.ts": {
    calls: ["mkdir", "open", "rename", "remove"],
    role: "the run folder's swap, under the ownership rule",
  },
  "src/model/files.ts": {
    calls: ["mkdir"],
    role: "makes a model's folder (its files go through the writer)",
  },
  "src/cli/shipped_models.ts": {
    calls: ["readTextFile"],
    role: "reads models/models.json, which the project ships",
  },
  "src/figures/chart.ts": { calls: ["readFile"], role: "reads the fonts of the project's npm packages" },
  "scripts/build_web.ts": {
    calls: ["open", "rename", "mkdir", "remove"],
    role: "stages the page's gzipped files in its own marked folder",
  },
  "web/bundle.ts": {
    calls: ["readTextFile", "writeTextFile", "rename", "remove"],
    role: "the bundler's staged output (its own new file, a specifier rewritten), renamed into place",
  },
  "web/static_server.ts": { calls: ["open"], role: "the page's server: regular files under its root" },
  "scripts/eval_images.ts": { calls: ["mkdir", "readFile"], role: "reads the system's fonts" },
  "tools/build_wasm.ts": {
    calls: ["readFile", "writeTextFile"],
    role: "developer tool: the embedded wasm module",
  },
  "tools/fuzz/child.ts": { calls: ["remove"], role: "developer tool: the fuzzer's scratch files" },
  "tools/make_hostile_fixtures.ts": {
    calls: ["writeTextFile", "writeFile", "readFile", "readTextFile", "mkdir", "copyFile"],
    role: "developer tool: writes tests/fixtures",
  },
  "tools/make_picture_fixtures.ts": {
    calls: ["readFile", "writeFile"],
    role: "developer tool: writes tests/fixtures",
  },
  "tools/record_runs.ts": { calls: ["readTextFile"], role: "developer tool: reads results/" },
  "tools/render_docs.ts": { calls: ["readTextFile"], role: "developer tool: reads the docs it renders" },
  "tools/ship_model.ts": {
    calls: ["mkdir", "readFile"],
    role: "developer tool: makes a shipped model's folder, hashes the run's weights",
  },
  "tools/web_figures.ts": { calls: ["copyFile", "remove"], role: "developer tool: the page's figures" },
};

// a module's code without its comments and doc examples
const code = (text: string) => text.split("\n").filter((line) => !/^\s*(\*|\/\/|\/\*)/.test(line)).join("\n");

Deno.test("only the bounded reader, the writer and the modules named for their role call Deno's file functions", async () => {
  const found: Record<string, string[]> = {};
  const published = entryPoints(ROOT).map((path) => new URL(path, ROOT));
  for (const folder of ["src/", "scripts/", "web/", "tools/"]) {
    published.push(...tsModules(new URL(folder, ROOT)));
  }
  for (const url of published) {
    const text = code(await Deno.readTextFile(url));
    const calls = [...text.matchAll(FILE_CALL), ...text.matchAll(NODE_FS_CALL)].map((m) => m[1]!);
    if (calls.length > 0) found[url.href.slice(ROOT.href.length)] = [...new Set(calls)].sort();
  }
  const allowed = Object.fromEntries(
    Object.entries(ALLOWED).map(([path, { calls }]) => [path, [...calls].sort()]),
  );
  assertEquals(found, allowed);
});
