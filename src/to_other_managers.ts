/**
 * `ToOtherManagers`: what a manager tells the managers of the other hosts
 * of its own accord, its children's lifecycle events, and its asking for
 * theirs again (`$resend`), sent once the window to their host has room
 * when it has none now. Refused, an event went nowhere: told again after
 * a gap or a reconnect, the latest events stopped at the first the full
 * window refused, and the rest were never told (a process there that heard
 * a worker `exit` waited for its `ready` for ever), while the manager
 * reported that the other host's manager "sends and does not read". Yet a
 * window is full just then as a rule: what this host sent a host that was
 * away fills it until that host, back, confirms it.
 *
 * @module
 */

import type { NumberedEvent } from "./host_events.ts";
import { EVENT, RESEND } from "./control.ts";
import { FULL } from "./transport.ts";

/** How the manager reaches the other hosts' managers. */
export interface ToOtherManagersWay {
  /** Sends a control frame to `manager`: its size, or a negative code (`FULL`: no room yet). */
  send(manager: string, action: string, data?: unknown): number;
  /** Resolves once the window to `manager`'s host has room again, or closed. */
  room(manager: string): Promise<void>;
  /** The latest events of this host's children to tell `manager` again, oldest first. */
  kept(manager: string): NumberedEvent[];
  /** Told what went wrong that nobody else can be told. */
  report(error: Error): void;
}

/** What waits for room to one manager: the events numbered after `after`, and a `$resend`. */
interface Owed {
  after: number;
  ask: boolean;
}

/** Tells the other hosts' managers, waiting for room in the window to each. */
export class ToOtherManagers {
  readonly #way: ToOtherManagersWay;
  /** By manager: what waits for room in the window to its host. */
  readonly #waiting = new Map<string, Owed>();

  constructor(way: ToOtherManagersWay) {
    this.#way = way;
  }

  /**
   * Tells `manager` a new event (kept already): now, or, if what waits for
   * room goes first, with that, in order.
   */
  announce(manager: string, event: NumberedEvent): void {
    const owed = { after: event.told.n - 1, ask: false };
    if (this.#waiting.has(manager)) return this.#tell(manager, owed);
    if (this.#way.send(manager, EVENT, event) === FULL) this.#waitForRoom(manager, owed);
  }

  /** Tells `manager` again the latest events of this host's children (those it had are dropped there). */
  tellAgain(manager: string): void {
    this.#tell(manager, { after: 0, ask: false });
  }

  /** Asks `manager` to tell this host again the latest events of its host's children. */
  askAgain(manager: string): void {
    this.#tell(manager, { after: Infinity, ask: true });
  }

  #tell(manager: string, owed: Owed): void {
    const waiting = this.#waiting.get(manager);
    if (waiting) {
      waiting.after = Math.min(waiting.after, owed.after);
      waiting.ask ||= owed.ask;
      return;
    }
    if (owed.ask) {
      const sent = this.#way.send(manager, RESEND);
      if (sent === FULL) return this.#waitForRoom(manager, owed);
      owed.ask = false;
    }
    for (const event of this.#way.kept(manager)) {
      if (event.told.n <= owed.after) continue;
      const sent = this.#way.send(manager, EVENT, event);
      if (sent === FULL) return this.#waitForRoom(manager, { after: event.told.n - 1, ask: false });
      // It cannot go at all (the host left, or the way is down): told again once it is back.
      if (sent < 0) return;
    }
  }

  /**
   * Holds what is owed `manager` until the window to its host has room,
   * then tells it; what is owed it meanwhile joins it (see `#tell`).
   */
  #waitForRoom(manager: string, owed: Owed): void {
    this.#waiting.set(manager, owed);
    this.#way.room(manager).then(() => {
      this.#waiting.delete(manager);
      this.#tell(manager, owed);
    }).catch((error) => this.#way.report(error));
  }
}
