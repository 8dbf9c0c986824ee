/**
 * Request correlation: each open request waits here, under its messageId,
 * for the response that carries the same id. Every way out (answer, error,
 * timeout, abort, peer gone, close) goes through one `settle`, which clears
 * the timer and the abort listener, so nothing is ever left pending.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { WireMessage } from "./codec.ts";
import { NoHandlerError, RemoteError, type TimeoutError } from "./errors.ts";

/** What a request needs while it waits. */
export interface RequestSpec {
  /** The request action. */
  action: string;
  /** The response action that answers it. */
  responseAction: string;
  /** Who was asked. */
  target: Address;
  /** How long to wait, in ms; `Infinity` waits until answered or closed. */
  timeout: number;
  /** Cancels the wait with the signal's reason. */
  signal?: AbortSignal;
  /** The error to reject with on timeout, made where the call was made. */
  timeoutError: TimeoutError;
}

interface Entry extends RequestSpec {
  resolve(data: unknown): void;
  reject(error: unknown): void;
  timer?: ReturnType<typeof setTimeout>;
  onAbort?: () => void;
}

/** The open requests of one process. */
export class PendingRequests {
  readonly #entries = new Map<string, Entry>();

  /** How many requests wait for an answer. */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * Waits for the answer to the request sent with `messageId`.
   *
   * @returns The data of the response.
   */
  open(messageId: string, spec: RequestSpec): Promise<unknown> {
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    const entry: Entry = { ...spec, resolve, reject };
    this.#entries.set(messageId, entry);
    if (Number.isFinite(spec.timeout)) {
      entry.timer = setTimeout(
        () => this.#settle(messageId, entry, spec.timeoutError),
        spec.timeout,
      );
    }
    if (spec.signal) {
      const signal = spec.signal;
      entry.onAbort = () => this.#settle(messageId, entry, signal.reason);
      signal.addEventListener("abort", entry.onAbort, { once: true });
    }
    return promise;
  }

  /**
   * Settles the request `message` answers, if any: a message of the
   * response action whose messageId, or `data.messageId` for responses
   * written by hand, names an open request.
   *
   * @returns Whether a request was settled.
   */
  answer(message: WireMessage, from: Address): boolean {
    const messageId = message.messageId ?? messageIdInData(message.data);
    if (messageId === undefined) return false;
    const entry = this.#entries.get(messageId);
    if (!entry || entry.responseAction !== message.action) return false;
    const error = message.error;
    if (error === undefined) {
      this.#settle(messageId, entry, undefined, message.data);
    } else if (error.name === NoHandlerError.name) {
      this.#settle(
        messageId,
        entry,
        new NoHandlerError(
          `Request "${entry.action}" to ${
            describe(from)
          } failed: it has no handler for "${entry.action}"`,
        ),
      );
    } else {
      this.#settle(
        messageId,
        entry,
        new RemoteError(
          `Request "${entry.action}" to ${describe(from)} failed: ${error.name}: ${error.message}`,
          error,
        ),
      );
    }
    return true;
  }

  /** Rejects one request, e.g. because it could not be sent. */
  fail(messageId: string, error: Error): void {
    const entry = this.#entries.get(messageId);
    if (entry) this.#settle(messageId, entry, error);
  }

  /** Rejects every request waiting on `target`, with the error `reason` makes. */
  failTarget(target: Address, reason: (spec: RequestSpec) => Error): void {
    for (const [messageId, entry] of this.#entries) {
      if (entry.target === target) this.#settle(messageId, entry, reason(entry));
    }
  }

  /** Rejects every open request, with the error `reason` makes. */
  failAll(reason: (spec: RequestSpec) => Error): void {
    for (const [messageId, entry] of this.#entries) {
      this.#settle(messageId, entry, reason(entry));
    }
  }

  #settle(messageId: string, entry: Entry, error: unknown, data?: unknown): void {
    if (this.#entries.get(messageId) !== entry) return;
    this.#entries.delete(messageId);
    if (entry.timer !== undefined) clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener("abort", entry.onAbort);
    if (error === undefined) entry.resolve(data);
    else entry.reject(error);
  }
}

function messageIdInData(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const messageId = (data as { messageId?: unknown }).messageId;
  return typeof messageId === "string" ? messageId : undefined;
}
