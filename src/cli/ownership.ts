/**
 * What the project may replace: only what it wrote. A folder it writes (a run directory, a built
 * page) carries a marker file, {@linkcode OWNER_MARKER}; a file it writes says so inside (an ONNX
 * model's `producer_name`, a PNG's `Software` text chunk). Everything else a user points an
 * `--out` at is refused with one line, never deleted or overwritten.
 *
 * @module
 */
import { join } from "node:path";
import { readBounded } from "../_bounded_read.ts";
import { writeJsonAtomic } from "../_atomic.ts";
import { SOFTWARE } from "../config.ts";
import { LenetError } from "../errors.ts";
import { pngText } from "../images/png.ts";
import { ModelProto } from "../onnx/_schema.ts";
import { printable } from "./flags.ts";

/** The marker file in every folder this project writes. */
export const OWNER_MARKER = ".lenet";

/** What this project writes as a folder: a training run, the browser page, or eval:images' renderings. */
export type FolderKind = "run" | "page" | "renderings";

/** What this project writes as a single file: an ONNX model, or a PNG picture. */
export type FileKind = "onnx" | "png";

/** Raised when an `--out` names something this project did not write. */
export class NotOursError extends LenetError {}

/**
 * The paths, relative to the folder, that this project writes in a folder of each kind; a folder
 * holding anything else is not replaced, whatever its marker says. `complete` lists what a folder
 * written before the marker existed (lenet 0.2.0) holds when whole: such a folder is recognised by
 * its names alone.
 */
const WRITTEN: Record<FolderKind, { paths: RegExp; complete: string[] }> = {
  run: {
    paths: new RegExp(
      "^(model\\.json|weights\\.bin|model\\.onnx|history\\.(json|png|svg)|metrics\\.json|checkpoint\\.json|" +
        "filters_conv[12]\\.png|feature_maps\\.png|confusion_matrix\\.png|mistakes\\.png|report\\.html)" +
        "(\\.tmp-[\\w-]+)?$",
    ),
    complete: ["model.json", "weights.bin", "model.onnx", "history.json", "metrics.json"],
  },
  page: {
    paths: new RegExp(
      "^(index\\.html|style\\.css|\\w+\\.js|build\\.json|ort(/ort[\\w.-]*\\.(mjs|wasm))?|" +
        "mnist(/[\\w.-]+\\.gz)?|models(/[\\w.-]+\\.onnx)?)" +
        // what an interrupted build leaves: a temporary file beside its destination
        "(\\.tmp-[\\w-]+|\\.partial(-[\\w-]+)?)?$",
    ),
    complete: ["index.html", "build.json", "app.js", "ort"],
  },
  renderings: {
    paths: /^(photo|canvas)-\d+-label\d\.(jpg|png)(\.tmp-[\w-]+)?$/,
    complete: [".lenet (only a folder marked as eval:images' own)"], // no folder from before markers
  },
};

/**
 * Marks a folder as written by this project, so that a later `--out` may replace it.
 *
 * @param dir The folder (it must exist).
 * @param kind What it holds.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkReplaceableFolder, writeOwnerMarker } from "./ownership.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/history.json`, "{}");
 * await writeOwnerMarker(dir, "run");
 * assert.equal(await checkReplaceableFolder(dir, "run"), "ours");
 * ```
 */
export async function writeOwnerMarker(dir: string, kind: FolderKind): Promise<void> {
  await writeJsonAtomic(join(dir, OWNER_MARKER), { writtenBy: SOFTWARE, kind });
}

/**
 * Whether `dir` may be replaced by a new folder of this `kind`: it is absent, empty, or a folder
 * this project wrote (its marker says so, or, written before markers, every name in it is one the
 * project writes). Nothing is changed.
 *
 * @param dir The folder an `--out` names.
 * @param kind What is to be written there.
 * @returns `absent`, `empty` or `ours`.
 * @throws {NotOursError} When it is a file, a link, or a folder holding anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkReplaceableFolder, NotOursError } from "./ownership.ts";
 * const dir = await Deno.makeTempDir();
 * assert.equal(await checkReplaceableFolder(`${dir}/new`, "run"), "absent");
 * assert.equal(await checkReplaceableFolder(dir, "run"), "empty");
 * await Deno.writeTextFile(`${dir}/chapter1.tex`, "my thesis");
 * await assert.rejects(checkReplaceableFolder(dir, "run"), NotOursError, "chapter1.tex");
 * ```
 */
