// Base64 with the runtime's own Uint8Array.fromBase64 / toBase64 (Deno 2 has them; TypeScript's
// standard library does not type them yet), for embedded WebAssembly, checkpoints and report images.

/** Decodes base64 into fresh bytes. */
export const fromBase64 =
  (Uint8Array as unknown as { fromBase64(s: string): Uint8Array<ArrayBuffer> }).fromBase64;

/** Encodes bytes (any view) as base64. */
export function toBase64(bytes: Uint8Array): string {
  return (bytes as Uint8Array & { toBase64(): string }).toBase64();
}
