// Type assertions (`x as T`, `<T>x`; `as const` is not one) in the library's modules: the entry
// points of deno.json's exports and src/. Each is a place where a type could say what the cast
// asserts. Read with TypeScript's own parser, so comments and strings do not count.
import ts from "npm:typescript@5.9.3";
import { join } from "node:path";

/** The type assertions of one module's source. */
export function countCasts(source: string, name = "module.ts"): number {
  const file = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  let count = 0;
  const visit = (node: ts.Node) => {
    if (ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) {
      const type = node.type;
      if (!(ts.isTypeReferenceNode(type) && type.typeName.getText(file) === "const")) count++;
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return count;
}

function* modules(root: string, dir: string): Generator<string> {
  for (const entry of Deno.readDirSync(join(root, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* modules(root, path);
    else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) yield path;
  }
}

/** The casts of each library module under `root` (a checkout), by path, and how many modules were read. */
export function castsOfLibrary(root: string): { casts: Map<string, number>; modules: number } {
  const { exports } = JSON.parse(Deno.readTextFileSync(join(root, "deno.json"))) as {
    exports: Record<string, string>;
  };
  const files = [...Object.values(exports).map((e) => e.replace(/^\.\//, "")), ...modules(root, "src")];
  const casts = new Map<string, number>();
  for (const file of files) casts.set(file, countCasts(Deno.readTextFileSync(join(root, file)), file));
  return { casts, modules: files.length };
}
