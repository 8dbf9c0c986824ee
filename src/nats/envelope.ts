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
 * Writes the envelopes one host sends: its name and the addresses it uses
 * are encoded once, and a text body straight into the envelope, so a
 * message costs one allocation and one copy.
 */
export class EnvelopeWriter {
  readonly #host: Uint8Array;
  readonly #addresses = new Map<Address | null, Uint8Array>();

  /** @throws {RangeError} When the host's name is over 255 bytes. */
  constructor(host: string) {
    this.#host = utf8.encode(host);
    if (this.#host.length > 255) throw new RangeError("A host name is over 255 bytes");
  }

  /**
   * An envelope's bytes, and how many of them are the body.
   *
   * @throws {RangeError} When an address is over 255 bytes.
   */
  write(
    kind: Envelope["kind"],
    epoch: number,
    seq: number,
    from: Address | null,
    to: Address | null,
    body: Uint8Array | string,
  ): { bytes: Uint8Array; bodySize: number } {
    const host = this.#host;
    const fromBytes = this.#address(from);
    const toBytes = this.#address(to);
    const head = 12 + host.length + fromBytes.length + toBytes.length;
    // Text: room for all-ASCII first, for the worst case if that runs short.
    let bytes = new Uint8Array(head + body.length);
    let bodySize = body.length;
    if (typeof body === "string") {
      const first = utf8.encodeInto(body, bytes.subarray(head));
      if (first.read < body.length) {
        bytes = new Uint8Array(head + body.length * 3);
        bodySize = utf8.encodeInto(body, bytes.subarray(head)).written;
      } else {
        bodySize = first.written;
      }
    } else {
      bytes.set(body, head);
    }
    const view = new DataView(bytes.buffer);
    let at = 0;
    bytes[at++] = kind;
    bytes[at++] = host.length;
    bytes.set(host, at);
    at += host.length;
    view.setUint32(at, epoch);
    view.setUint32(at + 4, seq);
    at += 8;
    bytes[at++] = fromBytes.length;
    bytes.set(fromBytes, at);
    at += fromBytes.length;
    bytes[at++] = toBytes.length;
    bytes.set(toBytes, at);
    return { bytes: bytes.subarray(0, head + bodySize), bodySize };
  }

  #address(address: Address | null): Uint8Array {
    let bytes = this.#addresses.get(address);
    if (!bytes) {
      bytes = utf8.encode(address === null ? "" : JSON.stringify(address));
      if (bytes.length > 255) throw new RangeError(`Address ${address} is over 255 bytes`);
      // A host talks with a bounded set of processes.
      if (this.#addresses.size < 4096) this.#addresses.set(address, bytes);
    }
    return bytes;
  }
}

/**
 * Makes an envelope (for tests; a host writes with an {@linkcode EnvelopeWriter}).
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

/**
 * Texts a reader has seen, by their bytes: a host hears from few hosts and
 * few addresses, so each is decoded once, not in every envelope.
 */
class TextCache<T> {
  readonly #entries = new Map<number, { bytes: Uint8Array; value: T }>();
  readonly #decode: (bytes: Uint8Array) => T;

  constructor(decode: (bytes: Uint8Array) => T) {
    this.#decode = decode;
  }

  get(bytes: Uint8Array): T {
    let hash = 0x811c9dc5;
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
    const entry = this.#entries.get(hash);
    if (entry && equal(entry.bytes, bytes)) return entry.value;
    const value = this.#decode(bytes);
    // Bounded: a flood of odd names must not grow it.
    if (this.#entries.size < 4096) this.#entries.set(hash, { bytes: bytes.slice(), value });
    return value;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const hosts = new TextCache((bytes) => text.decode(bytes));
const addresses = new TextCache(readAddress);

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
    const from = addresses.get(fromBytes);
    const to = addresses.get(toBytes);
    if (from === undefined || to === undefined) return undefined;
    const view = new DataView(numbers.buffer, numbers.byteOffset, 8);
    return {
      kind,
      host: hosts.get(hostBytes),
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
  try {
    const value = JSON.parse(text.decode(bytes));
    return isAddress(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
