/**
 * How a manager passes lifecycle events on: what happens to its own
 * children it tells every process of its host and, numbered, the other
 * hosts' managers; what another host's manager tells it of that host's
 * children it checks and tells its own processes; and it tells another
 * host again the latest events of its children when either was cut off,
 * or that host says it missed some. Hosts joining and leaving are told
 * here too, with the layout they change.
 *
 * @module
 */

import { type Address, describe, isAddress, isManagerOf, managerOf } from "./address.ts";
import { EVENT, MEMBERS } from "./control.ts";
import { FrameError } from "./errors.ts";
import { HostEvents, type NumberedEvent, toldOf } from "./host_events.ts";
import type { Layout } from "./layout.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { Router } from "./router.ts";
import type { StartingChildren } from "./starting_children.ts";
import { ToOtherManagers } from "./to_other_managers.ts";

/** The events a manager announces to the other hosts: of its own children. */
const CHILD_EVENTS: ReadonlySet<string> = new Set(["exit", "restart", "ready", "fatal", "reload"]);

/** What the passing of events needs of its manager. */
export interface ManagerEventsOptions {
  /** The manager's router. */
  router: Router;
  /** What each child starting was told is being replaced, and missed of it. */
  starting: StartingChildren;
  /** Whether the cluster stops: nothing is told again then. */
  stopping(): boolean;
  /**
   * In a cluster that spans hosts: the host a process runs on, as the
   * membership says, so that another host's manager speaks only of its own.
   */
  hostOf?(address: Address): string | undefined;
}

/** Passes a manager's lifecycle events on, to its processes and to the other hosts. */
export class ManagerEvents {
  readonly #options: ManagerEventsOptions;
  /** The manager's router, which the events go through. */
  readonly router: Router;
  /** This host's children's events told the other hosts, numbered; theirs heard (see `host_events.ts`). */
  readonly #events = new HostEvents();
  /** What each child starting was told is being replaced, and missed of it. */
  readonly #starting: StartingChildren;
  /** By other host's manager: the events told it again after the task it said it missed some. */
  readonly #tellingAgain = new Map<string, ReturnType<typeof setTimeout>>();
  /** What this host tells the other hosts' managers, held while the window to one is full. */
  readonly #toManagers: ToOtherManagers;

  constructor(options: ManagerEventsOptions) {
    this.#options = options;
    this.router = options.router;
    this.#starting = options.starting;
    const router = this.router;
    this.#toManagers = new ToOtherManagers({
      send: (manager, action, data) => router.sendToManager(manager, action, data),
      room: (manager) => router.roomFor(manager),
      kept: (manager) => this.#keptFor(manager),
      report: (error) => router.listeners.report(error),
    });
    // There as it starts: told every event of this host's children.
    for (const manager of this.router.layout.managers) this.#events.joined(manager);
  }

  /** Whether the cluster stops. */
  get #stopping(): boolean {
    return this.#options.stopping();
  }

  /**
   * Hosts joined or left a cluster that spans several: the layout every
   * process of this host holds changes, and they hear of it. `process`:
   * the id of the manager process of the host that joined or left, if known.
   */
  membersChanged(layout: Layout, event: LifecycleEvent, process?: string): void {
    if (event.type === "hostJoined") this.#events.joined(event.address, process);
    if (event.type === "hostLeft") this.#events.left(event.address, process);
    for (const manager of layout.managers) this.#events.joined(manager);
    this.router.layout = layout;
    for (const address of this.router.connected()) {
      this.router.sendControl(address, MEMBERS, layout.members());
    }
    this.#announceHere(event);
  }

  /**
   * Tells every process of the cluster what happened to a child of this
   * host: here, and through the other hosts' managers.
   */
  announce(event: LifecycleEvent): void {
    const numbered = this.#events.number(event);
    for (const manager of this.router.layout.managers) {
      this.#toManagers.announce(manager, numbered);
    }
    this.#announceHere(event);
  }

  /**
   * Another host is back from being cut off (its connection to NATS, or
   * this host's, dropped and was made again; it said so): what either
   * host's children went through meanwhile went nowhere. Each tells the
   * other again the latest events of its children, of which the other takes
   * those it did not have. Only now, once that host is heard: sent as this
   * host was back, it went to a host still away, and was lost.
   */
  backFrom(manager: string): void {
    this.tellAgain(manager);
    if (this.router.layout.managers.includes(manager)) this.#toManagers.askAgain(manager);
  }

  /**
   * Another host said it never had some of this host's messages, though
   * neither was cut off: the events among them went nowhere, as in an
   * outage, and only a reconnect told them again (a process there waited
   * for a worker's `ready` for ever). They are told again, the latest of
   * each child (those it had are dropped there), once for the gaps said in
   * one task: a burst of them sends the events once.
   */
  missedBy(manager: string): void {
    if (this.#stopping || this.#tellingAgain.has(manager)) return;
    this.#tellingAgain.set(
      manager,
      setTimeout(() => {
        this.#tellingAgain.delete(manager);
        this.tellAgain(manager);
      }, 0),
    );
  }

  /**
   * Tells `manager` again the latest events of this host's children: those
   * the window to its host has no room for once it has (see `ToOtherManagers`).
   */
  tellAgain(manager: Address): void {
    if (isManagerOf(manager)) this.#toManagers.tellAgain(manager);
  }

  /** The latest events of this host's children to tell `manager`, if it is another host's. */
  #keptFor(manager: string): NumberedEvent[] {
    if (!isManagerOf(manager) || !this.router.layout.managers.includes(manager)) return [];
    return this.#events.keptFor(manager);
  }

  /** The cluster stops: no events are told again after a gap any more. */
  stop(): void {
    for (const timer of this.#tellingAgain.values()) clearTimeout(timer);
    this.#tellingAgain.clear();
  }

  /** Tells the manager's lifecycle listeners and every connected child. */
  #announceHere(event: LifecycleEvent): void {
    const connected = this.router.connected();
    for (const address of connected) {
      // A child starting hears what it missed before it joined first, in order.
      for (const missed of this.#starting.missedBefore(address)) {
        this.router.sendControl(address, EVENT, missed);
      }
      this.router.sendControl(address, EVENT, event);
    }
    this.#starting.announced(event, connected);
    this.router.lifecycle(event);
  }

  /** An event another host's manager announced about its children. */
  eventFrom(from: Address, data: unknown): void {
    if (!isManagerOf(from) || typeof data !== "object" || data === null) {
      throw new FrameError(`Bad frame from ${describe(from)}: unexpected "${EVENT}"`, {
        action: EVENT,
        peer: from,
      });
    }
    // Of one of its own children only, as it announces them (`announce`):
    // believed of another's, a word from any host (or anyone publishing
    // under its name) was told to every process here as fact, and a child
    // of this host said given up was no longer held for.
    const { type, address } = data as { type?: unknown; address?: unknown };
    const host = isAddress(address) ? this.#options.hostOf?.(address) : undefined;
    const told = toldOf(data);
    if (
      typeof type !== "string" || !CHILD_EVENTS.has(type) || host === undefined ||
      managerOf(host) !== from || told === null
    ) {
      throw new FrameError(
        `Bad frame from ${describe(from)}: a "${EVENT}" of ${
          JSON.stringify(type) ?? "no type"
        } about ${isAddress(address) ? describe(address) : "no process"}, not one of its own`,
        { action: EVENT, peer: from },
      );
    }
    // Told again after a host was cut off: those already taken are dropped.
    if (!this.#events.take(from, told, address)) return;
    const { told: _, ...event } = data as NumberedEvent;
    this.#announceHere(event as LifecycleEvent);
  }
}
