/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
// The live training curves: the same Vega-Lite spec as `deno task plot` and the report
// (src/figures/history.ts), rendered as SVG by Vega in the page. A bundle of its own, loaded
// when the first epoch ends, so that the page does not fetch Vega before it needs it.
import { vega, vl } from "../../src/npm/vega.ts";
import { historySpec } from "../../src/figures/history.ts";
import type { EpochLog } from "../../src/training/types.ts";

/** Draws the curves of the epochs so far into `element`, replacing what was there. */
export async function renderCurves(element: HTMLElement, history: EpochLog[]): Promise<void> {
  const spec =
    vl.compile({ background: "white", ...historySpec(history) } as unknown as vl.TopLevelSpec).spec;
  const view = new vega.View(vega.parse(spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  element.innerHTML = svg;
}
