/**
 * Starting a child process: `deno run` of the child's module with only its
 * socket permissions plus what was granted, the bootstrap on its stdin,
 * stdout and stderr shared with the manager.
 *
 * @module
 */

import { type Bootstrap, encodeBootstrap } from "./bootstrap.ts";

/** How to start one child. */
export interface ChildCommand {
  /** The module to run: a path relative to the working directory, or a URL. */
  module: string | URL;
  /** Flags for `deno run`: permissions first, then the user's own. */
  flags: readonly string[];
  /** Arguments the child sees as `Deno.args`. */
  args: readonly string[];
}

/** A started child. */
export interface SpawnedChild {
  /** The process. */
  process: Deno.ChildProcess;
  /** Settles once the bootstrap is written and stdin closed. */
  bootstrapped: Promise<void>;
}

/** Starts a child and hands it its bootstrap. */
export function spawnChild(command: ChildCommand, bootstrap: Bootstrap): SpawnedChild {
  const module = command.module instanceof URL ? command.module.href : command.module;
  const process = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...command.flags, module, ...command.args],
    stdin: "piped",
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return { process, bootstrapped: writeAndClose(process.stdin, encodeBootstrap(bootstrap)) };
}

async function writeAndClose(stdin: WritableStream<Uint8Array>, bytes: Uint8Array): Promise<void> {
  const writer = stdin.getWriter();
  try {
    await writer.write(bytes);
    await writer.close();
  } catch {
    // The child died before reading; its exit status tells why.
  }
}
