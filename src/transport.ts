/**
 * The transport boundary. Above it, processes are addresses that exchange
 * payloads; below it live sockets, paths, framing, handshakes, or a broker's
 * subjects. A transport opens one {@linkcode Endpoint} per process: it sends
 * payloads to addresses, pushes what arrives to one {@linkcode Receiver}
 * with the sender attested, and says when a peer is gone. It knows nothing
 * of actions, requests or listeners.
 *
 * `src/unix/` is the transport between the processes of one host,
 * `memory_transport.ts` one for processes in one isolate (for tests). Both
 * pass `tests/transport_conformance.ts`, the suite every transport must pass.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { Permissions } from "./permissions.ts";
import type { ConnectionStats } from "./stats.ts";

/**
 * A payload as the layer above hands it over: UTF-8 bytes, text that the
 * transport encodes itself (straight into its send buffer, which saves a
 * copy of every large message), or bytes in pieces, which it writes there
 * back to back (`payload_pieces.ts`).
 */
export type Payload = Uint8Array | string | PayloadPieces;

/**
 * A payload in pieces, one after the other: a message's head and the
 * `Uint8Array`s it carries, say, which a transport copies once into where
 * they go instead of their being assembled first. Like any payload handed
 * to `send`, valid only during that call.
 */
export interface PayloadPieces {
  /** The pieces, in order. */
  readonly pieces: readonly Uint8Array[];
  /** Their bytes in all. */
  readonly length: number;
}

/** What `send` returns when this endpoint, or its way to the peer, is closing or closed. */
export const CLOSED = -1;
/** What `send` returns when the payload would overfill the queue to the peer. */
export const FULL = -2;
/** What `send` returns when the peer cannot be reached now (unknown, down, not listening). */
export const UNREACHABLE = -3;
/** What `send` returns when the payload is over what the transport carries to the peer. */
export const TOO_LARGE = -4;

/** Where an endpoint pushes what happens to it. */
export interface Receiver {
  /**
   * Payloads from one peer, in the order it sent them; each is valid only
   * during the call. If this throws, the connection they came on is closed
   * with the error, which is reported, and later payloads on it are dropped;
   * other peers' traffic goes on.
   *
   * @param from The sender, as the transport attests it.
   */
  deliver(from: Address, payloads: readonly Uint8Array[]): void;
  /**
   * A connection to `peer` closed: what was in flight to or from it may be
   * lost. It may still be reachable (a second connection, a redial).
   *
   * @param reason Why, when it was not an orderly close.
   * @param last What is known of the last payloads this endpoint took for
   * `peer` (see {@linkcode Endpoint.sent}); by default, nothing: each may
   * have reached it.
   */
  gone(peer: Address, reason: Error | undefined, last?: LastSent): void;
  /**
   * In a manager: its child `child` joined. A child listens before it joins,
   * so what its siblings hold for it may go now (it holds what comes until
   * it is ready).
   */
  joined?(child: Address): void;
  /**
   * In a manager that relays other hosts' traffic to its children: a
   * payload from `from`, on another host, for its child `to`, before it is
   * relayed; `exiting` when `to` was told to exit and no process of it has
   * joined since (see {@linkcode Endpoint.exiting}). Returns what to send
   * back to `from`, as from `to`, instead (a request refused on the
   * child's behalf), or undefined to relay it.
   */
  answerFor?(
    to: Address,
    from: Address,
    payload: Uint8Array,
    exiting: boolean,
  ): Payload | undefined;
}

/**
 * What is known, as a peer is gone, of the last payloads an endpoint took
 * for it, counted from the last back (see {@linkcode Receiver.gone}). What
 * was sent before those counted may have reached it.
 */
export interface LastSent {
  /**
   * How many never reached it, and never will: `Infinity` when the
   * connection closed before it opened (a dial that failed); for a peer on
   * another host, the count its host's bye gave.
   */
  undelivered?: number;
  /**
   * With `undelivered: Infinity`, where the transport has them: the
   * payloads that never left (a dial that failed), in order, for the
   * receiver to send again to the peer's next process, or report lost.
   */
  unsent?: readonly Uint8Array[];
  /**
   * How many were still on their way as it ended (a process of another
   * host, whose host stays): each is answered on its own, by its host or
   * its next process, and what waits on it stays.
   */
  onTheWay?: number;
  /**
   * How many of them the relay between (a child's manager) had had when it
   * told: what was sent after is answered on its own, as the relay refuses
   * or forwards each, and stays; the counts above are of those it had.
   */
  seen?: number;
  /**
   * True when the peer is still there: one message of what was sent it was
   * refused, which may have broken what is open with it (a request's
   * stream), so that fails, and the handlers of its requests here stop;
   * what they answer still goes to it.
   */
  there?: boolean;
}

/** What the layer above tells a transport when it opens an endpoint. */
export interface EndpointOptions {
  /** The largest payload to send or accept. */
  maxPayload: number;
  /**
   * Told of errors no caller can be given: a refused or broken connection,
   * a bad frame, a peer that could not be reached after a send was counted.
   */
  report(error: Error): void;
}

