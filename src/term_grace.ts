/**
 * SIGTERM'd children: each one that said `$term` is stopped alone and
 * restarted a moment later, unless the whole cluster stops meanwhile.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Clock } from "./clock.ts";

/**
 * How long the manager waits before it stops a SIGTERM'd child alone, in
 * ms: time for its own SIGTERM to be handled when one signal went to every
 * process of the service (systemd signals the main process first, so it
 * is pending here before any child can say `$term`).
 */
export const TERM_GRACE = 100;

/** What the grace after a child's `$term` needs of the manager. */
export interface TermGraceOptions {
  /** Whose timer counts `TERM_GRACE`. */
  clock: Clock;
  /** Whether the cluster stops: a `$term` is unheeded then. */
  stopping(): boolean;
  /** Whether `address` is a child of this manager's. */
  isChild(address: Address): boolean;
  /** The process id of a child, while it runs. */
  pid(address: Address): number | undefined;
  /** Stops a child alone and restarts it, unless process `pid` is no more. */
  restartAlone(address: Address, pid: number | undefined): Promise<void>;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** The children that said `$term`, waiting out `TERM_GRACE`. */
export class TermGrace {
  readonly #options: TermGraceOptions;
  readonly #waiting = new Map<Address, unknown>();

  constructor(options: TermGraceOptions) {
    this.#options = options;
  }

  /**
   * A child got SIGTERM (`$term`): it is stopped alone and restarted, a
   * moment later. Under systemd's default `KillMode=control-group` every
   * process of the service gets SIGTERM at once, the manager first: then
   * the manager stops the whole cluster in order, and the children's
   * `$term`s, which may come before its own signal is handled, go unheeded.
   */
  heard(address: Address): void {
    const { clock, stopping, isChild, pid, restartAlone, report } = this.#options;
    if (stopping() || !isChild(address) || this.#waiting.has(address)) return;
    // The process that said it: one started meanwhile is left as is.
    const said = pid(address);
    const timer = clock.setTimeout(() => {
      this.#waiting.delete(address);
      if (stopping()) return;
      restartAlone(address, said).catch((error) => report(error as Error));
    }, TERM_GRACE);
    this.#waiting.set(address, timer);
  }

  /** The cluster stops: no child waiting is stopped alone. */
  clear(): void {
    for (const timer of this.#waiting.values()) this.#options.clock.clearTimeout(timer);
    this.#waiting.clear();
  }
}
