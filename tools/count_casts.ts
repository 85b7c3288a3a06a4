// Prints the type assertions of the library's modules (testing/casts.ts), a file a line, most
// first, and the total. Give another checkout's folder to count it instead.
//   deno task casts [CHECKOUT]
import { join } from "node:path";
import { helpText, parseFlags, runMain } from "../src/cli/flags.ts";

async function main(): Promise<number> {
  const { positionals, help } = parseFlags({}, Deno.args);
  if (help) return (console.log(helpText("deno task casts [CHECKOUT]", {})), 0);
  // TypeScript reads its environment as it loads: only once counting is asked for
  const { castsOfLibrary } = await import("../testing/casts.ts");
  const { casts, modules } = castsOfLibrary(positionals[0] ?? join(import.meta.dirname!, ".."));
  const rows = [...casts].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [file, n] of rows) console.log(`${String(n).padStart(4)}  ${file}`);
  console.log(`${String(rows.reduce((sum, [, n]) => sum + n, 0)).padStart(4)}  in all (${modules} modules)`);
  return 0;
}

await runMain(main);
