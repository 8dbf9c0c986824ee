/**
 * {@linkcode Listeners}: what one process registered to hear, as
 * Switchboard's `src/listeners.ts`: per-action listeners, request
 * handlers, catch-all listeners, and the error, lifecycle and stop hooks;
 * and the safe way to call the hooks.
 *
 * @module
 */

import { assertUserAction } from "./action.mjs";

/** What one process listens with. */
export class Listeners {
  /** @type {Map<string, Function>} */
  handlers = new Map();
  /** @type {Map<string, Set<Function>>} */
  #byAction = new Map();
  /** @type {Set<Function>} Listeners for every message. */
  any = new Set();
  /** @type {Set<Function>} */
  stopHandlers = new Set();
  #lifecycle = new Set();
  #errors = new Set();

  /**
   * Listens for an action; returns the remover.
   *
   * @param {string} action
   * @param {Function} listener
   * @returns {() => void}
   */
  on(action, listener) {
    assertUserAction(action);
    const set = this.#byAction.get(action) ?? new Set();
    this.#byAction.set(action, set);
    set.add(listener);
    return () => set.delete(listener);
  }

  /**
   * The listeners for `action` now: a copy, which one that removes itself does not change.
   *
   * @param {string} action
   * @returns {Function[]}
   */
  of(action) {
    return [...(this.#byAction.get(action) ?? [])];
  }

  /**
   * Answers requests for an action; one handler per action. Returns the remover.
   *
   * @param {string} action
   * @param {Function} handler
   * @returns {() => void}
   */
  handle(action, handler) {
    assertUserAction(action);
    if (this.handlers.has(action)) throw new TypeError(`"${action}" has a handler already`);
    this.handlers.set(action, handler);
    return () => this.handlers.delete(action);
  }

  /** @param {Function} listener */
  onAny(listener) {
    return addTo(this.any, listener);
  }

  /** @param {Function} handler */
  onStop(handler) {
    return addTo(this.stopHandlers, handler);
  }

  /** @param {Function} listener */
  onLifecycle(listener) {
    return addTo(this.#lifecycle, listener);
  }

  /** @param {Function} listener */
  onError(listener) {
    return addTo(this.#errors, listener);
  }

  /**
   * Tells the lifecycle listeners an `$event`; what they throw is reported.
   *
   * @param {unknown} event
   */
  tellLifecycle(event) {
    for (const listener of this.#lifecycle) {
      try {
        const result = listener(event);
        if (typeof result?.then === "function") {
          result.then(undefined, (error) => this.report(error));
        }
      } catch (error) {
        this.report(error);
      }
    }
  }

  /**
   * Tells the error listeners an error no caller can be given; with none,
   * it is written with `console.error`.
   *
   * @param {unknown} error
   */
  report(error) {
    if (this.#errors.size === 0) return console.error(error);
    for (const listener of this.#errors) {
      try {
        const result = listener(error);
        if (typeof result?.then === "function") result.then(undefined, console.error);
      } catch (thrown) {
        console.error(thrown);
      }
    }
  }
}

function addTo(set, item) {
  if (typeof item !== "function") throw new TypeError(`Expected a function, got ${typeof item}`);
  set.add(item);
  return () => set.delete(item);
}
