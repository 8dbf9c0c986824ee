/**
 * A supervisor for tests where time is the subject: its children are
 * foreign processes the test says are ready (a `sleep` never connects), and
 * it runs on a fake clock.
 */

import type { Address } from "../mod.ts";
import { BOOTSTRAP_VERSION } from "../src/bootstrap.ts";
import type { ForeignChildSpec } from "../src/child_slot.ts";
import { Supervisor, type SupervisorOptions } from "../src/supervisor.ts";
import type { FakeClock } from "./fake_clock.ts";
import { waitFor } from "./helpers.ts";

/** What a test says of the supervisor: its restart policy, what it overrides, and a hook. */
export type ClockedOptions =
  & Pick<SupervisorOptions, "restart">
  & Partial<Omit<SupervisorOptions, "children" | "command" | "clock">>
  & {
    /** Called as the supervisor is about to spawn a process for `address`. */
    spawning?(address: Address): void;
  };

/**
 * A supervisor of the workers `children` on `clock`, each started with its
 * command and a bootstrap that names them all as the workers. What
 * `options` leaves out: `startTimeout` is 60 s, `stopTimeout` 1 s, each
 * control frame can be sent, each child is connected, and the other
 * callbacks do nothing.
 */
export function supervisorOnClock(
  clock: FakeClock,
  children: ReadonlyMap<number, ForeignChildSpec>,
  { spawning, ...options }: ClockedOptions,
): Supervisor {
  return new Supervisor({
    children,
    startTimeout: 60_000,
    stopTimeout: 1000,
    command: (address, spec) => {
      spawning?.(address);
      return {
        program: { command: (spec as ForeignChildSpec).command },
        bootstrap: {
          version: BOOTSTRAP_VERSION,
          self: address,
          workers: [...children.keys()],
          services: [],
          managers: [],
          maxFrameSize: 1 << 20,
          requestTimeout: 1000,
          highWaterMark: 1 << 10,
          maxQueuedBytes: 1 << 20,
          transport: {},
        },
      };
    },
    tell: () => true,
    exiting: () => {},
    isConnected: () => true,
    released: () => {},
    announce: () => {},
    stoppingAlone: () => {},
    report: () => {},
    gaveUp: () => {},
    ...options,
    clock,
  });
}

/** Says `address`'s process is ready, as its `$ready` and `$running` would. */
export function ready(supervisor: Supervisor, address: Address): void {
  supervisor.goAhead(address);
  supervisor.ready(address);
}

/** Starts `supervisor`'s children, `addresses`, and says they are ready. */
export async function started(supervisor: Supervisor, addresses: Address[]): Promise<void> {
  const starting = supervisor.start();
  for (const address of addresses) ready(supervisor, address);
  await waitFor(starting, "the start");
}

/** Ends what `supervisor` runs (its children never connected: killed, then reaped). */
export async function end(supervisor: Supervisor): Promise<void> {
  supervisor.abandon("SIGKILL");
  await supervisor.stop();
}
