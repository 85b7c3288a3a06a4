// A digit drawn as the page draws one: black round strokes of a pen a 14th of the pad wide on a
// white RGBA pad, from the strokes of `strokes.ts`. For measuring and testing the preparation of
// drawings without a browser.
import type { Stroke } from "./strokes.ts";

/**
 * Rasterises strokes (points in a unit box) onto a white `side` x `side` RGBA pad: every pixel
 * within half a pen width of a segment is black, as a canvas with round caps and joins draws it
 * (without its anti-aliasing).
 */
export function drawnDigit(
  strokes: Stroke[],
  side = 280,
): { width: number; height: number; data: Uint8ClampedArray } {
  const data = new Uint8ClampedArray(side * side * 4).fill(255);
  const r = side / 28, margin = 0.1; // a pen of side / 14, the page's; the digit within the middle 80%
  const at = ([x, y]: [number, number]): [number, number] => [
    side * (margin + (1 - 2 * margin) * x),
    side * (margin + (1 - 2 * margin) * y),
  ];
  for (const stroke of strokes) {
    const points = stroke.map(at);
    for (let i = 0; i < points.length; i++) {
      const [ax, ay] = points[i]!, [bx, by] = points[Math.min(i + 1, points.length - 1)]!;
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r)),
        x1 = Math.min(side - 1, Math.ceil(Math.max(ax, bx) + r));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r)),
        y1 = Math.min(side - 1, Math.ceil(Math.max(ay, by) + r));
      const dx = bx - ax, dy = by - ay, length2 = dx * dx + dy * dy;
      for (let y = y0; y <= y1; y++) {
        for (let x = x0; x <= x1; x++) {
          const t = length2 === 0
            ? 0
            : Math.max(0, Math.min(1, ((x + 0.5 - ax) * dx + (y + 0.5 - ay) * dy) / length2));
          const ex = x + 0.5 - (ax + t * dx), ey = y + 0.5 - (ay + t * dy);
          if (ex * ex + ey * ey <= r * r) data.fill(0, (y * side + x) * 4, (y * side + x) * 4 + 3);
        }
      }
    }
  }
  return { width: side, height: side, data };
}
