/**
 * {@linkcode IncomingRequests}: the requests this process is answering,
 * each with the signal its handler sees as `msg.signal`, as Switchboard's
 * `src/incoming.ts`. The signal aborts when the requester gives up: its
 * `$cancel`, the request's timeout (which travels with the request), or
 * its connection closed; a request leaves the table once it is answered.
 *
 * @module
 */

/** @typedef {import("./address.mjs").Address} Address */

/** The longest delay setTimeout takes (some 24 days); Node fires a longer one after 1 ms. */
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * Why a handler's signal aborted.
 *
 * @param {"timeout" | "refused" | "cancel" | "gone" | "closed" | "superseded"} why
 * @returns {DOMException}
 */
export function abortError(why) {
  if (why === "timeout") return new DOMException("The request's timeout passed", "TimeoutError");
  if (why === "refused") {
    return new DOMException("A message to the requester was refused", "AbortError");
  }
  return new DOMException(`The requester gave up (${why})`, "AbortError");
}

/** The requests being answered, by sender and id. */
export class IncomingRequests {
  /** @type {Map<string, { controller: AbortController, timer: any }>} */
  #open = new Map();

  /**
   * Opens a request being answered: its signal aborts at its timeout, on
   * `$cancel`, or when its sender is gone.
   *
   * @param {Address} from
   * @param {{ messageId: string, timeout?: number }} message
   * @param {number} [waited] How long it was held before it is opened, in ms.
   * @param {boolean} [cancelled] Whether its requester gave it up while it was held.
   * @returns {AbortSignal}
   */
  open(from, { messageId, timeout }, waited = 0, cancelled = false) {
    const key = keyOf(from, messageId);
    // A requester that reuses a messageId still running: the older request
    // is given up, and the newer is the one its key finds.
    this.abort(from, messageId, abortError("superseded"));
    const controller = new AbortController();
    // Past the timers' range, as good as never (the codec checked it is a number >= 0).
    // Counted from when it came: it may have been held until the go-ahead.
    const timer = timeout !== undefined && timeout <= MAX_DELAY
      ? setTimeout(() => this.abort(from, messageId, abortError("timeout")), timeout - waited)
        .unref()
      : undefined;
    this.#open.set(key, { controller, timer });
    // Its requester gave it up while it was held.
    if (cancelled) this.abort(from, messageId, abortError("cancel"));
    return controller.signal;
  }

  /**
   * Aborts a request's signal, and closes it.
   *
   * @param {Address} from
   * @param {string} messageId
   * @param {unknown} reason
   */
  abort(from, messageId, reason) {
    this.#abortKey(keyOf(from, messageId), reason);
  }

  /**
   * Closes a request: answered, or its requester is gone.
   *
   * @param {Address} from
   * @param {string} messageId
   */
  close(from, messageId) {
    this.#closeKey(keyOf(from, messageId));
  }

  /**
   * Aborts every request from `from`, each with its own reason.
   *
   * @param {Address} from
   * @param {"refused" | "gone"} why
   */
  abortFrom(from, why) {
    const prefix = keyOf(from, "");
    for (const key of this.#open.keys()) {
      if (key.startsWith(prefix)) this.#abortKey(key, abortError(why));
    }
  }

  /**
   * Aborts every request, each with its own reason: this process closes.
   *
   * @param {"closed"} why
   */
  abortAll(why) {
    for (const key of this.#open.keys()) this.#abortKey(key, abortError(why));
  }

  #abortKey(key, reason) {
    this.#open.get(key)?.controller.abort(reason);
    this.#closeKey(key);
  }

  #closeKey(key) {
    clearTimeout(this.#open.get(key)?.timer);
    this.#open.delete(key);
  }
}

/** A request's key: its sender, then its id. */
function keyOf(from, messageId) {
  return `${JSON.stringify(from)} ${messageId}`;
}
