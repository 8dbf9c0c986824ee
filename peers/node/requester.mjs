/**
 * {@linkcode Requester}: the asking side of a process, as Switchboard's
 * `src/requester.ts`: it sends each request, and waits for its answer in
 * {@linkcode PendingRequests}, within its timeout and signal. A request to
 * a sibling that cannot take it now waits: for the next process of one
 * being replaced or that refused it stopping alone (`replacements.mjs`),
 * and, for one that does not listen, for its manager's word (`$sync`).
 * When what it waits on is gone, it fails as far as what became of it
 * (`fate.mjs`) says.
 *
 * @module
 */

import crypto from "node:crypto";
import { assertUserAction } from "./action.mjs";
import { describe, isManager } from "./address.mjs";
import { fateOf } from "./fate.mjs";
import { MAX_DELAY } from "./incoming.mjs";
import { answerError, PendingRequests } from "./pending.mjs";
import { ClosedError, TimeoutError, UnreachableError } from "./errors.mjs";

/** @typedef {import("./address.mjs").Address} Address */
/** @typedef {import("./pending.mjs").PendingEntry} PendingEntry */

/** The options `request()` takes. */
const REQUEST_OPTIONS = ["to", "timeout", "signal"];

/**
 * @typedef {object} RequesterOptions
 * @property {number} requestTimeout The bootstrap's default timeout.
 * @property {import("./endpoint.mjs").Endpoint} endpoint
 * @property {import("./replacements.mjs").Replacements} replacements
 * @property {import("./next_process_holds.mjs").NextProcessHolds} nextHolds
 * @property {import("./starting_siblings.mjs").StartingSiblings} siblings
 * @property {import("./manager_sync.mjs").ManagerSync} sync
 * @property {import("./left_hosts.mjs").LeftHosts} leftWithHost
 * @property {() => boolean} closing Whether this process is closing or closed.
 * @property {(wire: object, to: Address, targets: Address[], sent: (data: unknown) => void) => Uint8Array} encode
 * @property {(to: Address, payload: Uint8Array) => boolean} send
 * @property {(to: Address, payload: Uint8Array, action: string) => boolean} sendWithin
 * Sends within `maxQueuedBytes` for `to`; throws a QueueFullError past it.
 * @property {(to: Address, action: string, data?: unknown) => boolean} sendControl
 * @property {(address: Address) => boolean} inCluster
 * @property {(address: Address) => number} gones How many times `address`'s connections closed.
 * @property {(address: Address) => boolean} mayWaitForNext Whether what was
 * sent to `address` may wait for its next process.
 */

/** The requests this process makes. */
export class Requester {
  #options;
  #pending = new PendingRequests();
  #idPrefix = `${crypto.randomBytes(6).toString("base64url")}.`;
  #nextId = 0;

  /** @param {RequesterOptions} options */
  constructor(options) {
    this.#options = options;
  }

