// Pictures as phones and people store them, through PictureDecoder: every EXIF orientation, every
// format read, the limits' errors, the deadline, and the hostile files found so far. The pictures
// in tests/fixtures/pictures/ are made by tools/make_picture_fixtures.ts.
import { assert, assertEquals, assertRejects } from "../_assert.ts";
import { ImageError, prepareDigit } from "../../src/images/digit.ts";
import { decodeImage, toGray } from "../../src/images/decode.ts";
import { decodePng } from "../../src/images/png.ts";
import { FAST_PNG_BYTES, PictureDecoder } from "../../src/images/picture_decoder.ts";
import { jpegDriHiddenScans, jpegScanBomb, pngOneByteIdats } from "../../testing/hostile.ts";
import { pngBytes, pngChunks } from "../../testing/mutate.ts";

const fixture = (name: string) => Deno.readFile(new URL(`../fixtures/${name}`, import.meta.url));

// A fixture the decoder refuses with an ImageError saying `words`.
async function refuses(decoder: PictureDecoder, name: string, words: string): Promise<void> {
  const bytes = await fixture(name);
  await assertRejects(() => decoder.prepare(bytes), ImageError, words);
}

function meanDifference(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

Deno.test("PictureDecoder.prepare() turns every EXIF orientation (1-8) upright, as a viewer shows it", async () => {
  await using decoder = new PictureDecoder({ processes: 2 });
  const upright = await decoder.prepare(await fixture("pictures/exif_1.jpg"));
  for (let orientation = 2; orientation <= 8; orientation++) {
    const bytes = await fixture(`pictures/exif_${orientation}.jpg`);
    const picture = await decoder.prepare(bytes);
    assertEquals([picture.width, picture.height], [320, 240], `orientation ${orientation}: the upright size`);
    const difference = meanDifference(picture.pixels, upright.pixels);
    assert(difference < 0.02, `orientation ${orientation}: differs from the upright 7 by ${difference}`);
    // the stored pixels, read without the tag, are turned or mirrored: far from the upright 7
    const raw = decodeImage(bytes);
    const stored = prepareDigit(toGray(raw), raw.width, raw.height).pixels;
    assert(
      meanDifference(stored, upright.pixels) > 0.05,
      `orientation ${orientation}: the fixture is not turned`,
    );
  }
});

Deno.test("PictureDecoder.prepare() reads WebP, GIF, AVIF and TIFF as it reads the JPEG, and says how to convert HEIC", async () => {
  await using decoder = new PictureDecoder();
  const jpeg = await decoder.prepare(await fixture("pictures/exif_1.jpg"));
  for (const format of ["webp", "gif", "avif", "tiff"]) {
    const picture = await decoder.prepare(await fixture(`pictures/photo_7.${format}`));
    assertEquals([picture.width, picture.height], [320, 240], format);
    const difference = meanDifference(picture.pixels, jpeg.pixels);
    assert(difference < 0.03, `${format}: differs from the JPEG by ${difference}`);
  }
  await refuses(decoder, "pictures/not_really.heic", "heif-convert");
  await refuses(decoder, "not_an_image.png", "Not a picture read here");
  await refuses(decoder, "truncated.jpg", "Cannot decode this JPEG");
});

Deno.test("a small PNG gives the same 28x28 decoded here as decoded by libvips in the decoding process", async () => {
  await using decoder = new PictureDecoder();
  for (
    const name of [
      "palette_7.png",
      "gray16_7.png",
      "gray1bit_7.png",
      "rgb_interlaced_7.png",
      "canvas_rgba_2.png",
      "canvas_grayalpha_2.png",
    ]
  ) {
    const small = await fixture(name);
    assert(PictureDecoder.decodesHere(small), name);
    // the same pixels past the size decoded here: a large text chunk sends it to libvips
    const chunks = pngChunks(small)!;
    const padding = { type: "tEXt", data: new Uint8Array(FAST_PNG_BYTES).fill(0x61) };
    const large = pngBytes([chunks[0]!, padding, ...chunks.slice(1)]);
    assert(!PictureDecoder.decodesHere(large), name);
    const [here, there] = [await decoder.prepare(small), await decoder.prepare(large)];
    const image = decodePng(small, { maxPixels: 1e6 });
    assertEquals(here.pixels, prepareDigit(toGray(image), image.width, image.height).pixels, `${name}: here`);
    assertEquals(there.pixels, here.pixels, `${name}: libvips`);
    assertEquals([there.inverted, there.box], [here.inverted, here.box], name);
  }
});

Deno.test("PictureDecoder's limits say which limit, and how to raise it", async () => {
  await using small = new PictureDecoder({ limits: { maxPixels: 10_000 } });
  await refuses(
    small,
    "pictures/exif_6.jpg",
    "Image too large: 320x240 exceeds the limit of 10,000 pixels (raise it",
  );
  await refuses(small, "huge_header.png", "Image too large");
  assertEquals((await new PictureDecoder().prepare(await fixture("palette_7.png"))).pixels.length, 784);
});

Deno.test("PictureDecoder stops a picture at its deadline, and the next picture is read by a new process", async () => {
  await using decoder = new PictureDecoder({ limits: { timeoutMs: 1000 } });
  const started = performance.now();
  // 900 scans over 4000x4000, under the scan limit: libvips walks every block of every scan
  await assertRejects(
    () => decoder.prepare(jpegScanBomb(4000, 900)),
    ImageError,
    "Decoding stopped after 1 s",
  );
  assert(performance.now() - started < 5000, `stopped after ${performance.now() - started} ms`);
  const next = await decoder.prepare(await fixture("pictures/exif_3.jpg"));
  assertEquals([next.width, next.height], [320, 240]);
});

Deno.test("the hostile pictures found by review end in one error: DRI-hidden scans, 4.6 million one-byte IDATs", async () => {
  await using decoder = new PictureDecoder();
  await assertRejects(
    () => decoder.prepare(jpegScanBomb(4000, 20_000)),
    ImageError,
    "too many scans: 20001 exceeds the limit of 1000 (raise it",
  );
  await assertRejects(
    () => decoder.prepare(jpegDriHiddenScans(4000, 39_000)),
    ImageError,
    "Bogus marker length",
  );
  const idats = pngOneByteIdats(2150); // a valid, white 2150x2150 PNG of 60 MB
  await assertRejects(() => decoder.prepare(idats), ImageError, "No digit found: the image is blank");
});

Deno.test("without --allow-run, a photo gets one line saying the decoding process needs it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const decoder = new URL("../../src/images/picture_decoder.ts", import.meta.url);
    const photo = new URL("../fixtures/photo_7.jpg", import.meta.url).pathname;
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { PictureDecoder } from "${decoder}";\n` +
        `await using decoder = new PictureDecoder();\n` +
        `await decoder.prepare(await Deno.readFile(${JSON.stringify(photo)}))` +
        `.catch((error) => console.log(error.name + ": " + error.message));\n`,
    );
    const config = new URL("../../deno.json", import.meta.url).pathname;
    const { stdout } = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--allow-read", "--config", config, `${dir}/main.ts`],
    }).output();
    assertEquals(
      new TextDecoder().decode(stdout).trim(),
      "ImageError: Decoding this picture runs libvips in a process of its own, which needs --allow-run=deno " +
        "(or decode it yourself and call classifyRaster)",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("PictureDecoder.prepare() refuses what is not bytes with an ImageError naming the argument", async () => {
  await using decoder = new PictureDecoder();
  for (const bad of [undefined, "photo.jpg", [0xff, 0xd8, 0xff]]) {
    await assertRejects(() => decoder.prepare(bad as unknown as Uint8Array), ImageError, "Invalid bytes");
  }
});
