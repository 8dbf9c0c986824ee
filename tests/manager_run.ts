/**
 * A manager run as a subprocess of the test, in a process group of its
 * own, so that a test can signal it (or its whole group, as a terminal's
 * Ctrl-C does) and read what it and its children print.
 */

import type { ServerOptions } from "./fixtures/server_manager.ts";
import { waitFor } from "./helpers.ts";

const FIXTURE = new URL("./fixtures/server_manager.ts", import.meta.url);

/** One run of `fixtures/server_manager.ts`. */
export class ManagerRun {
  readonly process: Deno.ChildProcess;
  /** Each JSON line printed so far, by the manager or a child. */
  readonly lines: Record<string, unknown>[] = [];
  /** What was printed on stderr. */
  stderr = "";
  /**
   * Settles once stdout has ended: the manager and every child (they
   * write to the same pipe) have exited.
   */
  readonly ended: Promise<void>;
  readonly #errEnded: Promise<void>;
  #check: (() => void) | undefined;

  /**
   * @param options The fixture's JSON argument.
   * @param fixture The manager script (default `fixtures/server_manager.ts`).
   * @param by `"task"` to run it as `deno task` does (`deno task --eval`),
   * which forwards the signals it gets: {@linkcode ManagerRun.process} is
   * then `deno task`'s. `"terminal"` the same, in a terminal of its own
   * (util-linux `script`, see {@linkcode hasScript}): `deno task` then
   * leads the terminal's foreground process group. Its `stdin` takes what
   * is typed: see {@linkcode ManagerRun.pressCtrlC}.
   * @param redirect In a terminal, a redirection for the task's command
   * (`< /dev/null`, as a tool that runs a task may give it).
   */
  constructor(
    options: ServerOptions | Record<string, unknown> = {},
    fixture: URL = FIXTURE,
    by: "run" | "task" | "terminal" = "run",
    redirect = "",
  ) {
    const run = [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      fixture.href,
      JSON.stringify(options),
    ];
    // For a shell: each argument in single quotes, a quote in it ended, escaped and reopened.
    const quoted = (args: string[]) =>
      args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
    const command = `${quoted([Deno.execPath(), ...run])} ${redirect}`;
    const task = ["task", "--eval", command];
    // `script` runs it with $SHELL, which stays in the terminal's
    // foreground group unless it execs (bash does, dash does not) and would
    // then die of the Ctrl-C itself: exec, as a terminal's shell runs a
    // task in a group of its own.
    const execTask = `exec ${quoted([Deno.execPath(), ...task])}`;
    const inTerminal = ["-q", "-e", "-c", execTask, "/dev/null"];
    this.process = new Deno.Command(by === "terminal" ? "script" : Deno.execPath(), {
      args: by === "run" ? run : by === "task" ? task : inTerminal,
      // Not the test's own terminal, if it has one: a manager in a terminal
      // takes a second signal that comes at once for the first one twice.
      stdin: by === "terminal" ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
      detached: true,
    }).spawn();
    this.ended = this.#read(this.process.stdout, (line) => {
      // A terminal ends lines with \r\n, and echoes a Ctrl-C typed as "^C".
      line = line.replace(/\r$/, "").replace(/^(\^[C\\])+/, "");
      try {
        this.lines.push(JSON.parse(line));
      } catch {
        this.lines.push({ text: line });
      }
      this.#check?.();
    });
    this.#errEnded = this.#read(this.process.stderr, (line) => this.stderr += `${line}\n`);
  }

  /** The first line that has `key` (and satisfies `match`); waits for it. */
  next(key: string, match: (value: unknown) => boolean = () => true): Promise<unknown> {
    const find = () => this.lines.find((line) => key in line && match(line[key]))?.[key];
    const { promise, resolve } = Promise.withResolvers<unknown>();
    this.#check = () => {
      const found = find();
      if (found !== undefined) resolve(found);
    };
    this.#check();
    return waitFor(
      promise,
      () => `a "${key}" line; got ${JSON.stringify(this.lines)} ${this.stderr}`,
    ).finally(() => this.#check = undefined);
  }

  /** Every value of the lines with `key`. */
  all(key: string): unknown[] {
    return this.lines.filter((line) => key in line).map((line) => line[key]);
  }

  /** The manager's `ready` line: its socket directory and its children's pids. */
  async ready(): Promise<{ dir: string; pids: Record<string, number> }> {
    return await this.next("ready") as { dir: string; pids: Record<string, number> };
  }

  /**
   * Ends the run whatever state it is in, for `await using`: a test that
   * failed half-way leaves no process behind.
   */
  async [Symbol.asyncDispose](): Promise<void> {
    try {
      // In a terminal, Ctrl-\ ends what runs there (its children exit as
      // their manager's connection closes, soon after this returns: they
      // write to the terminal, not to the pipe `ended` reads); then
      // `script` itself goes.
      const writer = this.process.stdin.getWriter();
      await writer.write(new Uint8Array([0x1c]));
      await writer.close();
    } catch {
      // Not in a terminal, or it ended already.
    }
    try {
      Deno.kill(-this.process.pid, "SIGKILL");
    } catch {
      // Its group is gone already.
    }
    await this.process.status;
    await this.ended;
    await this.#errEnded;
  }

  /** Types Ctrl-C in the terminal of a run `by: "terminal"`. */
  async pressCtrlC(): Promise<void> {
    const writer = this.process.stdin.getWriter();
    await writer.write(new Uint8Array([3]));
    writer.releaseLock();
  }

  /** Signals the manager's whole process group, as a terminal does. */
  signalGroup(signal: Deno.Signal): void {
    Deno.kill(-this.process.pid, signal);
  }

  /** Waits for the manager to exit and every child with it; returns its status. */
  async finished(): Promise<Deno.CommandStatus> {
    const status = await waitFor(this.process.status, "the manager to exit");
    await waitFor(this.ended, "every child to exit");
    await this.#errEnded;
    return status;
  }

  async #read(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void): Promise<void> {
    let pending = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop()!;
      for (const line of lines) if (line) onLine(line);
    }
    if (pending) onLine(pending);
  }
}

/** Whether util-linux `script` runs here, to give a manager a terminal of its own. */
export const hasScript: boolean = await new Deno.Command("script", {
  args: ["--version"],
  stdout: "null",
  stderr: "null",
}).output().then((output) => output.success, () => false);

/** Whether the path exists. */
export async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

/**
 * Runs a manager script to its end with a temporary directory of its own
 * (`tmp`, its `TMPDIR` and the one path it may read and write, so that what
 * it leaves there is its own), with `--allow-net` if `net`, and returns its
 * exit code and the JSON line it printed.
 */
export async function runInOwnTmp(
  fixture: URL,
  tmp: string,
  { net }: { net: boolean },
): Promise<{ code: number; printed: Record<string, unknown> }> {
  const { code, stdout } = await waitFor(
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-run",
        `--allow-read=${tmp}`,
        `--allow-write=${tmp}`,
        ...(net ? ["--allow-net"] : []),
        fixture.href,
      ],
      env: { TMPDIR: tmp },
      stdout: "piped",
      stderr: "null",
    }).output(),
    "the manager to end",
  );
  return { code, printed: JSON.parse(new TextDecoder().decode(stdout)) };
}
