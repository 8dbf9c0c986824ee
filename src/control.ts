/**
 * The control frames Switchboard processes exchange above the transport.
 * Their actions start with `$`, which user actions may not, so they never
 * meet a listener; each process handles the ones it expects through a
 * table, and a control frame it does not expect, or from a sender it does
 * not expect it from, closes the connection it came on.
 *
 * - `$ready`: a child to the manager, once its listeners are in place.
 * - `$stop`: the manager to a child, when the cluster stops.
 * - `$event` (a lifecycle event): the manager to every child, when a child
 *   exits, restarts, is ready again, or is given up.
 *
 * (The handshake's `$hello` and `$welcome` belong to the Unix transport.)
 *
 * @module
 */

import type { Address } from "./address.ts";

/** A child is ready for messages. */
export const READY = "$ready";
/** The cluster is stopping: finish and exit. */
export const STOP = "$stop";
/** Something happened to a child; the data is a `LifecycleEvent`. */
export const EVENT = "$event";

/** How a process handles one control action. */
export interface Control {
  /** The only sender it is accepted from; any sender when left out. */
  from?: Address;
  /** Handles it. */
  run(data: unknown, from: Address): void;
}

/** The control actions a process handles, by action. */
export type ControlTable = Readonly<Record<string, Control>>;
