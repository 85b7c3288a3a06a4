// Decodes one image file in a process of its own and prints one JSON line: the outcome, the time
// and the process's peak resident memory (getrusage's maxrss), so a test can bound what a decoder
// allocated.
//   deno run --allow-read <this> <file>
import process from "node:process";
import { decodeImage } from "../../src/images/decode.ts";

const started = performance.now();
let outcome: string;
try {
  const image = decodeImage(await Deno.readFile(Deno.args[0]!));
  outcome = `decoded ${image.width}x${image.height}`;
} catch (error) {
  outcome = `${(error as Error).name}: ${(error as Error).message}`;
}
const seconds = (performance.now() - started) / 1000;
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ outcome, seconds, peakMb }));
