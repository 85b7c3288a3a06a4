/**
 * Pictures in Jupyter: import this module in a notebook (Deno's kernel) and every object of the
 * library shows itself — a LeNet as its summary table, a set of images as a grid, a training's
 * result as its curves, a classification as the 28x28 the model saw and bars, a figure spec as its
 * chart. The other entry points load no display code; without this one their objects show as Deno
 * prints any object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import "./notebook.ts";
 * import { LeNet } from "./mod.ts";
 * const lenet = await LeNet.create();
 * const bundle = await (lenet as unknown as Record<symbol, () => Promise<Record<string, unknown>>>)[
 *   Symbol.for("Jupyter.display")
 * ]!();
 * assert.match(bundle["text/html"] as string, /Total params: 106,154/);
 * lenet.dispose();
 * ```
 *
 * @module
 */
import "./src/notebook/register.ts";

export type { DisplayKind, MimeBundle } from "./src/display_hook.ts";
