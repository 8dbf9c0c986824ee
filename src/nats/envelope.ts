/**
 * The envelopes of what one host's manager publishes to another's: a small
 * binary head, then the payload untouched (no second JSON encoding). One
 * published NATS message holds one or more of them (a {@linkcode Batch}),
 * each after its length:
 *
 * ```
 * length u32 | kind u8 | host len u8 | host | epoch u32 | round u32 | seq f64 | from len u8 | from | to len u8 | to | body
 * ```
 *
 * `length` counts what follows it, body included. `host` is the sender's
 * host; `epoch` names its connection to the broker (new after each
 * reconnect) and `seq` counts its messages to the receiving host within it,
 * so that a gap shows (an `f64`, exact to 2^53, as in an ack's body: a
 * `u32` wrapped after hours of steady traffic, and the window never freed
 * again). `round` names that count: a sender that forgets the receiving
 * host (it saw it leave) counts afresh from 0 in the same epoch, in a new
 * round, so that a receiver whose word of it (a RESUME) was lost, with the
 * first messages of the new count, sees it begin: else the next message
 * looked as if it went on with the old count, and those never came in
 * silence. A MESSAGE and a SENT carry the round they are counted in; a
 * RESUME, that of the count it tells; an ACK, a GAP, a BYE and an ENDED,
 * that of the count they speak of; the others 0, no round's. The round
 * costs 4 bytes an envelope: a `u32` that a sender takes from one counter
 * for every count it begins, so two counts to one host in one epoch never
 * share one (a `u16` wrapped after 65 536 counts begun, to any hosts).
 * `from` and `to` are addresses as JSON; `body` is the message;
 * or for an ack (and a bye) the highest message number received, for a
 * bounce why, as JSON: `{reason, action?, count?}` (see `bodies.ts`); for an
 * ended process `{reason?, had?}`. A gap and a
 * count sent (SENT) carry their count in `seq`, with no body. Everything read from the broker is
 * checked here like a frame from a socket.
 *
 * Whenever this layout changes, or anything else hosts publish to each
 * other (the kinds, their bodies, the membership records), bump
 * {@linkcode WIRE_FORMAT}: hosts of another format then refuse each other
 * (see `membership_keys.ts`) instead of reading each other's bytes wrong.
 *
 * @module
 */

import type { Address } from "../address.ts";
import { addressBytes, hostNames, readAddressBytes } from "../address_bytes.ts";
import { Batch } from "./batch.ts";

/**
 * The version of what hosts publish to each other: this layout, the kinds
 * and their bodies, the membership records. Bump it with any change to
 * them. Each host's membership record carries it; a host joining a cluster
 * whose hosts run another is refused, and one already in it takes in no
 * host of another (see `membership_watch.ts`). 1 is the first numbered
 * (the head with `round`); the formats before carried no number.
 */
export const WIRE_FORMAT = 1;

/** A message from `from` to `to`. */
export const MESSAGE = 1;
/**
 * The receiver has had the sender's messages up to the number in the body
 * (an `f64`), in the epoch in `seq` and the count in `round`; those lost
 * on the way included.
 */
export const ACK = 2;
/** The receiver found a gap in what the sender sent in `epoch`. */
export const GAP = 3;
/** The receiver could not deliver the sender's message from `from` to `to`; the body says why. */
export const BOUNCE = 4;
/**
 * The sender counts afresh: the body says how many messages it had sent in
 * an epoch (`u32` epoch, `f64` count), in the count in `round`, so that
 * the receiver can tell what of them never came. `seq` says why: 0, it reconnected (its previous
 * epoch); 1, it saw the receiver's host leave and forgot it. Empty, it is
 * a question: how many did you send me in epoch `seq`?
 */
export const RESUME = 5;
/** A RESUME's `seq`: it follows a reconnect… */
export const AFTER_RECONNECTING = 0;
/** …or the sender forgetting the host it goes to. */
export const AFTER_FORGETTING = 1;
/**
 * The sender leaves: it has read all it will of the receiver's messages,
 * and had them up to the number in the body (an `f64`), in the epoch in
 * `seq`; with no body, none of them. What else the receiver sent it never
 * came.
 */
