/**
 * Host b's link alone, on a fake connection, while its keys may have
 * lapsed: host a holds worker 5, host b worker 0, and the test says when a
 * refresh keeps b's keys or loses one.
 */

import { type Envelope, readEnvelopes } from "../../src/nats/envelope.ts";
import { NatsLink } from "../../src/nats/link.ts";
import { fakeConnection, FakeLapse, members } from "./fake_connection.ts";

/** Host b's link, the lapse the test settles, and what the link published. */
export interface LapsedHost {
  link: NatsLink;
  lapse: FakeLapse;
  /** Calls `each` with every envelope published so far, in order, and its subject. */
  envelopes(each: (subject: string, envelope: Envelope) => void): void;
}

/**
 * Host b's link, its keys lapsed.
 *
 * @param report Given what the link reports.
 */
export function lapsedB(report: (error: Error) => void): LapsedHost {
  const a = { host: "a", workers: [5], services: [] };
  const b = { host: "b", workers: [0], services: [] };
  const published: [string, Uint8Array][] = [];
  const lapse = new FakeLapse();
  lapse.lapsed = true;
  const link = new NatsLink(fakeConnection(published), members(b, [a, b], lapse), {
    prefix: "p",
    inbox: { take: () => {}, drain: () => Promise.resolve() },
    window: 1 << 20,
    report,
  });
  const envelopes = (each: (subject: string, envelope: Envelope) => void) => {
    for (const [subject, bytes] of published) {
      readEnvelopes(bytes, (envelope) => each(subject, envelope));
    }
  };
  return { link, lapse, envelopes };
}

/** Resolves once what this task published has gone (batches go at its end). */
export const published = (): Promise<void> =>
  new Promise<void>((resolve) => queueMicrotask(resolve));
