// Digits for the benches that need no permission: the strokes of testing/strokes.ts drawn on the
// page's 280x280 pad and prepared as predict prepares a drawing, shifted by a pixel or two to make
// as many distinct images as asked. What they show does not change a step's time; that they are
// digits keeps the training loss sensible.
import { IMAGE_SIDE } from "../src/config.ts";
import { toGray } from "../src/images/decode.ts";
import { prepareDigit } from "../src/images/digit.ts";
import { drawnDigit } from "../testing/drawn.ts";
import { DIGIT_STROKES } from "../testing/strokes.ts";

/** The ten drawn digits on the page's pad, as RGBA rasters. */
export const PADS = DIGIT_STROKES.map((strokes) => ({ ...drawnDigit(strokes), channels: 4, maxValue: 255 }));

const PREPARED = PADS.map((pad) => prepareDigit(toGray(pad), pad.width, pad.height).pixels);

/** `count` 28x28 digits as bytes (0-255) and their labels. */
export function digitBatch(count: number): { bytes: Uint8Array; floats: Float32Array; labels: Int32Array } {
  const n = IMAGE_SIDE, bytes = new Uint8Array(count * n * n), labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const digit = i % 10, dx = (i / 10 | 0) % 3 - 1, dy = (i / 30 | 0) % 3 - 1;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const sx = x - dx, sy = y - dy;
        const v = sx >= 0 && sx < n && sy >= 0 && sy < n ? PREPARED[digit]![sy * n + sx]! : 0;
        bytes[i * n * n + y * n + x] = Math.round(255 * v);
      }
    }
    labels[i] = digit;
  }
  return { bytes, floats: Float32Array.from(bytes, (b) => b / 255), labels };
}
