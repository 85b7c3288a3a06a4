// The preparation of a drawing, as the page and predict do it: the pad's 280x280 RGBA pixels to
// gray, then to the 28x28 the model sees (paper level, ink levels, marks that are not the digit,
// the ink's box, scaling, centring). Needs no permission: the digits are drawn here.
//   deno bench bench/prepare_bench.ts
import { toGray } from "../src/images/decode.ts";
import { prepareDigit } from "../src/images/digit.ts";
import { PADS } from "./_digits.ts";

let next = 0;
Deno.bench("a drawn digit, 280x280 RGBA to the 28x28 input", { group: "preparation" }, () => {
  const pad = PADS[next++ % PADS.length]!;
  prepareDigit(toGray(pad), pad.width, pad.height);
});
Deno.bench("of which: RGBA to gray", { group: "preparation" }, () => {
  toGray(PADS[next++ % PADS.length]!);
});
