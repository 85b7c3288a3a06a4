// sharp, its version written once, typed by sharp.d.ts (see why there). Imported only by
// libvips.ts, after it has set the process environment sharp reads as it loads.
// Its WebAssembly build, named so that it is installed (an optional dependency for the wasm32 CPU
// only) and found:
import "npm:@img/sharp-wasm32@0.35.6/versions" with { type: "json" };
// @ts-types="./sharp.d.ts"
import sharp from "npm:sharp@0.35.6";

export default sharp;
