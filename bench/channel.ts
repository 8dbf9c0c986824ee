/**
 * The measuring loops, written once against a {@linkcode Channel}, so the
 * raw baseline and Switchboard (from the manager, or inside a worker) run
 * exactly the same code around their sends.
 *
 * @module
 */

import { chunkSize, nextTurn } from "./pace.ts";
import { type Payload, payloadBytes } from "./payload.ts";

/** One sender's way to one or more receivers. */
export interface Channel {
  /** How many receivers each message reaches. */
  readonly targets: number;
  /** Sends the payload to every receiver and resolves when each echoed it. */
  ask(payload: Payload): Promise<unknown>;
  /** Sends the payload to every receiver, without waiting. */
  post(payload: Payload): void;
  /**
   * Resolves once every receiver has taken everything posted before, with
   * how many messages they counted since the last drain, all together.
   */
  drain(): Promise<number>;
}

/** Round trips one after another, one in flight: each one's time in µs. */
export async function measureRoundTrips(
  channel: Channel,
  count: number,
  payload: Payload,
): Promise<Float64Array> {
  const samples = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await channel.ask(payload);
    samples[i] = (performance.now() - start) * 1000;
  }
  return samples;
}

/**
 * Posts `count` messages without waiting, a chunk per event-loop turn,
 * then drains: the seconds from the first post until every receiver has
 * every message.
 *
 * @throws {Error} When a receiver counted a different number of messages.
 */
export async function measureStream(
  channel: Channel,
  count: number,
  payload: Payload,
): Promise<number> {
  const chunk = chunkSize(payloadBytes(payload));
  const start = performance.now();
  for (let sent = 0; sent < count;) {
    const end = Math.min(count, sent + chunk);
    for (; sent < end; sent++) channel.post(payload);
    if (sent < count) await nextTurn();
  }
  const received = await channel.drain();
  const seconds = (performance.now() - start) / 1000;
  const expected = count * channel.targets;
  if (received !== expected) {
    throw new Error(`Receivers counted ${received} messages, expected ${expected}`);
  }
  return seconds;
}
