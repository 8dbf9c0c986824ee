/**
 * {@linkcode Replacements}: what this process knows of siblings on their
 * way to a new process, as Switchboard's `src/replacements.ts`, from the
 * manager's `$event`s and its peers' `$leaving`: a request or message to
 * one waits for its next process rather than failing. None is awaited once
 * the cluster stops. A crash is no replacement: a sibling heard down is
 * not waited for (a request to it that does not listen fails at once).
 *
 * @module
 */

import { isManager } from "./address.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * What an `$event` means for what waits on its process: `ended`, its
 * process is gone (nothing more is sent on its connections); `comeback`,
 * `"ready"` (its next process is ready: what waited goes) or `"gone"`
 * (none will come: what waited fails).
 *
 * @typedef {{ ended: boolean, comeback?: "ready" | "gone" }} EventNews
 */

/** Siblings being replaced, leaving, restarting or down. */
export class Replacements {
  /** Whether the cluster stops: no request waits for a next process any more. */
  #ended = false;
  /**
   * Siblings that said `$leaving` (stopping alone, to be replaced), until
   * their next process is ready or none will come: a request to one waits
   * for that next process from the start, as one it refused would, since on
   * the old connection it could reach the old process as it closes, or
   * find it gone.
   *
   * @type {Set<Address>}
   */
  #leavers = new Set();
  /**
   * Siblings the manager said are being replaced (a reload, a clean exit to
   * be restarted), until their next process is ready or none will come: a
   * request to one that has no process listening waits for that next
   * process, as a Deno child's does, though it never talked to it.
   *
   * @type {Set<Address>}
   */
  #replacing = new Set();
  /** @type {Set<Address>} Siblings restarted and not ready yet: a clean exit of one is a failed start, no replacement. */
  #unready = new Set();
  /**
   * Siblings heard to have exited not to be replaced (a crash, or not
   * restarted) until a process of them is ready again: a request to one
   * that does not listen fails at once, without asking the manager.
   *
   * @type {Set<Address>}
   */
  #down = new Set();
  /**
   * Siblings its bootstrap said are being replaced, until each is ready: the
   * events about them its manager tells it at its `$ready` may come once it
   * is connected to their next process.
   *
   * @type {Set<Address>}
   */
  #toldReplacing = new Set();

  /** @param {unknown} replacing The bootstrap's `replacing`: being replaced as this process was spawned. */
  constructor(replacing) {
    // Being replaced as this process was spawned: it could not have heard so.
    if (Array.isArray(replacing)) {
      for (const address of replacing) {
        this.#replacing.add(address);
        this.#toldReplacing.add(address);
      }
    }
  }

  /** @returns {boolean} Whether the cluster stops: nothing waits for a next process. */
  get ended() {
    return this.#ended;
  }

  /**
   * Whether `address` said it is leaving.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  leaving(address) {
    return this.#leavers.has(address);
  }

  /**
   * Whether the manager said `address` is being replaced.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  replacing(address) {
    return this.#replacing.has(address);
  }

  /**
   * Whether `address` exited not to be replaced, and no process of it is ready since.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  down(address) {
    return this.#down.has(address);
  }

  /**
   * `from` said `$leaving`. A manager stops with its host: no next process of it comes.
   *
   * @param {Address} from
   */
  leaves(from) {
    if (!this.#ended && !isManager(from)) this.#leavers.add(from);
  }

  /**
   * Reads an `$event` of the manager.
   *
   * @param {{ type?: string, address?: Address, code?: number, signal?: string | null, restart?: boolean } | undefined} event
   * @returns {EventNews}
   */
  hear(event) {
    const address = event?.address;
    if (event?.type === "ready") this.#toldReplacing.delete(address);
    // Its process is gone, whatever this process has read of its connections
    // yet: sent on them, a message would count as handed over and be lost;
    // refused, one for a process being replaced waits for it.
    const ended = (event?.type === "exit" || event?.type === "fatal") &&
      !this.#toldReplacing.has(address);
    if (event?.type === "exit") {
      const clean = event.code === 0 && event.signal === null;
      if (!clean || event.restart === false) this.#down.add(address);
    }
    if (event?.type === "fatal") this.#down.add(address);
    if (event?.type === "fatal" || (event?.type === "exit" && event.restart === false)) {
      this.#unready.delete(address);
      return { ended, comeback: "gone" };
    }
    if (event?.type === "reload") {
      if (!this.#ended) this.#replacing.add(address);
      return { ended };
    }
    if (event?.type === "restart") {
      this.#unready.add(address);
      return { ended };
    }
    if (event?.type === "exit" && event.code === 0 && event.signal === null) {
      // A running process that exits cleanly to be restarted is replaced; one
      // that does so as it starts failed its start, and may be given up.
      if (this.#unready.has(address)) return { ended, comeback: "gone" };
      if (!this.#ended) this.#replacing.add(address);
      return { ended };
    }
    if (event?.type !== "ready") return { ended };
    this.#down.delete(address);
    this.#unready.delete(address);
    this.#leavers.delete(address);
    this.#replacing.delete(address);
    return { ended, comeback: "ready" };
  }

  /**
   * No next process will come for the siblings `which` picks.
   *
   * @param {(address: Address) => boolean} which
   */
  forget(which) {
    for (const leaver of this.#leavers) if (which(leaver)) this.#leavers.delete(leaver);
    for (const replaced of this.#replacing) if (which(replaced)) this.#replacing.delete(replaced);
  }

  /** The cluster stops: nothing waits for a next process, now or later. */
  end() {
    this.#ended = true;
    this.#leavers.clear();
    this.#replacing.clear();
  }
}
