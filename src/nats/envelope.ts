/**
 * The envelope of what one host's manager publishes to another's: a small
 * binary head, then the payload untouched (no second JSON encoding).
 *
 * ```
 * kind u8 | host len u8 | host | epoch u32 | seq u32 | from len u8 | from | to len u8 | to | body
 * ```
 *
 * `host` is the sender's host; `epoch` names its connection to the broker
 * (new after each reconnect) and `seq` counts its messages to the receiving
 * host within it, so that a gap shows. `from` and `to` are addresses as
 * JSON; `body` is the message, or for an ack the bytes received, for a
 * gap how many messages were lost, for a bounce the reason. Everything read from the broker is checked here like
 * a frame from a socket.
 *
 * @module
 */

import { type Address, isAddress } from "../address.ts";

/** A message from `from` to `to`. */
export const MESSAGE = 1;
/** The receiver has had `seq` bytes of the sender's epoch (in `seq`). */
export const ACK = 2;
/** The receiver found a gap in what the sender sent in `epoch`. */
export const GAP = 3;
/** The receiver could not deliver the sender's message from `from` to `to`; the body says why. */
export const BOUNCE = 4;
/**
 * The sender reconnected: the body says how many messages it had sent in
 * its previous epoch (`u32` epoch, `u32` count), so that the receiver can
 * tell what of them never came.
 */
export const RESUME = 5;

/** An envelope, read. */
export interface Envelope {
  kind: typeof MESSAGE | typeof ACK | typeof GAP | typeof BOUNCE | typeof RESUME;
  host: string;
  epoch: number;
  seq: number;
  from: Address | null;
  to: Address | null;
  /** A view into the published bytes. */
  body: Uint8Array;
}

const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });

/** The most an envelope adds to its body, in bytes. */
export const ENVELOPE_OVERHEAD = 1 + 256 + 8 + 256 + 256;

/**
 * Makes an envelope.
 *
 * @throws {RangeError} When the host or an address is over 255 bytes.
 */
export function encodeEnvelope(envelope: Envelope): Uint8Array {
  const host = utf8.encode(envelope.host);
  const from = utf8.encode(envelope.from === null ? "" : JSON.stringify(envelope.from));
  const to = utf8.encode(envelope.to === null ? "" : JSON.stringify(envelope.to));
  for (const part of [host, from, to]) {
    if (part.length > 255) throw new RangeError("A host or address is over 255 bytes");
  }
  const bytes = new Uint8Array(12 + host.length + from.length + to.length + envelope.body.length);
  const view = new DataView(bytes.buffer);
  let at = 0;
  bytes[at++] = envelope.kind;
  bytes[at++] = host.length;
  bytes.set(host, at);
  at += host.length;
  view.setUint32(at, envelope.epoch);
  view.setUint32(at + 4, envelope.seq);
  at += 8;
  bytes[at++] = from.length;
  bytes.set(from, at);
  at += from.length;
  bytes[at++] = to.length;
  bytes.set(to, at);
  at += to.length;
  bytes.set(envelope.body, at);
  return bytes;
}

/** Reads an envelope; undefined when the bytes are not one. */
export function decodeEnvelope(bytes: Uint8Array): Envelope | undefined {
  let at = 0;
  /** The next `length` bytes; undefined past the end. */
  const take = (length: number): Uint8Array | undefined => {
    if (at + length > bytes.length) return undefined;
    return bytes.subarray(at, at += length);
  };
  try {
    const kind = bytes[at++];
    if (
      kind !== MESSAGE && kind !== ACK && kind !== GAP && kind !== BOUNCE && kind !== RESUME
    ) return undefined;
    const hostBytes = take(bytes[at++] ?? 0);
    const numbers = take(8);
    if (!hostBytes || hostBytes.length === 0 || !numbers) return undefined;
    const fromBytes = take(bytes[at++] ?? Infinity);
    const toBytes = fromBytes && take(bytes[at++] ?? Infinity);
    if (!toBytes || !fromBytes) return undefined;
    const from = readAddress(fromBytes);
    const to = readAddress(toBytes);
    if (from === undefined || to === undefined) return undefined;
    const view = new DataView(numbers.buffer, numbers.byteOffset, 8);
    return {
      kind,
      host: text.decode(hostBytes),
      epoch: view.getUint32(0),
      seq: view.getUint32(4),
      from,
      to,
      body: bytes.subarray(at),
    };
  } catch {
    return undefined;
  }
}

/** An address as JSON, `null` for none, undefined when it is neither. */
function readAddress(bytes: Uint8Array): Address | null | undefined {
  if (bytes.length === 0) return null;
  const value = JSON.parse(text.decode(bytes));
  return isAddress(value) ? value : undefined;
}
