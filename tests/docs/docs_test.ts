// README and docs/ as a newcomer reads them: every table of measured figures is what the latest
// result record of its kind renders (with its date, machine and command), every link leads to a
// file in this repository, and README stays a short front door without history.
import { assert, assertEquals } from "../_assert.ts";
import { recordBlocks, renderBlocks } from "../../results/render.ts";
import { entryPoints } from "../../testing/repository.ts";

const ROOT = new URL("../../", import.meta.url);
const DOCS = [
  "README.md",
  ...[...Deno.readDirSync(new URL("docs/", ROOT))]
    .filter((e) => e.name.endsWith(".md")).map((e) => `docs/${e.name}`).sort(),
];

async function formatMarkdown(text: string): Promise<string> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "md", "-"],
    cwd: ROOT,
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  return new TextDecoder().decode((await child.output()).stdout);
}

Deno.test("every table of figures in README and docs/ is what its latest result record renders", async () => {
  let blocks = 0;
  for (const doc of DOCS) {
    const text = await Deno.readTextFile(new URL(doc, ROOT));
    blocks += recordBlocks(text).length;
    assertEquals(await formatMarkdown(await renderBlocks(text)), text, `${doc}: run deno task docs`);
  }
  assert(blocks >= 12, `only ${blocks} record blocks`);
});

Deno.test("every link in README and docs/ leads to a file in this repository", async () => {
  for (const doc of DOCS) {
    const text = await Deno.readTextFile(new URL(doc, ROOT));
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^(https?:|mailto:|#)/.test(target!)) continue;
      const url = new URL(target!.split("#")[0]!, new URL(doc, ROOT));
      assert(url.href.startsWith(ROOT.href), `${doc}: ${target} leads outside the repository`);
      assert(await Deno.stat(url).then(() => true, () => false), `${doc}: ${target} does not exist`);
    }
  }
});

Deno.test("README is a front door: short, no history, and it links every page of docs/", async () => {
  const readme = await Deno.readTextFile(new URL("README.md", ROOT));
  const lines = readme.split("\n").length;
  assert(lines <= 180, `README has ${lines} lines`);
  for (const doc of DOCS.filter((d) => d !== "README.md")) {
    assert(readme.includes(`(${doc})`), `README does not link ${doc}`);
  }
});

// Words that tell how things used to be. A record's provenance line ("Measured <date> ..., commit <c>")
// says when a figure was measured, which is not history.
const HISTORY =
  /\b(earlier (machine|engine|round|session)s?|previous(ly)?|formerly|used to|no longer|has changed since|was kept|stays the|a round ago|(this|last) round|until now|was [0-9])/gi;

Deno.test("README, docs/ and the entry points' module docs say what is, not what was", async () => {
  const texts: [string, string][] = [];
  for (const doc of DOCS) texts.push([doc, await Deno.readTextFile(new URL(doc, ROOT))]);
  for (const entry of entryPoints(ROOT)) {
    const code = await Deno.readTextFile(new URL(entry, ROOT));
    texts.push([entry, code.slice(0, code.indexOf("@module"))]); // the module doc: the file's first block
  }
  const found = texts.flatMap(([name, text]) =>
    text.split("\n").flatMap((line, i) =>
      line.startsWith("Measured ") ? [] : [...line.matchAll(HISTORY)].map((m) => `${name}:${i + 1}: ${m[0]}`)
    )
  );
  assertEquals(found, []);
});

Deno.test("a new, empty record block is rendered in place: the text up to the next block stays", () => {
  const text =
    "a\n<!-- record: x -->\n<!-- /record -->\nkept\n<!-- record: y -->\nold\n<!-- /record -->\nend";
  const blocks = recordBlocks(text);
  assertEquals(blocks.map(({ kind, body, empty }) => ({ kind, body, empty })), [
    { kind: "x", body: "", empty: true },
    { kind: "y", body: "old", empty: false },
  ]);
  assertEquals(text.slice(blocks[1]!.start, blocks[1]!.end), "old");
  assert(text.slice(blocks[0]!.end, blocks[1]!.start).includes("kept"));
});
