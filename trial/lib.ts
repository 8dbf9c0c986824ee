// deno-lint-ignore-file -- trial scripts, run by hand
/** Trial driver helpers: a private nats-server, host processes, waits with deadlines. */

export type Line = Record<string, any>;

export function sparePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export function deadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: number;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

export class Nats {
  proc: Deno.ChildProcess | undefined;
  extra: string[] = [];
  constructor(readonly port: number, readonly dir: string) {}
  static async start(config?: string): Promise<Nats> {
    const dir = await Deno.makeTempDir({ prefix: "trial21-nats-" });
    const n = new Nats(sparePort(), dir);
    if (config !== undefined) {
      await Deno.writeTextFile(`${dir}/server.conf`, config);
      n.extra = ["-c", `${dir}/server.conf`];
    }
    await n.restart();
    return n;
  }
  get url() {
    return `127.0.0.1:${this.port}`;
  }
  async restart() {
    const proc = new Deno.Command("nats-server", {
      args: [...this.extra, "-js", "-a", "127.0.0.1", "-p", String(this.port), "-sd", this.dir],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.proc = proc;
    const reader = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    await deadline(
      (async () => {
        while (!log.includes("Server is ready")) {
          const { value, done } = await reader.read();
          if (done) throw new Error("nats-server ended: " + log);
          log += value;
        }
      })(),
      10_000,
      "nats-server",
    );
    (async () => {
      while (!(await reader.read()).done);
    })();
  }
  async kill() {
    this.proc?.kill("SIGKILL");
    await this.proc?.status;
    this.proc = undefined;
  }
  async stop() {
    await this.kill();
    await Deno.remove(this.dir, { recursive: true });
  }
}

export class Host {
  proc!: Deno.ChildProcess;
  lines: Line[] = [];
  stderr = "";
  #waiters: { match: (l: Line) => boolean; resolve: (l: Line) => void }[] = [];
  #id = 0;
  #writer!: WritableStreamDefaultWriter<Uint8Array>;
  ended!: Promise<Deno.CommandStatus>;
  ready!: Promise<Line>;
  constructor(readonly name: string, readonly options: Record<string, unknown>) {
    this.start();
  }
  start() {
    this.proc = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-run",
        "--allow-read",
        "--allow-write=/tmp",
        "--allow-net",
        "--allow-env",
        new URL("./host.ts", import.meta.url).pathname,
        JSON.stringify({ host: this.name, ...this.options }),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#writer = this.proc.stdin.getWriter();
    const mark = this.lines.length;
    this.ready = this.waitLine((l) => "ready" in l, 20_000, `${this.name} ready`, mark)
      .catch((e) => {
        throw new Error(`${e.message}; stderr: ${this.stderr}`);
      });
    (async () => {
      let buf = "";
      for await (const chunk of this.proc.stdout.pipeThrough(new TextDecoderStream())) {
        buf += chunk;
        let at;
        while ((at = buf.indexOf("\n")) >= 0) {
          const text = buf.slice(0, at);
          buf = buf.slice(at + 1);
          let line: Line;
          try {
            line = JSON.parse(text);
          } catch {
            line = { text };
          }
          line.host = this.name;
          this.lines.push(line);
          if (Deno.env.get("TRACE")) console.log(this.name, JSON.stringify(line).slice(0, 400));
          for (const w of [...this.#waiters]) {
            if (w.match(line)) {
              this.#waiters.splice(this.#waiters.indexOf(w), 1);
              w.resolve(line);
            }
          }
        }
      }
    })();
    (async () => {
      for await (const chunk of this.proc.stderr.pipeThrough(new TextDecoderStream())) {
        this.stderr += chunk;
        if (Deno.env.get("TRACE")) console.log(this.name, "STDERR", chunk.trimEnd());
      }
    })();
    this.ended = this.proc.status;
  }
  waitLine(
    match: (l: Line) => boolean,
    ms = 15_000,
    what = "a line",
    from = this.lines.length,
  ): Promise<Line> {
    const seen = this.lines.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    const { promise, resolve } = Promise.withResolvers<Line>();
    const w = { match, resolve };
    this.#waiters.push(w);
    return deadline(promise, ms, `${this.name}: ${what}`).finally(() => {
      const i = this.#waiters.indexOf(w);
      if (i >= 0) this.#waiters.splice(i, 1);
    });
  }
  /** Starts a command; returns its result line's promise. */
  command(cmd: Record<string, unknown>, ms = 60_000): Promise<Line> {
    const id = ++this.#id;
    const p = this.waitLine((l) => l.id === id, ms, `result of ${JSON.stringify(cmd)}`);
    this.#writer.write(new TextEncoder().encode(JSON.stringify({ id, ...cmd }) + "\n"));
    return p.then((l) => {
      if (l.failed) throw new Error(`${this.name} ${cmd.op} failed: ${JSON.stringify(l.failed)}`);
      return l.result;
    });
  }
  events(type?: string): Line[] {
    return this.lines.filter((l) => l.event && (!type || l.event.type === type));
  }
  errors(): Line[] {
    return this.lines.filter((l) => l.error);
  }
  signal(sig: Deno.Signal) {
    this.proc.kill(sig);
  }
  async stop() {
    try {
      this.proc.kill("SIGTERM");
    } catch { /* gone */ }
    const status = await deadline(this.ended, 40_000, `${this.name} to end`);
    try {
      await this.#writer.close();
    } catch { /* closed */ }
    return status;
  }
}

export function cluster(): string {
  return `trial21-${crypto.randomUUID().slice(0, 8)}`;
}

export function check(ok: boolean, what: string, detail?: unknown) {
  console.log(
    `${ok ? "OK  " : "FAIL"} ${what}${
      detail === undefined ? "" : " " + JSON.stringify(detail).slice(0, 1500)
    }`,
  );
}
