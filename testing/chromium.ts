// Headless Chromium driven over the DevTools protocol from Deno: what the browser page's
// end-to-end test and the README screenshot use. Debian's `chromium` runs as root only with
// --no-sandbox; --remote-debugging-port=0 makes it choose a port and write it to
// <profile>/DevToolsActivePort; a WebSocket to the page's target then carries protocol commands
// (Runtime.evaluate, Input.dispatchMouseEvent, Page.captureScreenshot, ...). Chromium is killed
// by its process id and its temporary profile removed.

/** A point in CSS pixels of the page. */
export type Point = [number, number];

type Pending = { resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void };

/** A running headless Chromium with a temporary profile. */
export class Chromium {
  readonly #child: Deno.ChildProcess;
  readonly #profile: string;
  readonly port: number;

  private constructor(child: Deno.ChildProcess, profile: string, port: number) {
    this.#child = child;
    this.#profile = profile;
    this.port = port;
  }

  /**
   * Starts Chromium (a window of `width` x `height` CSS pixels) and waits for its DevTools port;
   * its temporary profile goes in `dir` (default: the system's temporary folder).
   */
  static async launch(width = 1100, height = 1000, dir?: string): Promise<Chromium> {
    const profile = await Deno.makeTempDir({ prefix: "lenet-chromium-", dir });
    const child = new Deno.Command("chromium", {
      args: [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--hide-scrollbars",
        `--window-size=${width},${height}`,
        "--remote-debugging-port=0",
        `--user-data-dir=${profile}`,
        "about:blank",
      ],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const text = await Deno.readTextFile(`${profile}/DevToolsActivePort`).catch(() => "");
      const port = Number(text.split("\n")[0]);
      if (port > 0) return new Chromium(child, profile, port);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    child.kill("SIGKILL");
    await child.status;
    throw new Error("Chromium did not open its DevTools port within 20 s");
  }

  /** The first page's target, driven over its own WebSocket. */
  async page(): Promise<Page> {
    const targets = await (await fetch(`http://127.0.0.1:${this.port}/json/list`)).json() as {
      type: string;
      webSocketDebuggerUrl: string;
    }[];
    const target = targets.find((t) => t.type === "page");
    if (!target) throw new Error("Chromium has no page");
    return await Page.connect(target.webSocketDebuggerUrl);
  }

  /** Kills Chromium by its process id and removes its profile. */
  async close(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch { /* already gone */ }
    await this.#child.status;
    await Deno.remove(this.#profile, { recursive: true }).catch(() => {});
  }
}

/** One page, over the DevTools protocol. */
export class Page {
  readonly #socket: WebSocket;
  readonly #pending = new Map<number, Pending>();
  readonly #listeners = new Map<string, ((params: Record<string, unknown>) => void)[]>();
  #next = 1;
  /** Console errors, uncaught exceptions and error log entries seen since the page was connected. */
  readonly errors: string[] = [];
  /** Every console message, as "type: text". */
  readonly console: string[] = [];

  private constructor(socket: WebSocket) {
    this.#socket = socket;
    socket.onmessage = (event) => {
      const message = JSON.parse(event.data);
      if (message.id) {
        const pending = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        if (message.error) pending?.reject(new Error(`${message.error.message} (${message.error.code})`));
        else pending?.resolve(message.result ?? {});
      } else {
        for (const listener of this.#listeners.get(message.method) ?? []) listener(message.params);
      }
    };
  }

  static async connect(url: string): Promise<Page> {
    const socket = new WebSocket(url);
    await new Promise((resolve, reject) => {
      socket.onopen = resolve;
      socket.onerror = () => reject(new Error(`Cannot connect to ${url}`));
    });
    const page = new Page(socket);
    page.on("Runtime.consoleAPICalled", (p) => {
      const text = (p.args as { value?: unknown; description?: string }[])
        .map((a) => a.value ?? a.description ?? "").join(" ");
      page.console.push(`${p.type}: ${text}`);
      if (p.type === "error") page.errors.push(`console.error: ${text}`);
    });
    page.on("Runtime.exceptionThrown", (p) => {
      const details = p.exceptionDetails as { text: string; exception?: { description?: string } };
      page.errors.push(`exception: ${details.exception?.description ?? details.text}`);
    });
    page.on("Log.entryAdded", (p) => {
      const entry = p.entry as { level: string; text: string; url?: string };
      if (entry.level === "error") page.errors.push(`log: ${entry.text} ${entry.url ?? ""}`.trim());
    });
    await Promise.all([page.send("Runtime.enable"), page.send("Log.enable"), page.send("Page.enable")]);
    return page;
  }

  /** Sends a protocol command and waits for its result. */
  send(method: string, params: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
    const id = this.#next++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#socket.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Calls `listener` on every event `method`. */
  on(method: string, listener: (params: Record<string, unknown>) => void): void {
    this.#listeners.set(method, [...(this.#listeners.get(method) ?? []), listener]);
  }

  /** Opens `url` and waits for its load event. */
  async goto(url: string): Promise<void> {
    const loaded = new Promise<void>((resolve) => this.on("Page.loadEventFired", () => resolve()));
    await this.send("Page.navigate", { url });
    await loaded;
  }

  /** The value of a JavaScript expression in the page (promises awaited). */
  async evaluate<T>(expression: string): Promise<T> {
    const { result, exceptionDetails } = await this.send("Runtime.evaluate", {
      expression,
      returnByValue: true,
      awaitPromise: true,
    }) as { result: { value: T }; exceptionDetails?: { text: string; exception?: { description?: string } } };
    if (exceptionDetails) {
      throw new Error(`${expression}: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
    }
    return result.value;
  }

  /** Waits until `expression` is truthy in the page; its value. */
  async waitFor<T>(expression: string, timeoutMs = 30_000, what = expression): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const value = await this.evaluate<T>(expression);
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /** One pen stroke with real mouse events: press at the first point, move through the rest, release. */
  async stroke(points: Point[]): Promise<void> {
    const mouse = (type: string, [x, y]: Point, buttons: number) =>
      this.send("Input.dispatchMouseEvent", { type, x, y, button: "left", buttons, clickCount: 1 });
    await mouse("mousePressed", points[0]!, 1);
    for (const point of points.slice(1)) await mouse("mouseMoved", point, 1);
    await mouse("mouseReleased", points.at(-1)!, 0);
  }

  /** Drags a file from the desktop and drops it at a point (the page sees dragenter, dragover, drop). */
  async dropFile(path: string, [x, y]: Point): Promise<void> {
    const data = { items: [], files: [path], dragOperationsMask: 1 };
    for (const type of ["dragEnter", "dragOver", "drop"]) {
      await this.send("Input.dispatchDragEvent", { type, x, y, data });
    }
  }

  /** A click at a point. */
  async click(point: Point): Promise<void> {
    await this.stroke([point]);
  }

  /** The page (or its visible part) as PNG bytes. */
  async screenshot(fullPage = true): Promise<Uint8Array> {
    const { data } = await this.send("Page.captureScreenshot", {
      format: "png",
      captureBeyondViewport: fullPage,
    });
    return Uint8Array.from(atob(data as string), (c) => c.charCodeAt(0));
  }

  /** Closes the connection. */
  close(): void {
    this.#socket.close();
  }
}
