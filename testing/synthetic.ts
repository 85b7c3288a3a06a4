/**
 * MNIST digits re-rendered as people's pictures, to measure the predict pipeline on inputs that
 * are not MNIST: a photograph of ink on paper, and a drawing on a transparent canvas.
 *
 * @module
 */
import { IMAGE_SIDE } from "../src/config.ts";

/** An 8-bit RGBA image (photographs are opaque: alpha 255). */
export interface SyntheticImage {
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** Interleaved 8-bit samples. */
  data: Uint8Array;
}

function bilinear(src: Uint8Array, size: number, x: number, y: number): number {
  const x0 = Math.floor(x), y0 = Math.floor(y), fx = x - x0, fy = y - y0;
  const at = (xx: number, yy: number) =>
    xx < 0 || yy < 0 || xx >= size || yy >= size ? 0 : src[yy * size + xx]!;
  return (at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx) * (1 - fy) +
    (at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx) * fy;
}

/**
 * A 28x28 MNIST digit as a phone photo of it: dark ink on unevenly lit paper, about seven times
 * larger, off-centre in a 320x240 frame, with sensor noise. Encode it as JPEG to finish the job.
 *
 * @param digit 784 bytes, white on black.
 * @param random A seeded source of [0, 1) numbers.
 * @returns An RGBA image (alpha 255), as `jpeg-js` encodes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mulberry32 } from "../src/data/shuffle.ts";
 * import { photoOfDigit } from "./synthetic.ts";
 * const digit = new Uint8Array(784);
 * for (let y = 4; y < 24; y++) digit[y * 28 + 14] = 255; // a "1"
 * const photo = photoOfDigit(digit, mulberry32(1));
 * assert.deepEqual([photo.width, photo.height, photo.data.length], [320, 240, 320 * 240 * 4]);
 * assert.ok(photo.data.every((v, i) => i % 4 !== 3 || v === 255)); // opaque
 * ```
 */
export function photoOfDigit(digit: Uint8Array, random: () => number): SyntheticImage {
  const width = 320, height = 240;
  const scale = 5 + random() * 3; // the digit's 28 pixels span 140-224 pixels
  const span = IMAGE_SIDE * scale;
  const ox = random() * (width - span), oy = random() * (height - span);
  const paper = 180 + random() * 50, tilt = (random() - 0.5) * 60, ink = 20 + random() * 40;
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const light = paper + tilt * (x / width - 0.5); // uneven lighting across the sheet
      const v = bilinear(digit, IMAGE_SIDE, (x - ox) / scale - 0.5, (y - oy) / scale - 0.5) / 255;
      const noise = (random() + random() + random() - 1.5) * 12;
      const g = Math.max(0, Math.min(255, light * (1 - v) + ink * v + noise));
      data.set([g, g * 0.98, g * 0.93, 255], (y * width + x) * 4); // warm paper tint
    }
  }
  return { width, height, data };
}

/**
 * A 28x28 MNIST digit as a canvas drawing: black strokes whose alpha is the ink, on a fully
 * transparent 280x280 canvas.
 *
 * @param digit 784 bytes, white on black.
 * @returns An RGBA image.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { canvasOfDigit } from "./synthetic.ts";
 * const drawing = canvasOfDigit(new Uint8Array(784).fill(255));
 * assert.deepEqual([drawing.width, drawing.height, drawing.data.length], [280, 280, 280 * 280 * 4]);
 * ```
 */
export function canvasOfDigit(digit: Uint8Array): SyntheticImage {
  const size = 280, scale = 10;
  const data = new Uint8Array(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      data[(y * size + x) * 4 + 3] = Math.round(
        bilinear(digit, IMAGE_SIDE, x / scale - 0.5, y / scale - 0.5),
      );
    }
  }
  return { width: size, height: size, data };
}

/** What lies on the paper of a printed digit besides it ({@linkcode printedDigitSvg}). */
export interface PaperOptions {
  /** Ruled lines, light blue, about 30 px apart, and a red margin: a page of a notebook. */
  lined?: boolean;
  /** Dark specks of dust or toner, up to 3 px across, anywhere on the page: how many. */
  specks?: number;
}

/**
 * A printed digit as a scan or photo of a page shows it: dark ink in whatever font the SVG is
 * rendered with (`svgToPng`'s `fonts`), 60 to 140 px tall, turned up to ±8°, somewhere on light,
 * tinted paper of 200x200 px, with ruled lines or specks when asked.
 *
 * @param digit The digit, 0 to 9.
 * @param random A seeded source of [0, 1) numbers.
 * @param paper What else is on the paper.
 * @returns An SVG document.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mulberry32 } from "../src/data/shuffle.ts";
 * import { printedDigitSvg } from "./synthetic.ts";
 * const svg = printedDigitSvg(7, mulberry32(1));
 * assert.match(svg, />7<\/text>/);
 * assert.equal(svg.match(/rgb\(\d+,\d+,\d+\)/g)?.length, 2); // whole numbers: resvg draws no rgb(1.5, …)
 * const lined = printedDigitSvg(7, mulberry32(1), { lined: true, specks: 3 });
 * assert.equal(lined.match(/<line /g)?.length, 7); // 6 rules and a margin
 * assert.equal(lined.match(/<circle /g)?.length, 3);
 * ```
 */
