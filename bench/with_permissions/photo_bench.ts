// A 12 MP phone photo from its bytes to its 28x28 digit, in a warm decoding process (libvips through
// sharp's WebAssembly build: decoded at 1/4 scale, shrunk to 512 pixels, the digit prepared), and
// a small PNG decoded in this process, beside it:
//   deno task bench
import jpeg from "npm:jpeg-js@0.4.4";
import { PictureDecoder } from "../../src/images/picture_decoder.ts";

// a noisy 4000x3000 photo of a dark 7 on gray paper, as a sensor would give it (fixed noise)
function phonePhoto(): Uint8Array {
  const width = 4000, height = 3000, data = new Uint8Array(width * height * 4);
  let seed = 1;
  const noise = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 24) / 256 * 40 - 20;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bar = y > 900 && y < 1020 && x > 1500 && x < 2500;
      const stem = y >= 1020 && y < 2200 && Math.abs(x - (2500 - (y - 1020) * 0.6)) < 60;
      const level = (bar || stem ? 40 : 210) + noise();
      data.set([level, level * 0.98, level * 0.94, 255], (y * width + x) * 4);
    }
  }
  return jpeg.encode({ width, height, data }, 90).data;
}

const photo = phonePhoto();
const small = await Deno.readFile(new URL("../../tests/fixtures/palette_7.png", import.meta.url));
const decoder = new PictureDecoder();
await decoder.prepare(photo); // start the process and libvips, outside the timed part

Deno.bench(`a 12 MP JPEG (${(photo.length / 1e6).toFixed(1)} MB) to its digit, decoding process`, {
  group: "a picture to its digit",
  baseline: true,
}, async () => {
  await decoder.prepare(photo);
});
Deno.bench("a 160x120 PNG to its digit, in this process", { group: "a picture to its digit" }, async () => {
  await decoder.prepare(small);
});
globalThis.addEventListener("unload", () => void decoder.close());
