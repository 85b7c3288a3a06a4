// The library as its users import it: README's examples (one per entry point) and mod.ts's own
// example, each run from an empty folder with no deno.json, importing the module over HTTP, with
// exactly the permissions the example's first line names. Only the import paths are changed.
import { assert, assertEquals } from "../_assert.ts";
import { DEFAULT_TRAIN } from "../../src/config.ts";
import { LeNet } from "../../src/model/lenet.ts";
import { saveCheckpoint } from "../../src/training/checkpoint.ts";

const ROOT = new URL("../../", import.meta.url);
const TYPES: Record<string, string> = { ".ts": "application/typescript", ".json": "application/json" };

function serveRepo(): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const path = decodeURIComponent(new URL(request.url).pathname);
    if (path.includes("..")) return new Response("no", { status: 400 });
    try {
      const body = await Deno.readFile(new URL(`.${path}`, ROOT));
      const type = TYPES[path.slice(path.lastIndexOf("."))] ?? "application/octet-stream";
      return new Response(body, { headers: { "content-type": type } });
    } catch {
      return new Response("not found", { status: 404 });
    }
  });
}

interface Example {
  source: string;
  code: string;
  flags: string[];
}

/** README's ```ts blocks that import an entry point; their first line is the `deno run` command. */
async function readmeExamples(): Promise<Example[]> {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  return [...readme.matchAll(/```ts\n(\/\/ deno run ([^\n]*?) main\.ts[^\n]*\n[\s\S]*?)```/g)].map((
    m,
    i,
  ) => ({
    source: `README example ${i + 1}`,
    code: m[1]!,
    flags: m[2]!.split(" "),
  }));
}

/** The runnable example at the top of mod.ts's module documentation. */
async function moduleExample(): Promise<Example> {
  const mod = await Deno.readTextFile(new URL("mod.ts", ROOT));
  const block = /\n \* ```ts\n([\s\S]*?) \* ```\n/.exec(mod)![1]!;
  const code = block.split("\n").map((line) => line.replace(/^ \* ?/, "")).join("\n");
  return { source: "mod.ts example", code, flags: ["--allow-read", "--allow-import=<host>"] };
}

async function run(example: Example, host: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "lenet url import " }); // a space in the path, too
  try {
    await Deno.copyFile(new URL("tests/fixtures/canvas_rgba_2.png", ROOT), `${dir}/digit.png`);
    const code = example.code.replaceAll(/from "\.\/(\w+\.ts)"/g, `from "http://${host}/$1"`);
    assert(!code.includes('from "./'), `${example.source} still imports a local file`);
    await Deno.writeTextFile(`${dir}/main.ts`, code);
    const flags = example.flags.map((flag) => flag.replaceAll("<host>", host));
    const { code: status, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["run", ...flags, "main.ts"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
    const err = new TextDecoder().decode(stderr);
    assertEquals(status, 0, `${example.source} (deno run ${flags.join(" ")}):\n${err}`);
    return new TextDecoder().decode(stdout);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("README's library examples and mod.ts's example run imported by URL with the permissions they name", async () => {
  const examples = await readmeExamples();
  assertEquals(examples.length, 5, "one README example per entry point (config.ts and errors.ts share one)");
  const server = serveRepo();
  const host = `127.0.0.1:${server.addr.port}`;
  try {
    const [training, inference, figures, fused, settings] = examples;
    const trained = await run(training!, host);
    assert(/Total params: 106,154\s+test accuracy 0\.9\d/.test(trained), trained);
    assert((await run(inference!, host)).startsWith("2 ("), "digit.png is a drawn 2");
    assert((await run(figures!, host)).startsWith("filters.png: "));
    assertEquals((await run(fused!, host)).trim(), "trained 100 steps: 106154 weights");
    assert((await run(settings!, host)).includes('schedule: "one-cycle"')); // it asserts the error itself
    await run(await moduleExample(), host); // it asserts what it shows
  } finally {
    await server.shutdown();
  }
});

Deno.test("the first call after importing mod.ts may be LeNet.load() or loadCheckpoint(): no backend to start by hand", async () => {
  const lenet = await LeNet.create(); // in this process; the one below starts from nothing
  const checkpoint = await Deno.makeTempFile({ suffix: ".json" });
  const log = {
    epoch: 1,
    loss: 0.3,
    accuracy: 0.9,
    valLoss: 0.2,
    valAccuracy: 0.95,
    seconds: 6,
    learningRate: 1e-3,
  };
  await saveCheckpoint(checkpoint, lenet, { epoch: 1, train: DEFAULT_TRAIN, history: [log] });
  lenet.dispose();
  const mod = JSON.stringify(new URL("mod.ts", ROOT).href);
  for (
    const call of [
      `(await LeNet.load(new URL("models/lenet-tutorial/", ${JSON.stringify(ROOT.href)}))).countParams()`,
      `(await loadCheckpoint(${JSON.stringify(checkpoint)})).lenet.countParams()`,
    ]
  ) {
    const script = `import { LeNet, loadCheckpoint } from ${mod};\nconsole.log(${call});`;
    const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", "--no-config", script],
      env: { NO_COLOR: "1" },
    }).output();
    assertEquals(
      [code, new TextDecoder().decode(stdout).trim()],
      [0, "106154"],
      new TextDecoder().decode(stderr),
    );
  }
  await Deno.remove(checkpoint);
});

Deno.test("deno publish --dry-run passes and ships no tests, benches or scripts", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
  }).output();
  const out = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assertEquals(code, 0, out);
  const files = [...out.matchAll(/file:\/\/\S+/g)].map((m) => m[0].slice(ROOT.href.length));
  for (
    const entry of [
      "mod.ts",
      "inference.ts",
      "figures.ts",
      "fused.ts",
      "notebook.ts",
      "config.ts",
      "errors.ts",
      "LICENSE",
      "models/lenet-tutorial/model.onnx",
    ]
  ) {
    assert(files.includes(entry), `${entry} is published: ${files}`);
  }
  assertEquals(files.filter((f) => /^(tests|bench|scripts)\/|_test\.ts$|\.wasm$/.test(f)), []);
});
