/**
 * A host whose link loses what the test says of what is published to it,
 * before the link counts it: as core NATS loses, in silence, what the
 * server could not hand over (the host away, or cut off as a slow
 * consumer). The rest is the real thing: a connection to the shared
 * server, the host's subject, its membership, its link.
 */

import { connect } from "@nats-io/transport-node";
import type { Broker } from "../../src/broker.ts";
import { encodeEnvelopes, type Envelope, readEnvelopes } from "../../src/nats/envelope.ts";
import { Inbox } from "../../src/nats/inbox.ts";
import { NatsLink } from "../../src/nats/link.ts";
import { Membership } from "../../src/nats/membership.ts";
import { NATS } from "./hosts.ts";

/** What a lossy host loses, as the test says. */
export class Losses {
  /** Which envelopes are lost on the way; the others of the same published message come. */
  lose: (envelope: Envelope) => boolean = () => false;
  /** Called with each envelope lost, as it is. */
  onLoss: (envelope: Envelope) => void = () => {};

  /** Host `host` of `cluster`, losing what it is sent as `lose` says. */
  broker(
    cluster: string,
    host: string,
    options: { window?: number; heartbeat?: number } = {},
  ): Broker {
    const { window = 8 * 1024 * 1024, heartbeat } = options;
    return {
      join: async (request) => {
        const nc = await connect({ servers: NATS });
        const prefix = `switchboard.${cluster}`;
        const inbox = await Inbox.open(nc, `${prefix}.${host}`, request.report);
        const members = await Membership.join(nc, {
          cluster,
          host,
          workers: request.workers,
          services: request.services,
          heartbeat,
          report: request.report,
        });
        return new NatsLink(nc, members, {
          prefix,
          inbox: {
            take: (handler) => inbox.take((bytes) => this.#pass(bytes, handler)),
            drain: () => inbox.drain(),
          },
          window: Math.min(window, request.maxQueuedBytes),
          report: request.report,
          patience: heartbeat,
        });
      },
    };
  }

  /** Hands `handler` what of `bytes` is not lost. */
  #pass(bytes: Uint8Array, handler: (bytes: Uint8Array) => void): void {
    const kept: Envelope[] = [];
    let lost = false;
    readEnvelopes(bytes, (envelope) => {
      if (!this.lose(envelope)) return void kept.push({ ...envelope, body: envelope.body.slice() });
      lost = true;
      this.onLoss(envelope);
    });
    if (!lost) return handler(bytes);
    if (kept.length > 0) handler(encodeEnvelopes(kept));
  }
}
