// One batch of tools/fuzz/fuzz.ts, in a process of its own: inputs [from, to) of a target, one JSON line
// as each starts ({"i"}) and ends ({"i", "outcome"}: loaded, typed, or other with its error).
//   deno run --allow-read --allow-write --allow-env tools/fuzz/child.ts <target> <seed> <from> <to>
import process from "node:process";
import { mulberry32 } from "../../src/data/shuffle.ts";
import { type TargetName, TARGETS } from "../../testing/fuzz_targets.ts";

const [name, seedText, fromText, toText] = Deno.args as [TargetName, string, string, string];
const target = TARGETS[name];
const dir = await Deno.makeTempDir({ prefix: "lenet-fuzz-" });
const seeds = await target.seeds(dir);
// every line carries the process's peak resident memory so far, in MB
const write = (event: object) =>
  console.log(JSON.stringify({ ...event, peakMb: process.resourceUsage().maxRSS / 1024 }));

try {
  for (let i = Number(fromText); i < Number(toText); i++) {
    write({ i });
    // each input from its own (seed, index, target) stream, whatever batch it falls in
    const random = mulberry32((Number(seedText) * 1_000_003 + i * 7919 + name.length * 104_729) >>> 0);
    const seed = seeds[Math.floor(random() * seeds.length)]!;
    try {
      const loaded = await target.run(seed, random, dir);
      write({ i, outcome: loaded ? "loaded" : "typed" });
    } catch (error) {
      const typed = error instanceof target.errorType && !(error as Error).message.includes("\n");
      const detail = `${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 200)}`;
      write({ i, outcome: typed ? "typed" : "other", detail });
    }
    (globalThis as { gc?: () => void }).gc?.(); // so that the next input's peak is its own
  }
} finally {
  await Deno.remove(dir, { recursive: true }).catch(() => {});
}
