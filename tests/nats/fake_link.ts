/**
 * A `NatsLink` of host "a" (worker 0) to host "b" (worker 1) over a fake
 * NATS connection, for the tests: it records what is published, says the
 * connection dropped or came back when the test tells it to, and hands on
 * what a test says arrived.
 */

import type { NatsConnection, Status } from "@nats-io/transport-node";
import { type Envelope, readEnvelopes } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import type { Clock } from "../../src/clock.ts";
import { nextEvent } from "../helpers.ts";

/**
 * The link, what it published and reported, and a way to say the
 * connection's status; `clock` and `patience` as `NatsLinkOptions` has them.
 */
export function fakeLink(
  window: number,
  { clock, patience }: { clock?: Clock; patience?: number } = {},
) {
  const published: Uint8Array[] = [];
  const onPublish = new Set<() => void>();
  const statuses: Status[] = [];
  let wake = () => {};
  const nc = {
    info: { max_payload: 100_000 },
    status: () =>
      (async function* () {
        while (true) {
          while (statuses.length > 0) yield statuses.shift()!;
          await new Promise<void>((resolve) => wake = resolve);
        }
      })(),
    publish: (_subject: string, bytes: Uint8Array) => {
      published.push(bytes.slice());
      for (const listener of onPublish) listener();
    },
    subscribe: () => ({ unsubscribe() {} }),
    flush: () => Promise.resolve(),
    drain: () => Promise.resolve(),
    close: () => Promise.resolve(),
    // Never closed by itself.
    closed: () => new Promise(() => {}),
  } as unknown as NatsConnection;
  const a = { host: "a", workers: [0], services: [] };
  const b = { host: "b", workers: [1], services: [] };
  const members: Members = {
    self: a,
    hosts: () => [a, b],
    hostOf: (address) => address === 0 ? "a" : address === 1 ? "b" : undefined,
    onChange: () => () => {},
    mayHaveLapsed: () => false,
    onRefreshed: () => () => {},
    leave: () => Promise.resolve(),
    close() {},
  };
  const reports: Error[] = [];
  let take: ((bytes: Uint8Array) => void) | undefined;
  const link = new NatsLink(nc, members, {
    prefix: "p",
    inbox: { take: (taker) => void (take = taker), drain: () => Promise.resolve() },
    window,
    report: (error) => reports.push(error),
    clock,
    patience,
  });
  /** Says `type` and resolves once the link has heard it and published what it had to. */
  const say = async (type: "disconnect" | "reconnect") => {
    const heard = Promise.withResolvers<void>();
    const off = link.onReachable((reachable) => {
      if (reachable === (type === "reconnect")) heard.resolve();
    });
    statuses.push({ type, server: "127.0.0.1:4222" } as Status);
    wake();
    await heard.promise;
    off();
    // Published at the end of the task.
    await new Promise((resolve) => setTimeout(resolve, 0));
  };
  /** Hands the link what another host published to this one (once it receives). */
  const arrive = (bytes: Uint8Array) => take!(bytes);
  /** Resolves with the first envelope published that `is` says is the one, now or later. */
  const publishedWhere = (is: (envelope: Envelope) => boolean) =>
    nextEvent<Envelope>((listener) => {
      const check = () => {
        const found = envelopesIn(published).find(is);
        if (found) listener(found);
      };
      onPublish.add(check);
      check();
      return () => onPublish.delete(check);
    }, "an envelope to be published");
  return { link, published, reports, say, arrive, publishedWhere };
}

/** The envelopes published, in order. */
export function envelopesIn(published: readonly Uint8Array[]): Envelope[] {
  const envelopes: Envelope[] = [];
  for (const bytes of published) readEnvelopes(bytes, (envelope) => envelopes.push(envelope));
  return envelopes;
}
