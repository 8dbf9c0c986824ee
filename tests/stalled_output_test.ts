/**
 * A manager with `labelOutput` whose own stdout nobody reads (a
 * supervisor's log pipe that stalled), run as its own process.
 *
 * Trial 18: README, Running in production: "A stop takes at most five
 * `stopTimeout`s when children hang". Such a manager never finished a
 * graceful stop: once its worker was killed, it waited for that worker's
 * last labelled lines to be written to a stdout that takes nothing, for
 * ever, and SIGTERM from a supervisor ended only in its SIGKILL.
 *
 * Review 15: the exit that follows such a stop, `stopTimeout` later, had
 * two faults: it took `Deno.exitCode` for 0 (a run that failed reported as
 * one that went well), and it ended a process still running another
 * cluster, whose labelled write was the one that waited.
 */

import assert from "node:assert/strict";
import { deadline } from "../src/deadline.ts";
import { managerProcess } from "./helpers.ts";
import { STOP_TIMEOUT } from "./fixtures/trial18_unread_manager.ts";
import { FAILED } from "./fixtures/review15_failed_run_manager.ts";
import { STILL_RUNNING } from "./fixtures/review15_two_clusters_manager.ts";

/** A manager fixture whose stdout is never read until it exits, and what it says on stderr. */
class UnreadManager implements AsyncDisposable {
  readonly process: Deno.ChildProcess;
  /** Everything it said on stderr so far. */
  said = "";
  readonly #read: Promise<void>;
  #more = Promise.withResolvers<void>();

  constructor(fixture: string) {
    this.process = managerProcess(fixture, { stderr: "piped" }).spawn();
    this.#read = this.process.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({
        write: (chunk) => {
          this.said += chunk;
          this.#more.resolve();
          this.#more = Promise.withResolvers();
        },
      }),
    );
  }

  /** Resolves once it said `line`; rejects if its stderr ends first. */
  async heard(line: string): Promise<void> {
    while (!this.said.includes(`${line}\n`)) {
      const ended = await Promise.race([this.#read.then(() => true), this.#more.promise]);
      if (ended && !this.said.includes(`${line}\n`)) throw new Error(`it ended: ${this.said}`);
    }
  }

  /** Its exit status, within `bound` ms. */
  exited(bound: number): Promise<Deno.CommandStatus> {
    return deadline(
      this.process.status,
      bound,
      () =>
        new Error(`the manager had not exited within ${bound} ms; it said: ${this.said.trim()}`),
    );
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.process.kill("SIGKILL");
    } catch {
      // It had exited.
    }
    await this.process.stdout.cancel();
    await this.process.status;
    await this.#read.catch(() => {});
  }
}

Deno.test("a SIGTERM'd manager whose stdout nobody reads still stops within its bound", async () => {
  await using manager = new UnreadManager("trial18_unread_manager.ts");
  await deadline(manager.heard("started"), 10_000, () => new Error("the manager did not start"));
  // Its stdout is never read: the worker fills it, and the manager's pipe from the worker.
  manager.process.kill("SIGTERM");
  // One worker: its stop work, then its exit, each at most STOP_TIMEOUT, plus the
  // half second for output held open, and as much again for a busy machine.
  const status = await manager.exited(2 * (2 * STOP_TIMEOUT + 500) + 2_000);
  assert.equal(status.code, 0);
});

Deno.test("a manager whose stdout nobody reads exits with the Deno.exitCode its code set", async () => {
  await using manager = new UnreadManager("review15_failed_run_manager.ts");
  // Its stop (each phase at most STOP_TIMEOUT, plus half a second for output held
  // open), then STOP_TIMEOUT for the stalled write, and 10 s for a busy machine.
  const status = await manager.exited(10_000 + 4 * STOP_TIMEOUT);
  await manager.heard("stopped");
  assert.equal(status.code, FAILED, `it exited with another code; it said: ${manager.said}`);
});

Deno.test("a cluster stopped beside one still running does not end the process for the running one's stalled output", async () => {
  await using manager = new UnreadManager("review15_two_clusters_manager.ts");
  const status = await manager.exited(10_000 + 4 * STOP_TIMEOUT);
  await manager.heard("batch stopped");
  assert.equal(
    status.code,
    STILL_RUNNING,
    `the process ended with its running cluster; it said: ${manager.said}`,
  );
});
