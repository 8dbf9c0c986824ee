/**
 * The watchdog (`hangTimeout`): the manager probes each ready child with a
 * `$ping` over its connection, and finds out one whose event loop is
 * blocked (an endless loop, a long synchronous computation, a deadlock in
 * native code), which keeps its socket open but answers nothing. The child
 * answers `$pong` from its event loop; one whose answer does not come
 * within its `hangTimeout` is hung, and its owner kills it.
 *
 * One timer and one small frame per child per `hangTimeout`, nothing per
 * message: each time its timer fires, the last `$ping` was answered (then
 * the next goes) or the child is hung. So a loop blocked for less than
 * `hangTimeout` is never taken for hung, and one blocked for twice that
 * always is.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Clock } from "./clock.ts";

/**
 * How late, in ms, a timer of the watchdog may fire before the manager
 * takes it that its own event loop was held: a `$pong` that came meanwhile
 * may wait unread behind that timer, and the child is given another
 * `hangTimeout` rather than judged by time this process could not read in.
 * A loaded machine's timers fire some 10 ms late; a late one then only
 * delays the verdict. One less late than this is no proof the `$pong` was
 * read: see {@linkcode Watchdog}'s last look.
 */
export const LATE_TIMER = 100;

/** What the watchdog needs from its owner. */
export interface WatchdogOptions {
  /** The time and timers it runs on. */
  clock: Clock;
  /** Sends `$ping` with `data` to a child; false when it could not (not connected). */
  ping(address: Address, data: { n: number }): boolean;
  /** A child did not answer within `timeout` ms: it is hung. Watched no more. */
  hung(address: Address, timeout: number): void;
}

/** One child being watched: its last `$ping` and whether it was answered. */
interface Watched {
  /** How long it has to answer, in ms. */
  timeout: number;
  /** Whether it should still be probed: ready, connected, not stopping. */
  watching: () => boolean;
  /** The number of the last `$ping` sent. */
  sent: number;
  /** The number of the last `$ping` answered. */
  answered: number;
  /** When its timer is due, on the clock. */
  due: number;
  timer: unknown;
  /** Whether its timer is the last look, one turn after it was found silent. */
  lastLook: boolean;
}

/** Probes ready children, and says which are hung. */
export class Watchdog {
  readonly #options: WatchdogOptions;
  readonly #watched = new Map<Address, Watched>();

  constructor(options: WatchdogOptions) {
    this.#options = options;
  }

  /**
   * Starts probing the child at `address` (its process is ready): a `$ping`
   * now, then one each `timeout` ms once the last was answered, for as long
   * as `watching()` says. Watching it again replaces what watched it.
   */
  watch(address: Address, timeout: number, watching: () => boolean): void {
    this.forget(address);
    const entry: Watched = {
      timeout,
      watching,
      sent: 0,
      answered: 0,
      due: 0,
      timer: undefined,
      lastLook: false,
    };
    this.#watched.set(address, entry);
    this.#probe(address, entry);
  }

  /** A child's `$pong`: it answers the last `$ping` when its data says so. */
  answered(address: Address, data: unknown): void {
    const entry = this.#watched.get(address);
    const n = (data as { n?: unknown } | null)?.n;
    if (entry !== undefined && n === entry.sent) entry.answered = entry.sent;
  }

  /** Stops probing the child at `address` (its process exited). */
  forget(address: Address): void {
    const entry = this.#watched.get(address);
    if (entry === undefined) return;
    this.#options.clock.clearTimeout(entry.timer);
    this.#watched.delete(address);
  }

  /** Stops probing every child (the cluster stops): no timer is left. */
  stop(): void {
    for (const address of [...this.#watched.keys()]) this.forget(address);
  }

  #probe(address: Address, entry: Watched): void {
    entry.sent++;
    // Not connected (it closed its connection, to exit): nothing can
    // answer, and it is judged by no silence until it is watched again.
    if (!this.#options.ping(address, { n: entry.sent })) entry.answered = entry.sent;
    this.#arm(address, entry);
  }

  /** Looks at the child after its `timeout`. */
  #arm(address: Address, entry: Watched): void {
    this.#lookIn(address, entry, entry.timeout, false);
  }

  /** Looks at the child, found silent, once more in the next turn: the last look. */
  #lookAgain(address: Address, entry: Watched): void {
    this.#lookIn(address, entry, 0, true);
  }

  #lookIn(address: Address, entry: Watched, ms: number, lastLook: boolean): void {
    const { clock } = this.#options;
    entry.lastLook = lastLook;
    entry.due = clock.now() + ms;
    entry.timer = clock.setTimeout(() => this.#check(address, entry), ms);
  }

  /** `timeout` passed since the last `$ping`: the next one, or the child is hung. */
  #check(address: Address, entry: Watched): void {
    if (this.#watched.get(address) !== entry) return;
    // Starting, stopping (its stop has its own stopTimeout), exited or
    // closed: no longer probed; its next process is watched once ready.
    if (!entry.watching()) {
      this.#watched.delete(address);
      return;
    }
    if (entry.answered === entry.sent) return this.#probe(address, entry);
    if (this.#options.clock.now() - entry.due > LATE_TIMER) return this.#arm(address, entry);
    // Silent, by a timer less late than LATE_TIMER: its `$pong` may yet
    // have come while this process's loop was held, and wait unread, as a
    // timer due then runs before the reads of the same turn. A look one
    // turn later, after those reads, judges it: before, a loop held from
    // just after a `$ping` to 30 ms past the look killed a child that had
    // answered within 200 ms (tests/hang_timeout_test.ts).
    if (!entry.lastLook) return this.#lookAgain(address, entry);
    this.#watched.delete(address);
    this.#options.hung(address, entry.timeout);
  }
}