export const BYE = 6;
/**
 * The sender reconnected: what the receiver sent it while it was away never
 * came, nor did the sender's acks then. A question: how many messages have
 * you sent me in your epoch? No body.
 */
export const RECONNECTED = 7;
/**
 * The sender has sent the receiver `seq` messages in its epoch, in the
 * count in `round`, each before this envelope; what of them never came
 * was lost. No body. The answer to a
 * RECONNECTED; and said unasked of messages left unconfirmed a while (see
 * `tail_check.ts`), as a loss at the end shows no gap.
 */
export const SENT = 8;
/**
 * A process of the sender's host, `from`, ended (its connection to its
 * manager closed): what of the receiver's messages its host had had by
 * then, it took, answered or never will (it crashed); what came after is
 * answered on its own. The body (JSON) says why when it crashed, and the
 * highest message number had, in the receiver's epoch in `seq`.
 */
export const ENDED = 9;

/** An envelope, read. */
export interface Envelope {
  kind:
    | typeof MESSAGE
    | typeof ACK
    | typeof GAP
    | typeof BOUNCE
    | typeof RESUME
    | typeof BYE
    | typeof RECONNECTED
    | typeof SENT
    | typeof ENDED;
  host: string;
  epoch: number;
  /** Which count of the sender's to the receiver it is of (see the module doc); 0, none. */
  round: number;
  seq: number;
  from: Address | null;
  to: Address | null;
  /** A view into the published bytes. */
  body: Uint8Array;
}

/**
 * An envelope as a host publishes it: its host and epoch are the
 * publisher's own; its round 0 unless it speaks of a count.
 */
export type EnvelopePart = Omit<Envelope, "host" | "epoch" | "round"> & { round?: number };

/** An envelope to encode (see {@linkcode encodeEnvelopes}): its round 0 unless given. */
export type EnvelopeInput = Omit<Envelope, "round"> & { round?: number };

const utf8 = new TextEncoder();

/** The most an envelope adds to its body, in bytes. */
export const ENVELOPE_OVERHEAD = 4 + 1 + 256 + 16 + 256 + 256;

/**
 * Writes the envelopes one host sends, into batches: its name and the
 * addresses it uses are encoded once, and a text body straight into the
 * batch, so a message costs no allocation of its own and one copy.
 */
export class EnvelopeWriter {
  readonly #host: Uint8Array;

  /** @throws {RangeError} When the host's name is over 255 bytes. */
  constructor(host: string) {
    this.#host = utf8.encode(host);
    if (this.#host.length > 255) throw new RangeError("A host name is over 255 bytes");
  }

  /**
   * Writes an envelope at the end of `batch`.
   *
   * @returns The size of its body, in bytes.
   * @throws {RangeError} When an address is over 255 bytes.
   */
  write(
    batch: Batch,
    kind: Envelope["kind"],
    epoch: number,
    round: number,
    seq: number,
    from: Address | null,
    to: Address | null,
    body: Uint8Array | string,
  ): number {
    const host = this.#host;
    const fromBytes = this.#address(from);
    const toBytes = this.#address(to);
    const head = 24 + host.length + fromBytes.length + toBytes.length;
    // Text: room for all-ASCII, and encoded apart in the rare case that runs short.
    const bytes = batch.reserve(head + body.length);
    const start = batch.used;
    let bodySize = body.length;
    if (typeof body === "string") {
      const bodyAt = start + head;
      const { read, written } = utf8.encodeInto(body, bytes.subarray(bodyAt, bodyAt + bodySize));
      if (read < body.length) {
        return this.write(batch, kind, epoch, round, seq, from, to, utf8.encode(body));
      }
      bodySize = written;
    } else {
      bytes.set(body, start + head);
    }
    let at = writeUint32(bytes, start, head - 4 + bodySize);
    bytes[at++] = kind;
    bytes[at++] = host.length;
    bytes.set(host, at);
    at = writeUint32(bytes, at + host.length, epoch);
    at = writeUint32(bytes, at, round);
    at = writeFloat64(bytes, at, seq);
    bytes[at++] = fromBytes.length;
    bytes.set(fromBytes, at);
    at += fromBytes.length;
    bytes[at++] = toBytes.length;
    bytes.set(toBytes, at);
    batch.last = start;
    batch.used = start + head + bodySize;
    return bodySize;
  }

  #address(address: Address | null): Uint8Array {
    if (address === null) return NONE;
    const bytes = addressBytes(address);
    if (bytes.length > 255) throw new RangeError(`Address ${address} is over 255 bytes`);
    return bytes;
  }
}

