/**
 * A host's link, tapped: `$event` frames from another host's manager are
 * dropped while the test says so (as an outage or a slow consumer's gap
 * would drop them), and the listeners the manager gave the link for a host
 * back or a gap said are handed to the test, to call when it chooses.
 */

import { Cluster } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink, BrokerReceiver } from "../../src/broker.ts";
import { HOST_WORKER, NATS } from "./hosts.ts";

/** What the test changes of a link, and what it was given. */
export class EventTap {
  /** While set, `$event` frames from `from`'s manager are dropped, and counted. */
  dropping = false;
  dropped = 0;
  /** Called as each frame is dropped, `dropped` counting it already. */
  onDrop: () => void = () => {};
  /** The link's `onBack` listeners, as the manager gave them. */
  readonly back: ((host: string) => void)[] = [];
  /** The link's `onMissed` listeners, as the manager gave them. */
  readonly missed: ((host: string) => void)[] = [];

  /** @param from The host whose manager's events are dropped. */
  constructor(readonly from = "b") {}

  /** `link`, tapped. */
  wrap(link: BrokerLink): BrokerLink {
    const decoder = new TextDecoder();
    const manager = `manager@${this.from}`;
    return new Proxy(link, {
      get: (target, key) => {
        if (key === "receive") {
          return (receiver: BrokerReceiver) =>
            target.receive({
              ...receiver,
              deliver: (from, to, payload) => {
                if (
                  this.dropping && from === manager && decoder.decode(payload).includes("$event")
                ) {
                  this.dropped++;
                  return this.onDrop();
                }
                receiver.deliver(from, to, payload);
              },
              lost: receiver.lost.bind(receiver),
              bounced: receiver.bounced.bind(receiver),
              unconfirmed: receiver.unconfirmed.bind(receiver),
              ended: receiver.ended?.bind(receiver),
            } as BrokerReceiver);
        }
        if (key === "onBack") {
          return (listener: (host: string) => void) => {
            this.back.push(listener);
            return target.onBack?.(listener) ?? (() => {});
          };
        }
        if (key === "onMissed") {
          return (listener: (host: string) => void) => {
            this.missed.push(listener);
            return target.onMissed?.(listener) ?? (() => {});
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** This process as `host` of `cluster` (one worker), its link tapped. */
  join(cluster: string, host: string): Promise<Cluster> {
    const broker = natsBroker({ servers: NATS, cluster, host });
    return Cluster.start({
      worker: HOST_WORKER,
      workers: 1,
      broker: { join: async (request) => this.wrap(await broker.join(request)) },
    });
  }
}
