// sharp, typed by _sharp.d.ts (see why there). Imported only by libvips.ts, after it has set the
// process environment sharp reads as it loads.
// @ts-types="./_sharp.d.ts"
import sharp from "npm:sharp@0.35.6";

export default sharp;