  /**
   * Asks one process; resolves with the data of its answer.
   *
   * @param {string} action
   * @param {unknown} data
   * @param {{ to: Address, timeout?: number, signal?: AbortSignal }} options
   * @returns {Promise<unknown>}
   */
  request(action, data, options = {}) {
    const {
      endpoint,
      replacements,
      nextHolds,
      siblings,
      sync,
      leftWithHost,
      gones,
      requestTimeout,
    } = this.#options;
    const { to, timeout = requestTimeout, signal } = options;
    try {
      assertUserAction(action);
      // Ignored, a misspelt `timout` would leave the default in force unnoticed.
      for (const name of Object.keys(options)) {
        if (!REQUEST_OPTIONS.includes(name)) {
          throw new TypeError(`Request "${action}" has no option "${name}"`);
        }
      }
      // Not an AbortSignal (an AbortController passed by mistake): listened
      // on, it would fail the open request as its answer came.
      if (signal != null && !(signal instanceof AbortSignal)) {
        throw new TypeError(
          `Request "${action}" has an invalid signal: ${
            Object.prototype.toString.call(signal)
          } is not an AbortSignal (pass controller.signal)`,
        );
      }
      if (signal?.aborted) throw signal.reason;
      if (to === undefined) throw new TypeError(`Request "${action}" needs a target: pass { to }`);
      // A negative or NaN timeout would make a frame every receiver refuses.
      if (typeof timeout !== "number" || !(timeout >= 0)) {
        throw new TypeError(`Request "${action}" has an invalid timeout: ${timeout}`);
      }
      if (this.#options.closing()) {
        throw new ClosedError(`Request "${action}" to ${describe(to)} was cancelled: closed`, {
          action,
          peer: to,
        });
      }
      const messageId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
      // The timeout travels with the request: the handler's signal aborts when it passes.
      const wire = Number.isFinite(timeout)
        ? { action, data, messageId, timeout }
        : { action, data, messageId };
      // An answer written by hand, as imi's are, may echo the messageId the
      // data carries as it goes (what its toJSON gave, say).
      let dataId;
      const payload = this.#options.encode(wire, to, [to], (sent) => {
        dataId = typeof sent?.messageId === "string" ? sent.messageId : undefined;
      });
      // Aborted as it was encoded (the caller's `toJSON` or getter ran): not
      // sent, and not awaited, as the abort it would listen for is past.
      if (signal?.aborted) throw signal.reason;
      // Behind messages held for its next process, the request waits for it too.
      let waits = replacements.leaving(to) || nextHolds.holds(to);
      let sent = waits || this.#options.sendWithin(to, payload, action);
      // Being replaced, and no process of it listens now: it waits for the next.
      if (!sent && replacements.replacing(to) && !replacements.ended) waits = sent = true;
      // A sibling that does not listen: still starting with the cluster, or
      // being replaced and not heard of yet. Its manager is asked, and says
      // (its answer comes after every event it sent before, and, for a
      // sibling starting with the cluster, once that sibling listens).
      const syncing = !sent && endpoint.isSibling(to) && !replacements.down(to);
      if (syncing) waits = sent = true;
      // Its place among what was forwarded to `to`, for a GONE frame's counts.
      const place = waits ? 0 : endpoint.forwarded(to);
      if (!sent) {
        const why = leftWithHost.has(to)
          ? "it is not connected (its host left the cluster)"
          : this.#options.inCluster(to)
          ? "it is not connected"
          : "no such process";
        throw new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`, {
          action,
          peer: to,
        });
      }
      return new Promise((resolve, reject) => {
        // Made here, so that its stack shows who asked.
        const late = new TimeoutError(
          `Request "${action}" to ${describe(to)} timed out after ${timeout} ms`,
          { action, peer: to },
        );
        // Still waiting for the manager's word on a sibling that does not listen.
        const unready = syncing
          ? new TimeoutError(
            `Request "${action}" to ${describe(to)} timed out after ${timeout} ms: ${
              siblings.mayBeStarting(to)
                ? `${describe(to)} was not ready in time`
                : `${describe(to)} is not connected, and the manager did not say why in time`
            }`,
            { action, peer: to },
          )
          : undefined;
        // Past the timers' range, as good as never.
        const timer = timeout <= MAX_DELAY
          ? setTimeout(
            () =>
              this.#pending.settle(
                messageId,
                this.#pending.get(messageId)?.syncing && unready ? unready : late,
              ),
            timeout,
          )
          : undefined;
        this.#pending.add(messageId, {
          action,
          target: to,
          resolve,
          reject,
          timer,
          dataId,
          payload,
          waiting: waits,
          place,
          // Waiting from the start: it goes once the next process is ready
          // and every link to the old one closed.
          refusedOn: waits && endpoint.linked(to) ? gones(to) : undefined,
          readyHeard: false,
          syncing,
          signal,
          onAbort: () => {
            this.#pending.settle(messageId, signal.reason);
            this.#options.sendControl(to, "$cancel", { messageId });
          },
        });
        signal?.addEventListener("abort", this.#pending.get(messageId).onAbort, { once: true });
        if (syncing) {
          sync.ask({ for: to }, () => this.#syncedFor(messageId));
        }
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Settles the request `message` answers, if any: from its target, of its
   * response action. One refused by a process stopping alone waits for its
   * next process.
   *
   * @param {Address} from
   * @param {{ action: string, messageId?: string, data?: unknown, error?: any }} message
   */
  answer(from, message) {
    const messageId = this.#pending.answered(from, message);
    if (messageId === undefined) return;
    const entry = this.#pending.get(messageId);
    const { error } = message;
    if (error === undefined) return this.#pending.settle(messageId, undefined, message.data);
    // Refused by a process stopping alone (reloaded, SIGTERM'd): it did not
    // run, and goes to its next process once that is ready, within its
    // timeout. A manager stops with its host: none comes after it.
    if (error.stopping === true) {
      if (!this.#options.replacements.ended && !isManager(from)) {
        entry.waiting = true;
        // Connected to the old process (not through the manager): the request
        // goes again only once every link to it closed (a spare too).
        entry.refusedOn = this.#options.endpoint.linked(from)
          ? this.#options.gones(from)
          : undefined;
        entry.readyHeard = false;
        return;
      }
      return this.#pending.settle(
        messageId,
        new ClosedError(
          `Request "${entry.action}" to ${describe(from)} was refused: ${error.message}`,
          {
            action: entry.action,
            peer: from,
          },
        ),
      );
    }
    this.#pending.settle(messageId, answerError(entry.action, from, error));
  }

  /**
   * What waits on `address` fails, as `last` says (what the manager had not
   * read yet, or what is still on its way, stays open); one never written
   * asks the manager about it, as for its messages.
   *
   * @param {Address} address
   * @param {Error | undefined} reason
   * @param {import("./fate.mjs").LastSent & { there?: boolean }} last
   */
  broken(address, reason, last) {
    const { endpoint, sync } = this.#options;
    const fate = fateOf(endpoint.forwarded(address), last);
    const never = last.undelivered === Infinity;
    // Still there, one message to it refused by the manager (a GONE frame,
    // which says `seen`: the window to its host full, say): that broke no
    // request, and their answers come. (A link that closed while another
    // to it is open, maybe its next process's, fails them: they may be lost.)
    const broken = last.there !== true || last.seen === undefined || never;
    for (const [messageId, entry] of this.#pending.entries()) {
      // Refused already, it waits for the next process, not for this one.
      if (entry.target !== address || entry.waiting || !broken) continue;
      const outcome = fate(entry.place);
      if (outcome === "kept") continue;
      // Never written: the manager is asked about it, as for its messages.
      if (never && this.#options.mayWaitForNext(address)) {
        Object.assign(entry, {
          waiting: true,
          syncing: true,
          unwelcomed: true,
          readyHeard: false,
          refusedOn: undefined,
        });
        sync.ask({ for: address }, () => this.#syncedFor(messageId));
        continue;
      }
      const why = outcome === "reached"
        ? "the connection closed before it answered"
        : never
        ? "the connection to it did not open"
        : "it was not delivered";
      this.#pending.settle(
        messageId,
        new UnreachableError(`Request "${entry.action}" to ${describe(address)} failed: ${why}`, {
          cause: reason,
          action: entry.action,
          peer: address,
        }),
      );
    }
  }

  /**
   * A link to `address` closed: the requests that waited for that may go again.
   *
   * @param {Address} address
   */
  linkClosed(address) {
    for (const [messageId, entry] of this.#pending.entries()) {
      if (entry.waiting && entry.target === address) this.#sendAgain(messageId, entry);
    }
  }

  /**
   * The next process of `address` is ready (or the manager answered about
   * it): the requests waiting for it go, once its old links closed; those
   * still waiting for the manager's word go too unless `syncingToo` is false.
   *
   * @param {Address} address
   * @param {boolean} [syncingToo]
   */
  readyFor(address, syncingToo = true) {
    for (const [messageId, entry] of this.#pending.entries()) {
      if (!entry.waiting || entry.target !== address) continue;
      if (!syncingToo && entry.syncing) continue;
      entry.readyHeard = true;
      this.#sendAgain(messageId, entry);
    }
  }

  /**
   * Fails the requests waiting for a next process of a target `which`
   * picks: none will come (`it ${why}`).
   *
   * @param {(target: Address) => boolean} which
   * @param {string} why
   */
  failWaiting(which, why) {
    for (const [messageId, entry] of this.#pending.entries()) {
      if (!entry.waiting || !which(entry.target)) continue;
      this.#failRequest(messageId, entry, why);
    }
  }

  /** The cluster stops: the requests waiting for a next process fail. */
  endWaits() {
    for (const [messageId, entry] of this.#pending.entries()) {
      if (!entry.waiting) continue;
      this.#pending.settle(
        messageId,
        new ClosedError(
          `Request "${entry.action}" to ${
            describe(entry.target)
          } was cancelled: the cluster is stopping, and no new process will come`,
          { action: entry.action, peer: entry.target },
        ),
      );
    }
  }

  /**
   * This process closes: every open request fails.
   *
   * @param {Address} self
   */
  closeAll(self) {
    for (const [messageId, { action, target }] of this.#pending.entries()) {
      const error = new ClosedError(
        `Request "${action}" to ${describe(target)} was cancelled: ${describe(self)} closed`,
        { action, peer: target },
      );
      this.#pending.settle(messageId, error);
    }
  }

  /**
   * Sends a waiting request again, once its target's next process is ready
   * and the old process's link has closed (the ready event may be heard
   * first: sent on that link, it would be lost with it).
   */
  #sendAgain(messageId, entry) {
    if (!entry.readyHeard) return;
    const gones = entry.refusedOn;
    if (gones !== undefined && this.#options.gones(entry.target) === gones) return;
    entry.waiting = false;
    entry.syncing = false;
    // Within `maxQueuedBytes` for it, as at the call (and as Switchboard's
    // own requests go again): what was held for it went ahead, and may fill
    // the queue of a next process that reads slowly.
    let sent;
    try {
      sent = this.#options.sendWithin(entry.target, entry.payload, entry.action);
    } catch (error) {
      return this.#pending.settle(messageId, error);
    }
    if (sent) {
      // Sent again: its place among what was forwarded is this one.
      entry.place = this.#options.endpoint.forwarded(entry.target);
      return;
    }
    this.#failRequest(messageId, entry, "is not connected");
  }

  /** Fails an open request to a process it cannot reach: `it ${why}`. */
  #failRequest(messageId, entry, why) {
    this.#pending.settle(
      messageId,
      new UnreachableError(
        `Request "${entry.action}" to ${describe(entry.target)} failed: it ${why}`,
        { action: entry.action, peer: entry.target },
      ),
    );
  }

  /**
   * The manager answered about the sibling a request could not reach (or
   * cannot be asked): being replaced, it waits for the next process; else
   * it goes now, or fails as not connected.
   */
  #syncedFor(messageId) {
    const { replacements } = this.#options;
    const entry = this.#pending.get(messageId);
    if (!entry?.syncing) return;
    entry.syncing = false;
    if (replacements.replacing(entry.target) && !replacements.ended) return;
    // Its dial closed unwelcomed as it crashed: a crash is no replacement.
    if (entry.unwelcomed && replacements.down(entry.target)) {
      return this.#failRequest(messageId, entry, "is not connected");
    }
    entry.readyHeard = true;
    this.#sendAgain(messageId, entry);
  }
}
