/**
 * A process stopping while the cluster goes on (a reload, a SIGTERM to it
 * alone): from `start()` it takes no new request, and it tells each peer
 * `$leaving`, the ones connected then and any it hears from later. Each
 * answers `$left`, which follows on its connection every request it sent
 * before, so once every peer told has answered (or is gone) every request
 * that will reach this process is in: answered, or refused.
 *
 * @module
 */

import type { Address } from "./address.ts";

/** The handshake of a process stopping alone. */
export class StoppingAlone {
  /** Tells a peer `$leaving`; whether the transport took it. */
  readonly #tell: (peer: Address) => boolean;
  #started = false;
  readonly #told = new Set<Address>();
  /** The peers told that have not answered yet. */
  readonly #waiting = new Set<Address>();
  #settled: PromiseWithResolvers<void> | undefined;

  constructor(tell: (peer: Address) => boolean) {
    this.#tell = tell;
  }

  /** Whether new requests are refused: the handshake started. */
  get started(): boolean {
    return this.#started;
  }

  /** Refuses new requests from now on, and tells `peers` (those not told yet). */
  start(peers: readonly Address[]): void {
    this.#started = true;
    for (const peer of peers) this.heardFrom(peer);
  }

  /** Something came from `peer`: once started, it is told, once. */
  heardFrom(peer: Address): void {
    if (!this.#started || this.#told.has(peer)) return;
    this.#told.add(peer);
    if (this.#tell(peer)) this.#waiting.add(peer);
  }

  /** `peer` answered `$left`, or is gone. */
  left(peer: Address): void {
    if (this.#waiting.delete(peer) && this.#waiting.size === 0) {
      this.#settled?.resolve();
      this.#settled = undefined;
    }
  }

  /** Resolves once every peer told so far has answered, or is gone. */
  settled(): Promise<void> {
    if (this.#waiting.size === 0) return Promise.resolve();
    this.#settled ??= Promise.withResolvers<void>();
    return this.#settled.promise;
  }
}