export async function checkReplaceableFolder(
  dir: string,
  kind: FolderKind,
): Promise<"absent" | "empty" | "ours"> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "absent";
    throw error;
  }
  const refuse = (why: string) =>
    new NotOursError(`${printable(dir)} ${why}: lenet replaces only ${WHAT[kind]}; choose another --out`);
  if (info.isSymlink) throw refuse("is a symbolic link");
  if (!info.isDirectory) throw refuse("is a file");
  const names = await relativePaths(dir);
  if (names.length === 0) return "empty";
  const marker = names.includes(OWNER_MARKER) ? await readMarker(join(dir, OWNER_MARKER)) : undefined;
  if (marker && marker !== kind) throw refuse(`holds a lenet ${marker}, not a ${kind}`);
  const foreign = names.filter((name) => !name.startsWith(OWNER_MARKER) && !WRITTEN[kind].paths.test(name));
  if (foreign.length > 0) {
    const list = foreign.slice(0, 3).map(printable).join(", ") + (foreign.length > 3 ? ", ..." : "");
    throw refuse(`holds files lenet did not write (${list})`);
  }
  if (marker === kind) return "ours";
  if (names.includes(OWNER_MARKER)) throw refuse(`has a ${OWNER_MARKER} lenet did not write`);
  if (WRITTEN[kind].complete.every((name) => names.includes(name))) return "ours"; // before markers
  throw refuse(`is not a ${kind} lenet wrote (no ${OWNER_MARKER} marker)`);
}

/** Every path under `dir`, relative, folders included; at most 10,000 (enough to refuse a folder). */
async function relativePaths(dir: string, prefix = "", found: string[] = []): Promise<string[]> {
  for await (const entry of Deno.readDir(join(dir, prefix))) {
    if (found.length >= 10_000) break;
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    found.push(path);
    if (entry.isDirectory && prefix === "") await relativePaths(dir, path, found);
  }
  return found;
}

const WHAT: Record<FolderKind, string> = {
  run: "a folder it wrote a run to, or an empty one",
  page: "a folder it built the page in, or an empty one",
  renderings: "a folder eval:images wrote its renderings to, or an empty one",
};

async function readMarker(path: string): Promise<FolderKind | undefined> {
  try {
    const bytes = await readBounded(path, 4096, (m) => new NotOursError(m));
    const value = JSON.parse(new TextDecoder().decode(bytes));
    const ours = value?.writtenBy === SOFTWARE && ["run", "page", "renderings"].includes(value.kind);
    return ours ? value.kind : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether `path` may be written: it does not exist, or it is a file of this `kind` that this
 * project wrote (an ONNX model whose producer is lenet, a PNG whose `Software` is lenet).
 *
 * @param path The file an `--out` names.
 * @param kind What is to be written there.
 * @throws {NotOursError} When it exists and is anything else.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { checkReplaceableFile, NotOursError } from "./ownership.ts";
 * const dir = await Deno.makeTempDir();
 * await checkReplaceableFile(`${dir}/new.png`, "png"); // absent: fine
 * await Deno.writeTextFile(`${dir}/deno.json`, "{}");
 * await assert.rejects(checkReplaceableFile(`${dir}/deno.json`, "png"), NotOursError, "not a PNG lenet wrote");
 * ```
 */
export async function checkReplaceableFile(path: string, kind: FileKind): Promise<void> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.lstat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  const refuse = () =>
    new NotOursError(
      `${printable(path)} exists and is not ${kind === "onnx" ? "an ONNX model" : "a PNG"} lenet wrote: ` +
        "lenet overwrites only its own files; choose another --out",
    );
  if (!info.isFile) throw refuse();
  let bytes: Uint8Array;
  try {
    bytes = await readBounded(path, 64 * 1024 * 1024, (m) => new NotOursError(m));
  } catch {
    throw refuse();
  }
  if (!(kind === "onnx" ? isOurOnnx(bytes) : pngText(bytes, "Software") === SOFTWARE)) throw refuse();
}

function isOurOnnx(bytes: Uint8Array): boolean {
  try {
    const model: object = ModelProto.decode(bytes);
    return "producerName" in model && typeof model.producerName === "string" &&
      model.producerName.startsWith(SOFTWARE);
  } catch {
    return false;
  }
}
