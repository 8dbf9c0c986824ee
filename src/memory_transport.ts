/**
 * The in-memory transport: processes that live in one isolate, joined by
 * queues instead of sockets. For fast tests of the router and the peer; it
 * keeps the promises every transport keeps (`tests/transport_conformance.ts`).
 *
 * @module
 */

import type { Address } from "./address.ts";
import { describe } from "./address.ts";
import { asError } from "./as_error.ts";
import { DrainWaiters } from "./drain_waiters.ts";
import { FrameError } from "./errors.ts";
import { copyPayload } from "./payload_pieces.ts";
import {
  CLOSED,
  type Endpoint,
  type EndpointOptions,
  FULL,
  type Payload,
  type Receiver,
  TOO_LARGE,
  type Transport,
  UNREACHABLE,
} from "./transport.ts";
import type { ConnectionStats } from "./stats.ts";

/** Endpoints in one isolate that can reach each other by address. */
export class MemoryNetwork implements Transport {
  readonly #endpoints = new Map<Address, MemoryEndpoint>();

  /**
   * Opens the endpoint of `self`.
   *
   * @throws {Error} When an open endpoint has that address already.
   */
  open(self: Address, options: EndpointOptions): Promise<Endpoint> {
    if (this.#endpoints.has(self)) {
      return Promise.reject(new Error(`${describe(self)} has an open endpoint already`));
    }
    const endpoint = new MemoryEndpoint(self, options, this);
    this.#endpoints.set(self, endpoint);
    return Promise.resolve(endpoint);
  }

  /** The open endpoint at `address`, if any. */
  find(address: Address): MemoryEndpoint | undefined {
    return this.#endpoints.get(address);
  }

  /** Forgets a closed endpoint. */
  remove(endpoint: MemoryEndpoint): void {
    if (this.#endpoints.get(endpoint.self) === endpoint) this.#endpoints.delete(endpoint.self);
  }
}

/** What waits to go to one peer, and the traffic to and from it. */
interface Pair {
  payloads: Uint8Array[];
  bytes: number;
  readonly drain: DrainWaiters;
  stats: ConnectionStats;
}

/** One process's end of a {@linkcode MemoryNetwork}. */
export class MemoryEndpoint implements Endpoint {
  readonly self: Address;
  readonly overhead = 0;
  readonly #options: EndpointOptions;
  readonly #network: MemoryNetwork;
  readonly #pairs = new Map<Address, Pair>();
  #receiver: Receiver | undefined;
  #receiving = false;
  #held: [Address, Uint8Array[]][] = [];
  #flushing = false;
  #state: "open" | "closing" | "closed" = "open";
  readonly #closed = Promise.withResolvers<Error | undefined>();

  constructor(self: Address, options: EndpointOptions, network: MemoryNetwork) {
    this.self = self;
    this.#options = options;
    this.#network = network;
  }

  get closed(): Promise<Error | undefined> {
    return this.#closed.promise;
  }

  maxPayload(): number {
    return this.#options.maxPayload;
  }

