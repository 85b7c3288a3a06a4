// Casts stay rare: where a type can say what a cast asserts, the type says it. The library held 94
// type assertions at 0eb9b34 (`deno task casts` in a checkout of it); the bound is half of that.
import { assert, assertEquals } from "../_assert.ts";
import { castsOfLibrary, countCasts } from "../../testing/casts.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const BOUND = 47;

Deno.test("countCasts counts `as T` and `<T>x`, not `as const`, comments or strings", () => {
  const source = [
    "const a = b as number; // x as T",
    "const c = <string>d;",
    'const e = [1, 2] as const, f = "g as T";',
    "const h = i as unknown as J;",
  ].join("\n");
  assertEquals(countCasts(source), 4);
});

Deno.test(`the library's modules hold at most ${BOUND} type assertions (deno task casts lists them)`, () => {
  const { casts, modules } = castsOfLibrary(ROOT);
  const total = [...casts.values()].reduce((sum, n) => sum + n, 0);
  assert(modules > 50, `${modules} modules read`);
  assert(
    total <= BOUND,
    `${total} casts: ${[...casts].filter(([, n]) => n > 0).map(([f, n]) => `${f} ${n}`)}`,
  );
});
