/**
 * What every command-line script shares: flags parsed with `node:util`'s `parseArgs` into typed
 * values (unknown flags are errors), generated `--help`, and errors printed as one line.
 *
 * @module
 */
import { firstLine, LenetError } from "../errors.ts";
import { parseArgs } from "node:util";
import denoJson from "../../deno.json" with { type: "json" };

/** This module's version, as deno.json states it; every script prints it for `--version`. */
export const VERSION: string = denoJson.version;

/** The oldest Deno the scripts run on (permission sets in deno.json, `Deno.FsFile.tryLock`). */
export const MIN_DENO = "2.7.0";

/** One flag of a script. */
export interface FlagSpec {
  /** Value kind: numbers and integers are parsed and checked here. */
  type: "string" | "number" | "integer" | "boolean";
  /** The values a string flag takes (any other is refused, naming them); its type is their union. */
  choices?: readonly string[];
  /** Smallest value a number or integer may take. */
  min?: number;
  /** Largest value a number or integer may take. */
  max?: number;
  /** A bound a number must stay below (a fraction in [0, 1): `min: 0, below: 1`). */
  below?: number;
  /** What the flag does, for `--help`. */
  description: string;
  /** The default, shown by `--help`; `undefined` means "not set". */
  default?: string | number | boolean;
  /** One-letter alias. */
  short?: string;
  /** Value placeholder for `--help`, e.g. `N` or `DIR`. */
  placeholder?: string;
}

/** The value a flag of spec `S` parses to: a number, a boolean, a string or one of its choices. */
export type FlagValue<S extends FlagSpec> = [S["type"]] extends ["boolean"] ? boolean
  : [S["type"]] extends ["string"] ? (S["choices"] extends readonly (infer C)[] ? C : string)
  : [S["type"]] extends ["number" | "integer"] ? number
  : string | number | boolean; // a table typed only as Record<string, FlagSpec>

/**
 * The values of a flag table, typed from it: a flag with a default (or a boolean) always has a
 * value, any other may be `undefined`; `explicit` lists the flags the user actually gave.
 */
export type ParsedFlags<T extends Record<string, FlagSpec> = Record<string, FlagSpec>> =
  & {
    -readonly [K in keyof T]: T[K] extends { default: string | number | boolean } | { type: "boolean" }
      ? FlagValue<T[K]>
      : FlagValue<T[K]> | undefined;
  }
  & { explicit: Set<string> };

/** Raised for a bad command line; scripts print its message and exit with status 2. */
export class UsageError extends LenetError {}

/**
 * Parses `args` against a flag table.
 *
 * @param specs The flags, by long name.
 * @param args The command line (usually `Deno.args`).
 * @returns Values (defaults filled in), positionals, and whether `--help` was asked.
 * @throws {UsageError} On an unknown flag, a missing value, or a number that is not written in
 *   decimal, is out of its range, or (an integer) is past 2^53 where it would be rounded.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { parseFlags } from "./flags.ts";
 * const { flags } = parseFlags({ epochs: { type: "number", description: "passes", default: 3 } }, ["--epochs", "5"]);
 * assert.equal(flags.epochs, 5);
 * ```
 */
export function parseFlags<const T extends Record<string, FlagSpec>>(
  specs: T,
  args: string[],
): { flags: ParsedFlags<T>; positionals: string[]; help: boolean } {
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
    parsed = parseArgs({
      args: joinNegativeValues(specs, args),
      options,
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(firstLine(error).replace(/\. To specify.*$/, ""));
  }
  const values: Record<string, string | number | boolean | undefined> = {}, explicit = new Set<string>();
  for (const [name, spec] of Object.entries(specs)) {
    const raw = (parsed.values as Record<string, string | boolean | undefined>)[name];
    if (raw === undefined) {
      values[name] = spec.default ?? (spec.type === "boolean" ? false : undefined);
      continue;
    }
    explicit.add(name);
    values[name] = spec.type === "number" || spec.type === "integer"
      ? parseNumber(name, spec, String(raw))
      : checkChoice(name, spec, raw);
  }
  // the one place the values meet their table's types: each was parsed and checked against its spec
  const flags = { ...values, explicit } as ParsedFlags<T>;
  return { flags, positionals: parsed.positionals, help: parsed.values.help === true };
}

function checkChoice(name: string, spec: FlagSpec, raw: string | boolean): string | boolean {
  if (typeof raw === "string" && spec.choices && !spec.choices.includes(raw)) {
    throw new UsageError(`Unknown --${name} "${raw}": expected ${spec.choices.join(", ")}`);
  }
  return raw;
}

// `--epochs -1` would read as an unknown flag `-1`: a value that looks like a negative number is
// joined to its flag (`--epochs=-1`), so that it gets the range check and its one-line message.
function joinNegativeValues(specs: Record<string, FlagSpec>, args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const name = args[i]!.startsWith("--") ? args[i]!.slice(2) : undefined;
    const spec = name === undefined ? undefined : specs[name];
    const next = args[i + 1];
    if (spec && spec.type !== "boolean" && next !== undefined && /^-\d|^-\.\d/.test(next)) {
      out.push(`--${name}=${next}`);
      i++;
    } else {
      out.push(args[i]!);
    }
  }
  return out;
}

