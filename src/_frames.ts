// Messages between the decoding process and its parent, over a pipe: a frame is a JSON header and
// a byte body, each preceded by its length (4 bytes, little-endian). The reader pulls bytes only
// while a frame is awaited, so an idle pipe holds no pending read (and keeps no process alive).

/** Largest header accepted, in bytes: a header is a few hundred. */
const MAX_HEADER = 64 * 1024;

/** One message: what it says, and the bytes it carries. */
export interface Frame<T> {
  header: T;
  body: Uint8Array;
}

/**
 * Writes a frame: its header and length words in one write, the body as it is (a picture of tens of
 * MB is never copied to be framed).
 */
export async function writeFrame(
  writer: WritableStreamDefaultWriter<Uint8Array>,
  header: unknown,
  body: Uint8Array = new Uint8Array(),
): Promise<void> {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const head = new Uint8Array(8 + json.length);
  const view = new DataView(head.buffer);
  view.setUint32(0, json.length, true);
  head.set(json, 4);
  view.setUint32(4 + json.length, body.length, true);
  await writer.write(head);
  if (body.length > 0) await writer.write(body);
}

/** Reads frames from a byte stream, one at a time, at most `maxBody` bytes of body each. */
export class FrameReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #maxBody: number;
  #pending: Uint8Array[] = [];
  #buffered = 0;

  constructor(stream: ReadableStream<Uint8Array>, maxBody: number) {
    this.#reader = stream.getReader();
    this.#maxBody = maxBody;
  }

  /** The next frame, or undefined when the stream ends between frames. */
  async next<T>(): Promise<Frame<T> | undefined> {
    const headerLength = await this.#u32();
    if (headerLength === undefined) return undefined;
    if (headerLength > MAX_HEADER) throw new Error(`A frame header of ${headerLength} bytes`);
    const header = JSON.parse(new TextDecoder().decode(await this.#exactly(headerLength))) as T;
    const bodyLength = await this.#u32();
    if (bodyLength === undefined || bodyLength > this.#maxBody) {
      throw new Error(`A frame body of ${bodyLength} bytes`);
    }
    return { header, body: await this.#exactly(bodyLength) };
  }

  /** Releases the stream. */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
  }

  async #u32(): Promise<number | undefined> {
    if (!(await this.#fill(4))) return undefined;
    const bytes = this.#take(4);
    return new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  }

  async #exactly(n: number): Promise<Uint8Array> {
    if (!(await this.#fill(n))) throw new Error("The stream ended inside a frame");
    return this.#take(n);
  }

  async #fill(n: number): Promise<boolean> {
    while (this.#buffered < n) {
      const { value, done } = await this.#reader.read();
      if (done) return false;
      this.#pending.push(value), this.#buffered += value.length;
    }
    return true;
  }

  #take(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let at = 0;
    while (at < n) {
      const head = this.#pending[0]!;
      const used = Math.min(head.length, n - at);
      out.set(head.subarray(0, used), at), at += used;
      if (used === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(used);
    }
    this.#buffered -= n;
    return out;
  }
}
