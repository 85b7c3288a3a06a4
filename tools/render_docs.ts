// Renders the tables of README.md and docs/*.md from the latest result records (results/): every
// block between `<!-- record: <kind> -->` and `<!-- /record -->` becomes what the latest record of
// that kind renders to, with its date, machine and command; then `deno fmt` formats the files.
// tests/docs/docs_test.ts checks that the committed docs are what this writes.
//   deno task docs
import { renderBlocks } from "../results/render.ts";
import { runMain } from "../src/cli/flags.ts";
import { writeFileAtomic } from "../src/_atomic.ts";

// the documents whose record blocks are rendered
const DOCUMENTS = [
  "README.md",
  ...[...Deno.readDirSync(new URL("../docs/", import.meta.url))]
    .filter((e) => e.name.endsWith(".md")).map((e) => `docs/${e.name}`).sort(),
];

async function main(): Promise<number> {
  const root = new URL("../", import.meta.url);
  for (const doc of DOCUMENTS) {
    const path = new URL(doc, root).pathname;
    const text = await Deno.readTextFile(path);
    const rendered = await renderBlocks(text);
    if (rendered !== text) await writeFileAtomic(path, rendered);
  }
  const { code } = await new Deno.Command("deno", { args: ["fmt", ...DOCUMENTS], cwd: root })
    .output();
  console.log(`rendered ${DOCUMENTS.length} documents from results/`);
  return code;
}

if (import.meta.main) await runMain(main);
