/**
 * The control frames processes exchange among themselves. Their actions
 * start with `$`, which user actions may not, so they never meet a listener.
 *
 * - `$hello` `{from, token}`: the first frame on every connection, from the
 *   side that dialed; a wrong token or unknown `from` closes the connection.
 *   Children dial the manager when they join, and each other when they
 *   first have something to send.
 * - `$welcome` `{}`: the answer to a good hello; the dialer sends nothing
 *   more until it arrives.
 * - `$ready`: a child to the manager, once its listeners are in place; the
 *   manager answers with the go-ahead byte on the child's stdin.
 * - `$stop`: the manager to a child, when the cluster stops.
 * - `$event` (a lifecycle event): the manager to every child, when a child
 *   exits, restarts, is ready again, or is given up.
 *
 * @module
 */

import { type Address, isAddress } from "./address.ts";
import type { WireMessage } from "./codec.ts";
import { randomBase64url } from "./random.ts";

/** Opens a connection: `{from, token}`. */
export const HELLO = "$hello";
/** Accepts a connection: `{}`. */
export const WELCOME = "$welcome";
/** A child is ready for messages. */
export const READY = "$ready";
/** The cluster is stopping: finish and exit. */
export const STOP = "$stop";
/** Something happened to a child; the data is a `LifecycleEvent`. */
export const EVENT = "$event";

/** The largest frame accepted before a connection has said hello. */
export const HANDSHAKE_FRAME_LIMIT = 4096;
/** How long an accepted connection may take to say hello, in ms. */
export const HANDSHAKE_TIMEOUT = 10_000;

/** What a `$hello` carries. */
export interface Hello {
  /** The address of the process that dialed. */
  from: Address;
  /** The cluster's secret. */
  token: string;
}

/** Returns the hello a message carries, or undefined if it is none. */
export function readHello(message: WireMessage): Hello | undefined {
  if (message.action !== HELLO) return undefined;
  const data = message.data as Partial<Hello> | undefined;
  if (typeof data !== "object" || data === null) return undefined;
  if (!isAddress(data.from) || typeof data.token !== "string") return undefined;
  return { from: data.from, token: data.token };
}

/** A fresh cluster secret: 32 random bytes, base64url. */
export function newToken(): string {
  return randomBase64url(32);
}

/** Compares tokens in time independent of where they differ. */
export function tokensMatch(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) {
    difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  }
  return difference === 0;
}
