// The preparation of a drawing, as the page and predict do it: the pad's 280x280 RGBA pixels to
// the 28x28 the model sees (gray, paper level, ink levels, marks that are not the digit, the ink's
// box, scaling, centring: one WebAssembly call). Needs no permission: the digits are drawn here.
//   deno bench bench/prepare_bench.ts
import { prepareRaster, toGray } from "../src/images/raster.ts";
import { PADS } from "./_digits.ts";

let next = 0;
Deno.bench("a drawn digit, 280x280 RGBA to the 28x28 input", { group: "preparation" }, () => {
  prepareRaster(PADS[next++ % PADS.length]!);
});
Deno.bench("of which: RGBA to gray", { group: "preparation" }, () => {
  toGray(PADS[next++ % PADS.length]!);
});
