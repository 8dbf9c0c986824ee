/**
 * {@linkcode Peer}: the messaging API every process of a cluster has, typed
 * by the cluster's protocol.
 *
 * @module
 */

import { asError } from "./as_error.ts";
import { Lending } from "./lending.ts";
import type { Carried } from "./carried_types.ts";
import { type Address, type ANY, describe, type Target } from "./address.ts";
import type { ActionListener, AnyListener, RequestHandler } from "./listeners.ts";
import type { Router } from "./router.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { AnyMessage, Handler, Listener } from "./listener_types.ts";
import type { ProcessHandle } from "./process_handle.ts";
import type { ActionOf, Protocol, RequestActionOf, ResponseOf } from "./protocol.ts";
import type { RequestAllOptions, RequestOptions, Settled } from "./request_types.ts";
import type { PeerStats } from "./stats.ts";

/**
 * What {@linkcode Peer.sendLending} returns.
 *
 * @example Wait for the arrays lent
 * ```ts
 * import type { LendingResult } from "@switchboard/switchboard";
 *
 * export async function reuse(result: LendingResult): Promise<Uint8Array[]> {
 *   if (result.refused) console.warn(result.refused.message);
 *   return await result.back;
 * }
 * ```
 */
export interface LendingResult {
  /** To how many processes it was handed, as `sendMessage` returns. */
  sent: number;
  /** The lent arrays, given back once written (at once when nothing was queued), in the order found in the data. */
  back: Promise<Uint8Array<ArrayBuffer>[]>;
  /** The error `sendMessage` would have thrown, when a queue refused it once its arrays were lent. */
  refused?: Error;
}

/**
 * One process's end of the cluster: the manager's {@linkcode Cluster} and
 * the peer `connect()` returns in a child are both peers.
 *
 * Every method takes the protocol's action names and data types when the
 * peer is typed (`connect<MyProtocol>()`), and `unknown` data otherwise.
 *
 * @typeParam P The protocol: a map from action to data type.
 * @typeParam S The cluster's service names, when known: others are type
 * errors as targets and in `getProcess` (default: any string).
 *
 * @example Listen, reply and request in a worker
 * ```ts
 * import { connect, type Peer } from "@switchboard/switchboard";
 *
 * type Protocol = {
 *   test: { time: number };
 *   statsRequest: undefined;
 *   statsResponse: { connections: number };
 * };
 *
 * function serve(peer: Peer<Protocol>): void {
 *   peer.on("test", (data, msg) => console.log(`${msg.from} sent ${data.time}`));
 *   peer.handle("statsRequest", () => ({ connections: 3 }));
 * }
 *
 * if (import.meta.main) serve(await connect<Protocol>());
 * ```
 */
export class Peer<P extends Carried<P> = Protocol, S extends string = string> {
  readonly #router: Router;
  readonly #close: () => Promise<void>;

  /**
   * Not for use: peers come from `Cluster.start()` and `connect()`.
   *
   * @ignore
   */
  constructor(router: Router, close: () => Promise<void>) {
    this.#router = router;
    this.#close = close;
  }

  /** This process's address: its worker id, its service name, or `MANAGER`. */
  get id(): Address {
    return this.#router.self;
  }

  /** This process's worker id, or undefined outside a worker. */
  get workerId(): number | undefined {
    return typeof this.#router.self === "number" ? this.#router.self : undefined;
  }

  /** How many workers the cluster has; their ids are `0` to `workerCount - 1`. */
  get workerCount(): number {
    return this.#router.layout.workers;
  }

  /**
   * Sends a message to every worker, one worker, a list of processes, or a
   * service or the manager by address. A sender among the targets gets its
   * own copy, dispatched a tick later.
   *
   * @param action The action; listeners are keyed by it.
   * @param data The data, anything JSON can carry.
   * @param to A worker id, a service name, `MANAGER`, a `msg.from`, or a
   * list of them; `ANY` for one worker, the least busy; left out, every
   * worker.
   * @returns How many processes it was handed to; an unknown or
   * disconnected target counts 0 (`ANY` counts 0 when no worker is up).
   * @throws {FrameError} When the data holds what would not arrive as sent, or is
   * over `maxFrameSize`; nothing is sent.
   * @throws {QueueFullError} When the queue to a target has no room for it
   * (`maxQueuedBytes`); nothing is sent, to any of the targets.
   * @throws {ValidationError} When the data fails its action's schema; nothing is sent.
   * @throws {TypeError} When the action is reserved or a target is not an address.
   *
   * @example Broadcast, target one worker, target a list
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function announce(peer: Peer): number {
   *   const time = Date.now();
   *   return peer.sendMessage("test", { time }) +
   *     peer.sendMessage("test", { time }, 1) +
   *     peer.sendMessage("test", { time }, [0, 2]);
   * }
   * ```
   */
  sendMessage<K extends ActionOf<P>>(action: K, data: P[K], to?: Target<S> | typeof ANY): number {
    return this.#router.sendMessage(action, data, to);
  }

