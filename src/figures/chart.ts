/**
 * Figures: Vega-Lite specifications rendered to SVG by Vega (headless, no canvas), and SVG
 * rasterised to PNG by resvg (WebAssembly) with the DejaVu Sans font from npm, so text renders
 * the same on every machine. Nothing here draws pixels or axes by hand.
 *
 * @module
 */
import { vega, vl } from "../npm/vega.ts";
import { DEJAVU_PACKAGE, initWasm, Resvg, RESVG_WASM } from "../npm/resvg.ts";
import { SOFTWARE } from "../config.ts";
import { object, positive, text } from "../_arguments.ts";
import { ArgumentError, firstLine } from "../errors.ts";
import { withPngText } from "../images/png.ts";

/** A Vega-Lite specification (any top-level spec). */
export type ChartSpec = Record<string, unknown>;

/** One small image of a grid: a title and `width x height` values, row-major. */
export interface ImageTile {
  /** Caption shown above the tile. */
  title: string;
  /** Width in cells. */
  width: number;
  /** Height in cells. */
  height: number;
  /** Cell values, row-major. */
  values: ArrayLike<number>;
}

/** How {@linkcode imageGridSpec} draws its tiles. */
export interface ImageGridOptions {
  /** Figure title. */
  title: string;
  /**
   * Tiles per row.
   * @default 8
   */
  columns?: number;
  /**
   * Pixels per cell.
   * @default 4
   */
  cellSize?: number;
  /**
   * `greys` (black 0 to white 1, for digits) or `diverging` (blue negative, white 0, red
   * positive, for weights), on one scale shared by all tiles.
   * @default "greys"
   */
  colors?: "greys" | "diverging";
}

/**
 * Renders a Vega-Lite spec to SVG text.
 *
 * @param spec The chart.
 * @returns A standalone SVG document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { renderSvg } from "./chart.ts";
 * const svg = await renderSvg({ data: { values: [{ x: 1, y: 2 }] }, mark: "point", encoding: {} });
 * assert.ok(svg.startsWith("<svg"));
 * ```
 */
export async function renderSvg(spec: ChartSpec): Promise<string> {
  object(spec, "renderSvg(spec)", true);
  let compiled: ReturnType<typeof vl.compile>["spec"];
  try {
    const full: object = { background: "white", ...spec }; // our spec type is a subset of Vega-Lite's
    compiled = vl.compile(full as vl.TopLevelSpec).spec;
  } catch (error) {
    throw new ArgumentError(`renderSvg(spec): not a Vega-Lite spec (${firstLine(error)})`);
  }
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

let resvgReady: Promise<Uint8Array> | undefined;

function loadResvg(): Promise<Uint8Array> {
  resvgReady ??= (async () => {
    await initWasm(await Deno.readFile(RESVG_WASM));
    return await Deno.readFile(new URL("ttf/DejaVuSans.ttf", DEJAVU_PACKAGE));
  })();
  return resvgReady;
}

/**
 * Rasterises SVG to PNG.
 *
 * @param svg An SVG document.
 * @param scale Output pixels per SVG unit.
 * @param fonts The fonts its text may use (TTF/OTF bytes); by default DejaVu Sans, from npm.
 * @returns PNG bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { svgToPng } from "./chart.ts";
 * const png = await svgToPng('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"/>');
 * assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47]); // "PNG"
 * assert.equal(new DataView(png.buffer, png.byteOffset).getUint32(16), 8); // 4 units at scale 2
 * ```
 */
export async function svgToPng(svg: string, scale = 2, fonts?: Uint8Array[]): Promise<Uint8Array> {
  text(svg, "svgToPng(svg)");
  positive(scale, "svgToPng(scale)");
  const font = await loadResvg();
  let resvg: InstanceType<typeof Resvg>;
  try {
    resvg = new Resvg(svg, {
      // with one font given, text of any family falls back to it
      font: { fontBuffers: fonts ?? [font], defaultFontFamily: "DejaVu Sans", loadSystemFonts: false },
      fitTo: { mode: "zoom", value: scale },
    });
  } catch (error) {
    throw new ArgumentError(`svgToPng(svg): not SVG (${firstLine(error)})`);
  }
  const png = resvg.render().asPng();
  resvg.free();
  return withPngText(png, "Software", SOFTWARE); // so that a later --out may replace it, and nothing else
}

/**
 * A grid of small images (digits, filters, feature maps) as one heat-map chart, faceted by tile.
 *
 * @param tiles The images, in order.
 * @param options Title, layout and colours.
 * @returns A Vega-Lite spec.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { imageGridSpec, renderSvg } from "./chart.ts";
 * const spec = imageGridSpec([{ title: "a", width: 2, height: 2, values: [0, 1, 1, 0] }], { title: "Tiles" });
 * assert.ok((await renderSvg(spec)).includes("Tiles"));
 * ```
 */
export function imageGridSpec(tiles: ImageTile[], options: ImageGridOptions): ChartSpec {
  const { title, columns = 8, cellSize = 4, colors = "greys" } = options;
  const values: { tile: number; caption: string; x: number; y: number; v: number }[] = [];
  const unique = new Set(tiles.map((t) => t.title)).size === tiles.length;
  let extreme = 0;
  tiles.forEach((t, tile) => {
    for (let i = 0; i < t.width * t.height; i++) {
      const v = t.values[i]!;
      extreme = Math.max(extreme, Math.abs(v));
      values.push({
        tile,
        caption: unique ? t.title : `${tile + 1}. ${t.title}`,
        x: i % t.width,
        y: Math.floor(i / t.width),
        v,
      });
    }
  });
  const scale = colors === "greys"
    ? { range: ["black", "white"], domain: [0, 1] }
    : { range: ["#2166ac", "#f7f7f7", "#b2182b"], domain: [-extreme, 0, extreme] }; // blue −, white 0, red +
  const subtitle = colors === "greys"
    ? undefined
    : `shared scale: blue ${(-extreme).toFixed(3)} · white 0 · red +${extreme.toFixed(3)}`;
  return {
    title: subtitle ? { text: title, subtitle } : title,
    data: { values },
    facet: {
      field: "caption",
      type: "nominal",
      title: null,
      sort: { field: "tile", op: "min" },
      header: { labelFontSize: 11, labelPadding: 3 },
    },
    columns,
    spec: {
      width: { step: cellSize },
      height: { step: cellSize },
      mark: { type: "rect", strokeWidth: 0 },
      encoding: {
        x: { field: "x", type: "ordinal", axis: null },
        y: { field: "y", type: "ordinal", axis: null },
        color: {
          field: "v",
          type: "quantitative",
          scale,
          legend: null, // a gradient legend in a faceted chart breaks Vega 6's renderer; the title says the scale
        },
      },
    },
    spacing: 6,
    resolve: { scale: { x: "independent", y: "independent" } },
  };
}