export function printedDigitSvg(digit: number, random: () => number, paper: PaperOptions = {}): string {
  const size = 60 + random() * 80, angle = (random() - 0.5) * 16;
  const x = 100 + (random() - 0.5) * (200 - size * 0.8), y = 100 + (random() - 0.5) * (200 - size);
  const white = 200 + Math.round(random() * 50), tint = Math.round(random() * 12);
  const ink = Math.round(random() * 70);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="200" height="200">` +
    `<rect width="200" height="200" fill="rgb(${white},${white - (tint >> 1)},${white - tint})"/>` +
    (paper.lined ? ruledLines(random) : "") +
    `<text x="${x.toFixed(1)}" y="${(y + size * 0.35).toFixed(1)}" font-size="${size.toFixed(1)}" ` +
    `text-anchor="middle" fill="rgb(${ink},${ink},${ink + 10})" ` +
    `transform="rotate(${angle.toFixed(1)} ${x.toFixed(1)} ${y.toFixed(1)})">${digit}</text>` +
    specks(paper.specks ?? 0, random) + `</svg>`;
}

// a notebook's rules: 6 light-blue lines 26-34 px apart at a random phase, and a red margin
function ruledLines(random: () => number): string {
  const gap = 26 + random() * 8, phase = random() * gap, width = (1 + random()).toFixed(1);
  const blue = `rgb(${130 + Math.round(random() * 40)},${170 + Math.round(random() * 30)},235)`;
  const rules = Array.from({ length: 6 }, (_, i) => {
    const y = (phase + i * gap).toFixed(1);
    return `<line x1="0" y1="${y}" x2="200" y2="${y}" stroke="${blue}" stroke-width="${width}"/>`;
  });
  const margin = (8 + random() * 20).toFixed(1);
  return rules.join("") +
    `<line x1="${margin}" y1="0" x2="${margin}" y2="200" stroke="rgb(230,120,130)" stroke-width="${width}"/>`;
}

function specks(count: number, random: () => number): string {
  return Array.from({ length: count }, () => {
    const grey = Math.round(random() * 90);
    return `<circle cx="${(random() * 200).toFixed(1)}" cy="${(random() * 200).toFixed(1)}" ` +
      `r="${(0.6 + random() * 0.9).toFixed(1)}" fill="rgb(${grey},${grey},${grey})"/>`;
  }).join("");
}

/**
 * A picture as a phone camera takes it: light falling off across the frame, a slight blur, and
 * sensor noise. Encode it as JPEG to finish the job.
 *
 * @param image An RGBA image (its alpha is ignored).
 * @param random A seeded source of [0, 1) numbers.
 * @returns An opaque RGBA image of the same size.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mulberry32 } from "../src/data/shuffle.ts";
 * import { photographed } from "./synthetic.ts";
 * const white = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 4).fill(255) };
 * const photo = photographed(white, mulberry32(1));
 * assert.equal(photo.data.length, white.data.length);
 * assert.ok(photo.data.some((v, i) => i % 4 !== 3 && v < 250)); // darker somewhere
 * ```
 */
export function photographed(image: SyntheticImage, random: () => number): SyntheticImage {
  const { width, height, data } = image;
  const gx = (random() - 0.5) * 0.5, gy = (random() - 0.5) * 0.5, dim = 0.75 + random() * 0.2;
  const out = new Uint8Array(data.length);
  const at = (x: number, y: number, c: number) =>
    data[(Math.min(height - 1, Math.max(0, y)) * width + Math.min(width - 1, Math.max(0, x))) * 4 + c]!;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const light = dim + gx * (x / width - 0.5) + gy * (y / height - 0.5);
      const noise = (random() + random() + random() - 1.5) * 14;
      for (let c = 0; c < 3; c++) {
        // a slight blur: half the pixel, half its four neighbours
        const v = 0.5 * at(x, y, c) +
          0.125 * (at(x - 1, y, c) + at(x + 1, y, c) + at(x, y - 1, c) + at(x, y + 1, c));
        out[(y * width + x) * 4 + c] = Math.max(0, Math.min(255, Math.round(v * light + noise)));
      }
      out[(y * width + x) * 4 + 3] = 255;
    }
  }
  return { width, height, data: out };
}
