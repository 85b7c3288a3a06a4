// The repository as the architecture tests and `deno task casts` read it: its entry points and its
// TypeScript modules.

/** The entry points, deno.json's exports, relative to the repository (`mod.ts`, `inference.ts`, ...). */
export function entryPoints(root: URL): string[] {
  const { exports } = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root))) as {
    exports: Record<string, string>;
  };
  return Object.values(exports).map((path) => path.replace(/^\.\//, ""));
}

/** Every TypeScript module (`.ts`, declarations included) under a folder, its subfolders too. */
export function* tsModules(dir: URL): Generator<URL> {
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.isDirectory) yield* tsModules(new URL(`${entry.name}/`, dir));
    else if (entry.name.endsWith(".ts")) yield new URL(entry.name, dir);
  }
}
