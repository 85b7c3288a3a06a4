/**
 * The pieces the notebook's renderers draw with: an HTML table, a grid of gray images and bars, as
 * SVG (so that GitHub, VS Code and nbviewer show them too).
 *
 * @module
 */

const escape = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * An HTML table.
 *
 * @param head The header cells.
 * @param rows The body's rows.
 * @param caption A caption under the table.
 * @returns The HTML.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { htmlTable } from "./drawings.ts";
 * assert.match(htmlTable(["a"], [["<1>"]]), /<td>&lt;1&gt;<\/td>/);
 * ```
 */
export function htmlTable(head: string[], rows: (string | number)[][], caption = ""): string {
  const cells = (row: (string | number)[], tag: string) =>
    row.map((cell) =>
      `<${tag}${typeof cell === "number" ? ' style="text-align:right"' : ""}>${
        escape(typeof cell === "number" ? cell.toLocaleString("en-US") : cell)
      }</${tag}>`
    ).join("");
  return `<table><thead><tr>${cells(head, "th")}</tr></thead><tbody>${
    rows.map((row) => `<tr>${cells(row, "td")}</tr>`).join("")
  }</tbody>${caption ? `<caption style="caption-side:bottom">${escape(caption)}</caption>` : ""}</table>`;
}

/** One gray image of a grid: values (row-major) and what it is labelled. */
export interface GrayTile {
  /** Width. */
  width: number;
  /** Height. */
  height: number;
  /** Values, row-major. */
  values: ArrayLike<number>;
  /** The caption under it. */
  caption: string;
}

/** Options of {@linkcode grayGridSvg}. */
export interface GrayGridOptions {
  /**
   * Tiles a row.
   * @default 8
   */
  columns?: number;
  /**
   * Pixels a value.
   * @default 3
   */
  scale?: number;
  /**
   * `[0, 1]`: values in [0, 1], 0 black (images); `symmetric`: a diverging scale about 0 (weights).
   * @default "[0, 1]"
   */
  range?: "[0, 1]" | "symmetric";
}

function shadeOf(v: number, range: GrayGridOptions["range"], extent: number): string {
  if (range === "symmetric") { // red for negative, blue for positive, white at 0
    const t = Math.max(-1, Math.min(1, v / (extent || 1)));
    const c = (x: number) => Math.round(255 * (1 - Math.abs(x)));
    return t < 0 ? `rgb(255,${c(t)},${c(t)})` : `rgb(${c(t)},${c(t)},255)`;
  }
  const g = Math.round(255 * Math.max(0, Math.min(1, v)));
  return `rgb(${g},${g},${g})`;
}

/**
 * Gray images (or weights) as one SVG grid of pixel squares with captions: no renderer needed, so
 * it is cheap and shows everywhere.
 *
 * @param tiles The images.
 * @param options Layout and scale.
 * @returns The SVG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grayGridSvg } from "./drawings.ts";
 * const svg = grayGridSvg([{ width: 2, height: 1, values: [0, 1], caption: "a" }]);
 * assert.ok(svg.startsWith("<svg") && svg.includes("rgb(255,255,255)"));
 * ```
 */
export function grayGridSvg(tiles: GrayTile[], options: GrayGridOptions = {}): string {
  const { columns = 8, scale = 3, range = "[0, 1]" } = options;
  const cellW = Math.max(...tiles.map((t) => t.width)) * scale + 8,
    cellH = Math.max(...tiles.map((t) => t.height)) * scale + 22;
  const extent = Math.max(...tiles.flatMap((t) => Array.from(t.values, Math.abs)));
  const cols = Math.min(columns, tiles.length), rows = Math.ceil(tiles.length / cols);
  const parts = tiles.map((tile, i) => {
    const x0 = (i % cols) * cellW + 4, y0 = Math.floor(i / cols) * cellH + 4;
    const pixels: string[] = [];
    for (let y = 0; y < tile.height; y++) {
      for (let x = 0; x < tile.width; x++) {
        const fill = shadeOf(tile.values[y * tile.width + x]!, range, extent);
        pixels.push(
          `<rect x="${x0 + x * scale}" y="${
            y0 + y * scale
          }" width="${scale}" height="${scale}" fill="${fill}"/>`,
        );
      }
    }
    const label = `<text x="${x0}" y="${
      y0 + tile.height * scale + 13
    }" font-size="11" font-family="sans-serif">${escape(tile.caption)}</text>`;
    return pixels.join("") + label;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${cols * cellW}" height="${
    rows * cellH
  }" shape-rendering="crispEdges">` +
    `<rect width="100%" height="100%" fill="white"/>${parts.join("")}</svg>`;
}

/**
 * Horizontal bars with labels and values (a classification's top classes), as SVG.
 *
 * @param bars Label, value in [0, 1].
 * @returns The SVG.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { barsSvg } from "./drawings.ts";
 * assert.match(barsSvg([["7", 0.9]]), /90\.0%/);
 * ```
 */
export function barsSvg(bars: [string, number][]): string {
  const width = 220, row = 22;
  const items = bars.map(([label, value], i) =>
    `<text x="0" y="${i * row + 15}" font-size="13" font-family="sans-serif">${escape(label)}</text>` +
    `<rect x="24" y="${i * row + 4}" width="${Math.max(1, value * 140)}" height="14" fill="#4c78a8"/>` +
    `<text x="${30 + value * 140}" y="${i * row + 15}" font-size="12" font-family="sans-serif">${
      (100 * value).toFixed(1)
    }%</text>`
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${bars.length * row + 4}">${
    items.join("")
  }</svg>`;
}
