/**
 * How the library's objects show themselves in a Jupyter notebook, without the library loading
 * any display code. Deno's kernel calls an object's `Symbol.for("Jupyter.display")` method and
 * shows the MIME bundle it returns; the core modules only mark an object with what it is
 * (`showAs(set, "images")`), and the method asks the renderer registered for that kind. The
 * renderers (tables, SVG grids, Vega charts) live in `src/notebook/` and are registered by the
 * notebook entry point (`notebook.ts`); a program that never imports it never loads them, and its
 * objects show as Deno shows any object. The method is non-enumerable: JSON, equality and
 * iteration do not see it.
 *
 * @module
 */

/** The symbol Deno's Jupyter kernel looks for. */
export const JUPYTER_DISPLAY: unique symbol = Symbol.for("Jupyter.display");

/** A Jupyter MIME bundle: MIME type to content (text, or base64 for images). */
export type MimeBundle = Record<string, unknown>;

/**
 * What an object is, for display: a LeNet (its summary), a set of images (a grid), a
 * classification (the 28x28 and bars), a chart spec (the chart), a training's result (its curves).
 */
export type DisplayKind = "lenet" | "images" | "classification" | "chart" | "training";

/** Makes the bundle of one kind of object. */
// deno-lint-ignore no-explicit-any
export type Renderer = (value: any) => MimeBundle | Promise<MimeBundle>;

const renderers = new Map<DisplayKind, Renderer>();

/**
 * Registers how one kind of object shows itself (the notebook entry point registers them all).
 *
 * @param kind The kind.
 * @param render Its renderer.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayOf, registerDisplay } from "./display_hook.ts";
 * registerDisplay("chart", (spec) => ({ "text/plain": `a chart of ${spec.mark}` }));
 * assert.deepEqual(await displayOf("chart", { mark: "line" }), { "text/plain": "a chart of line" });
 * ```
 */
export function registerDisplay(kind: DisplayKind, render: Renderer): void {
  renderers.set(kind, render);
}

/**
 * The bundle an object of a kind shows: its renderer's, or, with none registered, the object as
 * Deno prints it.
 *
 * @param kind The kind.
 * @param value What the renderer draws.
 * @returns The bundle.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayOf } from "./display_hook.ts";
 * const bundle = await displayOf("training", { history: [] });
 * assert.equal(typeof bundle["text/plain"], "string");
 * ```
 */
export function displayOf(kind: DisplayKind, value: unknown): MimeBundle | Promise<MimeBundle> {
  const render = renderers.get(kind);
  if (render) return render(value);
  return { "text/plain": "Deno" in globalThis ? Deno.inspect(value) : String(value) };
}

/**
 * Gives an object its display method (non-enumerable, so that nothing else sees it).
 *
 * @param target The object.
 * @param kind What it is.
 * @param value What its renderer draws, when not the object itself.
 * @returns The same object.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { JUPYTER_DISPLAY, registerDisplay, showAs } from "./display_hook.ts";
 * registerDisplay("images", (set) => ({ "text/plain": `${set.count} images` }));
 * const set = showAs({ count: 3 }, "images");
 * assert.equal(JSON.stringify(set), '{"count":3}');
 * assert.deepEqual(await (set as unknown as Record<symbol, () => unknown>)[JUPYTER_DISPLAY]!(), { "text/plain": "3 images" });
 * ```
 */
export function showAs<T extends object>(target: T, kind: DisplayKind, value?: () => unknown): T {
  const show = () => displayOf(kind, value ? value() : target);
  Object.defineProperty(target, JUPYTER_DISPLAY, { value: show, enumerable: false, configurable: true });
  return target;
}
