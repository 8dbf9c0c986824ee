/**
 * `Relaying`: an endpoint's part in a cluster that spans several hosts. A
 * child reaches a process on another host through its manager, the host's
 * gateway: which sends go that way, their limits and cost, the relay frames
 * each side sends, and which relay frames may come which way.
 *
 * @module
 */

import { type Address, MANAGER } from "../address.ts";
import { UnreachableError } from "../errors.ts";
import { type LastSent, type Payload, TOO_LARGE, UNREACHABLE } from "../transport.ts";
import type { Link } from "./link.ts";
import {
  DELIVER,
  FORWARD,
  GONE,
  REACH,
  reachable,
  readGone,
  readRelay,
  readTaken,
  type Relay,
  relayHeadSize,
  relayPayload,
  TAKEN,
  takenBody,
} from "./relay.ts";
import type { Sockets, UnixConfig } from "./sockets.ts";

/**
 * Where the manager of a cluster that spans several hosts sends what its
 * children relay to processes on other hosts: its gateway.
 */
export type Relayer = (from: Address, to: Address, payload: Uint8Array) => void;

/**
 * What is left for the endpoint to do with a relay frame that
 * `Relaying.read` read. Only a GONE frame, which is rare, makes a new
 * object: the others are the frame as read, or constants.
 */
export type RelayRead =
  /** A DELIVER frame from the manager: hand on `body`, attested as from `address`. */
  | (Relay & { kind: typeof DELIVER })
  /**
   * A GONE frame from the manager: `address` is gone, for `error` when it
   * should be reported; `last` says what became of the last sent it.
   */
  | {
    kind: "gone";
    address: Address;
    error: UnreachableError | undefined;
    /** What the manager says of the last the child sent it. */
    last: LastSent;
    /** The reason is only to be reported: what waits on `address` stays open. */
    reportOnly: boolean;
  }
  /** A frame that did not come the way its kind may come, or is malformed. */
  | typeof BAD_RELAY
  /** Nothing: it was handled. */
  | typeof RELAY_HANDLED;

/** A relay frame that did not come the way its kind may come, or is malformed. */
export const BAD_RELAY = Object.freeze({ kind: "bad" } as const);
/** A relay frame handled by `Relaying.read`: nothing is left to do. */
const RELAY_HANDLED = Object.freeze({ kind: "handled" } as const);

/** One endpoint's part in a cluster that spans several hosts. */
export class Relaying {
  readonly #gateway: UnixConfig["gateway"];
  readonly #sockets: Sockets;
  /** The frame limit between processes of this host. */
  readonly #localMaxPayload: number;
  #relayer: Relayer | undefined;
  /** In a manager: told how many more relayed frames a child took, or that it takes the rest. */
  #onTaken: ((child: Address, taken: number | "rest") => void) | undefined;
  /** In a child of a cluster that spans hosts: whether its manager can reach the others now. */
  #othersReachable = true;
  /** In such a child: by process on another host, how many payloads it forwarded to it. */
  readonly #forwarded = new Map<Address, number>();

  /**
   * @param gateway The configuration's gateway: undefined unless the cluster spans hosts.
   * @param sockets This host's processes.
   * @param localMaxPayload The frame limit between processes of this host.
   */
  constructor(gateway: UnixConfig["gateway"], sockets: Sockets, localMaxPayload: number) {
    this.#gateway = gateway;
    this.#sockets = sockets;
    this.#localMaxPayload = localMaxPayload;
  }

  /** Whether the cluster spans several hosts. */
  get spansHosts(): boolean {
    return this.#gateway !== undefined;
  }

  /** Whether what is sent to `to` goes through the manager: a send to another host. */
  relayed(to: Address): boolean {
    return this.#gateway !== undefined && this.#isRemote(to);
  }

  /** What sets the frame limit for `to`, when it is the gateway's. */
  limitName(to: Address): string | undefined {
    const gateway = this.#gateway;
    return gateway && this.#isRemote(to) ? gateway.limit : undefined;
  }

  /** The largest payload that can be sent to `to`. */
  maxPayload(to: Address): number {
    const gateway = this.#gateway;
    return gateway && this.#isRemote(to) ? gateway.maxPayload : this.#localMaxPayload;
  }

  /** What relaying adds to a payload sent to `to`, in bytes. */
  headSize(to: Address): number {
    // A child's send to another host goes in a FORWARD relay frame.
    return this.relayed(to) ? relayHeadSize(to) : 0;
  }

  /** In a child of a cluster that spans hosts: whether its manager can reach the others now. */
  get othersReachable(): boolean {
    return this.#othersReachable;
  }

