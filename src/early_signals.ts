/**
 * Signals a manager hears while it starts, before it answers them itself
 * (a cluster that spans hosts first joins its broker, which may take
 * seconds): kept, and acted on once it does, rather than ending the
 * process, as a signal nobody listens for would.
 *
 * @module
 */

import { handleSignals, signalExitCode } from "./signals.ts";

/** What was heard before the manager listened. */
export interface Heard {
  /** When a SIGINT or SIGTERM came (`performance.now()`): stop once started. */
  stop: number | undefined;
  /** A SIGHUP: reload once started. */
  reload: boolean;
}

/** Listens for the manager's signals until it listens itself. */
export class EarlySignals {
  readonly #heard: Heard = { stop: undefined, reload: false };
  #off: (() => void) | undefined;

  constructor() {
    this.#off = handleSignals({
      stop: () => void (this.#heard.stop = performance.now()),
      // A second one: at once, as the manager would.
      stopNow: (signal) => Deno.exit(signalExitCode(signal)),
      reload: () => void (this.#heard.reload = true),
    });
  }

  /** Stops listening (idempotent), and says what was heard. */
  end(): Heard {
    this.#off?.();
    this.#off = undefined;
    return this.#heard;
  }
}
