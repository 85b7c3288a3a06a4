// Base64 for embedded WebAssembly, checkpoints and report images: the runtime's own
// Uint8Array.fromBase64 / toBase64 where it has them (Deno 2.5+, current browsers; TypeScript's
// standard library does not type them yet), else atob/btoa, so that an older runtime still loads.

type Base64Native = {
  fromBase64?(s: string): Uint8Array<ArrayBuffer>;
};

/** Decodes base64 into fresh bytes. */
export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const native = (Uint8Array as unknown as Base64Native).fromBase64;
  if (native) return native(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Encodes bytes (any view) as base64. */
export function toBase64(bytes: Uint8Array): string {
  const native = (bytes as Uint8Array & { toBase64?(): string }).toBase64;
  if (native) return native.call(bytes);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}
