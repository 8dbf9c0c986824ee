/**
 * A `NatsLink` alone, without a server: a NATS connection that records
 * what is published, and a membership the test decides, its keys' lapse
 * included.
 */

import type { NatsConnection } from "@nats-io/transport-node";
import type { HostRecord } from "../../src/broker.ts";
import type { Members } from "../../src/nats/link.ts";

/** A NATS connection that records what is published, by subject. */
export function fakeConnection(published: [string, Uint8Array][]): NatsConnection {
  return {
    info: { max_payload: 100_000 },
    status: () => (async function* () {})(),
    publish: (subject: string, bytes: Uint8Array) => void published.push([subject, bytes.slice()]),
    subscribe: () => ({ unsubscribe() {} }),
    flush: () => Promise.resolve(),
    drain: () => Promise.resolve(),
    close: () => Promise.resolve(),
    // Never closed by itself.
    closed: () => new Promise(() => {}),
  } as unknown as NatsConnection;
}

/** Whether this host's keys may have lapsed, as the test says, and the refreshes that settle it. */
export class FakeLapse {
  lapsed = false;
  readonly #listeners = new Set<(kept: boolean) => void>();

  onRefreshed(listener: (kept: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A round of refreshes ends: every key kept (no longer lapsed), or one lost. */
  refreshed(kept: boolean): void {
    if (kept) this.lapsed = false;
    for (const listener of this.#listeners) listener(kept);
  }
}

/** Members that know only `known`, for ever; this host's keys lapse as `lapse` says. */
export function members(
  self: HostRecord,
  known: HostRecord[],
  lapse: FakeLapse = new FakeLapse(),
): Members {
  return {
    self,
    hosts: () => known,
    hostOf: (address) => known.find((record) => record.workers.includes(address as number))?.host,
    onChange: () => () => {},
    mayHaveLapsed: () => lapse.lapsed,
    onRefreshed: (listener) => lapse.onRefreshed(listener),
    leave: () => Promise.resolve(),
    close() {},
  };
}
