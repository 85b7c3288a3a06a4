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

/** The SHA-256 (hex) of every shipped ONNX model. */
export const SHIPPED_SHA256: ReadonlySet<string> = new Set(
  Object.values(shipped as Record<string, { onnxSha256?: string }>).flatMap((m) => m.onnxSha256 ?? []),
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
 * Whether a model's bytes are one of the shipped models'.
 *
 * @param bytes The ONNX file.
 * @returns True for a shipped model, byte for byte.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { isShippedModel } from "./trusted_models.ts";
 * const bytes = await Deno.readFile(new URL("../../models/lenet-tutorial/model.onnx", import.meta.url));
 * assert.equal(await isShippedModel(bytes), true);
 * bytes[bytes.length - 1]! ^= 1; // one bit changed: a stranger
 * assert.equal(await isShippedModel(bytes), false);
 * ```
 */
export async function isShippedModel(bytes: Uint8Array): Promise<boolean> {
  return SHIPPED_SHA256.has(await sha256Hex(bytes));
}
