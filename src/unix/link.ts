/**
 * `Link`: one socket connection to another process, with who is there, how
 * far its handshake got, and the traffic it carried.
 *
 * @module
 */

import { type Address, describe } from "../address.ts";
import { frameLength } from "../binary_frame.ts";
import type { Payload } from "../transport.ts";
import type { ConnectionStats } from "../stats.ts";
import { HEADER_SIZE } from "./frame.ts";
import type { SocketConnection } from "./socket_connection.ts";

/** A connection to one other process, known by address once its handshake names it. */
export class Link {
  /** The socket connection. */
  readonly connection: SocketConnection;
  /** Who is at the other end; undefined until its hello names them. */
  address: Address | undefined;
  /** On a connection this process dialed: settles once the far end welcomes it. */
  welcome: PromiseWithResolvers<void> | undefined;
  /** Set when this process closed the link for breaking the protocol. */
  dropped = false;
  /**
   * Set when the manager said the process at the other end ended: nothing
   * more is sent on the link, which is still read to its end (what that
   * process sent before it ended).
   */
  ended = false;
  #messagesIn = 0;
  #messagesOut = 0;
  #bytesIn = 0;
  #bytesOut = 0;

  constructor(connection: SocketConnection, address?: Address) {
    this.connection = connection;
    this.address = address;
  }

  /** Names the other end for messages. */
  get name(): string {
    return this.address === undefined ? "an unidentified peer" : describe(this.address);
  }

  /**
   * Sends one payload (see {@linkcode SocketConnection.send}).
   *
   * @returns Its size in bytes, or `CLOSED`, `FULL` or `TOO_LARGE`.
   */
  send(payload: Payload, limit?: number, maxSize?: number): number {
    const size = this.connection.send(payload, limit, maxSize);
    if (size < 0) return size;
    this.#messagesOut++;
    this.#bytesOut += HEADER_SIZE + size;
    return size;
  }

  /** Counts payloads received. */
  received(payloads: readonly Uint8Array[]): void {
    this.#messagesIn += payloads.length;
    for (const payload of payloads) this.#bytesIn += HEADER_SIZE + frameLength(payload);
  }

  /** The traffic so far. */
  stats(): ConnectionStats {
    return {
      peer: this.address!,
      messagesIn: this.#messagesIn,
      messagesOut: this.#messagesOut,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      bytesQueued: this.connection.bufferedBytes,
    };
  }
}