  receive(receiver: Receiver): void {
    if (this.#receiving) throw new Error("An endpoint has one receiver");
    this.#receiving = true;
    // Never during this call; what arrives meanwhile is held, in order.
    queueMicrotask(() => {
      this.#receiver = receiver;
      const held = this.#held;
      this.#held = [];
      for (const [from, payloads] of held) this.#accept(from, payloads);
    });
  }

  send(to: Address, payload: Payload, limit = Infinity): number {
    if (this.#state !== "open") return CLOSED;
    const peer = this.#network.find(to);
    if (!peer || peer === this || peer.#state === "closed") return UNREACHABLE;
    if (payload.length > this.#options.maxPayload) return TOO_LARGE;
    const bytes = copyPayload(payload);
    if (bytes.length > this.#options.maxPayload) return TOO_LARGE;
    const pair = this.#pair(to);
    if (pair.bytes + bytes.length > limit) return FULL;
    pair.payloads.push(bytes);
    pair.bytes += bytes.length;
    pair.stats.messagesOut++;
    pair.stats.bytesOut += bytes.length;
    peer.#pair(this.self);
    if (!this.#flushing) {
      this.#flushing = true;
      queueMicrotask(() => this.#flush());
    }
    return bytes.length;
  }

  queued(to: Address): number {
    return this.#pairs.get(to)?.bytes ?? 0;
  }

  async drained(limit: number, to?: Address): Promise<void> {
    const pairs = to === undefined ? [...this.#pairs.values()] : [this.#pairs.get(to)];
    await Promise.all(pairs.map((pair) => pair?.drain.wait(pair.bytes, limit)));
  }

  connected(): Address[] {
    return [...this.#pairs.keys()];
  }

  connections(): ConnectionStats[] {
    return [...this.#pairs.values()].map((pair) => ({ ...pair.stats, bytesQueued: pair.bytes }));
  }

  close(reason?: Error): void {
    if (this.#state !== "open") return;
    this.#state = "closing";
    // Graceful: what waits goes first, in the microtask already queued.
    queueMicrotask(() => this.#finish(reason));
  }

  #finish(reason: Error | undefined): void {
    if (reason === undefined) {
      this.#flush();
      // As a socket reads until the far end shuts too: what peers sent
      // before they saw this close is still delivered.
      for (const address of this.#pairs.keys()) this.#network.find(address)?.flushTo(this.self);
    }
    this.#state = "closed";
    this.#network.remove(this);
    const peers = [...this.#pairs.keys()];
    for (const pair of this.#pairs.values()) pair.drain.releaseAll();
    this.#pairs.clear();
    for (const address of peers) {
      const peer = this.#network.find(address);
      if (peer) peer.#lose(this.self, undefined);
    }
    this.#closed.resolve(reason);
  }

  #pair(peer: Address): Pair {
    let pair = this.#pairs.get(peer);
    if (!pair) {
      pair = {
        payloads: [],
        bytes: 0,
        drain: new DrainWaiters(),
        stats: { peer, messagesIn: 0, messagesOut: 0, bytesIn: 0, bytesOut: 0, bytesQueued: 0 },
      };
      this.#pairs.set(peer, pair);
    }
    return pair;
  }

  /** Hands each peer what waits for it, as one batch. */
  #flush(): void {
    this.#flushing = false;
    for (const to of this.#pairs.keys()) this.flushTo(to);
  }

  /** Hands `to` what waits for it now, as one batch. */
  flushTo(to: Address): void {
    const pair = this.#pairs.get(to);
    if (!pair || pair.payloads.length === 0) return;
    const batch = pair.payloads;
    pair.payloads = [];
    pair.bytes = 0;
    pair.drain.update(0);
    const peer = this.#network.find(to);
    if (peer) peer.#accept(this.self, batch);
  }

  #accept(from: Address, payloads: Uint8Array[]): void {
    if (this.#state === "closed") return;
    if (!this.#receiver) {
      this.#held.push([from, payloads]);
      return;
    }
    const pair = this.#pair(from);
    pair.stats.messagesIn += payloads.length;
    for (const payload of payloads) pair.stats.bytesIn += payload.length;
    const tooLarge = payloads.find((payload) => payload.length > this.#options.maxPayload);
    if (tooLarge) {
      const error = new FrameError(
        `Bad frame from ${
          describe(from)
        }: Frame of ${tooLarge.length} bytes is over the ${this.#options.maxPayload}-byte limit`,
        { peer: from },
      );
      return this.#drop(from, error);
    }
    try {
      this.#receiver.deliver(from, payloads);
    } catch (error) {
      this.#drop(from, asError(error));
    }
  }

  /** Closes the way between this endpoint and `peer`, as a socket would close. */
  #drop(peer: Address, error: Error): void {
    this.#options.report(error);
    this.#lose(peer, error);
    const other = this.#network.find(peer);
    if (other) other.#lose(this.self, undefined);
  }

  /** The way to `peer` closed: what waited on it is lost. */
  #lose(peer: Address, reason: Error | undefined): void {
    const pair = this.#pairs.get(peer);
    if (!pair) return;
    this.#pairs.delete(peer);
    pair.drain.releaseAll();
    if (this.#state === "open") this.#receiver?.gone(peer, reason);
  }
}