// Decimal only: `Number()` would also read "0x10" as 16, "0b11" as 3 and " 5 " as 5.
const DECIMAL_INTEGER = /^[+-]?\d+$/;
const DECIMAL_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function parseNumber(name: string, spec: FlagSpec, raw: string): number {
  const value = Number(raw);
  const integer = spec.type === "integer";
  const {
    min = integer ? Number.MIN_SAFE_INTEGER : -Infinity,
    max = integer ? Number.MAX_SAFE_INTEGER : Infinity,
  } = spec;
  const written = integer ? DECIMAL_INTEGER.test(raw) : DECIMAL_NUMBER.test(raw);
  // an integer past 2^53 would be silently rounded to another one: refused like any out-of-range value
  if (
    !written || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value)) || value < min ||
    value > max || (spec.below !== undefined && value >= spec.below)
  ) {
    const kind = integer ? "an integer" : "a number";
    const bounded = (v: number) => Number.isFinite(v) && Math.abs(v) < Number.MAX_SAFE_INTEGER;
    const range = spec.below !== undefined
      ? ` in [${min}, ${spec.below})`
      : bounded(min) && bounded(max)
      ? ` from ${min} to ${max}`
      : bounded(min)
      ? ` of at least ${min}`
      : bounded(max)
      ? ` of at most ${max}`
      : "";
    throw new UsageError(`Invalid --${name}: expected ${kind}${range}, got "${raw}"`);
  }
  return value;
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
      : ` ${spec.placeholder ?? spec.choices?.join("|") ?? (spec.type === "string" ? "VALUE" : "N")}`;
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
 * assert.equal(errorLine(new Error("Cannot load:\n  1. a reason")), "error: Cannot load: 1. a reason");
 * ```
 */
export function errorLine(error: unknown): string {
  if (error instanceof Deno.errors.NotCapable) {
    return `error: ${error.message.split(",")[0]} (the task's permissions do not cover it)`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${oneLine(message)}`;
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

/**
 * A message as one line: its lines joined (tfjs's messages continue on the next lines), control
 * characters escaped (a file name may hold a newline), and at most 400 characters.
 *
 * @param text Any message.
 * @returns One line.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { oneLine } from "./flags.ts";
 * assert.equal(oneLine("failed due to one of the following reasons:\n  1. a\n  2. b"), "failed due to one of the following reasons: 1. a 2. b");
 * assert.equal(oneLine("a\u0007b"), "a\\u0007b"); // control characters escaped
 * ```
 */
export function oneLine(text: string): string {
  const joined = text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== "").join(" ");
  const escaped = printable(joined);
  return escaped.length > 400 ? `${escaped.slice(0, 399)}…` : escaped;
}

/**
 * A name (a file's, say) with its control characters escaped, so that it prints on one line and
 * says exactly which name it is.
 *
 * @param name Any text.
 * @returns The text, with newlines and other control characters written as escapes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { printable } from "./flags.ts";
 * assert.equal(printable("a\nb.png"), "a\\nb.png");
 * ```
 */
export function printable(name: string): string {
  return name.replace(
    // deno-lint-ignore no-control-regex
    /[\u0000-\u001f\u007f]/g,
    (c) => c === "\n" ? "\\n" : c === "\t" ? "\\t" : `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
