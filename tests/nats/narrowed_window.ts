/**
 * Host b's link with its window to host a narrowed, for answers held in
 * the manager for room: sends from one process find the window full until
 * the test says host a confirmed, and a confirmation makes room only while
 * host b reads (after, none is heard), as a real window's would.
 */

import { type Address, Cluster } from "../../mod.ts";
import { natsBroker } from "../../nats.ts";
import type { BrokerLink } from "../../src/broker.ts";
import { FULL } from "../../src/transport.ts";
import { HOST_WORKER, NATS } from "./hosts.ts";

/** What the test changes of host b's link, and what it hears of it. */
export class NarrowedWindow {
  /** While set, sends from `sender` find the window full; cleared as room comes. */
  full = false;
  /** Resolves as a send from `sender` finds the window full. */
  readonly refused: PromiseWithResolvers<void> = Promise.withResolvers();
  /** Resolved by the test as host a confirms: the window makes room then, if b still reads. */
  readonly confirmed: PromiseWithResolvers<void> = Promise.withResolvers();
  /** Set once host b stops reading: no confirmation comes after. */
  stoppedReading = false;
  /** Resolves as host b's link closes. */
  readonly closed: PromiseWithResolvers<void> = Promise.withResolvers();

  /** @param sender The process on host b whose sends find the window full. */
  constructor(readonly sender: Address) {}

  /** `link`, narrowed. */
  wrap(link: BrokerLink): BrokerLink {
    return new Proxy(link, {
      get: (target, key) => {
        if (key === "send") {
          return (...args: Parameters<BrokerLink["send"]>) => {
            if (!this.full || args[0] !== this.sender) return target.send(...args);
            this.refused.resolve();
            return FULL;
          };
        }
        if (key === "drained") {
          return async (limit: number, host?: string) => {
            if (this.full && host !== undefined) {
              await this.confirmed.promise;
              // Confirmations are heard only while host b reads.
              if (this.stoppedReading) await this.closed.promise;
              this.full = false;
            }
            return target.drained(limit, host);
          };
        }
        if (key === "stopReading") {
          return () => {
            this.stoppedReading = true;
            return target.stopReading?.();
          };
        }
        if (key === "close") {
          return async () => {
            this.closed.resolve();
            return await target.close();
          };
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  }

  /** This process as host b of `cluster` (one worker), its link narrowed. */
  join(cluster: string): Promise<Cluster> {
    const broker = natsBroker({ servers: NATS, cluster, host: "b" });
    return Cluster.start({
      worker: HOST_WORKER,
      workers: 1,
      broker: { join: async (request) => this.wrap(await broker.join(request)) },
    });
  }
}
