// The page's drawing pad as a test or a measuring script reaches it over the DevTools protocol:
// where it is on the page, and strokes in a unit box drawn onto it with real mouse events.
import type { Page, Point } from "./chromium.ts";

/** The pad's box in CSS pixels of the page. */
export interface PadBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where the page's `#pad` canvas is. */
export async function padBox(page: Page): Promise<PadBox> {
  return await page.evaluate<PadBox>(
    "(() => { const { left, top, width, height } = document.getElementById('pad').getBoundingClientRect(); " +
      "return { left, top, width, height }; })()",
  );
}

/** Draws strokes given in a unit box (x right, y down) onto the pad, inside a margin of 8%. */
export async function drawStrokes(page: Page, strokes: Point[][]): Promise<void> {
  const { left, top, width, height } = await padBox(page);
  const margin = 0.08 * width;
  const toPad = ([x, y]: Point): Point => [
    left + margin + x * (width - 2 * margin),
    top + margin + y * (height - 2 * margin),
  ];
  for (const stroke of strokes) await page.stroke(stroke.map(toPad));
}
