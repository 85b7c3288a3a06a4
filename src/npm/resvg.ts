// resvg's WebAssembly build and the DejaVu font it draws text with, their versions written once.
import "npm:dejavu-fonts-ttf@2.37.3/package.json" with { type: "json" }; // named, so it is installed
export { initWasm, Resvg } from "npm:@resvg/resvg-wasm@2.6.2";

/** resvg's `.wasm`, in the installed package. */
export const RESVG_WASM: URL = new URL("index_bg.wasm", import.meta.resolve("npm:@resvg/resvg-wasm@2.6.2"));
/** The font package's folder. */
export const DEJAVU_PACKAGE: URL = new URL(
  ".",
  import.meta.resolve("npm:dejavu-fonts-ttf@2.37.3/package.json"),
);