  /**
   * Sends a message as {@linkcode Peer.sendMessage} does, lending its large
   * arrays instead of copying them. Every `Uint8Array` in `data` of 64 KiB
   * or more on an `ArrayBuffer` (not a `SharedArrayBuffer`) is lent: its
   * buffer is detached at the call (the array reads empty, `byteLength` 0,
   * and cannot be changed while it is queued, so what arrives is still
   * what was passed at the call), written to the socket with no copy, and
   * given back once written to every process it was queued for: `back`
   * resolves with the arrays in the order they are found in `data`, each a
   * new array of the same offset and length over its buffer given back
   * (views on one buffer come back sharing it). Smaller arrays are copied,
   * as by `sendMessage`. Paths that copy anyway (NATS, a relay through the
   * manager, a sibling not yet joined) give back as the call returns; so
   * does a send that queued nothing. A connection that closes with a lent
   * array unwritten copies it, like the rest of what it never wrote, and
   * gives it back: `back` never waits on a dead peer. Lending an array
   * whose buffer is not back yet throws, as for any detached array.
   *
   * @param action The action; listeners are keyed by it.
   * @param data The data, anything `sendMessage` carries.
   * @param to As for `sendMessage`.
   * @returns `sent`, what `sendMessage` returns; `back`, the lent arrays
   * given back; `refused`, the error `sendMessage` would have thrown when
   * a target's queue refused the message after its arrays were lent (then
   * `sent` is 0 and `back` resolves at once, the contents unchanged).
   * @throws {FrameError} When the data holds what would not arrive as sent, or is
   * over `maxFrameSize`; nothing is sent and nothing lent.
   * @throws {QueueFullError} When the queue to a target has no room and
   * nothing was lent (only small arrays); else it is returned as `refused`.
   * @throws {ValidationError} When the data fails its action's schema; nothing is sent or lent.
   * @throws {TypeError} When the action is reserved or a target is not an address.
   *
   * @example Send one buffer again and again, with no copy
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export async function stream(peer: Peer, times: number): Promise<void> {
   *   let buffer = new Uint8Array(1024 * 1024);
   *   for (let i = 0; i < times; i++) {
   *     buffer.fill(i);
   *     const { back } = peer.sendLending("bytes", buffer, 0);
   *     // buffer.byteLength is 0 here: it is lent.
   *     [buffer] = await back;
   *   }
   * }
   * ```
   */
  sendLending<K extends ActionOf<P>>(
    action: K,
    data: P[K],
    to?: Target<S> | typeof ANY,
  ): LendingResult {
    const lending = new Lending();
    try {
      return { sent: this.#router.sendMessage(action, data, to, lending), back: lending.back };
    } catch (error) {
      if (!lending.lent) throw error;
      return { sent: 0, back: lending.back, refused: asError(error) };
    } finally {
      lending.returned();
    }
  }

  /**
   * Sends a request and resolves with the data of its response: the
   * response action (`testRequest` → `testResponse`) carrying the same
   * `messageId`, whether a `handle()` handler sent it or a listener did by
   * hand with `msg.reply()` or with `data.messageId`.
   *
   * A target being replaced (reloaded, or stopping alone to be restarted)
   * passes it on: to `ANY`, it goes to another worker; by id or name, or
   * with no other worker up, it waits for the new process, within its
   * timeout.
   *
   * @param action The request action.
   * @param data The data; it is sent as is, the messageId travels beside it.
   * @param options `to` (required), `timeout` in ms, `signal`.
   * @returns The data of the response.
   * @throws {TimeoutError} When no response came within the timeout.
   * @throws {RemoteError} When the remote handler threw or rejected.
   * @throws {NoHandlerError} When the target has no listener for the action.
   * @throws {UnreachableError} When the target is unknown, not connected,
   * its connection closed before it answered, or it stopped alone and no
   * new process replaced it.
   * @throws {ClosedError} When this process closed or began to stop first.
   * @throws {FrameError} When the data cannot be encoded.
   * @throws {ValidationError} When the data or the answer fails its action's schema.
   * @throws {QueueFullError} When the queue to the target has no room for it.
   * @throws {TypeError} When the action is reserved, `to` is not one address,
   * the timeout is not a number of ms, or an option's name is unknown.
   *
   * @example Ask worker 1
   * ```ts
   * import { type Peer, TimeoutError } from "@switchboard/switchboard";
   *
   * export async function ask(peer: Peer): Promise<unknown> {
   *   try {
   *     return await peer.request("testRequest", { time: Date.now() }, { to: 1, timeout: 30_000 });
   *   } catch (error) {
   *     if (error instanceof TimeoutError) return undefined;
   *     throw error;
   *   }
   * }
   * ```
   */
  request<K extends RequestActionOf<P>>(
    action: K,
    data: P[K],
    options: RequestOptions<S>,
  ): Promise<ResponseOf<P, K>> {
    return this.#router.request(action, data, options) as Promise<ResponseOf<P, K>>;
  }

  /**
   * Sends a request whose answer comes in parts, and iterates over them as
   * they come. The handler is an async generator (or returns an async
   * iterable): each value it yields is a part, sent once the asker can take
   * it, so the handler runs at most a small window of parts ahead of the
   * loop here. Leaving the loop early (`break`, `return`, a throw) cancels
   * the request: the handler's `msg.signal` aborts and its iteration ends.
   * A handler that throws ends the loop with `RemoteError`; a target that
   * dies, with `UnreachableError`. A handler that returns a plain value
   * answers with one part (none for `undefined`).
   *
   * @param action The request action.
   * @param data The data.
   * @param options `to` (one process, or `ANY`), `timeout` for each part, `signal`.
   * @returns The parts, in order. The request goes at the first `next()`,
   * and what `request()` rejects with fails that `next()`: a `TypeError`
   * (a reserved action, `to` not one address, a timeout that is not a
   * number of ms, an unknown option), a `ValidationError` (data that
   * fails its schema), a `ClosedError` (this process closed or stopping),
   * or the `signal`'s reason when it was aborted already.
   *
   * @example Read a log as it is found
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * type Logs = { grepRequest: { pattern: string }; grepResponse: string };
   *
   * export function serveGrep(peer: Peer<Logs>, lines: string[]): void {
   *   peer.handle("grepRequest", async function* ({ pattern }) {
   *     for (const line of lines) if (line.includes(pattern)) yield line;
   *   });
   * }
   *
   * export async function firstErrors(peer: Peer<Logs>): Promise<string[]> {
   *   const found: string[] = [];
   *   for await (const line of peer.requestStream("grepRequest", { pattern: "ERROR" }, { to: 0 })) {
   *     found.push(line);
   *     if (found.length === 10) break; // the handler stops too
   *   }
   *   return found;
   * }
   * ```
   */
  requestStream<K extends RequestActionOf<P>>(
    action: K,
    data: P[K],
    options: RequestOptions<S>,
  ): AsyncIterable<ResponseOf<P, K>> {
    return this.#router.requestStream(action, data, options) as AsyncIterable<ResponseOf<P, K>>;
  }

  /**
   * Sends one request to many targets and resolves once each has settled,
   * with one result per target, in target order: `{from, data}` or
   * `{from, error}`. One dead or slow target never fails the rest.
   *
   * @param action The request action.
   * @param data The data, sent to each target.
   * @param options `to` (default: every worker), `timeout` per request, `signal`.
   * @returns One settled result per target.
   * @throws {TypeError} When the action is reserved, a target is not an
   * address, or an option's name is unknown.
   * @throws {FrameError} When the data cannot be carried, or a request of
   * it would be over `maxFrameSize`: no target could take it.
   * @throws {ValidationError} When the data fails its action's schema.
   *
   * @example Count connections across workers
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * type Stats = { statsRequest: undefined; statsResponse: { connections: number } };
   *
   * export async function connections(peer: Peer<Stats>): Promise<number> {
   *   const results = await peer.requestAll("statsRequest", undefined, { timeout: 5_000 });
   *   return results.reduce((sum, r) => sum + ("data" in r ? r.data.connections : 0), 0);
   * }
   * ```
   */
  requestAll<K extends RequestActionOf<P>>(
    action: K,
    data: P[K],
    options?: RequestAllOptions<S>,
  ): Promise<Settled<ResponseOf<P, K>, S>[]> {
    return this.#router.requestAll(action, data, options) as Promise<
      Settled<ResponseOf<P, K>, S>[]
    >;
  }

  /**
   * Listens for one action. Messages that arrive before this process is
   * ready are held, so listeners registered right after `connect()` or
   * `Cluster.start()` miss nothing.
   *
   * @param action The action.
   * @param listener Called with the data and the message; what it throws
   * goes to the error listeners.
   * @returns A function that removes the listener.
   * @throws {TypeError} When the action is reserved.
   *
   * @example Answer whoever sent it
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function echo(peer: Peer): () => void {
   *   return peer.on("ping", (data, msg) => peer.sendMessage("pong", data, msg.from));
   * }
   * ```
   */
  on<K extends ActionOf<P>>(action: K, listener: Listener<P, K, S>): () => void {
    return this.#router.listeners.on(action, listener as unknown as ActionListener);
  }

  /**
   * Answers requests for one action: the handler's return value, or what
   * its promise resolves to, goes back as the response action; what it
   * throws reaches the requester as a `RemoteError`. One handler per action.
   * A plain message (no messageId) for the action runs the handler too, and
   * its result is dropped.
   *
   * @param action The request action.
   * @param handler Computes the response data.
   * @returns A function that removes the handler.
   * @throws {Error} When the action already has a handler.
   *
   * @example Answer with a value
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * type P = { testRequest: { time: number }; testResponse: { time: number; pid: number } };
   *
   * export function serve(peer: Peer<P>): () => void {
   *   return peer.handle("testRequest", (data) => ({ time: data.time, pid: Deno.pid }));
   * }
   * ```
   */
  handle<K extends RequestActionOf<P>>(action: K, handler: Handler<P, K, S>): () => void {
    return this.#router.listeners.handle(action, handler as unknown as RequestHandler);
  }

  /**
   * Listens for every message, whatever its action, after the action's own
   * listeners.
   *
   * @param listener Called with each message.
   * @returns A function that removes the listener.
   *
   * @example Log and answer everything
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function logAll(peer: Peer): () => void {
   *   return peer.onAny((msg) => {
   *     console.log(msg.action, msg.data);
   *     // Not an ack for an ack: two processes doing this would ack each other for ever.
   *     if (msg.action !== "ack") msg.reply("ack", { action: msg.action });
   *   });
   * }
   * ```
   */
  onAny(listener: (message: AnyMessage<P, S>) => void): () => void {
    return this.#router.listeners.onAny(listener as unknown as AnyListener);
  }

  /**
   * Listens for errors that no caller can be given: a listener that threw,
   * a bad frame from a peer (its connection is closed), a child that exited
   * unexpectedly. Without an error listener they go to `console.error`.
   *
   * @param listener Called with each error.
   * @returns A function that removes the listener.
   *
   * @example Collect errors
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function collect(peer: Peer, errors: Error[]): () => void {
   *   return peer.onError((error) => errors.push(error));
   * }
   * ```
   */
  onError(listener: (error: Error) => void): () => void {
    return this.#router.listeners.onError(listener);
  }

  /**
   * Listens for what happens to the cluster's children: exits, restarts,
   * readiness after a restart, and restarts given up. Every process sees
   * the same events; they never collide with user actions.
   *
   * @param listener Called with each event.
   * @returns A function that removes the listener.
   *
   * @example Notice a worker coming back
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function watch(peer: Peer): () => void {
   *   return peer.onLifecycle((event) => {
   *     if (event.type === "exit") console.log(`${event.address} exited with ${event.code}`);
   *     if (event.type === "ready") console.log(`${event.address} is back`);
   *   });
   * }
   * ```
   */
  onLifecycle(listener: (event: LifecycleEvent) => void): () => void {
    return this.#router.listeners.onLifecycle(listener);
  }

  /**
   * Registers work to finish when the cluster stops or this child is
   * reloaded: in a child the handlers run together, awaited, while it
   * still receives messages, before it closes and exits (the manager kills
   * a child still at it after `stopTimeout`); SIGTERM to the child runs
   * them too. In the manager, `stop()` runs them first, before the
   * children stop. Failures go to `onError`.
   *
   * @param handler The work; may return a promise.
   * @returns A function that removes the handler.
   *
   * @example Flush before exiting
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function flushOnStop(peer: Peer, buffer: string[]): () => void {
   *   return peer.onStop(async () => {
   *     await Promise.resolve(buffer.splice(0)); // write it somewhere
   *   });
   * }
   * ```
   */
  onStop(handler: () => void | Promise<void>): () => void {
    return this.#router.listeners.onStop(handler);
  }

  /**
   * Waits until the messages queued for `to` (default: every peer) are down
   * to the high-water mark. A sender that outpaces a slow receiver awaits
   * this now and then; without it, sends past `maxQueuedBytes` throw
   * `QueueFullError`.
   *
   * @param to A target, or a list; default every connected process.
   * @returns Resolves when the queues have drained (at once if they have).
   *
   * @example Flood without flooding memory
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export async function flood(peer: Peer, lines: string[]): Promise<void> {
   *   for (const line of lines) {
   *     peer.getProcess("logger").send("log", { line });
   *     await peer.drain("logger");
   *   }
   * }
   * ```
   */
  drain(to?: Target<S>): Promise<void> {
    return this.#router.drain(to);
  }

  /**
   * What this process is doing now: per connection, messages and bytes in
   * and out and bytes queued; open requests and running handlers; in the
   * manager, each child's pid, state and restarts.
   *
   * @returns A snapshot.
   *
   * @example Spot a slow consumer
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function slowest(peer: Peer): string | undefined {
   *   const [worst] = peer.stats().connections.sort((a, b) => b.bytesQueued - a.bytesQueued);
   *   return worst && `${worst.peer}: ${worst.bytesQueued} bytes queued`;
   * }
   * ```
   */
  stats(): PeerStats {
    return this.#router.stats();
  }

  /**
   * A handle on a named service process, to send to it and ask it.
   *
   * @param name The service's name, as given in `Cluster.start({processes})`.
   * @returns Its handle; an unknown name gives a handle whose `send`
   * returns false and whose `request` rejects with `UnreachableError`.
   * @throws {TypeError} When the name is not a non-empty string.
   *
   * @example Flush the logger
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function flush(peer: Peer): boolean {
   *   return peer.getProcess("logger").send("flush", { reason: "shutdown" });
   * }
   * ```
   */
  getProcess(name: S): ProcessHandle<P> {
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(`A process name is a non-empty string, got ${JSON.stringify(name)}`);
    }
    const router = this.#router;
    return {
      name,
      send: (action, data) => router.sendMessage(action, data, name) > 0,
      request: (action, data, options) => {
        // Dropped, a `to` meant for another process would ask the service unnoticed.
        if (options != null && Object.hasOwn(options, "to")) {
          return Promise.reject(
            new TypeError(
              `Request "${action}" to ${describe(name)} takes no "to": its target is the service`,
            ),
          );
        }
        return router.request(action, data, { ...options, to: name }) as Promise<never>;
      },
    };
  }

