// The digits 0 to 9 as a person draws them with a mouse: strokes of points in a unit box (x right,
// y down), drawn into the page's canvas by real pointer events. Written once, before any tuning
// of the digit preparation, and not changed to make a test pass.

/** A stroke: points from pen-down to pen-up, each [x, y] in [0, 1]. */
export type Stroke = [number, number][];

// points along a circular arc about (cx, cy), radii rx/ry, from angle a0 to a1 (degrees, 0 = right,
// 90 = down), `n` segments
function arc(cx: number, cy: number, rx: number, ry: number, a0: number, a1: number, n = 16): Stroke {
  return Array.from({ length: n + 1 }, (_, i) => {
    const a = (a0 + (a1 - a0) * i / n) * Math.PI / 180;
    return [cx + rx * Math.cos(a), cy + ry * Math.sin(a)];
  });
}

/** Strokes of each digit, 0 to 9. */
export const DIGIT_STROKES: Stroke[][] = [
  // 0: one oval, from the top, anticlockwise, closing on itself
  [arc(0.5, 0.5, 0.24, 0.36, -90, -450, 28)],
  // 1: a short flag and the stem
  [[[0.38, 0.26], [0.52, 0.14], [0.52, 0.86]]],
  // 2: the hook, the diagonal, the base
  [[...arc(0.5, 0.34, 0.22, 0.2, -160, 20, 12), [0.3, 0.84], [0.74, 0.84]]],
  // 3: two bowls
  [[...arc(0.48, 0.32, 0.2, 0.18, -150, 90, 12), ...arc(0.48, 0.67, 0.22, 0.19, -90, 150, 12)]],
  // 4: the open stroke down and across, then the stem
  [[[0.56, 0.14], [0.26, 0.6], [0.76, 0.6]], [[0.6, 0.36], [0.6, 0.88]]],
  // 5: the bar, the neck, the belly
  [[[0.72, 0.16], [0.36, 0.16], [0.33, 0.46], ...arc(0.49, 0.64, 0.22, 0.2, -130, 150, 14)]],
  // 6: down the back and round the loop
  [[[0.64, 0.14], [0.42, 0.36], ...arc(0.5, 0.66, 0.2, 0.19, 200, 560, 20)]],
  // 7: the top and the long diagonal
  [[[0.26, 0.16], [0.74, 0.16], [0.44, 0.86]]],
  // 8: an S down and back up
  [[
    ...arc(0.5, 0.3, 0.17, 0.15, -20, -340, 14).reverse(),
    ...arc(0.5, 0.68, 0.21, 0.18, -90, 270, 18),
  ]],
  // 9: the loop, then the stem
  [[...arc(0.48, 0.34, 0.19, 0.18, 10, 370, 18), [0.66, 0.86]]],
];
