/**
 * Relay frames (README "Protocol", Relay frames), as Switchboard's
 * `src/unix/relay.ts` writes and reads them: in a cluster that spans hosts,
 * a child reaches the processes of other hosts through its manager. A
 * message's payload starts with `{` (JSON) or 0 (the binary form); a relay
 * frame's starts with its kind, a byte neither starts with, then one byte,
 * the length of an address as JSON, then that JSON (`5`, `"logger"`,
 * `"manager@web-2"`), then the body:
 *
 * - FORWARD, child → manager: for that address, the body is the message;
 * - DELIVER, manager → child: from that address, the body is the message;
 * - GONE, manager → child: that process is gone,
 *   `{"reason"?, "seen"?, "undelivered"?, "onTheWay"?, "reportOnly"?}` (this
 *   peer reads the reason, and `reportOnly`: the reason is only to be
 *   reported, a message it sent was refused; without the counts, it fails
 *   all it has open with that process, which they would only narrow);
 * - REACH, manager → child (the address `"manager"`): `{"reachable"}`;
 * - TAKEN, child → manager (the address `"manager"`): `{"count": n}` or
 *   `{"rest": true}`.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { isAddress } from "./address.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** For the address, from the child that sends it. */
export const FORWARD = 1;
/** From the address, for the child it is sent to. */
export const DELIVER = 2;
/** The address is gone: what was in flight to it may be lost. */
export const GONE = 3;
/** The other hosts can or cannot be reached now. */
export const REACH = 4;
/** The child took so many more DELIVER frames, or takes all that still come. */
export const TAKEN = 5;

/** The longest address a relay frame holds, as JSON: its length is one byte. */
const MAX_ADDRESS_BYTES = 255;

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Whether a payload is a relay frame rather than a message.
 *
 * @param {Uint8Array} payload
 * @returns {boolean}
 */
export function isRelay(payload) {
  return payload[0] >= FORWARD && payload[0] <= TAKEN;
}

/**
 * How many bytes a relay frame for `address` adds to its body.
 *
 * @param {Address} address
 * @returns {number}
 */
export function relayHeadSize(address) {
  return 2 + Buffer.byteLength(JSON.stringify(address));
}

/**
 * Makes a relay frame's payload.
 *
 * @param {number} kind `FORWARD`, `DELIVER`, `GONE`, `REACH` or `TAKEN`.
 * @param {Address} address
 * @param {Uint8Array | string} body The message, or the JSON body.
 * @returns {Buffer}
 * @throws {RangeError} When the address is over 255 bytes as JSON.
 */
export function relayPayload(kind, address, body) {
  const addressJson = Buffer.from(JSON.stringify(address));
  if (addressJson.length > MAX_ADDRESS_BYTES) {
    throw new RangeError(`Address ${String(address)} is too long to relay`);
  }
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const payload = Buffer.allocUnsafe(2 + addressJson.length + bytes.length);
  payload[0] = kind;
  payload[1] = addressJson.length;
  addressJson.copy(payload, 2);
  payload.set(bytes, 2 + addressJson.length);
  return payload;
}

/**
 * Reads a relay frame.
 *
 * @param {Uint8Array} payload
 * @returns {{ kind: number, address: Address, body: Uint8Array } | undefined}
 * Undefined when it is not one, or malformed; `body` is a view into the payload.
 */
export function readRelay(payload) {
  if (!isRelay(payload) || payload.length < 2) return undefined;
  const end = 2 + payload[1];
  if (payload.length < end) return undefined;
  const address = readJson(payload.subarray(2, end));
  if (!isAddress(address)) return undefined;
  return { kind: payload[0], address, body: payload.subarray(end) };
}

/**
 * The reason a GONE frame's body gives, if any.
 *
 * @param {Uint8Array} body
 * @returns {string | undefined}
 */
export function goneReason(body) {
  const reason = readJson(body)?.reason;
  return typeof reason === "string" ? reason : undefined;
}

/**
 * Whether a GONE frame's reason is only to be reported: what waits on its
 * address stays open.
 *
 * @param {Uint8Array} body
 * @returns {boolean}
 */
export function goneReportOnly(body) {
  return readJson(body)?.reportOnly === true;
}

/**
 * What a GONE frame's body says of what was forwarded to that process
 * (`seen`, `undelivered`, `onTheWay`), and whether it is still there.
 *
 * @param {Uint8Array} body
 * @returns {{ seen?: number, undelivered?: number, onTheWay?: number, there: boolean }}
 */
export function goneLast(body) {
  const { seen, undelivered, onTheWay, there } = readJson(body) ?? {};
  return { seen, undelivered, onTheWay, there: there === true };
}

/**
 * What a REACH frame's body says: whether the other hosts can be reached.
 *
 * @param {Uint8Array} body
 * @returns {boolean | undefined} Undefined when it is malformed.
 */
export function reachable(body) {
  const said = readJson(body)?.reachable;
  return typeof said === "boolean" ? said : undefined;
}

/**
 * The body of a TAKEN frame.
 *
 * @param {number | "rest"} taken How many more DELIVER frames were handed
 * on, or `"rest"`: all that still come will be.
 * @returns {string}
 */
export function takenBody(taken) {
  return JSON.stringify(taken === "rest" ? { rest: true } : { count: taken });
}

/** The JSON value `bytes` hold; undefined when they hold none. */
function readJson(bytes) {
  try {
    return JSON.parse(strictUtf8.decode(bytes));
  } catch {
    return undefined;
  }
}