/** One process's end of a transport. */
export interface Endpoint {
  /** The address this endpoint receives at. */
  readonly self: Address;
  /** What a payload costs in a queue on top of its own bytes (a frame header, say). */
  readonly overhead: number;
  /** The largest payload this endpoint carries to `to`. */
  maxPayload(to: Address): number;
  /** What sets that limit, for errors (e.g. "NATS max_payload"), if not `maxFrameSize`. */
  limitName?(to: Address): string | undefined;
  /**
   * Starts delivering to `receiver`, from a later microtask on, never during
   * this call; call once. What arrives before is held for it.
   */
  receive(receiver: Receiver): void;
  /**
   * Queues one payload for `to` (bytes are copied). Payloads to one peer
   * arrive in order, exactly once while both ends live; payloads queued in
   * one tick leave together.
   *
   * @param limit Refuse it if the queue to `to` would then hold more than
   * this many bytes.
   * @returns Its size in bytes, or {@linkcode CLOSED}, {@linkcode FULL},
   * {@linkcode UNREACHABLE} or {@linkcode TOO_LARGE} (nothing queued).
   */
  send(to: Address, payload: Payload, limit?: number): number;
  /**
   * Queues an answer for `to` (a request's answer or refusal, a reply by
   * hand), as `send` does; but where `send` would find the queue to `to`
   * full, it may hold the answer until there is room, within a bound of its
   * own (a gateway does, for another host's window, up to `maxQueuedBytes`
   * held for this process: see `held_answers.ts`). Without it, answers are
   * sent with `send`.
   *
   * @param limit As `send`'s, for what goes now.
   * @returns Its size in bytes (queued or held), or a negative code as `send`'s.
   */
  sendAnswer?(to: Address, payload: Payload, limit?: number): number;
  /**
   * Whether what this process sends `to` now goes after its answers to
   * `to` held for room (see `sendAnswer`): until they went, `send` refuses
   * it as {@linkcode FULL}, whatever room the queue has, so that they keep
   * their order. Absent where answers are never held.
   */
  answersHeldFor?(to: Address): boolean;
  /**
   * How many payloads it has taken for `to`, a process on another host, so
   * far: a receiver told that the last n of them never reached it (see
   * {@linkcode Receiver.gone}) knows which. Absent, or 0, where none is
   * counted.
   */
  sent?(to: Address): number;
  /** Bytes queued for `to` and not yet handed on. */
  queued(to: Address): number;
  /**
   * What names the queue a payload for `to` waits in, where peers share
   * one (those of another host, say): a send to many checks the room in
   * each queue as a whole. Left out, each peer has its own.
   */
  queueKey?(to: Address): unknown;
  /**
   * The most bytes this transport itself lets wait in `to`'s queue (a
   * broker's window), when that is below what the caller allows; `send`
   * refuses past it as past the caller's `limit`.
   */
  queueLimit?(to: Address): number | undefined;
  /**
   * What a payload of `size` bytes adds to `to`'s queue, as `send` counts
   * it against `limit`, when that is not `size + overhead` (a relay
   * frame's head more, or only the body).
   */
  queueCost?(to: Address, size: number): number;
  /**
   * Resolves once at most `limit` bytes are queued for `to` (default: for
   * each peer), or the way there closed; at once if that is so now.
   */
  drained(limit: number, to?: Address): Promise<void>;
  /** The peers this endpoint has a connection to now. */
  connected(): Address[];
  /**
   * Why `to` cannot be reached now, when the transport knows more than
   * that it is not connected (its host is cut off from the others, say),
   * for the error that says so.
   */
  unreachableWhy?(to: Address): string | undefined;
  /** The traffic of each connection, the one sent on first when a peer has two. */
  connections(): ConnectionStats[];
  /**
   * Closes every connection: at once when `reason` is given, else once what
   * is queued is written (or the peer stopped reading for too long).
   * Idempotent. No `gone` is reported for connections it closes.
   */
  close(reason?: Error): void;
  /** Settles once every connection is closed and the receiver has had all it will. */
  readonly closed: Promise<Error | undefined>;
  /**
   * In a manager that relays other hosts' traffic to its children: `child`
   * is told to exit, so nothing more is relayed to it, as it would arrive
   * after it stopped reading. What comes for it waits for its next process,
   * until {@linkcode Endpoint.noReturn}.
   */
  exiting?(child: Address): void;
  /** In that manager: `child` will have no next process (it stays down); what waits for it is refused. */
  noReturn?(child: Address): void;
  /**
   * In a child: its manager said that `peer`, a process of this host, ended
   * (exited, or was given up). Nothing more is sent on the connections to
   * it, which may not have been read to their end yet (the manager's word
   * may be read first): `send` to `peer` is `UNREACHABLE` until they are,
   * and its next process can be dialed. What it sent before it ended is
   * still read and delivered.
   */
  ended?(peer: Address): void;
  /**
   * In a manager whose cluster spans hosts, as it stops: stops reading what
   * the other hosts send, and resolves once what they sent before the
   * broker heard so has been delivered. What this process sends them still
   * goes until `close()`, which tells them how much of theirs it had.
   */
  stopReading?(): Promise<void>;
  /**
   * In a manager whose cluster spans hosts: resolves once the answers to
   * other hosts held for room in the window to them (its children's, its
   * own: see `sendAnswer`) went (or were refused). Room comes as the others confirm what they had, which
   * they are heard to only while this process reads: wait before
   * `stopReading`.
   */
  answersHeldSent?(): Promise<void>;
}

/** Opens endpoints. */
export interface Transport {
  /**
   * Opens the endpoint of process `self`. For a child, it resolves once the
   * manager can be reached.
   */
  open(self: Address, options: EndpointOptions): Promise<Endpoint>;
}

/**
 * The manager's side of a transport: the place a cluster's endpoints meet
 * (a directory of sockets, say), made before the children start and
 * removed after they are gone.
 */
export interface TransportHost extends Transport {
  /** What a child needs to open its endpoint; carried, unread, in its bootstrap. */
  readonly childConfig: unknown;
  /** What every child must be allowed, on top of what the user grants it. */
  readonly childPermissions: Permissions;
  /** A child's process exited: forget what it left behind. */
  released(address: Address): void;
  /** Removes what the host made. Idempotent. */
  close(): Promise<void>;
  /** Removes what the host made at once, synchronously: the process is about to end. */
  abandon(): void;
}
