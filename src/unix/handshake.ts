/**
 * The handshake that opens every socket connection, in the frames' JSON:
 *
 * - `$hello` `{from, token}`: the first frame of every connection, from the
 *   side that dialed; a wrong token or an address the listener does not
 *   admit closes the connection.
 * - `$welcome` `{}`: the answer to a good hello; the dialer sends nothing
 *   more until it arrives.
 *
 * @module
 */

import { type Address, isAddress } from "../address.ts";
import { randomBase64url } from "../random.ts";

/** Opens a connection: `{from, token}`. */
export const HELLO = "$hello";
/** Accepts a connection: `{}`. */
export const WELCOME = "$welcome";

/** The largest frame accepted before a connection has said hello. */
export const HANDSHAKE_FRAME_LIMIT = 4096;
/** How long an accepted connection may take to say hello, in ms. */
export const HANDSHAKE_TIMEOUT = 10_000;

/** What a `$hello` carries. */
export interface Hello {
  /** The address of the process that dialed. */
  from: Address;
  /** The cluster's secret. */
  token: string;
}

const utf8 = new TextDecoder();

/** The `$hello` frame's payload, as text. */
export function helloPayload(hello: Hello): string {
  return JSON.stringify({ action: HELLO, data: hello });
}

/** The `$welcome` frame's payload, as text. */
export const WELCOME_PAYLOAD: string = JSON.stringify({ action: WELCOME, data: {} });

/** Returns the hello a payload carries, or undefined if it is none. */
export function readHello(payload: Uint8Array): Hello | undefined {
  const message = parse(payload);
  if (message?.action !== HELLO) return undefined;
  const data = message.data as Partial<Hello> | undefined;
  if (typeof data !== "object" || data === null) return undefined;
  if (!isAddress(data.from) || typeof data.token !== "string") return undefined;
  return { from: data.from, token: data.token };
}

/** Whether a payload is a `$welcome`. */
export function isWelcome(payload: Uint8Array): boolean {
  return parse(payload)?.action === WELCOME;
}

/** The action a payload names, if it is a JSON message: for errors. */
export function actionOf(payload: Uint8Array): string | undefined {
  const action = parse(payload)?.action;
  return typeof action === "string" ? action : undefined;
}

/** A fresh cluster secret: 32 random bytes, base64url. */
export function newToken(): string {
  return randomBase64url(32);
}

/** Compares tokens in time independent of where they differ. */
export function tokensMatch(given: string, expected: string): boolean {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) {
    difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  }
  return difference === 0;
}

function parse(payload: Uint8Array): { action?: unknown; data?: unknown } | undefined {
  try {
    const value = JSON.parse(utf8.decode(payload));
    return typeof value === "object" && value !== null ? value : undefined;
  } catch {
    return undefined;
  }
}