const NONE = new Uint8Array(0);

/** Reads a big-endian u32 at `at`. */
function readUint32(bytes: Uint8Array, at: number): number {
  return (bytes[at] << 24 | bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]) >>> 0;
}

/** Where an f64 is made and read: no view of the batch a message. */
const scratch = new DataView(new ArrayBuffer(8));

/** Writes `value` as a big-endian f64 at `at`; returns where the next byte goes. */
function writeFloat64(bytes: Uint8Array, at: number, value: number): number {
  scratch.setFloat64(0, value);
  for (let i = 0; i < 8; i++) bytes[at + i] = scratch.getUint8(i);
  return at + 8;
}

/** Reads a big-endian f64 at `at`. */
function readFloat64(bytes: Uint8Array, at: number): number {
  for (let i = 0; i < 8; i++) scratch.setUint8(i, bytes[at + i]);
  return scratch.getFloat64(0);
}

/** Writes `value` big-endian at `at`; returns where the next byte goes. */
function writeUint32(bytes: Uint8Array, at: number, value: number): number {
  bytes[at] = value >>> 24;
  bytes[at + 1] = value >>> 16;
  bytes[at + 2] = value >>> 8;
  bytes[at + 3] = value;
  return at + 4;
}

/**
 * One published message holding `envelopes` (for tests; a host writes with
 * an {@linkcode EnvelopeWriter}).
 *
 * @throws {RangeError} When a host or an address is over 255 bytes.
 */
export function encodeEnvelopes(envelopes: EnvelopeInput[]): Uint8Array {
  let published: Uint8Array = new Uint8Array(0);
  const batch = new Batch(Infinity, (bytes) => published = bytes);
  for (const { kind, host, epoch, round = 0, seq, from, to, body } of envelopes) {
    new EnvelopeWriter(host).write(batch, kind, epoch, round, seq, from, to, body);
  }
  batch.flush();
  return published;
}

/**
 * Reads the envelopes of one published message, in order, up to the first
 * that is not one.
 *
 * @returns Whether every byte was a well-formed envelope.
 */
export function readEnvelopes(bytes: Uint8Array, each: (envelope: Envelope) => void): boolean {
  for (let at = 0; at < bytes.length;) {
    if (at + 4 > bytes.length) return false;
    const length = readUint32(bytes, at);
    const end = at + 4 + length;
    if (end > bytes.length) return false;
    const envelope = decodeEnvelope(bytes.subarray(at + 4, end));
    if (!envelope) return false;
    each(envelope);
    at = end;
  }
  return true;
}

/** Reads one envelope, without its length; undefined when the bytes are not one. */
function decodeEnvelope(bytes: Uint8Array): Envelope | undefined {
  let at = 0;
  /** The next `length` bytes; undefined past the end. */
  const take = (length: number): Uint8Array | undefined => {
    if (at + length > bytes.length) return undefined;
    return bytes.subarray(at, at += length);
  };
  try {
    const kind = bytes[at++];
    // Past the end, `kind` is undefined, and no kind.
    if (!(kind >= MESSAGE && kind <= ENDED)) return undefined;
    const hostBytes = take(bytes[at++] ?? 0);
    const numbers = take(16);
    if (!hostBytes || hostBytes.length === 0 || !numbers) return undefined;
    const fromBytes = take(bytes[at++] ?? Infinity);
    const toBytes = fromBytes && take(bytes[at++] ?? Infinity);
    if (!toBytes || !fromBytes) return undefined;
    const from = readAddress(fromBytes);
    const to = readAddress(toBytes);
    if (from === undefined || to === undefined) return undefined;
    const seq = readFloat64(numbers, 8);
    if (!Number.isSafeInteger(seq) || seq < 0) return undefined;
    return {
      kind: kind as Envelope["kind"],
      host: hostNames.get(hostBytes),
      epoch: readUint32(numbers, 0),
      round: readUint32(numbers, 4),
      seq,
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
  return bytes.length === 0 ? null : readAddressBytes(bytes);
}
