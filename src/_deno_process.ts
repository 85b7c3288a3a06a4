/**
 * Running one of this module's own files as a Deno process of its own (the decoding process, an
 * isolated model's process): which Deno, and the arguments that let it find the same packages
 * whether the module was imported from a checkout or by URL.
 *
 * @module
 */

/** How long a process of ours (or a worker) may take to start, before its work's own deadline. */
export const START_LIMIT_MS = 30_000;

/**
 * The first line a process wrote on stderr before it stopped (Deno's own error, say), if any:
 * read once it has exited, and at most its first 4 KB.
 *
 * @param child A process spawned with `stderr: "piped"`.
 * @returns The line, or "".
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { lastWords } from "./_deno_process.ts";
 * const child = new Deno.Command(Deno.execPath(), { args: ["eval", "throw new Error('boom')"], stderr: "piped" }).spawn();
 * assert.match(await lastWords(child), /boom/);
 * ```
 */
export async function lastWords(child: Deno.ChildProcess): Promise<string> {
  await child.status;
  const reader = child.stderr.getReader();
  const { value } = await reader.read().catch(() => ({ value: undefined }));
  await reader.cancel().catch(() => {});
  const text = new TextDecoder().decode(value?.subarray(0, 4096));
  return text.split("\n").find((line) => line.trim())?.trim() ?? "";
}

/**
 * Whether this process may start Deno (`--allow-run=deno`, or run access to its own executable).
 *
 * @returns True when a `deno run` child may be spawned.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { mayRunDeno } from "./_deno_process.ts";
 * assert.equal(typeof mayRunDeno(), "boolean");
 * ```
 */
export function mayRunDeno(): boolean {
  const granted = (command: string) =>
    Deno.permissions.querySync({ name: "run", command }).state === "granted";
  return granted(Deno.execPath()) || granted("deno");
}

/**
 * The command and arguments that run `script` with `permissions` (and no prompt, no banner).
 *
 * @param script The module (`file:`, or `http(s):` when this module was imported by URL).
 * @param permissions Its `--allow-...` flags.
 * @returns What `Deno.Command` takes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { denoRun } from "./_deno_process.ts";
 * const { args } = denoRun(new URL("https://example.com/x/a.ts"), ["--allow-read"]);
 * assert.deepEqual(args, ["run", "--quiet", "--no-prompt", "--allow-read", "--allow-import=example.com", "https://example.com/x/a.ts"]);
 * ```
 */
export function denoRun(script: URL, permissions: string[]): { command: string; args: string[] } {
  const remote = script.protocol === "http:" || script.protocol === "https:";
  return {
    command: denoCommand(),
    args: [
      "run",
      "--quiet",
      "--no-prompt",
      ...permissions,
      ...(remote ? [`--allow-import=${script.host}`] : configOf(script)),
      script.href,
    ],
  };
}

// (no node:url here: this module is in the page's bundle too, though the page never starts a process)
// A local checkout's deno.json, so that the process finds the packages this one uses whatever the
// current folder (none when it cannot be seen: the process then resolves as its folder says).
function configOf(script: URL): string[] {
  let folder = new URL(".", script);
  for (let up = 0; up < 4; up++, folder = new URL("..", folder)) {
    const config = new URL("deno.json", folder);
    try {
      if (Deno.statSync(config).isFile) return ["--config", decodeURIComponent(config.pathname)];
    } catch { /* not here, or not visible */ }
  }
  return [];
}

// The running Deno, when we may start it; else `deno` from PATH (tasks grant --allow-run=deno).
function denoCommand(): string {
  const exec = Deno.execPath();
  return Deno.permissions.querySync({ name: "run", command: exec }).state === "granted" ? exec : "deno";
}
