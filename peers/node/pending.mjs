/**
 * {@linkcode PendingRequests}: the requests this process made and waits to
 * have answered, as Switchboard's `src/pending.ts`: each under its
 * messageId, found by the answer that carries it (or, for an answer
 * written by hand, the messageId its data carries); and the error an
 * answer that fails one becomes. Every way out goes through one `settle`,
 * which clears its timer and abort listener.
 *
 * @module
 */

import { responseAction } from "./action.mjs";
import { describe } from "./address.mjs";
import { NoHandlerError, RemoteError, UnreachableError } from "./errors.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/**
 * An open request; `waiting` while refused by a worker stopping alone, to
 * be sent again (`payload`) to its next process once that is ready
 * (`readyHeard`) and, for one connected to directly, once every link to
 * the old process closed (`refusedOn`: how many times they all had then);
 * `syncing` (waiting too) while its manager is asked about a sibling that
 * did not listen as it was made; `unwelcomed` once its dial closed before
 * its `$welcome`; `place`: its place among what was forwarded to its
 * target, for a GONE frame's counts.
 *
 * @typedef {{ action: string, target: Address, resolve: Function, reject: Function, timer: any, dataId?: string, payload: Uint8Array, waiting: boolean, place: number, signal?: AbortSignal, onAbort: () => void, refusedOn?: number, readyHeard?: boolean, syncing?: boolean, unwelcomed?: boolean }} PendingEntry
 */

/** Open requests, by messageId. */
export class PendingRequests {
  /** @type {Map<string, PendingEntry>} */
  #entries = new Map();
  /** @type {Map<string, string[]>} Open requests by the messageId their data carried, in the order opened. */
  #byDataId = new Map();

  /**
   * Opens a request.
   *
   * @param {string} messageId
   * @param {PendingEntry} entry
   */
  add(messageId, entry) {
    const { dataId } = entry;
    if (dataId !== undefined) {
      const carrying = this.#byDataId.get(dataId);
      if (carrying) carrying.push(messageId);
      else this.#byDataId.set(dataId, [messageId]);
    }
    this.#entries.set(messageId, entry);
  }

  /**
   * @param {string} messageId
   * @returns {PendingEntry | undefined}
   */
  get(messageId) {
    return this.#entries.get(messageId);
  }

  /**
   * The open requests, as a live iterator: one settled while it runs is skipped.
   *
   * @returns {IterableIterator<[string, PendingEntry]>}
   */
  entries() {
    return this.#entries.entries();
  }

  /**
   * The messageId of the open request `message` answers, if any: to `from`,
   * under its response action, by the message's own id, or by the one its
   * data carries (the first open request carrying it).
   *
   * @param {Address} from
   * @param {{ action: string, messageId?: string, data?: any }} message
   * @returns {string | undefined}
   */
  answered(from, message) {
    const answers = (id) => {
      const entry = this.#entries.get(id);
      return entry?.target === from && responseAction(entry.action) === message.action;
    };
    let messageId = message.messageId ?? message.data?.messageId;
    if (message.messageId === undefined && !answers(messageId)) {
      // The first open request carrying it that is to `from`, under this action.
      messageId = this.#byDataId.get(messageId)?.find(answers);
    }
    return answers(messageId) ? messageId : undefined;
  }

  /**
   * Closes a request: resolves it with `data`, or rejects it with `error`.
   *
   * @param {string} messageId
   * @param {unknown} error
   * @param {unknown} [data]
   */
  settle(messageId, error, data) {
    const entry = this.#entries.get(messageId);
    if (!entry) return;
    this.#entries.delete(messageId);
    const carrying = entry.dataId === undefined ? undefined : this.#byDataId.get(entry.dataId);
    if (carrying) {
      const at = carrying.indexOf(messageId);
      if (at >= 0) carrying.splice(at, 1);
      if (carrying.length === 0) this.#byDataId.delete(entry.dataId);
    }
    clearTimeout(entry.timer);
    entry.signal?.removeEventListener("abort", entry.onAbort);
    if (error === undefined) entry.resolve(data);
    else entry.reject(error);
  }
}

/**
 * The error a failed answer from `from` settles its request with (not a
 * refusal by a process stopping alone).
 *
 * @param {string} action The request's action.
 * @param {Address} from
 * @param {{ name: string, message: string, stack?: string, undelivered?: true }} error The answer's.
 * @returns {Error}
 */
export function answerError(action, from, error) {
  if (error.undelivered === true) {
    return new UnreachableError(
      `Request "${action}" to ${describe(from)} failed: it was not delivered (${error.message})`,
      { action, peer: from },
    );
  }
  // The "no handler" answer carries no stack; a handler's error of that name has one.
  if (error.name === "NoHandlerError" && error.stack === undefined) {
    return new NoHandlerError(
      `Request "${action}" to ${describe(from)} failed: it has no handler for "${action}"`,
      { action, peer: from },
    );
  }
  return new RemoteError(
    `Request "${action}" to ${describe(from)} failed: ${error.name}: ${error.message}`,
    // Cut short to fit a frame, it has an empty stack: it had one, not sent.
    error.stack === "" ? { name: error.name, message: error.message } : error,
    { action, peer: from },
  );
}
