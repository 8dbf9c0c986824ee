/**
 * Starting a child process: `deno run` of the child's module with only its
 * transport's permissions plus what was granted, or any other executable as
 * its argv says; the bootstrap on its stdin, stdout and stderr shared with
 * the manager, or labelled line by line.
 *
 * @module
 */

import { type Bootstrap, encodeBootstrap, GO_AHEAD } from "./bootstrap.ts";
import type { ChildPlace } from "./child_environment.ts";
import { pipeLabelled, serialWriter } from "./labelled_output.ts";
import { type ChildLabel, labelText } from "./output_labels.ts";

/** What a child runs: a Deno module, or another executable. */
export type Program = DenoProgram | ForeignProgram;

/** A Deno module, run with `deno run`, in `cwd` if given. */
export interface DenoProgram extends ChildPlace {
  /** The module to run: a path relative to the child's working directory, or a URL. */
  module: string | URL;
  /** Flags for `deno run`: permissions first, then the user's own. */
  flags: readonly string[];
  /** Arguments the child sees as `Deno.args`. */
  args: readonly string[];
}

/**
 * Any executable, in any language, that speaks the protocol itself (README
 * "Processes in other languages"): run as its argv says, with no sandbox.
 */
export interface ForeignProgram extends ChildPlace {
  /**
   * The executable (looked up on `PATH`, or a path relative to `cwd` when
   * given), then its arguments.
   */
  command: readonly string[];
}

/** How to start one child. */
export type ChildCommand = Program & {
  /**
   * When set, each line the child writes to stdout or stderr goes to the
   * manager's stdout or stderr with `[name] ` in front (its pid in the
   * brackets, the time before them, as the label asks); else the child
   * writes to the manager's streams itself.
   */
  label?: ChildLabel;
};

/** A started child. */
export interface SpawnedChild {
  /** The process. */
  process: Deno.ChildProcess;
  /** Its stdin, which carries the bootstrap and then the go-ahead. */
  stdin: ChildStdin;
  /**
   * Whether it may start processes of its own: a program in another
   * language, or a Deno child given `run`. Killing its group ends them too.
   */
  startsOthers: boolean;
  /**
   * Settles once the child's labelled output is read to its end and
   * written, its pipes closed; at once when it has no label.
   */
  output: Promise<void>;
  /**
   * Stops reading its output: a process it started may hold the pipes
   * open long after it exited. What came is written; `output` settles.
   */
  letGoOfOutput(): void;
}

/**
 * Starts a child and hands it its bootstrap. Either kind inherits the
 * manager's environment, with `env` added over it, and runs in `cwd`, else
 * in the manager's working directory: a Deno child cannot read the
 * environment without `--allow-env`, but another executable can, and
 * finds its interpreter on `PATH`.
 *
 * @throws {Deno.errors.NotFound} When the executable or `cwd` does not
 * exist (Deno's message says which: "No such cwd '/srv/gone'").
 */
export function spawnChild(command: ChildCommand, bootstrap: Bootstrap): SpawnedChild {
  const [program, ...args] = argv(command);
  const output = command.label === undefined ? "inherit" : "piped";
  const process = new Deno.Command(program, {
    args,
    // Added to the manager's environment, which the child keeps: a key is set, never unset.
    ...(command.env === undefined ? {} : { env: { ...command.env } }),
    ...(command.cwd === undefined ? {} : { cwd: command.cwd }),
    stdin: "piped",
    stdout: output,
    stderr: output,
    // A session of its own: a terminal's Ctrl-C (SIGINT to the foreground
    // process group) reaches the manager only, which stops the children in
    // order, instead of killing them all mid-work.
    detached: true,
  }).spawn();
  const reading = new AbortController();
  return {
    process,
    stdin: new ChildStdin(process.stdin, encodeBootstrap(bootstrap)),
    startsOthers: "command" in command ||
      command.flags.some((flag) => /^(-A|--allow-all|--allow-run)(=|$)/.test(flag)),
    output: command.label === undefined
      ? Promise.resolve()
      : relay(process, command.label, reading.signal),
    letGoOfOutput: () => reading.abort(),
  };
}

/** The program and its arguments. */
function argv(program: Program): readonly string[] {
  if ("command" in program) return program.command;
  const module = program.module instanceof URL ? program.module.href : program.module;
  return [Deno.execPath(), "run", "--no-prompt", ...program.flags, module, ...program.args];
}

/**
 * The manager's own streams, shared by every labelled child in this
 * process, whatever its cluster: one write at a time on each.
 */
const managerStdout = serialWriter(Deno.stdout);
const managerStderr = serialWriter(Deno.stderr);

/**
 * Writes a child's piped stdout and stderr, labelled, to the manager's;
 * stamped with the machine's time (`Date.now()`, read at each chunk) when
 * the label asks.
 */
async function relay(
  process: Deno.ChildProcess,
  label: ChildLabel,
  signal: AbortSignal,
): Promise<void> {
  const text = labelText(label.name, label.pid ? process.pid : undefined);
  const options = { signal, time: label.timestamps ? () => Date.now() : undefined };
  await Promise.all([
    pipeLabelled(process.stdout, text, managerStdout, options),
    pipeLabelled(process.stderr, text, managerStderr, options),
  ]);
}

/**
 * A child's stdin: the bootstrap at once, then either the go-ahead (the
 * answer to its `$ready`) or nothing; closed after either.
 */
export class ChildStdin {
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #written: Promise<void>;
  #closed = false;

  constructor(stdin: WritableStream<Uint8Array>, bootstrap: Uint8Array) {
    this.#writer = stdin.getWriter();
    this.#written = this.#writer.write(bootstrap).catch(ignore);
  }

  /** Settles once what was asked is written and stdin closed, or could not be. */
  get done(): Promise<void> {
    return this.#written;
  }

  /** Answers the child's `$ready`, and closes. */
  goAhead(): void {
    this.#end(GO_AHEAD);
  }

  /** Closes without the go-ahead: the child exited, or the cluster stops. */
  close(): void {
    this.#end();
  }

  #end(last?: Uint8Array): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#written = this.#written
      .then(() => last && this.#writer.write(last))
      .then(() => this.#writer.close())
      .catch(ignore);
  }
}

/** A write fails when the child died before reading; its exit status tells why. */
function ignore(): void {}
