/**
 * A child's way to the processes of other hosts, in a cluster that spans
 * hosts (the bootstrap's `transport` has `gateway: {maxPayload, limit}`):
 * through its manager, on the connection it joined with, in relay frames
 * (`relay.mjs`). What it sends them goes out in FORWARD frames, at most
 * `gateway.maxPayload` bytes each, and is refused (as not connected) while
 * the manager says, in a REACH frame, that it lost its way to them. What
 * they send comes in DELIVER frames, attested by the manager as from them;
 * a GONE frame says one of them is gone. The endpoint says after each batch
 * how many DELIVER frames it handed on (TAKEN), and, as it closes
 * gracefully, that it takes the rest: what the manager relayed and never
 * heard taken, if this process crashes, is refused to the senders.
 *
 * @module
 */

import { describe, MANAGER } from "./address.mjs";
import { FrameError, UnreachableError } from "./errors.mjs";
import {
  DELIVER,
  FORWARD,
  GONE,
  goneLast,
  goneReason,
  goneReportOnly,
  REACH,
  reachable,
  readRelay,
  relayHeadSize,
  relayPayload,
  TAKEN,
  takenBody,
} from "./relay.mjs";

/** @typedef {import("./address.mjs").Address} Address */
/** @typedef {import("./connection.mjs").Connection} Connection */

/**
 * @typedef {object} OtherHostsEvents
 * @property {(address: Address, reason: Error | undefined, last: import("./fate.mjs").LastSent & { there: boolean }) => void} gone
 * A process of another host is gone: what waits on it fails, as `last` says.
 * @property {(error: Error) => void} report Told of errors no caller can be given.
 */

/** The processes of other hosts, reached through the manager. */
export class OtherHosts {
  #gateway;
  #maxFrameSize;
  /** @type {Set<Address>} This host's processes: reached on their own sockets. */
  #here;
  #events;
  /** Whether the manager can reach the other hosts now, as it last said. */
  #reachable = true;
  /** @type {Map<Address, number>} How many messages were forwarded to each process. */
  #forwarded = new Map();

  /**
   * @param {import("./bootstrap.mjs").Bootstrap} bootstrap One whose
   * `transport` has a `gateway`.
   * @param {OtherHostsEvents} events
   */
  constructor(bootstrap, events) {
    const { gateway, workers, services } = bootstrap.transport;
    this.#gateway = gateway;
    this.#maxFrameSize = bootstrap.maxFrameSize;
    this.#here = new Set([MANAGER, ...workers, ...services]);
    this.#events = events;
  }

  /**
   * Whether `address` is reached through the manager: not this host's.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  has(address) {
    return !this.#here.has(address);
  }

  /**
   * The largest message that may go to `to` on another host: what the
   * manager relays (`gateway.maxPayload`), and what, in its FORWARD frame,
   * still fits the manager's `maxFrameSize`.
   *
   * @param {Address} to
   * @returns {number}
   */
  maxPayload(to) {
    return Math.min(this.#gateway.maxPayload, this.#maxFrameSize - relayHeadSize(to));
  }

  /** @returns {string} What sets the limit, for errors. */
  get limitName() {
    return this.#gateway.limit;
  }

  /**
   * How many messages were forwarded to `to`: the manager relays them in
   * order, and a GONE frame's `seen` counts the same ones.
   *
   * @param {Address} to
   * @returns {number}
   */
  forwarded(to) {
    return this.#forwarded.get(to) ?? 0;
  }

  /**
   * Sends a message to `to` on another host, through the manager.
   *
   * @param {Connection | undefined} manager The connection to the manager.
   * @param {Address} to
   * @param {Uint8Array} payload At most {@linkcode maxPayload} bytes.
   * @returns {boolean} Whether it was handed to the connection: false while
   * the other hosts cannot be reached, as for a process not connected.
   */
  forward(manager, to, payload) {
    if (!manager || !this.#reachable) return false;
    if (!manager.send(relayPayload(FORWARD, to, payload))) return false;
    this.#forwarded.set(to, this.forwarded(to) + 1);
    return true;
  }

  /**
   * Reads a relay frame that came from the manager: a GONE or REACH frame
   * is acted on here; a DELIVER frame's message is for the endpoint to hand
   * on.
   *
   * @param {Uint8Array} payload
   * @returns {{ from: Address, message: Uint8Array } | undefined} A DELIVER
   * frame's sender and message.
   * @throws {FrameError} When the frame is malformed, or of a kind the
   * manager does not send.
   */
  take(payload) {
    const relay = readRelay(payload);
    const said = relay?.kind === REACH ? reachable(relay.body) : undefined;
    if (relay?.kind === DELIVER) return { from: relay.address, message: relay.body };
    if (relay?.kind === GONE) {
      const reason = goneReason(relay.body);
      const error = reason === undefined
        ? undefined
        : new UnreachableError(reason, { peer: relay.address });
      if (error) this.#events.report(error);
      // A refused message ends nothing: what waits on its target is settled on its own.
      if (!goneReportOnly(relay.body)) {
        this.#events.gone(relay.address, error, goneLast(relay.body));
      }
    } else if (said !== undefined) {
      this.#reachable = said;
    } else {
      throw new FrameError(`Bad frame from ${describe(MANAGER)}: an unexpected relay frame`, {
        peer: MANAGER,
      });
    }
    return undefined;
  }

  /**
   * Tells the manager that this process handed on `taken` more DELIVER
   * frames, or, as it closes gracefully, `"rest"`: all that still come.
   *
   * @param {Connection} manager
   * @param {number | "rest"} taken
   */
  taken(manager, taken) {
    manager.send(relayPayload(TAKEN, MANAGER, takenBody(taken)));
  }
}
