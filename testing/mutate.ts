// Seeded mutations of files, blind (bytes) and structure-aware (PNG chunks, JPEG markers, IDX
// headers, JSON trees), for tools/fuzz/fuzz.ts. Every function takes the random source it may use, so a
// (seed, index) pair always makes the same input.

/** A source of numbers in [0, 1). */
export type Random = () => number;

/** An integer in [0, n). */
export const pick = (random: Random, n: number): number => Math.floor(random() * n);

/** Values that make sizes and counts overflow, vanish or blow up. */
export const NASTY = [0, 1, 255, 256, 65535, 65536, 0x7fffffff, 0xffffffff, 1 << 20, 100_000, 6324, 4000];

/** One blind mutation of bytes: flips, overwrites, truncation, extension, duplication, deletion. */
export function mutateBytes(bytes: Uint8Array, random: Random): Uint8Array {
  const out = bytes.slice();
  const at = pick(random, Math.max(1, out.length));
  switch (pick(random, 8)) {
    case 0: // flip a few bits
      for (let i = 0, n = 1 + pick(random, 8); i < n && out.length > 0; i++) {
        out[pick(random, out.length)]! ^= 1 << pick(random, 8);
      }
      return out;
    case 1: // a random byte here and there
      for (let i = 0, n = 1 + pick(random, 4); i < n && out.length > 0; i++) {
        out[pick(random, out.length)] = pick(random, 256);
      }
      return out;
    case 2: // a big-endian nasty 32-bit value
      if (out.length >= 4) {
        new DataView(out.buffer).setUint32(pick(random, out.length - 3), NASTY[pick(random, NASTY.length)]!);
      }
      return out;
    case 3: // cut short
      return out.subarray(0, at);
    case 4: { // grow with zeros or noise
      const extra = new Uint8Array(1 + pick(random, 4096));
      if (random() < 0.5) extra.forEach((_, i) => extra[i] = pick(random, 256));
      return concat(out, extra);
    }
    case 5: { // duplicate a slice
      const end = Math.min(out.length, at + 1 + pick(random, 256));
      return concat(out.subarray(0, end), out.subarray(at, end), out.subarray(end));
    }
    case 6: { // delete a slice
      const end = Math.min(out.length, at + 1 + pick(random, 64));
      return concat(out.subarray(0, at), out.subarray(end));
    }
    default: // a run of 0xff or 0x00
      out.fill(random() < 0.5 ? 0xff : 0, at, Math.min(out.length, at + 1 + pick(random, 32)));
      return out;
  }
}

/** Bytes joined. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) out.set(part, at), at += part.length;
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** CRC-32 as PNG computes it. */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk. */
export interface Chunk {
  type: string;
  data: Uint8Array;
}

/** A PNG's chunks, or undefined when one is cut off. */
export function pngChunks(bytes: Uint8Array): Chunk[] | undefined {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const chunks: Chunk[] = [];
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    if (at + 12 + length > bytes.length) return undefined;
    chunks.push({
      type: String.fromCharCode(...bytes.subarray(at + 4, at + 8)),
      data: bytes.slice(at + 8, at + 8 + length),
    });
    at += 12 + length;
  }
  return chunks;
}

/** A PNG made of these chunks, each with its length and a right CRC. */
export function pngBytes(chunks: Chunk[]): Uint8Array {
  const parts: Uint8Array[] = [Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)];
  for (const { type, data } of chunks) {
    const head = new Uint8Array(8);
    new DataView(head.buffer).setUint32(0, data.length);
    head.set([...type].map((c) => c.charCodeAt(0)), 4);
    const crc = new Uint8Array(4);
    new DataView(crc.buffer).setUint32(0, crc32(concat(head.subarray(4), data)));
    parts.push(head, data, crc);
  }
  return concat(...parts);
}

/**
 * A PNG mutated chunk by chunk, CRCs made right so that decoders get past them: IHDR's size,
 * depth and colour type, duplicated, dropped or reordered chunks, IDAT bytes.
 */
