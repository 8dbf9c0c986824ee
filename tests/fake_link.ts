/** A broker link in memory, for tests of a gateway without a broker. */

import type { Address } from "../src/address.ts";
import type { BrokerLink, BrokerReceiver } from "../src/broker.ts";

/** What a fake link was given to send. */
export interface Sent {
  from: Address;
  to: Address;
  payload: string;
}

/**
 * A link for host "b" (worker 0) to one other host, "a" (worker 5): what
 * it was told to send and to bounce, and `from`, which delivers a payload
 * from worker 5 to worker 0 as if it came from "a".
 */
export function fakeLink(): BrokerLink & {
  sent: Sent[];
  bounced: string[];
  from(payload: string): void;
} {
  let receiver: BrokerReceiver | undefined;
  const sent: Sent[] = [];
  const bounced: string[] = [];
  const hosts = [
    { host: "b", workers: [0], services: [] },
    { host: "a", workers: [5], services: [] },
  ];
  return {
    sent,
    bounced,
    from: (payload) => receiver!.deliver(5, 0, new TextEncoder().encode(payload)),
    self: hosts[0],
    maxPayload: 1 << 20,
    limitName: "the fake link's limit",
    hosts: () => hosts,
    hostOf: (address: Address) => hosts.find((h) => h.workers.includes(address as number))?.host,
    onChange: () => () => {},
    receive: (r) => void (receiver = r),
    send(from, to, payload) {
      const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
      sent.push({ from, to, payload: text });
      return text.length;
    },
    bounce: (from, to, reason) => void bounced.push(`${from} → ${to}: ${reason}`),
    queued: () => 0,
    drained: () => Promise.resolve(),
    connections: () => [],
    close: () => Promise.resolve(),
    abandon() {},
  };
}
