/**
 * What every command-line script shares: flags parsed with `node:util`'s `parseArgs` into typed
 * values (unknown flags are errors), generated `--help`, and errors printed as one line.
 *
 * @module
 */
import { LenetError } from "../errors.ts";
import { parseArgs } from "node:util";
import denoJson from "../../deno.json" with { type: "json" };

/** This module's version, as deno.json states it; every script prints it for `--version`. */
export const VERSION: string = denoJson.version;

/** The oldest Deno the scripts run on (permission sets in deno.json, `Uint8Array.fromBase64`). */
export const MIN_DENO = "2.5.0";

/** One flag of a script. */
export interface FlagSpec {
  /** Value kind: numbers are parsed and checked here. */
  type: "string" | "number" | "boolean";
  /** What the flag does, for `--help`. */
  description: string;
  /** The default, shown by `--help`; `undefined` means "not set". */
  default?: string | number | boolean;
  /** One-letter alias. */
  short?: string;
  /** Value placeholder for `--help`, e.g. `N` or `DIR`. */
  placeholder?: string;
}

/** Flag values by name; `explicit` lists the flags the user actually gave. */
export type ParsedFlags = Record<string, string | number | boolean | undefined> & { explicit: Set<string> };

/** Raised for a bad command line; scripts print its message and exit with status 2. */
export class UsageError extends LenetError {}

/**
 * Parses `args` against a flag table.
 *
 * @param specs The flags, by long name.
 * @param args The command line (usually `Deno.args`).
 * @returns Values (defaults filled in), positionals, and whether `--help` was asked.
 * @throws {UsageError} On an unknown flag, a missing value or a malformed number.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * const { flags } = parseFlags({ epochs: { type: "number", description: "passes", default: 3 } }, ["--epochs", "5"]);
 * assert.equal(flags.epochs, 5);
 * ```
 */
export function parseFlags(
  specs: Record<string, FlagSpec>,
  args: string[],
): { flags: ParsedFlags; positionals: string[]; help: boolean } {
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
    version: { type: "boolean", short: "V" },
  };
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = {
      type: spec.type === "boolean" ? "boolean" : "string",
      ...(spec.short ? { short: spec.short } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!.replace(/\. To specify.*$/, ""));
  }
  const flags = { explicit: new Set<string>() } as ParsedFlags;
  for (const [name, spec] of Object.entries(specs)) {
    const raw = (parsed.values as Record<string, string | boolean | undefined>)[name];
    if (raw === undefined) {
      flags[name] = spec.default;
      continue;
    }
    flags.explicit.add(name);
    if (spec.type === "number") {
      const value = Number(raw);
      if (raw === "" || !Number.isFinite(value)) {
        throw new UsageError(`Invalid --${name}: expected a number, got "${raw}"`);
      }
      flags[name] = value;
    } else {
      flags[name] = raw;
    }
  }
  return { flags, positionals: parsed.positionals, help: parsed.values.help === true };
}

/**
 * The `--help` text of a script.
 *
 * @param usage The first line, e.g. `deno task train [options]`.
 * @param specs The flags.
 * @returns The text.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { helpText } from "./flags.ts";
 * const help = helpText("deno task x", { n: { type: "number", description: "count", default: 1 } });
 * assert.match(help, /--n N +count \(default: 1\)/);
 * ```
 */
export function helpText(usage: string, specs: Record<string, FlagSpec>): string {
  const rows = Object.entries(specs).map(([name, spec]) => {
    const value = spec.type === "boolean"
      ? ""
      : ` ${spec.placeholder ?? (spec.type === "number" ? "N" : "VALUE")}`;
    const flag = `${spec.short ? `-${spec.short}, ` : "    "}--${name}${value}`;
    const def = spec.default === undefined || spec.default === false ? "" : ` (default: ${spec.default})`;
    return [flag, spec.description + def] as const;
  });
  rows.push(["-h, --help", "show this help"], ["-V, --version", "show the version of lenet and Deno"]);
  const width = Math.max(...rows.map(([f]) => f.length));
  return `Usage: ${usage}\n\nOptions:\n${rows.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`).join("\n")}`;
}

/**
 * One line for an error a user can act on: the message alone for the module's own errors and
 * file-system errors, the name too for anything unexpected.
 *
 * @param error Anything thrown.
 * @returns A single line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { errorLine } from "./flags.ts";
 * assert.equal(errorLine(new Error("boom\n    at somewhere")), "error: boom");
 * ```
 */
export function errorLine(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `error: ${error.message.split(",")[0]} (the task's permissions do not cover it)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message.split("\n")[0]}`;
}

/**
 * Runs a script's main function: `--help`-style output and errors go out as one line each, and
 * the exit status says what happened (0 done, 1 failed, 2 bad usage).
 *
 * @param main The script body; may return an exit status.
 *
 * @example
 * ```ts ignore
 * // not run as a test: it sets the exit status of the process that runs it
 * await runMain(async () => await train(lenet, data.train));
 * ```
 */
export async function runMain(main: () => Promise<number | void>): Promise<void> {
  if (olderThan(Deno.version.deno, MIN_DENO)) {
    console.error(
      `error: lenet needs Deno ${MIN_DENO} or newer, this is ${Deno.version.deno}: npm install -g deno`,
    );
    Deno.exitCode = 1;
    return;
  }
  if (Deno.args.includes("--version") || Deno.args.includes("-V")) {
    console.log(`lenet ${VERSION} (Deno ${Deno.version.deno})`);
    return;
  }
  try {
    Deno.exitCode = (await main()) ?? 0;
  } catch (error) {
    console.error(errorLine(error));
    Deno.exitCode = error instanceof UsageError ? 2 : 1;
  }
}

/**
 * Whether version `a` is older than `b` (dotted numbers; pre-release tags ignored).
 *
 * @param a A version such as `2.4.4`.
 * @param b The version to compare with.
 * @returns True when `a` < `b`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { olderThan } from "./flags.ts";
 * assert.equal(olderThan("2.4.4", "2.5.0"), true);
 * assert.equal(olderThan("2.10.0", "2.5.0"), false); // numbers, not strings
 * ```
 */
export function olderThan(a: string, b: string): boolean {
  const parts = (v: string) => v.split("-")[0]!.split(".").map(Number);
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) < (y[i] ?? 0);
  }
  return false;
}
