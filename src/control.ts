/**
 * The control frames Switchboard processes exchange above the transport.
 * Their actions start with `$`, which user actions may not, so they never
 * meet a listener; each process handles the ones it expects through a
 * table, and a control frame it does not expect, or from a sender it does
 * not expect it from, closes the connection it came on.
 *
 * - `$ready`: a child to the manager, once its listeners are in place.
 * - `$running`: a child to the manager, once the go-ahead came: a task
 *   after `$ready`, so a child whose code threw right after `connect()`
 *   dies before it says so, and fails the start instead of counting.
 * - `$stop` (`{alone: true}` for a reload): the manager to a child, when
 *   the cluster stops or the child is reloaded: the first phase of its
 *   stop. It runs its stop handlers and waits for its running handlers
 *   while it still receives, then answers `$stopped`. Stopping alone, it
 *   refuses new requests once its stop handlers ran (see `$leaving`); when
 *   the cluster stops meanwhile, it gets `$stop` again without `alone`, and
 *   ends its waits for processes being replaced.
 * - `$stopped`: a child to the manager, its stop work done.
 * - `$term`: a child to the manager, when it got SIGTERM: stop it alone
 *   and restart it, as for a reload (`$stop` with `alone`, within
 *   `stopTimeout`), unless the manager itself stops within a moment (see
 *   `TERM_GRACE`).
 * - `$exit`: the manager to a child, the second phase: close (what is
 *   queued is written, what peers sent is still read) and exit. The manager
 *   sends it once every child stopping with it has answered `$stopped`.
 * - `$event` (a lifecycle event): the manager to every child, when a child
 *   exits, restarts, is ready again, is given up or is reloaded, or a host
 *   joins or leaves; and from a manager to the other hosts' managers.
 * - `$members`: the manager to every child, when hosts join or leave.
 * - `$sync` (`{id}`; `{id, for}`; `{id, started}`): a child to the
 *   manager, which answers `$synced` with the same data: once it came, the
 *   child has heard every event the manager sent before (see
 *   `manager_sync.ts`); with `for`, a sibling starting with the cluster,
 *   not before that sibling listens; with `started`, not before the
 *   cluster's start is over (see `held_syncs.ts`).
 * - `$more` (`{messageId, parts}`): from a requester to the process
 *   streaming it an answer, as its consumer takes parts: that many more may
 *   be sent.
 * - `$cancel` (`{messageId}`): from any process to the target of a request
 *   it made, when the request's `signal` aborted: the handler's
 *   `msg.signal` aborts. Any process accepts it, for its own requests only.
 * - `$leaving`: from a process stopping while the cluster goes on, to each
 *   process connected to it: it refuses new requests from now on, carrying
 *   each back. The peer passes it over for `ANY` until it is ready again,
 *   and answers `$left`.
 * - `$left`: the answer to `$leaving`. It follows every request its sender
 *   sent before, on the same connection: once every peer said it, the
 *   leaving process has every request it will get from them, and may exit
 *   once it answered them, refusals included.
 * - `$ping` (`{n}`): the manager to a ready child, with the watchdog on
 *   (`hangTimeout`), once an interval; the child's event loop answers
 *   `$pong` with the same data. A child whose answer does not come within
 *   `hangTimeout` is hung (its loop blocked): the manager kills it.
 * - `$pong`: a child's answer to `$ping`.
 *
 * (The handshake's `$hello` and `$welcome` belong to the Unix transport.)
 *
 * @module
 */

import type { Address } from "./address.ts";

/** A child's listeners are in place: the manager answers with the go-ahead on its stdin. */
export const READY = "$ready";
/**
 * A child got the go-ahead and runs: the code that followed its `connect()`
 * did not fail. Only now does the manager count it started.
 */
export const RUNNING = "$running";
/** Stop, phase one: do the stop work while still receiving, then say `$stopped`. */
export const STOP = "$stop";
/** The stop work is done. */
export const STOPPED = "$stopped";
/** A child got SIGTERM: the manager stops it alone, and restarts it. */
export const TERM = "$term";
/** Stop, phase two: close and exit. */
export const EXIT = "$exit";
/**
 * Something happened to a child or a host; the data is a `LifecycleEvent`.
 * From the manager to its children; between the managers of a cluster
 * that spans hosts, for what happened to their own children.
 */
export const EVENT = "$event";
/**
 * The manager to a child, when hosts join or leave a cluster that spans
 * several: the cluster's processes now, `{workers, services, managers}`.
 */
export const MEMBERS = "$members";
/**
 * Between the managers of a cluster that spans hosts, from one back from
 * being cut off (its connection to NATS dropped): tell me again the
 * latest events of your children (each `$event` between managers carries
 * `told`, `{by, n}`, by which the receiver takes each once).
 */
export const RESEND = "$resend";

/**
 * A child to its manager, `{id}` (or with `for` or `started`): answered
 * with `$synced` and the same data, after every lifecycle event the
 * manager sent it before.
 */
export const SYNC = "$sync";
/** The manager's answer to `$sync`. */
export const SYNCED = "$synced";

/** A requester takes `parts` more parts of the streamed answer to `{messageId}`. */
export const MORE = "$more";

/** A requester gave up on its request `{messageId}`: the handler's signal aborts. */
export const CANCEL = "$cancel";

/** The sender, stopping alone, refuses new requests from now on; answered with `$left`. */
export const LEAVING = "$leaving";

/** The answer to `$leaving`: every request sent before it is in. */
export const LEFT = "$left";

/**
 * The watchdog's probe, `{n}`: the manager to a ready child, which answers
 * `$pong` with the same data from its event loop, so that a loop that is
 * blocked cannot answer (see `watchdog.ts`).
 */
export const PING = "$ping";
/** A child's answer to `$ping`, with its data. */
export const PONG = "$pong";

/** How a process handles one control action. */
export interface Control {
  /** The only sender it is accepted from; any sender when left out. */
  from?: Address;
  /** Handles it. */
  run(data: unknown, from: Address): void;
}

/** The control actions a process handles, by action. */
export type ControlTable = Readonly<Record<string, Control>>;
