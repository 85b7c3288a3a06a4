// Decoders bounded by what they allocate, not by what a header claims: PNG image data that
// inflates past its header's needs, compressed ancillary chunks, a second IHDR, and a progressive
// JPEG of thousands of tiny scans. Each file is made here (testing/hostile.ts) and decoded in
// a child process whose peak memory is read from /proc.
import { assert, assertEquals, assertThrows } from "../_assert.ts";
import { decodeImage } from "../../src/images/decode.ts";
import { ImageError } from "../../src/images/digit.ts";
import { jpegScanBomb, pngBomb, type PngBombPlace, pngTwoHeaders } from "../../testing/hostile.ts";

const CHILD = new URL("./_decode_child.ts", import.meta.url);
const MB = 1 << 20;

async function decodeInChild(
  bytes: Uint8Array,
): Promise<{ outcome: string; seconds: number; peakMb: number }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/input`, bytes);
    // through sh, which forks: a process spawned straight from this one starts its peak memory
    // count at this test runner's (Linux keeps the old memory's peak across exec)
    const { stdout, stderr } = await new Deno.Command("sh", {
      args: ["-c", '"$@"; exit $?', "sh", Deno.execPath(), "run", "--allow-read", CHILD.href, `${dir}/input`],
    }).output();
    const text = new TextDecoder().decode(stdout).trim();
    assert(text.startsWith("{"), new TextDecoder().decode(stderr));
    return JSON.parse(text);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a PNG whose image data inflates to 256 MB is refused at its header's 2 bytes, in bounded memory", async () => {
  const result = await decodeInChild(await pngBomb(256 * MB, "IDAT"));
  assert(
    result.outcome.startsWith("ImageError: Corrupt PNG: the image data inflates past the 2 bytes"),
    result.outcome,
  );
  assert(result.peakMb < 200, `peak ${result.peakMb} MB`);
});

Deno.test("compressed ancillary chunks (iCCP, zTXt, iTXt) of 256 MB are never inflated: the 1x1 image decodes", async () => {
  for (const place of ["iCCP", "zTXt", "iTXt"] as PngBombPlace[]) {
    const result = await decodeInChild(await pngBomb(256 * MB, place));
    assertEquals(result.outcome, "decoded 1x1", place);
    assert(result.peakMb < 200, `${place}: peak ${result.peakMb} MB`);
  }
});

Deno.test("a PNG whose second IHDR declares 20000x20000 is refused before any inflating", async () => {
  const bytes = await pngTwoHeaders(20000);
  assertThrows(() => decodeImage(bytes), ImageError, "more than one IHDR");
  const result = await decodeInChild(bytes);
  assert(result.peakMb < 200, `peak ${result.peakMb} MB`);
});

Deno.test("a progressive JPEG of 20,000 tiny scans over 4000x4000 is refused from its markers", () => {
  const bytes = jpegScanBomb(4000, 20_000); // 0.5 MB
  const started = performance.now();
  assertThrows(() => decodeImage(bytes), ImageError, "too many scans: 20001 exceeds the limit of 1000");
  // under the scan cap, the block visits still count: 400 scans walk 100 million blocks
  assertThrows(() => decodeImage(jpegScanBomb(4000, 400)), ImageError, "visit 100,250,000 blocks");
  assert(performance.now() - started < 2000, "refusing took over 2 s");
  // and the limits are the caller's to raise
  const small = jpegScanBomb(64, 50);
  assertThrows(() => decodeImage(small, { maxJpegScans: 10 }), ImageError, "too many scans");
  assertEquals(decodeImage(small).width, 64);
});
