/** A broker link in memory, for tests of a gateway without a broker. */

import { type Address, MANAGER } from "../src/address.ts";
import type { BounceDetails, BrokerLink, BrokerReceiver } from "../src/broker.ts";
import { GatewayHost } from "../src/gateway_host.ts";
import {
  type Endpoint,
  type EndpointOptions,
  type Receiver,
  UNREACHABLE,
} from "../src/transport.ts";
import { UnixHost } from "../src/unix/host.ts";
import { openUnixEndpoint } from "../src/unix/transport.ts";

/** What a fake link was given to send. */
export interface Sent {
  from: Address;
  to: Address;
  payload: string;
}

/** A fake link, with what it was told, a way to deliver, and a way to lose host "a". */
export type FakeLink = BrokerLink & {
  sent: Sent[];
  bounced: string[];
  /** What each bounce said beside its reason, in the order of `bounced`. */
  bounceDetails: BounceDetails[];
  from(payload: string): void;
  toManager(payload: string): void;
  diedWithout(from: Address, count: number): void;
  refused(from: Address, reason: string, action?: string, away?: boolean, count?: number): void;
  saidBye(from: Address, count: number): void;
  /** Whether it refuses what it is given to send, as a link to a host that left does. */
  refusing: boolean;
};

/**
 * A link for host "b" (worker 0) to one other host, "a" (worker 5): what
 * it was told to send and to bounce; `from`, which delivers a payload from
 * worker 5 to worker 0 as if it came from "a" (`toManager`: to host "b"'s
 * manager); and `diedWithout`, which
 * says "a" died without confirming `count` messages from `from` to worker 5;
 * `refused`, which says "a" refused a message from `from` to worker 5
 * (`away`: worker 5 was not there; `count`: so many alike);
 * and `saidBye`, which says "a" left never having had the last `count`
 * messages `from` sent worker 5.
 */
export function fakeLink(): FakeLink {
  let receiver: BrokerReceiver | undefined;
  const sent: Sent[] = [];
  const bounced: string[] = [];
  const bounceDetails: BounceDetails[] = [];
  const hosts = [
    { host: "b", workers: [0], services: [] },
    { host: "a", workers: [5], services: [] },
  ];
  return {
    sent,
    bounced,
    bounceDetails,
    from: (payload) => receiver!.deliver(5, 0, new TextEncoder().encode(payload)),
    toManager: (payload) => receiver!.deliver(5, "manager@b", new TextEncoder().encode(payload)),
    diedWithout: (from, count) => receiver!.unconfirmed("a", from, 5, count),
    refused: (from, reason, action, away, count) =>
      receiver!.bounced(from, 5, reason, { action, away, count }),
    saidBye: (from, count) =>
      receiver!.bounced(from, 5, 'host "a" stopped before it came', { count, last: true }),
    self: hosts[0],
    maxPayload: 1 << 20,
    limitName: "the fake link's limit",
    hosts: () => hosts,
    hostOf: (address: Address) => hosts.find((h) => h.workers.includes(address as number))?.host,
    onChange: () => () => {},
    receive: (r) => void (receiver = r),
    refusing: false,
    send(from, to, payload) {
      if (this.refusing) return UNREACHABLE;
      const text = typeof payload === "string" ? payload : new TextDecoder().decode(payload);
      sent.push({ from, to, payload: text });
      return text.length;
    },
    bounce(from, to, reason, details = {}) {
      const { action, count = 1 } = details;
      bounced.push(
        `${from} → ${to}${action === undefined ? "" : ` "${action}"`}${
          count === 1 ? "" : ` x${count}`
        }: ${reason}`,
      );
      bounceDetails.push(details);
    },
    queued: () => 0,
    drained: () => Promise.resolve(),
    connections: () => [],
    close: () => Promise.resolve(),
    abandon() {},
  };
}

/**
 * Host "b"'s socket directory and its manager's endpoint, a gateway on a
 * fake link; `options` are what the endpoint was opened with.
 */
export async function gatewayOfB(
  link: FakeLink,
  report: (error: Error) => void,
  queueLimit?: number,
): Promise<{ unix: UnixHost; endpoint: Endpoint; options: EndpointOptions }> {
  const unix = await UnixHost.create({
    workers: [0],
    services: [],
    gateway: { maxPayload: 1 << 20, limit: link.limitName },
  });
  const options = { maxPayload: 1 << 20, report };
  const endpoint = await new GatewayHost(unix, link, queueLimit).open(MANAGER, options);
  return { unix, endpoint, options };
}

/** A request from worker 5, on host "a", to worker 0, as it comes through the link. */
export const REQUEST = '{"action":"workRequest","messageId":"m1","data":{"n":1}}';

/** What host "b" sends back for worker 0 when it refuses {@linkcode REQUEST} on its behalf. */
export const REFUSAL: Sent = {
  from: 0,
  to: 5,
  payload: JSON.stringify({
    action: "workResponse",
    messageId: "m1",
    re: true,
    error: { name: "ClosedError", message: "worker 0 is stopping", stopping: true },
    data: { n: 1 },
  }),
};

/**
 * Runs `test` with host "b"'s gateway on a fake link: what its manager was
 * told (reports, and who is gone), and a way to start worker 0, whose
 * reports go to `report` and what it receives to `receiver`; everything
 * closed after.
 */
export async function withGatewayOfB(
  test: (b: {
    link: FakeLink;
    reports: Error[];
    gones: Address[];
    startWorker0(
      report: (error: Error) => void,
      receiver?: Partial<Pick<Receiver, "deliver" | "gone">>,
    ): Promise<Endpoint>;
  }) => Promise<void> | void,
): Promise<void> {
  const link = fakeLink();
  const reports: Error[] = [];
  const gones: Address[] = [];
  const { unix, endpoint: manager, options } = await gatewayOfB(link, (e) => reports.push(e));
  manager.receive({ deliver() {}, gone: (peer) => void gones.push(peer) });
  const children: Endpoint[] = [];
  try {
    await test({
      link,
      reports,
      gones,
      async startWorker0(report, receiver = {}) {
        const child = await openUnixEndpoint(unix.childConfig, 0, { ...options, report });
        child.receive({ deliver() {}, gone() {}, ...receiver });
        children.push(child);
        return child;
      },
    });
  } finally {
    for (const child of children) {
      child.close();
      await child.closed;
    }
    manager.close();
    await manager.closed;
    await unix.close();
  }
}
