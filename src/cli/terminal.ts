/**
 * Grayscale images in a terminal: Unicode half-blocks in 24 shades of ANSI gray when the output is
 * a colour terminal (two pixel rows per text line), plain ASCII ramps when it is piped or
 * `NO_COLOR` is set.
 *
 * @module
 */

const RAMP = " .:-=+*#%@";

/** How {@linkcode grayToText} draws. */
export interface TextImageOptions {
  /**
   * Use ANSI colours and half-blocks; otherwise plain characters, two per pixel.
   * @default false
   */
  color?: boolean;
}

function shade(v: number): number {
  return 232 + Math.round(Math.min(1, Math.max(0, v)) * 23); // the 24-step gray ramp of xterm-256
}

/**
 * Draws a grayscale image as text.
 *
 * @param pixels Values in [0, 1], row-major (1 = white).
 * @param width Image width.
 * @param height Image height.
 * @param options Colour or plain.
 * @returns Lines joined by newlines, no trailing newline.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { grayToText } from "./terminal.ts";
 * assert.equal(grayToText(new Float32Array([0, 1, 1, 0]), 2, 2), "  @@\n@@  ");
 * ```
 */
export function grayToText(
  pixels: ArrayLike<number>,
  width: number,
  height: number,
  options: TextImageOptions = {},
): string {
  const lines: string[] = [];
  if (options.color) {
    for (let y = 0; y < height; y += 2) {
      let line = "";
      for (let x = 0; x < width; x++) {
        const top = pixels[y * width + x]!, bottom = y + 1 < height ? pixels[(y + 1) * width + x]! : 0;
        line += `\x1b[38;5;${shade(top)}m\x1b[48;5;${shade(bottom)}m▀`;
      }
      lines.push(line + "\x1b[0m");
    }
  } else {
    for (let y = 0; y < height; y++) {
      let line = "";
      for (let x = 0; x < width; x++) {
        const v = Math.min(1, Math.max(0, pixels[y * width + x]!));
        line += RAMP[Math.round(v * (RAMP.length - 1))]!.repeat(2);
      }
      lines.push(line);
    }
  }
  return lines.join("\n");
}

/**
 * Whether standard output should get colours: a terminal, and `NO_COLOR` unset.
 *
 * @returns True for a colour terminal.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { stdoutHasColor } from "./terminal.ts";
 * assert.equal(typeof stdoutHasColor(), "boolean"); // false when piped or NO_COLOR is set
 * ```
 */
export function stdoutHasColor(): boolean {
  let noColor = false;
  try {
    noColor = Deno.env.get("NO_COLOR") !== undefined;
  } catch { /* no env permission: decide by the terminal alone */ }
  return Deno.stdout.isTerminal() && !noColor;
}
