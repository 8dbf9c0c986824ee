/**
 * The receiver's `Uint8Array`s that a message carries, each in memory of
 * its own (a copy, or an array the transport read the bytes into), and
 * why the newest large one stays referenced.
 *
 * A process that keeps receiving large arrays gets each in fresh memory
 * from glibc's heap, and drops them; V8 collects a dozen or so at once.
 * If nothing alive lies above them, glibc frees them with the heap's top
 * and gives that back to the system (its trim threshold is a few MiB), so
 * the next arrays take a page fault on every 4 KiB of it again: measured,
 * a 4 MiB message then cost the receiver up to 130 faults per MB, and
 * Switchboard fell to 0.4–0.7× a raw socket's MB/s, at random from run to
 * run. Keeping the newest large copy referenced until the next one is
 * made puts a live array above the dead ones when they are collected, and
 * glibc keeps their memory for the next arrays. It costs one array per
 * process, of at most 8 MiB, until the next large one comes.
 *
 * @module
 */

/** Copies from this size up to {@linkcode KEEP_MAX} stay referenced until the next. */
const KEEP_MIN = 128 * 1024;
/** The largest copy kept referenced, as a connection keeps a read buffer of at most this. */
const KEEP_MAX = 8 * 1024 * 1024;

/** The newest large copy, referenced only so that it stays alive until the next. */
let newest: Uint8Array | undefined;

/** A copy of `size` bytes of `bytes` from `offset`, in memory of its own. */
export function copyReceived(bytes: Uint8Array, offset: number, size: number): Uint8Array {
  return keepReceived(bytes.slice(offset, offset + size));
}

/**
 * `bytes`, received in memory of its own and handed on as it is, kept
 * referenced as a copy would be.
 */
export function keepReceived(bytes: Uint8Array): Uint8Array {
  if (bytes.length >= KEEP_MIN && bytes.length <= KEEP_MAX) newest = bytes;
  return bytes;
}

/** Whether `copy` is the large copy kept referenced now (for tests). */
export function isKeptNow(copy: Uint8Array): boolean {
  return copy === newest;
}
