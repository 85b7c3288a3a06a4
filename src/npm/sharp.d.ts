// The part of sharp's API that libvips.ts and tools/make_picture_fixtures.ts use. sharp's own
// declarations pull in @types/node, whose types then replace Deno's own node: types in the whole
// program (node:assert's among them), so the program is checked against these instead.

/** A raw picture's layout. */
export interface RawInfo {
  width: number;
  height: number;
  channels: 1 | 2 | 3 | 4;
}

/** What a decoded picture's header says. */
export interface Metadata {
  width: number;
  height: number;
  orientation?: number;
  /** Sample type: "uchar" for 8 bits, "ushort" for 16. */
  depth?: string;
  /** Samples per pixel. */
  channels?: number;
}

/** A picture pipeline (a few of sharp's steps). */
export interface Pipeline {
  metadata(): Promise<Metadata>;
  rotate(): Pipeline;
  flatten(options: { background: string }): Pipeline;
  resize(width: number, height: number, options?: { fit?: "inside"; kernel?: "lanczos3" }): Pipeline;
  removeAlpha(): Pipeline;
  toColourspace(space: "b-w" | "grey16" | "srgb" | "rgb16"): Pipeline;
  raw(options?: { depth?: "uchar" | "ushort" }): Pipeline;
  jpeg(options?: { quality?: number }): Pipeline;
  webp(options?: { quality?: number }): Pipeline;
  gif(): Pipeline;
  avif(options?: { quality?: number }): Pipeline;
  tiff(options?: { compression?: "lzw" }): Pipeline;
  withMetadata(options: { orientation: number }): Pipeline;
  toBuffer(): Promise<Uint8Array>;
  toBuffer(options: { resolveWithObject: true }): Promise<{ data: Uint8Array; info: RawInfo }>;
}

/** What the input may be, and its bounds. */
export interface InputOptions {
  limitInputPixels?: number | false;
  failOn?: "none" | "truncated" | "error" | "warning";
  pages?: number;
  raw?: RawInfo;
}

/** sharp itself. */
export interface Sharp {
  (input: Uint8Array, options?: InputOptions): Pipeline;
  versions: Record<string, string | undefined>;
  cache(enabled: boolean): void;
  concurrency(threads: number): number;
}

declare const sharp: Sharp;
export default sharp;
