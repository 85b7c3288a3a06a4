/**
 * Registers how each kind of the library's objects shows itself in a notebook (`display_hook.ts`
 * says how the two halves meet): the notebook entry point imports this module, and only then are
 * the renderers (and, when a chart is first shown, Vega) loaded.
 *
 * @module
 */
import type { LeNet } from "../model/lenet.ts";
import type { LabeledImages } from "../data/types.ts";
import type { EpochLog } from "../training/types.ts";
import { registerDisplay } from "../display_hook.ts";
import { classificationBundle, imagesBundle, summaryBundle } from "./bundles.ts";
import { chartBundle, historyBundle } from "./chart_bundles.ts";

registerDisplay("lenet", (lenet: LeNet) => summaryBundle(lenet.summary(), lenet.summaryText()));
registerDisplay("images", (set: LabeledImages) => imagesBundle(set));
registerDisplay("classification", classificationBundle);
registerDisplay("chart", (spec: Record<string, unknown>) => chartBundle(spec));
registerDisplay("training", (result: { history: EpochLog[] }) => historyBundle(result.history));
