/**
 * The messages every contender sends: one shape, sized by its JSON length,
 * so that "100 bytes" or "1 MiB" means the same bytes on every wire.
 *
 * @module
 */

/** The body of every benchmark message. */
export interface Payload {
  /** A number, as most real messages carry some. */
  seq: number;
  /** A timestamp-sized number. */
  time: number;
  /** ASCII filler that brings the JSON to the wanted size. */
  text: string;
}

const FILLER = "The quick brown fox jumps over the lazy dog. ";

/**
 * A payload whose `JSON.stringify` is exactly `bytes` long (at least the
 * empty shape's 42 bytes).
 */
export function makePayload(bytes: number): Payload {
  const empty = { seq: 123456, time: 1_700_000_000_000, text: "" };
  const missing = Math.max(0, bytes - JSON.stringify(empty).length);
  const text = FILLER.repeat(Math.ceil(missing / FILLER.length)).slice(0, missing);
  return { ...empty, text };
}

/** The UTF-8 JSON length of a payload: what "bytes per message" counts. */
export function payloadBytes(payload: Payload): number {
  return JSON.stringify(payload).length;
}