export function mutatePng(bytes: Uint8Array, random: Random): Uint8Array {
  const chunks = pngChunks(bytes);
  if (!chunks || chunks.length === 0) return mutateBytes(bytes, random);
  const ihdr = chunks.find((c) => c.type === "IHDR");
  const view = ihdr ? new DataView(ihdr.data.buffer, ihdr.data.byteOffset, ihdr.data.byteLength) : undefined;
  switch (pick(random, 7)) {
    case 0: // a huge, zero or odd size
      view?.setUint32(pick(random, 2) * 4, NASTY[pick(random, NASTY.length)]!);
      break;
    case 1: // another bit depth or colour type
      if (ihdr) ihdr.data[8 + pick(random, 2)] = [0, 1, 2, 3, 4, 6, 7, 8, 16, 255][pick(random, 10)]!;
      break;
    case 2: { // a chunk twice
      const c = chunks[pick(random, chunks.length)]!;
      chunks.splice(pick(random, chunks.length), 0, { type: c.type, data: c.data.slice() });
      break;
    }
    case 3: // a chunk dropped
      chunks.splice(pick(random, chunks.length), 1);
      break;
    case 4: // two chunks swapped
      if (chunks.length > 1) {
        const [i, j] = [pick(random, chunks.length), pick(random, chunks.length)];
        [chunks[i], chunks[j]] = [chunks[j]!, chunks[i]!];
      }
      break;
    case 5: { // the compressed image data mutated
      const idat = chunks.find((c) => c.type === "IDAT");
      if (idat) idat.data = mutateBytes(idat.data, random);
      break;
    }
    default: // a second IHDR declaring something else, after the first
      if (ihdr) {
        const other = ihdr.data.slice();
        new DataView(other.buffer).setUint32(0, 6324), new DataView(other.buffer).setUint32(4, 6324);
        chunks.splice(1, 0, { type: "IHDR", data: other });
      }
  }
  return pngBytes(chunks);
}

/** A JPEG mutated at its markers: frame sizes, a second frame header, segment lengths, scan bytes. */
export function mutateJpeg(bytes: Uint8Array, random: Random): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const markers: number[] = [];
  for (let i = 2; i + 4 < out.length;) {
    if (out[i] !== 0xff) break;
    markers.push(i);
    if (out[i + 1] === 0xda) break; // the scan: entropy-coded data follows
    i += 2 + view.getUint16(i + 2);
  }
  const sof = markers.find((i) => out[i + 1]! >= 0xc0 && out[i + 1]! <= 0xc2);
  switch (pick(random, 5)) {
    case 0: // a huge or zero frame
      if (sof !== undefined) {
        view.setUint16(sof + 5 + 2 * pick(random, 2), [0, 1, 6324, 65535, 30000][pick(random, 5)]!);
      }
      return out;
    case 1: { // the frame header again, declaring 6324x6324, before the first
      if (sof === undefined) return mutateBytes(out, random);
      const segment = out.slice(sof, sof + 2 + view.getUint16(sof + 2));
      new DataView(segment.buffer).setUint16(5, 6324), new DataView(segment.buffer).setUint16(7, 6324);
      return concat(out.subarray(0, 2), segment, out.subarray(2));
    }
    case 2: { // a segment length off
      const m = markers[pick(random, Math.max(1, markers.length))];
      if (m !== undefined) view.setUint16(m + 2, NASTY[pick(random, NASTY.length)]! & 0xffff);
      return out;
    }
    case 3: // the component count or sampling factors
      if (sof !== undefined) out[sof + 9 + pick(random, 4)] = pick(random, 256);
      return out;
    default:
      return mutateBytes(out, random);
  }
}

/** An IDX file mutated at its header: magic, type, dimension count and sizes; or blindly. */
export function mutateIdx(bytes: Uint8Array, random: Random): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  switch (pick(random, 4)) {
    case 0:
      out[pick(random, 4)] = [0, 1, 3, 8, 9, 0x0d, 255][pick(random, 7)]!;
      return out;
    case 1:
      view.setUint32(4 + 4 * pick(random, Math.max(1, out[3]!)), NASTY[pick(random, NASTY.length)]!);
      return out;
    default:
      return mutateBytes(out, random);
  }
}

/** Every path into a JSON value (object keys and array indices), leaves included. */
function paths(
  value: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  out.push(prefix);
  if (out.length > 5000) return out;
  if (Array.isArray(value)) value.slice(0, 64).forEach((v, i) => paths(v, [...prefix, i], out));
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) paths(v, [...prefix, k], out);
  }
  return out;
}

/**
 * A JSON document mutated in its structure: a value replaced by a nasty one of another type or
 * size, a key deleted, an array emptied or lengthened; or its text cut.
 */
export function mutateJson(text: string, random: Random): string {
  if (random() < 0.1) return text.slice(0, pick(random, text.length));
  const doc = JSON.parse(text);
  const all = paths(doc).filter((p) => p.length > 0);
  const path = all[pick(random, all.length)]!;
  let parent = doc;
  for (const key of path.slice(0, -1)) parent = parent[key];
  const key = path.at(-1)!, value = parent[key];
  const nasty: unknown[] = [
    null,
    -1,
    0,
    1.5,
    1e300,
    16_000_000,
    "",
    "x",
    [],
    {},
    true,
    "../../dev/zero",
    typeof value === "string" ? value.slice(0, pick(random, value.length + 1)) : value,
    Array.isArray(value) ? [...value, ...value] : value,
    typeof value === "number" ? value * (1 << pick(random, 24)) : value,
  ];
  switch (pick(random, 3)) {
    case 0:
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
      break;
    default:
      parent[key] = nasty[pick(random, nasty.length)];
  }
  return JSON.stringify(doc);
}
