// Type assertions (`x as T`, `<T>x`; `as const` is not one) in the library's modules: the entry
// points of deno.json's exports and src/. Each is a place where a type could say what the cast
// asserts. Read with TypeScript's own parser, so comments and strings do not count.
import ts from "npm:typescript@5.9.3";
import { pathToFileURL } from "node:url";
import { entryPoints, tsModules } from "./repository.ts";

const toFileUrl = (root: string) => pathToFileURL(root.endsWith("/") ? root : `${root}/`);

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

/** The casts of each library module under `root` (a checkout), by path, and how many modules were read. */
export function castsOfLibrary(root: string): { casts: Map<string, number>; modules: number } {
  const base = toFileUrl(root);
  const sources = [
    ...entryPoints(base),
    ...[...tsModules(new URL("src/", base))].map((url) => url.href.slice(base.href.length)),
  ].filter((path) => !path.endsWith(".d.ts"));
  const casts = new Map<string, number>();
  for (const path of sources) casts.set(path, countCasts(Deno.readTextFileSync(new URL(path, base)), path));
  return { casts, modules: sources.length };
}
