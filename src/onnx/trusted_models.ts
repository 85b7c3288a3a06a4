/**
 * The models trusted to run on the calling thread, without a worker and its deadline: the ones
 * this repository ships, known by the SHA-256 of their ONNX bytes as `models/models.json` records
 * it. Trust goes by content, not by path: a file called `models/lenet-best/model.onnx` whose bytes
 * changed is a stranger. A model a local run wrote is not trusted either: its hash cannot be known
 * before it is written, and anyone who can write `runs/` can replace it.
 *
 * @module
 */
import shipped from "../../models/models.json" with { type: "json" };

/** What the classifier needs of a shipped model's graph, as `models/models.json` records it. */
export interface ShippedGraph {
  /**
   * The most values alive at once for one image (`CheckedGraph.liveValues`), recorded by
   * tools/ship_model.ts from the graph check, so that a shipped model starts without the ONNX
   * schema and protobufjs (a test checks it against the check's own answer); absent in a record
   * made before it was kept.
   */
  liveValues?: number;
}

/** Every shipped ONNX model, by the SHA-256 (hex) of its bytes. */
const SHIPPED: ReadonlyMap<string, ShippedGraph> = new Map(
  Object.values(shipped as Record<string, { onnxSha256?: string; liveValues?: number }>).flatMap((m) =>
    m.onnxSha256 ? [[m.onnxSha256, { liveValues: m.liveValues }]] : []
  ),
);

/**
 * The SHA-256 of some bytes, in hex.
 *
 * @param bytes The bytes.
 * @returns 64 hex digits.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { sha256Hex } from "./trusted_models.ts";
 * assert.equal(
 *   await sha256Hex(new TextEncoder().encode("abc")),
 *   "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
 * );
 * ```
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * A shipped model's recorded graph facts, when the bytes are one of the shipped models'.
 *
 * @param bytes The ONNX file.
 * @returns Its record for a shipped model, byte for byte; undefined for any other.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { shippedGraph } from "./trusted_models.ts";
 * const bytes = await Deno.readFile(new URL("../../models/lenet-tutorial/model.onnx", import.meta.url));
 * assert.ok((await shippedGraph(bytes))!.liveValues! > 0);
 * bytes[bytes.length - 1]! ^= 1; // one bit changed: a stranger
 * assert.equal(await shippedGraph(bytes), undefined);
 * ```
 */
export async function shippedGraph(bytes: Uint8Array): Promise<ShippedGraph | undefined> {
  return SHIPPED.get(await sha256Hex(bytes));
}
