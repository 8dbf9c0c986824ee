/**
 * The Unix-socket end of one process (README "Protocol": Sockets, What
 * every process does): it listens at its own socket file and admits who
 * dials it (`$hello` with the token, answered by `$welcome`), joins the
 * manager, dials another child the first time something is sent to it,
 * and keeps one connection to send on per peer (two children that dial
 * each other at once keep both, and each sends on the one it dialed). In a
 * cluster that spans hosts, it reaches the processes of other hosts through
 * the manager (`other_hosts.mjs`). It hands every message it decodes to
 * `receive`, and says when the last connection to a peer closed, or the
 * manager said a process of another host is gone (`gone`).
 *
 * @module
 */

import { Buffer } from "node:buffer";
import crypto from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import { describe, isAddress, MANAGER } from "./address.mjs";
import { decodeMessage, encodeMessage } from "./codec.mjs";
import { Connection } from "./connection.mjs";
import { HEADER_SIZE } from "./frames.mjs";
import { FrameError, UnreachableError } from "./errors.mjs";
import { OtherHosts } from "./other_hosts.mjs";
import { isRelay, relayHeadSize } from "./relay.mjs";

/** @typedef {import("./address.mjs").Address} Address */

/** The largest frame accepted before a connection has said hello. */
const HANDSHAKE_FRAME_LIMIT = 4096;
/** How long an accepted connection may take to say hello, in ms. */
const HANDSHAKE_TIMEOUT = 10_000;
/** Connections allowed in their handshake at once. */
const MAX_HANDSHAKES = 64;
/** How long a graceful close waits for the other ends, in ms. */
const CLOSE_TIMEOUT = 2_000;
/** At most this many refused connections are reported per window, as in Switchboard's gate… */
const REPORTS_PER_WINDOW = 10;
/** …of this many ms; the rest are counted, and the count reported as the window ends. */
const REPORT_WINDOW = 10_000;

/**
 * @typedef {object} EndpointEvents
 * @property {(from: Address, message: object) => void} receive Takes one
 * message; what it throws closes the connection it came on.
 * @property {(address: Address, reason: Error | undefined, last: import("./fate.mjs").LastSent & { there: boolean }) => void} gone
 * What waits on a peer fails: its connections closed (`there`: one of two
 * did, and it is still there), or (a process of another host) the manager
 * says it is gone, and what became of what was forwarded to it.
 * @property {(address: Address, payloads: Uint8Array[], cause: Error | undefined) => void} unsent
 * What was sent on a connection this process dialed that closed before
 * its `$welcome`: none of it was written (the payloads `send` was given).
 * @property {() => void} orphaned The connection to the manager closed.
 * @property {(error: Error) => void} report Told of errors no caller can be given.
 */

/** One process's sockets. */
export class Endpoint {
  #bootstrap;
  #self;
  #events;
  /** @type {net.Server | undefined} */
  #server;
  /** @type {Map<Address, Connection>} The connection to send on, by peer. */
  #links = new Map();
  /** @type {Set<Connection>} Further connections to a peer: both dialed at once. */
  #spares = new Set();
  /** @type {Set<Connection>} Accepted connections still in their handshake. */
  #strangers = new Set();
  /** @type {Set<Connection>} */
  #connections = new Set();
  /** @type {Promise<void> | undefined} */
  #closing;
  /** @type {OtherHosts | undefined} In a cluster that spans hosts: the way to the others. */
  #otherHosts;
  /** Refusals: when the window began, how many were reported in it, how many only counted. */
  #refusals = { windowStart: -Infinity, reported: 0, unreported: 0, summary: undefined };

  /**
   * @param {import("./bootstrap.mjs").Bootstrap} bootstrap
   * @param {EndpointEvents} events
   */
  constructor(bootstrap, events) {
    this.#bootstrap = bootstrap;
    this.#self = bootstrap.self;
    this.#events = events;
    if (bootstrap.transport.gateway) this.#otherHosts = new OtherHosts(bootstrap, events);
  }

