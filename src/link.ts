/**
 * `Link`: a connection to one other process, with who is there and the
 * traffic it carried.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { HEADER_SIZE } from "./frame.ts";
import type { Connection, Payload } from "./transport.ts";
import type { ConnectionStats } from "./types.ts";

/** A connection to one other process, known by address once it said hello. */
export class Link {
  /** Who is at the other end; undefined until the handshake names them. */
  address: Address | undefined;
  /** Set when the link was closed for breaking the protocol. */
  dropped = false;
  /** The transport connection. */
  readonly connection: Connection;
  #messagesIn = 0;
  #messagesOut = 0;
  #bytesIn = 0;
  #bytesOut = 0;

  constructor(connection: Connection, address?: Address) {
    this.connection = connection;
    this.address = address;
  }

  /** Names the other end for messages. */
  get name(): string {
    return this.address === undefined ? "an unidentified peer" : describe(this.address);
  }

  /**
   * Sends one payload, unless the queue would then hold more than `limit`
   * bytes.
   *
   * @returns Its size in bytes, or the connection's `CLOSED` or `FULL`.
   */
  send(payload: Payload, limit?: number): number {
    const size = this.connection.send(payload, limit);
    if (size < 0) return size;
    this.#messagesOut++;
    this.#bytesOut += HEADER_SIZE + size;
    return size;
  }

  /** Counts one payload received. */
  received(payload: Uint8Array): void {
    this.#messagesIn++;
    this.#bytesIn += HEADER_SIZE + payload.length;
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
