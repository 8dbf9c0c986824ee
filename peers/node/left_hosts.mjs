/**
 * The processes of hosts that left the cluster, the newest
 * {@linkcode LEFT_REMEMBERED}, until one comes back with a host that joins:
 * a request to one fails as not connected, not as to no such process (as
 * the Deno outbox says it, `src/outbox.ts`).
 *
 * @module
 */

/** @typedef {import("./address.mjs").Address} Address */
/** @typedef {{ workers: Address[], services: Address[], managers: Address[] }} Layout */

/**
 * How many addresses of hosts that left are remembered, the newest: as the
 * Deno outbox remembers them (`src/outbox.ts`).
 */
const LEFT_REMEMBERED = 1_024;

/** The processes of hosts that left, until back. */
export class LeftHosts {
  /** @type {Set<Address>} Oldest first. */
  #left = new Set();

  /**
   * Notes the processes of hosts that left, from the layout `before` to
   * `after`, and forgets those back in `after`.
   *
   * @param {Layout} before
   * @param {Layout} after
   */
  note(before, after) {
    const has = (layout, address) =>
      layout.workers.includes(address) || layout.services.includes(address) ||
      layout.managers.includes(address);
    for (const address of [...before.workers, ...before.services, ...before.managers]) {
      if (has(after, address)) continue;
      this.#left.delete(address);
      this.#left.add(address);
    }
    for (const address of this.#left) {
      if (has(after, address)) this.#left.delete(address);
    }
    for (const address of this.#left) {
      if (this.#left.size <= LEFT_REMEMBERED) break;
      this.#left.delete(address);
    }
  }

  /**
   * Whether `address` is a process of a host that left.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  has(address) {
    return this.#left.has(address);
  }
}
