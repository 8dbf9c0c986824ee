/**
 * {@linkcode Layout}: the cluster's processes as this one knows them, as
 * Switchboard's `src/layout.ts`: its workers, services and other hosts'
 * managers, from the bootstrap, then from each `$members` its manager
 * sends as hosts join and leave.
 *
 * @module
 */

import { MANAGER } from "./address.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** The cluster's processes: `{workers, services, managers}`. */
export class Layout {
  /** @type {number[]} */
  workers;
  /** @type {string[]} */
  services;
  /** @type {string[]} */
  managers;

  /** @param {{ workers: number[], services: string[], managers: string[] }} layout */
  constructor({ workers, services, managers }) {
    this.workers = workers;
    this.services = services;
    this.managers = managers;
  }

  /**
   * Whether `address` is a process of the cluster now.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  has(address) {
    return address === MANAGER || this.workers.includes(address) ||
      this.services.includes(address) || this.managers.includes(address);
  }
}

/**
 * Whether `$members` data is `{workers, services, managers}`: worker ids, and names.
 *
 * @param {unknown} data
 * @returns {boolean}
 */
export function isLayout(data) {
  if (typeof data !== "object" || data === null) return false;
  const { workers, services, managers } = data;
  return Array.isArray(workers) && workers.every((id) => Number.isInteger(id) && id >= 0) &&
    Array.isArray(services) && services.every((name) => typeof name === "string" && name !== "") &&
    Array.isArray(managers) && managers.every((name) => typeof name === "string" && name !== "");
}
