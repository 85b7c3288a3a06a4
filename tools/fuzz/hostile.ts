// Hostile files made to measure, one maker per class of attack that once got past a loader:
// decompression bombs in PNG image data and in compressed ancillary chunks, a PNG whose second
// IHDR disagrees with its first, a progressive JPEG of thousands of tiny scans. tools/fuzz.ts
// draws from them with seeded parameters, and the tests use them at fixed sizes.
import { type Chunk, concat, pngBytes } from "./mutate.ts";

/** zlib (RFC 1950) of `bytes` followed by `zeros` zero bytes, compressed as a stream: no big buffer. */
export async function zlibOfZeros(zeros: number, bytes: Uint8Array = new Uint8Array(0)): Promise<Uint8Array> {
  const chunk = new Uint8Array(1 << 20);
  let left = zeros, sentHead = false;
  const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      if (!sentHead) return (sentHead = true, controller.enqueue(bytes.slice()));
      if (left <= 0) return controller.close();
      const n = Math.min(left, chunk.length);
      left -= n;
      controller.enqueue(chunk.slice(0, n));
    },
  });
  return new Uint8Array(
    await new Response(source.pipeThrough(new CompressionStream("deflate"))).arrayBuffer(),
  );
}

function ihdr(width: number, height: number, depth = 8, colorType = 0): Chunk {
  const data = new Uint8Array(13);
  const view = new DataView(data.buffer);
  view.setUint32(0, width), view.setUint32(4, height);
  data.set([depth, colorType, 0, 0, 0], 8);
  return { type: "IHDR", data };
}

const latin1 = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Where a PNG bomb puts its compressed bytes. */
export type PngBombPlace = "IDAT" | "iCCP" | "zTXt" | "iTXt";

/**
 * A 1x1 gray PNG carrying `inflated` bytes of zeros, compressed, in its image data (far past the
 * 2 bytes its header needs) or in a compressed ancillary chunk beside a valid image.
 */
export async function pngBomb(inflated: number, place: PngBombPlace = "IDAT"): Promise<Uint8Array> {
  const pixel = await zlibOfZeros(0, Uint8Array.of(0, 255)); // filter 0, one white pixel
  if (place === "IDAT") {
    return pngBytes([ihdr(1, 1), {
      type: "IDAT",
      data: await zlibOfZeros(inflated - 2, Uint8Array.of(0, 255)),
    }, {
      type: "IEND",
      data: new Uint8Array(0),
    }]);
  }
  const bomb = await zlibOfZeros(inflated);
  const head = place === "iCCP"
    ? latin1("profile\0\0") // name, compression method 0
    : place === "zTXt"
    ? latin1("Comment\0\0")
    : latin1("Comment\0\x01\0\0\0"); // iTXt: compressed, method 0, no language, no translation
  return pngBytes([ihdr(1, 1), { type: place, data: concat(head, bomb) }, { type: "IDAT", data: pixel }, {
    type: "IEND",
    data: new Uint8Array(0),
  }]);
}

/**
 * A PNG whose first IHDR says 1x1 and whose second says `side` x `side`, with image data for the
 * second: a check that reads the first header lets a decoder that takes the last one through.
 */
export async function pngTwoHeaders(side: number): Promise<Uint8Array> {
  const rows = side * (side + 1);
  return pngBytes([ihdr(1, 1), ihdr(side, side), { type: "IDAT", data: await zlibOfZeros(rows) }, {
    type: "IEND",
    data: new Uint8Array(0),
  }]);
}

/** Writes bits most significant first, stuffing a zero byte after every 0xff as JPEG requires. */
class BitWriter {
  readonly bytes: number[] = [];
  #byte = 0;
  #bits = 0;
  write(value: number, count: number): void {
    for (let i = count - 1; i >= 0; i--) {
      this.#byte = (this.#byte << 1) | ((value >> i) & 1);
      if (++this.#bits === 8) this.#flush();
    }
  }
  end(): Uint8Array {
    while (this.#bits !== 0) this.write(1, 1); // pad with ones
    return Uint8Array.from(this.bytes);
  }
  #flush(): void {
    this.bytes.push(this.#byte);
    if (this.#byte === 0xff) this.bytes.push(0);
    this.#byte = 0, this.#bits = 0;
  }
}

function segment(marker: number, body: number[] | Uint8Array): Uint8Array {
  const length = body.length + 2;
  return concat(Uint8Array.of(0xff, marker, length >> 8, length & 0xff), Uint8Array.from(body));
}

/**
 * A valid progressive gray JPEG of `side` x `side` pixels: one DC scan, then `scans` AC scans that
 * each say "every block ends here" in a few end-of-band runs (16 bytes), while a decoder walks
 * every block of the image for each of them.
 */
export function jpegScanBomb(side: number, scans: number): Uint8Array {
  const blocks = Math.ceil(side / 8) ** 2;
  const dc = new BitWriter();
  for (let i = 0; i < blocks; i++) dc.write(0, 1); // DC difference category 0: code "0"
  const ac = new BitWriter();
  for (let left = blocks; left > 0;) {
    const run = Math.min(left, 32767); // EOB14: code "01", then 14 bits: the run is 16384 + them
    ac.write(0b01, 2), ac.write(run - 16384 < 0 ? 0 : run - 16384, 14);
    left -= Math.max(run, 16384);
  }
  const acData = ac.end();
  const sos = (ss: number, se: number) => segment(0xda, [1, 1, 0x00, ss, se, 0x00]);
  const parts = [
    Uint8Array.of(0xff, 0xd8),
    segment(0xdb, [0, ...new Array(64).fill(1)]),
    segment(0xc2, [8, side >> 8, side & 0xff, side >> 8, side & 0xff, 1, 1, 0x11, 0]),
    segment(0xc4, [0x00, 1, ...new Array(15).fill(0), 0]), // DC: one code of length 1, symbol 0
    segment(0xc4, [0x10, 0, 2, ...new Array(14).fill(0), 0x00, 0xe0]), // AC: EOB0 "00", EOB14 "01"
    sos(0, 0),
    dc.end(),
  ];
  for (let i = 0; i < scans; i++) parts.push(sos(1, 63), acData);
  parts.push(Uint8Array.of(0xff, 0xd9));
  return concat(...parts);
}