  /** Whether `to` lives on another host: not here, and not this host's manager. */
  #isRemote(to: Address): boolean {
    return to !== MANAGER && !this.#sockets.has(to);
  }

  /**
   * A child's send to another host: through its manager, in a FORWARD frame.
   *
   * @param manager The link to the manager, if there is one.
   * @returns The payload's size, or `UNREACHABLE`, `TOO_LARGE`, `CLOSED` or `FULL`.
   */
  forward(manager: Link | undefined, to: Address, payload: Payload, limit?: number): number {
    if (!manager || !this.#othersReachable) return UNREACHABLE;
    if (payload.length > this.#gateway!.maxPayload) return TOO_LARGE;
    const frame = relayPayload(FORWARD, to, payload);
    const size = frame.length - frame.pieces[0].length;
    if (size > this.#gateway!.maxPayload) return TOO_LARGE;
    // gateway.maxPayload leaves room for any relay head: the frame fits.
    const sent = manager.send(frame, limit);
    if (sent < 0) return sent;
    this.#forwarded.set(to, (this.#forwarded.get(to) ?? 0) + 1);
    return size;
  }

  /**
   * How many payloads this child forwarded to `to`. The manager relays
   * them in order, so the last n it relayed are the last n of these, or
   * later (one it could not relay, or has not yet, never came either).
   */
  forwarded(to: Address): number {
    return this.#forwarded.get(to) ?? 0;
  }

  /**
   * In a manager: delivers a message from another host's process on the
   * link to a child, attested as from `from`.
   *
   * @returns Its size, or a negative code: `TOO_LARGE` when its relay frame
   * is over the child's frame limit.
   */
  deliver(link: Link, from: Address, payload: Uint8Array, limit?: number): number {
    // Over the child's frame limit it would be cut off, so it is refused here.
    const size = link.send(relayPayload(DELIVER, from, payload), limit, this.#localMaxPayload);
    return size < 0 ? size : payload.length;
  }

  /**
   * In a manager: tells a child that `address` on another host is gone, and
   * why; and what became of the last payloads it sent `address`.
   */
  tellGone(link: Link, address: Address, reason?: string, last: LastSent = {}): boolean {
    const { seen, undelivered, onTheWay, there } = last;
    const body = JSON.stringify({
      reason,
      seen,
      undelivered: undelivered || undefined,
      onTheWay: onTheWay || undefined,
      there: there || undefined,
    });
    return link.send(relayPayload(GONE, address, body)) >= 0;
  }

  /**
   * In a manager: tells a child that a message it sent `address` on
   * another host was refused there, and why; nothing else ends with it.
   */
  tellRefused(link: Link, address: Address, reason: string): boolean {
    const body = JSON.stringify({ reason, reportOnly: true });
    return link.send(relayPayload(GONE, address, body)) >= 0;
  }

  /** In a manager: tells a child whether the other hosts can be reached now. */
  tellReachable(link: Link, reachable: boolean): boolean {
    return link.send(relayPayload(REACH, MANAGER, JSON.stringify({ reachable }))) >= 0;
  }

  /** In a child: tells its manager how many more DELIVER frames it took, or that it takes the rest. */
  sayTaken(manager: Link, taken: number | "rest"): void {
    manager.connection.send(relayPayload(TAKEN, MANAGER, takenBody(taken)));
  }

  /** In a manager: hands what its children relay to other hosts to `relayer`. */
  relayTo(relayer: Relayer): void {
    this.#relayer = relayer;
  }

  /** In a manager: tells `listener` how many more relayed frames a child took. */
  taken(listener: (child: Address, taken: number | "rest") => void): void {
    this.#onTaken = listener;
  }

  /**
   * Reads one relay frame that came on `link`, and handles it if it came
   * the way that kind may come: FORWARD and TAKEN from a child to a manager
   * that relays, DELIVER, GONE and REACH from the manager of a cluster that
   * spans hosts.
   *
   * @returns What is left for the endpoint to do with it.
   */
  read(link: Link, payload: Uint8Array): RelayRead {
    const relay = readRelay(payload);
    const fromManager = link.address === MANAGER && this.#gateway !== undefined;
    const toManager = this.#relayer !== undefined && link.address !== MANAGER;
    const said = relay?.kind === REACH && fromManager ? reachable(relay.body) : undefined;
    const taken = relay?.kind === TAKEN && toManager ? readTaken(relay.body) : undefined;
    if (relay?.kind === FORWARD && toManager) {
      this.#relayer!(link.address!, relay.address, relay.body);
    } else if (relay?.kind === DELIVER && fromManager) {
      return relay as Relay & { kind: typeof DELIVER };
    } else if (taken !== undefined) {
      this.#onTaken?.(link.address!, taken);
    } else if (relay?.kind === GONE && fromManager) {
      const { reason, last, reportOnly } = readGone(relay.body);
      const error = reason === undefined
        ? undefined
        : new UnreachableError(reason, { peer: relay.address });
      return { kind: "gone", address: relay.address, error, last, reportOnly };
    } else if (said !== undefined) {
      this.#othersReachable = said;
    } else {
      return BAD_RELAY;
    }
    return RELAY_HANDLED;
  }
}
