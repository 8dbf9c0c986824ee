/**
 * Addresses as the bytes of their JSON, both ways, for the binary heads of
 * relay frames and broker envelopes. A process talks with a bounded set of
 * processes, so each address is encoded, and each run of bytes decoded,
 * once, not in every message; the caches are bounded all the same, so that
 * a flood of odd addresses cannot grow them.
 *
 * @module
 */

import { type Address, isAddress } from "./address.ts";

const MOST_CACHED = 4096;
const utf8 = new TextEncoder();
const text = new TextDecoder("utf-8", { fatal: true });
const encoded = new Map<Address, Uint8Array>();

/** The UTF-8 bytes of `address` as JSON. Do not write to them: they are shared. */
export function addressBytes(address: Address): Uint8Array {
  let bytes = encoded.get(address);
  if (!bytes) {
    bytes = utf8.encode(JSON.stringify(address));
    if (encoded.size < MOST_CACHED) encoded.set(address, bytes);
  }
  return bytes;
}

/** The address whose JSON `bytes` are; undefined when they are not one. */
export function readAddressBytes(bytes: Uint8Array): Address | undefined {
  return decoded.get(bytes);
}

/** Values read from bytes, by a hash of the bytes (FNV-1a), checked against them. */
class DecodeCache<T> {
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
    if (this.#entries.size < MOST_CACHED) this.#entries.set(hash, { bytes: bytes.slice(), value });
    return value;
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const decoded = new DecodeCache((bytes): Address | undefined => {
  try {
    const value = JSON.parse(text.decode(bytes));
    return isAddress(value) ? value : undefined;
  } catch {
    return undefined;
  }
});

/** Host names read from bytes, decoded once each. */
export const hostNames: { get(bytes: Uint8Array): string } = new DecodeCache((bytes) =>
  text.decode(bytes)
);
