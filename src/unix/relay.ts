/**
 * Relay frames: how a child reaches processes on other hosts through its
 * manager, the host's gateway. A message frame starts with `{` (JSON) or
 * 0 (the binary form, `binary_frame.ts`); a relay frame starts with its
 * kind, a byte neither starts with:
 *
 * - FORWARD, child → manager: "for `address`", then the message;
 * - DELIVER, manager → child: "from `address`", then the message;
 * - GONE, manager → child: "`address` is gone", then
 *   `{"reason"?, "seen"?, "undelivered"?, "onTheWay"?, "there"?, "reportOnly"?}`:
 *   of the first `seen` payloads the child sent `address` (what came after
 *   is answered on its own), the last `undelivered` never came; the last
 *   `onTheWay` were still on their way as it ended, and are answered on
 *   their own; with `"there": true`, `address` is still there (one message
 *   to it was refused), and what it asked of the child is still answered;
 *   with `"reportOnly": true`, the reason speaks only of what it names (a
 *   message another host refused): it is reported, and nothing else ends;
 * - REACH, manager → child: whether the other hosts can be reached now,
 *   `{"reachable": boolean}`; the address is the manager's own.
 * - TAKEN, child → manager: it has read and handed on `{"count"}` more
 *   DELIVER frames, or, as it closes gracefully, `{"rest": true}`: it reads
 *   and hands on all that comes until the manager closes too; the address
 *   is the manager's own. What the manager relayed and was not said taken
 *   when the child's connection closes otherwise (it crashed) is refused to
 *   their senders.
 *
 * After the kind: one byte, the length of the address as JSON (`5`,
 * `"logger"`, `"manager@web-2"`), then that JSON, then the body.
 *
 * @module
 */

import type { Address } from "../address.ts";
import { addressBytes, readAddressBytes } from "../address_bytes.ts";
import { isPieces } from "../payload_pieces.ts";
import type { LastSent, Payload, PayloadPieces } from "../transport.ts";

/** For `address`, from the child that sent it. */
export const FORWARD = 1;
/** From `address`, for the child it is sent to. */
export const DELIVER = 2;
/** `address` is gone: what was in flight to it may be lost. */
export const GONE = 3;
/** The other hosts can or cannot be reached now (the broker connection is up or down). */
export const REACH = 4;
/** Why a process of another host cannot be reached while the other hosts cannot. */
export const CUT_OFF = "this host's connection to the NATS server is down";
/** The child took so many more DELIVER frames, or takes all that still come. */
export const TAKEN = 5;

/** A relay frame, read. */
export interface Relay {
  kind: typeof FORWARD | typeof DELIVER | typeof GONE | typeof REACH | typeof TAKEN;
  address: Address;
  /**
   * The message (GONE: `{"reason"?, "undelivered"?, …}`; REACH: `{"reachable"}`; TAKEN:
   * `{"count"}` or `{"rest": true}`), a view into the frame.
   */
  body: Uint8Array;
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

/** Whether a frame's payload is a relay frame rather than a message. */
export function isRelay(payload: Uint8Array): boolean {
  const kind = payload[0];
  return kind === FORWARD || kind === DELIVER || kind === GONE || kind === REACH ||
    kind === TAKEN;
}

/**
 * The largest head a relay frame can have: the kind, the length, and an
 * address of up to 255 bytes of JSON. A message relayed is at most this
 * much smaller than the frame limit, so that its relay frame fits.
 */
export const MAX_RELAY_HEAD = 2 + 255;

/**
 * The most bytes an address may have as JSON in a relay frame's head (and
 * in a broker envelope): a service named longer cannot cross hosts.
 */
export const MAX_ADDRESS_BYTES = 255;

/** What a relay frame for `address` adds to its body: the kind, the length, the address. */
export function relayHeadSize(address: Address): number {
  return 2 + addressBytes(address).length;
}

/**
 * Makes a relay frame's payload, in pieces: its head, then the body as it
 * is (the transport copies it once, into its queue). Valid as long as the
 * body is.
 *
 * @throws {RangeError} When the address is over 255 bytes as JSON.
 */
export function relayPayload(kind: Relay["kind"], address: Address, body: Payload): PayloadPieces {
  const addressJson = addressBytes(address);
  if (addressJson.length > 255) {
    throw new RangeError(`Address ${String(address)} is too long to relay`);
  }
  const head = new Uint8Array(2 + addressJson.length);
  head[0] = kind;
  head[1] = addressJson.length;
  head.set(addressJson, 2);
  const message = typeof body === "string" ? utf8.encode(body) : body;
  const pieces = isPieces(message) ? [head, ...message.pieces] : [head, message];
  return { pieces, length: head.length + message.length };
}

/** Reads a relay frame; undefined when it is malformed. */
export function readRelay(payload: Uint8Array): Relay | undefined {
  if (!isRelay(payload)) return undefined;
  const kind = payload[0] as Relay["kind"];
  const end = 2 + payload[1];
  if (payload.length < end) return undefined;
  const address = readAddressBytes(payload.subarray(2, end));
  if (address === undefined) return undefined;
  return { kind, address, body: payload.subarray(end) };
}

/** What a GONE frame says, read once. */
export interface Gone {
  /** Why, to report, if it says. */
  reason: string | undefined;
  /** What it says of the last payloads the child sent its address. */
  last: LastSent;
  /** Whether the reason is only to be reported: what waits on its address stays open. */
  reportOnly: boolean;
}

/** Reads a GONE frame's body; what is malformed in it is left out. */
export function readGone(body: Uint8Array): Gone {
  const read = readBody(body);
  const last: LastSent = {};
  for (const key of ["undelivered", "onTheWay", "seen"] as const) {
    const value = read?.[key];
    if (Number.isSafeInteger(value) && (value as number) >= 0) last[key] = value as number;
  }
  if (read?.there === true) last.there = true;
  const reason = typeof read?.reason === "string" ? read.reason : undefined;
  return { reason, last, reportOnly: read?.reportOnly === true };
}

/** What a REACH frame says: whether the other hosts can be reached; undefined if malformed. */
export function reachable(body: Uint8Array): boolean | undefined {
  const reachable = readBody(body)?.reachable;
  return typeof reachable === "boolean" ? reachable : undefined;
}

/** The body of a TAKEN frame: `count` more DELIVER frames taken, or `"rest"`: all to come. */
export function takenBody(taken: number | "rest"): string {
  return JSON.stringify(taken === "rest" ? { rest: true } : { count: taken });
}

/** What a TAKEN frame says (see {@linkcode takenBody}); undefined if malformed. */
export function readTaken(body: Uint8Array): number | "rest" | undefined {
  const read = readBody(body);
  if (read?.rest === true) return "rest";
  const count = read?.count;
  return Number.isSafeInteger(count) && (count as number) > 0 ? count as number : undefined;
}

function readBody(body: Uint8Array): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text.decode(body));
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
