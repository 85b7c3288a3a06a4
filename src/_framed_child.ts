/**
 * A Deno process of ours spoken to in frames (`_frames.ts`): the decoding process and an isolated
 * model's process. It runs one of this module's files with the permissions given and no others;
 * its stderr is read only once it has stopped, for why it did; it is killed outright (SIGKILL, then
 * every stream let go), since what it runs may be stuck in code that never yields.
 *
 * While nothing is asked of it, it keeps nobody waiting: `held()` keeps the parent's event loop
 * open only while an answer is owed.
 *
 * @module
 */
import { type Frame, FrameReader, writeFrame } from "./_frames.ts";
import { denoRun, lastWords } from "./_deno_process.ts";

/** A running child and the frames between us. */
export class FramedChild {
  readonly #child: Deno.ChildProcess;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly #frames: FrameReader;
  #exited = false;
  #killed = false;
  #holds = 0;

  /**
   * Starts `script` in a Deno process of its own.
   *
   * @param script The module to run (`file:`, or `http(s):` when this module was imported by URL).
   * @param permissions Its `--allow-...` flags (and any `--v8-flags`).
   * @param maxBody Largest frame body it may send, in bytes.
   *
   * @example
   * ```ts ignore
   * import { FramedChild } from "./_framed_child.ts";
   * const child = new FramedChild(new URL("./images/_decode_process.ts", import.meta.url), ["--allow-read"], 4096);
   * const ready = await child.next(); // the decoding process's first frame
   * await child.kill();
   * ```
   */
  constructor(script: URL, permissions: string[], maxBody: number) {
    const { command, args } = denoRun(script, permissions);
    this.#child = new Deno.Command(command, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped", // read only once it has stopped: why it did
      env: { NO_COLOR: "1" }, // Deno's own errors there, plain
    }).spawn();
    this.#child.status.then(() => this.#exited = true);
    this.#child.unref(); // an idle process keeps nobody waiting; kill() ends it
    this.#writer = this.#child.stdin.getWriter();
    this.#frames = new FrameReader(this.#child.stdout, maxBody);
  }

  /** Whether the process has ended (by itself, or killed). */
  get exited(): boolean {
    return this.#exited;
  }

  /** Whether {@linkcode FramedChild.kill} was called. */
  get killed(): boolean {
    return this.#killed;
  }

  /**
   * Sends a frame. A process that is gone makes this reject; the caller's next read says why.
   *
   * @param header What the frame says, as JSON.
   * @param body The bytes it carries.
   */
  send(header: unknown, body?: Uint8Array): Promise<void> {
    return writeFrame(this.#writer, header, body);
  }

  /**
   * The next frame it sends, or undefined once it has stopped.
   *
   * @returns The frame, or undefined at the end of its output.
   * @throws {Error} When a frame is malformed or larger than the constructor's `maxBody`.
   */
  next<T>(): Promise<Frame<T> | undefined> {
    return this.#frames.next<T>();
  }

  /**
   * Runs `work` (a question and its answer, say) with the parent's event loop held open: an idle
   * child keeps nobody waiting, one that owes an answer does.
   *
   * @param work What to await.
   * @returns What it resolved to.
   */
  async held<T>(work: () => Promise<T>): Promise<T> {
    if (this.#holds++ === 0) this.#child.ref();
    try {
      return await work();
    } finally {
      // a process being killed stays awaited (kill() holds it until it has ended)
      if (--this.#holds === 0 && !this.#killed) this.#child.unref();
    }
  }

  /**
   * Why it stopped, from its stderr's first line ("" when it was killed, or said nothing). Call it
   * only once it has stopped, or is stopping.
   *
   * @returns The line, or "".
   */
  async why(): Promise<string> {
    return this.#killed ? "" : await lastWords(this.#child);
  }

  /** Kills it (SIGKILL), lets every stream go, and resolves once it has ended. */
  async kill(): Promise<void> {
    this.#killed = true;
    this.#child.ref(); // its end is awaited below
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* it ended meanwhile */ }
    }
    await Promise.all([
      this.#frames.cancel(),
      this.#writer.abort().catch(() => {}),
      this.#child.stderr.cancel().catch(() => {}),
    ]);
    await this.#child.status;
  }
}
