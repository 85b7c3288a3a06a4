// The committed test pictures of tests/images/pictures_test.ts, made from tests/fixtures/photo_7.jpg:
//   deno run --allow-read --allow-write=tests/fixtures/pictures --allow-sys=cpus tools/make_picture_fixtures.ts
// exif_<N>.jpg for each EXIF orientation N: the pixels stored turned or mirrored as a phone stores
// them, so that a viewer honouring the tag shows the 7 upright (the turn is done here, on plain
// arrays, not by the library under test); photo_7.<webp|gif|avif|tiff> in each other format read;
// not_really.heic, an ISO-BMFF header naming HEIC (no HEVC encoder is at hand to make a real one).
import { loadLibvips } from "../src/images/libvips.ts";

const OUT = new URL("../tests/fixtures/pictures/", import.meta.url);
const sharp = await loadLibvips(); // replaces this process's environment: a tool's own process

const source = await Deno.readFile(new URL("../tests/fixtures/photo_7.jpg", import.meta.url));
const { data: upright, info } = await sharp(source).resize(320, 240).removeAlpha().raw()
  .toBuffer({ resolveWithObject: true });
const [W, H, C] = [info.width, info.height, info.channels];

/** Where the stored pixel (row r, column c) comes from in the upright picture, per EXIF's table. */
const SOURCE: Record<number, (r: number, c: number) => [number, number]> = {
  1: (r, c) => [r, c],
  2: (r, c) => [r, W - 1 - c], // row 0 at the top, column 0 at the right
  3: (r, c) => [H - 1 - r, W - 1 - c],
  4: (r, c) => [H - 1 - r, c],
  5: (r, c) => [c, r], // row 0 at the left, column 0 at the top
  6: (r, c) => [c, W - 1 - r], // row 0 at the right, column 0 at the top: the usual portrait shot
  7: (r, c) => [H - 1 - c, W - 1 - r],
  8: (r, c) => [H - 1 - c, r],
};

for (const [tag, from] of Object.entries(SOURCE)) {
  const orientation = Number(tag);
  const [w, h] = orientation >= 5 ? [H, W] : [W, H];
  const stored = new Uint8Array(w * h * C);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const [y, x] = from(r, c);
      stored.set(upright.subarray((y * W + x) * C, (y * W + x + 1) * C), (r * w + c) * C);
    }
  }
  const jpeg = await sharp(stored, { raw: { width: w, height: h, channels: C as 3 } })
    .jpeg({ quality: 90 }).withMetadata({ orientation }).toBuffer();
  await Deno.writeFile(new URL(`exif_${orientation}.jpg`, OUT), jpeg);
}

const raw = () => sharp(upright, { raw: { width: W, height: H, channels: C as 3 } });
await Deno.writeFile(new URL("photo_7.webp", OUT), await raw().webp({ quality: 90 }).toBuffer());
await Deno.writeFile(new URL("photo_7.gif", OUT), await raw().gif().toBuffer());
await Deno.writeFile(new URL("photo_7.avif", OUT), await raw().avif({ quality: 70 }).toBuffer());
await Deno.writeFile(new URL("photo_7.tiff", OUT), await raw().tiff({ compression: "lzw" }).toBuffer());
const heic = new Uint8Array(64);
heic.set([
  0,
  0,
  0,
  24,
  ...new TextEncoder().encode("ftypheic"),
  0,
  0,
  0,
  0,
  ...new TextEncoder().encode("mif1heic"),
]);
await Deno.writeFile(new URL("not_really.heic", OUT), heic);
console.log(`wrote ${[...Deno.readDirSync(OUT)].length} pictures in ${OUT.pathname}`);