  /**
   * Listens at this process's socket, then joins the manager (`$hello`,
   * then its `$welcome`): the manager takes the join to mean this process
   * listens.
   *
   * @returns {Promise<void>}
   * @throws {Error} When it cannot listen, or the manager closes the
   * connection first; nothing is left open.
   */
  async open() {
    try {
      await this.#listen();
      await this.#dial(MANAGER).welcome.promise;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /**
   * Sends one payload to another process: on its own socket, or through the
   * manager to a process of another host.
   *
   * @param {Address} to
   * @param {Uint8Array} payload At most {@linkcode maxPayload} bytes.
   * @returns {boolean} Whether it was handed to a connection: false for a
   * process that is not up (no socket file), or on another host while the
   * manager cannot reach the others (or when the cluster is on one host).
   */
  send(to, payload) {
    if (this.#closing) return false;
    if (this.#otherHosts?.has(to)) {
      return this.#otherHosts.forward(this.#links.get(MANAGER), to, payload);
    }
    if (!this.#onThisHost(to)) return false;
    const link = this.#linkTo(to);
    // Its process ended: sent, it would be lost; refused, it may wait for the next.
    if (!link || link.ended) return false;
    return link.send(payload);
  }

  /**
   * The queue a message to `to` waits in: its own connection's, or, for a
   * process of another host, the connection to the manager's, which those
   * share.
   *
   * @param {Address} to
   * @returns {Address} The address of the process at the other end.
   */
  queueOf(to) {
    return this.#otherHosts?.has(to) ? MANAGER : to;
  }

  /**
   * Bytes sent to `to` and not yet written out (see {@linkcode queueOf}):
   * 0 when no connection is open.
   *
   * @param {Address} to
   * @returns {number}
   */
  queued(to) {
    return this.#links.get(this.queueOf(to))?.bufferedBytes ?? 0;
  }

  /**
   * What a payload of `size` bytes to `to` adds to its queue: the frame
   * header, and to another host the relay frame's head.
   *
   * @param {Address} to
   * @param {number} size
   * @returns {number}
   */
  queueCost(to, size) {
    return HEADER_SIZE + size + (this.#otherHosts?.has(to) ? relayHeadSize(to) : 0);
  }

  /**
   * Resolves once at most `limit` bytes are queued for `to` (default: on
   * every connection), or those connections closed.
   *
   * @param {number} limit
   * @param {Address} [to]
   * @returns {Promise<void>}
   */
  async drained(limit, to) {
    const connections = to === undefined
      ? [...this.#connections]
      : [this.#links.get(this.queueOf(to))].filter((link) => link !== undefined);
    await Promise.all(connections.map((connection) => connection.drained(limit)));
  }

  /**
   * Whether this process has a connection of its own to `address` (one of
   * this host's, connected now), rather than none or the way through the
   * manager.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  linked(address) {
    return this.#links.has(address);
  }

  /**
   * Whether `address` is another child of this host (a sibling), which
   * this process dials.
   *
   * @param {Address} address
   * @returns {boolean}
   */
  isSibling(address) {
    return address !== MANAGER && address !== this.#self && this.#onThisHost(address);
  }

  /**
   * Whether a sibling can be sent to now: a connection to it is open (and
   * its process not said to have ended), or it listens (its socket file
   * exists).
   *
   * @param {Address} sibling
   * @returns {boolean}
   */
  reachable(sibling) {
    const link = this.#links.get(sibling);
    // One whose process ended is not, until it is read to its end.
    if (link) return !link.ended;
    return this.isSibling(sibling) && fs.existsSync(this.#socketPath(sibling));
  }

  /**
   * How many messages were forwarded to `to` on another host (0 for one of
   * this host): the count a GONE frame's `seen` compares with.
   *
   * @param {Address} to
   * @returns {number}
   */
  forwarded(to) {
    return this.#otherHosts?.forwarded(to) ?? 0;
  }

  /**
   * The largest payload that may be sent to `to`.
   *
   * @param {Address} to
   * @returns {number} `maxFrameSize`, or less for a process of another host.
   */
  maxPayload(to) {
    return this.#otherHosts?.has(to)
      ? this.#otherHosts.maxPayload(to)
      : this.#bootstrap.maxFrameSize;
  }

  /**
   * What sets the limit to `to`, when it is not `maxFrameSize`.
   *
   * @param {Address} to
   * @returns {string | undefined}
   */
  limitName(to) {
    return this.#otherHosts?.has(to) ? this.#otherHosts.limitName : undefined;
  }

  /**
   * The processes this one has a connection to now.
   *
   * @returns {Address[]}
   */
  connected() {
    return [...this.#links.keys()];
  }

  /**
   * The manager said `address`, a process of this host, ended: nothing more
   * is sent on the connections to it, which may not have been read to
   * their end yet (the manager's word may be read first); what it sent
   * before it ended is still read.
   *
   * @param {Address} address
   */
  ended(address) {
    if (address === MANAGER || this.#otherHosts?.has(address)) return;
    for (const connection of this.#connections) {
      if (connection.address === address) connection.ended = true;
    }
  }

  /**
   * Resolves once everything sent is written out (connections still
   * opening opened, or failed).
   *
   * @returns {Promise<void>}
   */
  async flushed() {
    await Promise.all([...this.#connections].map((connection) => connection.flushed()));
  }

  /**
   * Closes: stops listening and removes the socket file, ends every
   * connection once what was sent is written, and waits for the other ends
   * to close theirs (at most 2 s). Idempotent.
   *
   * @returns {Promise<void>}
   */
  close() {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async #shutDown() {
    this.#server?.close();
    this.#summarize();
    this.removeSocketFile();
    // It reads on until the manager closes too: so it says, lest what was
    // relayed to it and not said taken yet be refused to the senders.
    const manager = this.#links.get(MANAGER);
    if (this.#otherHosts && manager) this.#otherHosts.taken(manager, "rest");
    const connections = [...this.#connections];
    for (const connection of connections) connection.end();
    const giveUp = setTimeout(() => {
      for (const connection of connections) connection.socket.destroy();
    }, CLOSE_TIMEOUT);
    await Promise.all(connections.map((connection) => connection.closed));
    clearTimeout(giveUp);
  }

  /** Removes this process's socket file, for a process about to exit at once. */
  removeSocketFile() {
    removeFile(this.#socketPath(this.#self));
  }

  /** The socket file of a process of this host: `m.sock`, `w<id>.sock`, `s<index>.sock`. */
  #socketPath(address) {
    const { dir, services } = this.#bootstrap.transport;
    const name = address === MANAGER
      ? "m"
      : typeof address === "number"
      ? `w${address}`
      : `s${services.indexOf(address)}`;
    return `${dir}/${name}.sock`;
  }

  /** Whether `address` is a process of this host (transport.workers and .services). */
  #onThisHost(address) {
    const { workers, services } = this.#bootstrap.transport;
    return address === MANAGER || workers.includes(address) || services.includes(address);
  }

  async #listen() {
    const path = this.#socketPath(this.#self);
    this.#server = net.createServer((socket) => this.#accept(socket));
    try {
      await listen(this.#server, path);
    } catch (error) {
      // A file left by a process that was killed: nobody listens there.
      if (error.code !== "EADDRINUSE" || await isListening(path)) throw error;
      removeFile(path);
      await listen(this.#server, path);
    }
    this.#server.on("error", (error) => this.#events.report(error));
  }

  /** Opens a connection to `address` that says hello first; sends wait for `$welcome`. */
  #dial(address) {
    const socket = net.createConnection(this.#socketPath(address));
    const connection = new Connection(socket, "dialing", this.#bootstrap.maxFrameSize, address);
    connection.welcome = deferred();
    const { token } = this.#bootstrap.transport;
    connection.write(
      encodeMessage({ action: "$hello", data: { from: this.#self, token } }, Infinity, address),
    );
    this.#links.set(address, connection);
    this.#watch(connection);
    return connection;
  }

  /**
   * The connection to send to `address` on, dialed now if there is none:
   * never the manager (children dial it when they join), and only a
   * process whose socket file exists (it is up).
   */
  #linkTo(address) {
    const link = this.#links.get(address);
    if (link || address === MANAGER || !fs.existsSync(this.#socketPath(address))) return link;
    return this.#dial(address);
  }

  #accept(socket) {
    if (this.#closing) return socket.destroy();
    if (this.#strangers.size >= MAX_HANDSHAKES) {
      // The oldest, not the newest, as Switchboard's gate does: a process of
      // the cluster says hello as it connects, so connections held open in
      // silence keep none of them out.
      const [oldest] = this.#strangers;
      this.#strangers.delete(oldest);
      this.#refuse(oldest, `no hello while ${MAX_HANDSHAKES} newer connections came`);
    }
    const connection = new Connection(socket, "greeting", HANDSHAKE_FRAME_LIMIT);
    this.#strangers.add(connection);
    connection.helloTimer = setTimeout(
      () => this.#refuse(connection, `no hello within ${HANDSHAKE_TIMEOUT} ms`),
      HANDSHAKE_TIMEOUT,
    );
    this.#watch(connection);
  }

  #watch(connection) {
    this.#connections.add(connection);
    connection.socket.on("data", (chunk) => {
      let payloads;
      try {
        payloads = connection.reader.push(chunk);
      } catch (error) {
        return this.#drop(
          connection,
          new FrameError(`Bad frame from ${who(connection)}: ${error.message}`, {
            cause: error,
            peer: connection.address,
          }),
        );
      }
      let delivered = 0;
      for (const payload of payloads) {
        if (connection.dropped || connection.state === "closed") break;
        if (this.#onPayload(connection, payload)) delivered++;
      }
      // Said once they are handed on; after the "rest", said already.
      if (delivered > 0 && !connection.dropped && !this.#closing) {
        this.#otherHosts.taken(connection, delivered);
      }
    });
    // The far end shut its side (or died) within a frame: what it began
    // never comes, and that is said, as Switchboard says it.
    connection.socket.on("end", () => {
      const cut = connection.reader.pending;
      if (cut === 0 || connection.dropped) return;
      const why = `its connection ended within a frame, ${cut} bytes into it`;
      if (connection.state === "greeting") return this.#refuse(connection, why);
      this.#drop(
        connection,
        new FrameError(`Bad frame from ${who(connection)}: ${why}`, { peer: connection.address }),
      );
    });
    connection.closed.then(() => this.#onClosed(connection));
  }

  /**
   * Reads one payload, and hands on the message it holds.
   *
   * @returns {boolean} Whether it was a DELIVER frame from the manager, handed on.
   */
  #onPayload(connection, payload) {
    if (connection.state === "greeting") {
      this.#greet(connection, payload);
      return false;
    }
    let from = connection.address;
    let message;
    let relayed = false;
    try {
      if (connection.state === "open" && isRelay(payload)) {
        const delivered = this.#relay(connection, payload);
        if (!delivered) return false;
        from = delivered.from;
        relayed = true;
        try {
          message = decodeMessage(delivered.message, describe(from), from);
        } catch (error) {
          // Bad bytes from another host are its sender's, not the manager's
          // that relayed them: reported, and the connection carries on.
          this.#events.report(error);
          return true;
        }
      } else {
        message = decodeMessage(payload, who(connection), connection.address);
      }
    } catch (error) {
      this.#drop(connection, error);
      return false;
    }
    if (connection.state === "dialing") {
      if (message.action !== "$welcome") {
        return this.#drop(
          connection,
          new FrameError(
            `Bad frame from ${who(connection)}: unexpected "${message.action}" before $welcome`,
            { action: message.action, peer: connection.address },
          ),
        );
      }
      connection.welcomed();
      connection.welcome.resolve();
      connection.welcome = undefined;
      return false;
    }
    try {
      this.#events.receive(from, message);
    } catch (error) {
      // The receiver's FrameErrors name the sender already.
      this.#drop(
        connection,
        error instanceof FrameError
          ? error
          : new FrameError(`Bad frame from ${who(connection)}: ${error?.message}`, {
            cause: error,
            action: message.action,
            peer: from,
          }),
      );
    }
    return relayed;
  }

  /**
   * A relay frame: only the manager sends them, and only in a cluster that
   * spans hosts.
   *
   * @returns {{ from: Address, message: Uint8Array } | undefined} A DELIVER
   * frame's sender and message; undefined for a frame acted on already.
   * @throws {FrameError} When it is malformed, or not expected here.
   */
  #relay(connection, payload) {
    if (connection.address !== MANAGER || !this.#otherHosts) {
      throw new FrameError(`Bad frame from ${who(connection)}: an unexpected relay frame`, {
        peer: connection.address,
      });
    }
    return this.#otherHosts.take(payload);
  }

  /** Reads the `$hello` of an accepted connection: admits it, or refuses it. */
  #greet(connection, payload) {
    clearTimeout(connection.helloTimer);
    let hello;
    try {
      hello = decodeMessage(payload, who(connection));
    } catch {
      return this.#refuse(connection, "its first frame is not a JSON message");
    }
    const { from, token } = hello.data ?? {};
    if (hello.action !== "$hello" || !isAddress(from) || typeof token !== "string") {
      return this.#refuse(connection, `it opened with "${hello.action}", not a valid hello`);
    }
    if (!tokensMatch(token, this.#bootstrap.transport.token)) {
      return this.#refuse(connection, "its token is wrong", from);
    }
    const refusal = from === MANAGER
      ? "the manager never dials children"
      : from === this.#self
      ? `${describe(from)} is this process`
      : !this.#onThisHost(from)
      ? `${describe(from)} is not in this cluster`
      : this.#connectionsTo(from) >= 2
      ? `${describe(from)} is connected twice already`
      : undefined;
    if (refusal) return this.#refuse(connection, refusal, from);
    this.#strangers.delete(connection);
    connection.address = from;
    connection.state = "open";
    connection.reader.limit = this.#bootstrap.maxFrameSize;
    // Both dialed at once: each sends on the one it dialed, and reads both.
    if (this.#links.has(from)) this.#spares.add(connection);
    else this.#links.set(from, connection);
    connection.write(encodeMessage({ action: "$welcome", data: {} }, Infinity, from));
  }

  #connectionsTo(address) {
    return [...this.#connections].filter((c) => c.address === address && c.state !== "closed")
      .length;
  }

  /** Closes a connection not admitted, and reports why, with the address its hello claimed, if any. */
  #refuse(connection, why, claimed) {
    clearTimeout(connection.helloTimer);
    connection.dropped = true;
    connection.socket.destroy();
    this.#refused(why, claimed);
  }

  /**
   * Reports a refusal; past 10 in 10 s, counts it, for one report of the
   * count as the window ends (as Switchboard's gate does). Before, each was
   * reported: anyone who can reach the socket flooded onError.
   */
  #refused(why, claimed) {
    const refusals = this.#refusals;
    const now = performance.now();
    if (now - refusals.windowStart > REPORT_WINDOW) {
      this.#summarize();
      refusals.windowStart = now;
      refusals.reported = 0;
    }
    // Once closing, no timer is left behind: the few still to come are each reported.
    if (refusals.reported >= REPORTS_PER_WINDOW && this.#closing === undefined) {
      refusals.unreported++;
      refusals.summary ??= setTimeout(
        () => this.#summarize(),
        Math.max(0, refusals.windowStart + REPORT_WINDOW - now),
      );
      // It keeps no process alive.
      refusals.summary.unref?.();
      return;
    }
    refusals.reported++;
    const said = claimed === undefined ? "" : ` that said it was ${describe(claimed)}`;
    this.#events.report(
      new FrameError(
        `Refused a connection to ${describe(this.#self)}${said}: ${why}`,
        claimed === undefined ? undefined : { peer: claimed },
      ),
    );
  }
  /** Reports how many refusals were counted and not reported one by one, if any were. */
  #summarize() {
    const refusals = this.#refusals;
    clearTimeout(refusals.summary);
    refusals.summary = undefined;
    const count = refusals.unreported;
    if (count === 0) return;
    refusals.unreported = 0;
    const connections = count === 1 ? "1 more connection" : `${count} more connections`;
    this.#events.report(
      new FrameError(
        `Refused ${connections} to ${describe(this.#self)} within ${REPORT_WINDOW} ms, ` +
          `not reported one by one (at most ${REPORTS_PER_WINDOW} are)`,
      ),
    );
  }

  /**
   * Closes a connection that broke the protocol, and reports why.
   *
   * @param {Connection} connection
   * @param {FrameError} error `Bad frame from …: …`
   */
  #drop(connection, error) {
    if (connection.dropped) return;
    connection.dropped = true;
    this.#events.report(error);
    connection.socket.destroy();
  }

  #onClosed(connection) {
    clearTimeout(connection.helloTimer);
    this.#connections.delete(connection);
    if (this.#strangers.delete(connection)) return;
    const address = connection.address;
    // Dialed, and closed before the `$welcome`: nothing sent on it was written.
    const never = connection.welcome !== undefined;
    // Whoever waits to join hears why.
    if (connection.welcome) {
      connection.welcome.reject(
        new UnreachableError(
          `${describe(address)} closed the connection before welcoming ${describe(this.#self)}`,
          { cause: connection.error, peer: address },
        ),
      );
      const unsent = connection.takeUnsent();
      if (unsent.length > 0 && address !== MANAGER && !this.#closing) {
        this.#events.unsent(address, unsent, connection.error);
      }
    }
    // A spare (it dialed as this process dialed it) closed: it is still there.
    if (this.#spares.delete(connection)) {
      return this.#events.gone(address, undefined, { there: true });
    }
    if (this.#links.get(address) !== connection) return;
    this.#links.delete(address);
    const spare = [...this.#spares].find((other) => other.address === address);
    if (spare) {
      this.#spares.delete(spare);
      this.#links.set(address, spare);
    }
    this.#events.gone(address, undefined, {
      there: spare !== undefined,
      ...(never ? { undelivered: Infinity } : {}),
    });
    if (address === MANAGER) this.#events.orphaned();
  }
}

/** Names who is at the other end of a connection, for errors. */
function who(connection) {
  return connection.address === undefined ? "an unidentified peer" : describe(connection.address);
}

/** Compares tokens in time independent of where they differ. */
function tokensMatch(given, expected) {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {});
  return { promise, resolve, reject };
}

function listen(server, path) {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Whether a process listens at the socket file `path`. */
function isListening(path) {
  return new Promise((resolve) => {
    const probe = net.createConnection(path);
    probe.on("connect", () => {
      probe.destroy();
      resolve(true);
    });
    probe.on("error", () => resolve(false));
  });
}

function removeFile(path) {
  try {
    fs.unlinkSync(path);
  } catch {
    // Removed already.
  }
}
