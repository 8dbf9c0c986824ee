/**
 * One socket connection to another process of the cluster, with where its
 * handshake is: `dialing` (this process sent `$hello` and waits for
 * `$welcome`: what it sends meanwhile is queued), `greeting` (accepted, the
 * other side's `$hello` not read yet), `open`, `closed`.
 *
 * @module
 */

import { frame, FrameReader, HEADER_SIZE } from "./frames.mjs";

/** @typedef {number | string} Address */

/** A socket connection and its frames. */
export class Connection {
  /** @type {"dialing" | "greeting" | "open" | "closed"} */
  state;
  /** @type {Address | undefined} Who is at the other end; unknown until its `$hello`. */
  address;
  /**
   * Set when the manager said the process at the other end ended: nothing
   * more is sent on it, which is still read to its end (what that process
   * sent before it ended).
   */
  ended = false;
  /** Set when this process closed it for breaking the protocol. */
  dropped = false;
  /** @type {Error | undefined} Why the socket failed, if it did. */
  error;
  /**
   * @type {{ promise: Promise<void>, resolve: () => void, reject: (error: Error) => void } | undefined}
   * On a connection this process dialed: settles once the far end welcomes it.
   */
  welcome;
  /** @type {ReturnType<typeof setTimeout> | undefined} Closes an accepted connection that says no hello. */
  helloTimer;
  /** @type {Uint8Array[]} Payloads sent before `$welcome`, in order. */
  #queue = [];
  /** The bytes of those payloads as frames: what they will add to the socket's buffer. */
  #queuedBytes = 0;
  /** @type {{ limit: number, resolve: () => void }[]} Who waits for the queue to fall to a limit. */
  #drainWaiters = [];
  /** @type {Uint8Array[]} Once closed before its `$welcome`: the payloads queued, never written. */
  #unsent = [];
  /** Frames handed to the socket and not yet written out. */
  #unwritten = 0;
  /** @type {(() => void)[]} */
  #flushWaiters = [];
  /** @type {Promise<void>} */
  closed;

  /**
   * @param {import("node:net").Socket} socket
   * @param {"dialing" | "greeting"} state
   * @param {number} limit The largest payload accepted, for now.
   * @param {Address} [address] Who was dialed.
   */
  constructor(socket, state, limit, address) {
    this.socket = socket;
    this.state = state;
    this.address = address;
    this.reader = new FrameReader(limit);
    this.closed = new Promise((resolve) => {
      socket.on("error", (error) => this.error = error);
      socket.on("close", () => {
        this.state = "closed";
        this.#unsent = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        this.#wakeFlushWaiters();
        this.#wakeDrainWaiters();
        resolve();
      });
    });
  }

  /**
   * Sends one payload: at once, or after the `$welcome` when still dialing.
   *
   * @param {Uint8Array} payload
   * @returns {boolean} Whether it was taken (false once closed).
   */
  send(payload) {
    if (this.state === "closed") return false;
    if (this.state === "dialing") {
      this.#queue.push(payload);
      this.#queuedBytes += HEADER_SIZE + payload.length;
    } else {
      this.write(payload);
    }
    return true;
  }

  /**
   * Bytes sent and not yet handed to the operating system, frame headers
   * counted: those queued until the `$welcome`, and the socket's buffer.
   *
   * @returns {number}
   */
  get bufferedBytes() {
    return this.#queuedBytes + this.socket.writableLength;
  }

  /**
   * Resolves once at most `limit` bytes are buffered (see
   * {@linkcode bufferedBytes}), or the connection closed.
   *
   * @param {number} limit
   * @returns {Promise<void>}
   */
  drained(limit) {
    if (this.state === "closed" || this.bufferedBytes <= limit) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push({ limit, resolve }));
  }

  /**
   * Writes one payload now, whatever the handshake: for `$hello` and `$welcome`.
   *
   * @param {Uint8Array} payload
   */
  write(payload) {
    this.#unwritten++;
    this.socket.write(frame(payload), () => {
      this.#unwritten--;
      this.#wakeFlushWaiters();
      this.#wakeDrainWaiters();
    });
  }

  /**
   * Once closed before its `$welcome`: the payloads sent on it, the very
   * ones given to `send`, none of them written (taken: the next call
   * gives none).
   *
   * @returns {Uint8Array[]}
   */
  takeUnsent() {
    return this.#unsent.splice(0);
  }

  /** The `$welcome` came: the queued frames go, in order. */
  welcomed() {
    this.state = "open";
    this.#queuedBytes = 0;
    for (const payload of this.#queue.splice(0)) this.write(payload);
    this.#wakeFlushWaiters();
    this.#wakeDrainWaiters();
  }

  /**
   * Resolves once everything sent is written to the socket (a connection
   * still dialing has been welcomed first), or it closed.
   *
   * @returns {Promise<void>}
   */
  flushed() {
    if (this.#isFlushed()) return Promise.resolve();
    return new Promise((resolve) => this.#flushWaiters.push(resolve));
  }

  /** Closes gracefully: what is written goes out, then the end; reading goes on until the other side closes too. */
  end() {
    if (this.state === "open") this.socket.end();
    else this.socket.destroy();
  }

  #isFlushed() {
    return this.state === "closed" || (this.state !== "dialing" && this.#unwritten === 0);
  }

  #wakeFlushWaiters() {
    if (!this.#isFlushed()) return;
    for (const resolve of this.#flushWaiters.splice(0)) resolve();
  }

  #wakeDrainWaiters() {
    if (this.#drainWaiters.length === 0) return;
    const buffered = this.state === "closed" ? 0 : this.bufferedBytes;
    const waiting = this.#drainWaiters.splice(0);
    for (const waiter of waiting) {
      if (buffered <= waiter.limit) waiter.resolve();
      else this.#drainWaiters.push(waiter);
    }
  }
}