  /**
   * Marks this process ready: messages held since it joined are dispatched,
   * and the manager learns it may resolve `Cluster.start()`. Called for you
   * a tick after `connect()` or `Cluster.start()` resolves, unless they were
   * given `{ ready: false }` for setup that takes time. Idempotent.
   *
   * @example Finish async setup first
   * ```ts
   * import { connect } from "@switchboard/switchboard";
   *
   * if (import.meta.main) {
   *   const peer = await connect({ ready: false });
   *   const config = await Promise.resolve({ greeting: "hi" });
   *   peer.on("hello", (_data, msg) => msg.reply("greeting", config.greeting));
   *   peer.ready();
   * }
   * ```
   */
  ready(): void {
    this.#router.ready();
  }

  /**
   * Leaves the cluster: every open request rejects with `ClosedError`,
   * queued messages are written, connections close. A child then exits
   * (with `Deno.exitCode`, 0 unless set) within `stopTimeout`, whatever else it runs, and is
   * restarted. For the manager it is `stop()`. Idempotent.
   *
   * @returns Resolves once everything is closed.
   *
   * @example Leave when done
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export async function leave(peer: Peer): Promise<void> {
   *   await peer.close();
   * }
   * ```
   */
  close(): Promise<void> {
    return this.#close();
  }

  /**
   * Closes the peer at the end of an `await using` block: for the manager,
   * stops the cluster, as a batch job wants. A child keeps its peer for its
   * whole life: one that closes as soon as it has joined fails
   * `Cluster.start()`, and after the start it is restarted once it exits.
   *
   * @returns Resolves once everything is closed.
   *
   * @example Scoped use: a batch job
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * export async function nightly(): Promise<void> {
   *   await using cluster = await Cluster.start({ worker: "./worker.ts", workers: 2 });
   *   console.log(await cluster.requestAll("reportRequest", { day: "2026-12-06" }));
   * } // every child stopped here
   * ```
   */
  [Symbol.asyncDispose](): Promise<void> {
    return this.#close();
  }
}
