/**
 * Bundling a module for the browser, as the page's build does: `deno bundle --platform=browser`,
 * minified, class names kept (so error names survive), `node:worker_threads` left out (only
 * imported where Deno runs). Runs the `deno` on the PATH (`--allow-run=deno`).
 *
 * @module
 */
import { LenetError } from "../src/errors.ts";

/** Raised when a module cannot be bundled; the message gives the bundler's first line. */
export class BundleError extends LenetError {}

/**
 * Bundles `entry` and everything it imports into one browser module at `output`.
 *
 * @param entry The module, a path.
 * @param output Where the bundle goes.
 * @param external Further specifiers to leave as imports (an import map resolves them).
 * @param rewrite External specifiers to replace in the bundle by the URL that serves them (for a
 *   worker, which has no import map).
 * @throws {BundleError} When `deno bundle` fails.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BundleError, bundleForBrowser } from "./bundle.ts";
 * await assert.rejects(bundleForBrowser("no/such/module.ts", "never.js"), BundleError);
 * ```
 */
export async function bundleForBrowser(
  entry: string,
  output: string,
  external: string[] = [],
  rewrite: Record<string, string> = {},
): Promise<void> {
  // bundled beside the output under a new name, then renamed over it: a link at `output` is
  // replaced, never written through
  const staging = `${output}.partial-${crypto.randomUUID().slice(0, 8)}`;
  const { code, stderr } = await new Deno.Command("deno", {
    args: [
      "bundle",
      "--quiet",
      "--platform=browser",
      "--minify",
      "--keep-names",
      "--external=node:worker_threads",
      ...external.map((specifier) => `--external=${specifier}`),
      "--output",
      staging,
      entry,
    ],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code === 0) {
    if (Object.keys(rewrite).length > 0) {
      // an external import the browser cannot resolve there (a worker has no import map), pointed
      // at the file that serves it
      let text = await Deno.readTextFile(staging);
      for (const [from, to] of Object.entries(rewrite)) {
        text = text.replaceAll(`"${from}"`, JSON.stringify(to));
      }
      await Deno.writeTextFile(staging, text);
    }
    return await Deno.rename(staging, output);
  }
  await Deno.remove(staging).catch(() => {});
  const why = new TextDecoder().decode(stderr).trim().split("\n").find((line) => line.trim()) ??
    `exit ${code}`;
  throw new BundleError(`Cannot bundle ${entry}: ${why}`);
}
