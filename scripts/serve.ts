// Serves the built page (`deno task build:web` writes it to dist/web) on 127.0.0.1, read-only, with
// the two headers that make a page cross-origin isolated (so onnxruntime-web gets two threads and
// the trainer every core its batch keeps busy) on every response.
//   deno task serve [--port 8000] [--dir dist/web]
import { type FlagSpec, helpText, parseFlags, runMain, UsageError } from "../src/cli/flags.ts";
import { serveStatic } from "../web/static_server.ts";

const FLAGS = {
  port: {
    type: "integer",
    min: 0,
    max: 65535,
    description: "port on 127.0.0.1 (0: any free one)",
    default: 8000,
  },
  dir: { type: "string", description: "folder to serve", default: "dist/web", placeholder: "DIR" },
} satisfies Record<string, FlagSpec>;

async function main(): Promise<number> {
  const { flags, help } = parseFlags(FLAGS, Deno.args);
  if (help) return (console.log(helpText("deno task serve [options]", FLAGS)), 0);
  const dir = flags.dir;
  const index = await Deno.stat(`${dir}/index.html`).catch(() => undefined);
  if (!index?.isFile) throw new UsageError(`No page in ${dir}: run deno task build:web first`);
  const server = await serveStatic(dir, flags.port);
  // Ctrl-C and kill stop it cleanly. Registered now, while file descriptors are free: Deno sets up
  // its signal handling on first use and panics if the process is out of them by then.
  const stop = () => void server.shutdown();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, stop);
  console.log(`lenet page: ${server.url} (Ctrl-C stops)`);
  await server.finished;
  return 0;
}

await runMain(main);
