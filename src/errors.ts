/**
 * The errors Switchboard raises. Each class is a condition a caller can act
 * on; all share {@linkcode SwitchboardError} so one `instanceof` catches them.
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { ValidationIssue } from "./schema.ts";

/**
 * What a Switchboard error may be told besides its message: the `cause`,
 * and the action and the process it is about, for callers to branch on.
 *
 * @example Fail as Switchboard does, in a test double
 * ```ts
 * import { type SwitchboardErrorOptions, TimeoutError } from "@switchboard/switchboard";
 *
 * const options: SwitchboardErrorOptions = { action: "resizeRequest", peer: 2 };
 * const error = new TimeoutError('Request "resizeRequest" to worker 2 timed out after 50 ms', options);
 * console.assert(error.action === "resizeRequest" && error.peer === 2);
 * ```
 */
export interface SwitchboardErrorOptions extends ErrorOptions {
  /** The action of the message or request it is about. */
  action?: string;
  /** The process it is about: the target of a send or request, or the sender of a bad frame. */
  peer?: Address;
}

/**
 * Base class of every error Switchboard raises. Besides its message, which
 * names the action and the peer, it carries them as `action` and `peer`
 * wherever they are known.
 *
 * @example Catch any Switchboard error, and see what it was about
 * ```ts
 * import { SwitchboardError, TimeoutError } from "@switchboard/switchboard";
 *
 * const error: Error = new TimeoutError(
 *   'Request "statsRequest" to worker 1 timed out after 50 ms',
 *   { action: "statsRequest", peer: 1 },
 * );
 * console.assert(error instanceof SwitchboardError && error.peer === 1);
 * ```
 */
export class SwitchboardError extends Error {
  /** The action of the message or request it is about, when there is one. */
  declare readonly action?: string;
  /** The process it is about, when there is one: a send's or request's target, a bad frame's sender. */
  declare readonly peer?: Address;

  /**
   * Creates the error.
   *
   * @param message What went wrong, naming the action and the peer.
   * @param options `cause`, when another error led to this one; the
   * `action` and `peer` it is about, when known.
   */
  constructor(message: string, options?: SwitchboardErrorOptions) {
    // A cause given as undefined is no cause: no `cause` property at all.
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options?.action !== undefined) define(this, "action", options.action);
    if (options?.peer !== undefined) define(this, "peer", options.peer);
  }
}

/**
 * Sets a read-only field that is not enumerated, as `message` is not: an
 * error logged or compared shows what it did before these fields.
 */
function define(error: SwitchboardError, key: "action" | "peer", value: unknown): void {
  Object.defineProperty(error, key, { value, writable: false, configurable: true });
}

/**
 * A request got no answer in time. Raised where `request()` was called, so
 * its stack points at the caller. Also what the manager's `onError` hears
 * when a child did not answer the watchdog (`hangTimeout`) and was killed:
 * its `action` is `"$ping"`, its `peer` that child.
 *
 * @example Tell a timeout apart
 * ```ts
 * import { TimeoutError } from "@switchboard/switchboard";
 *
 * const error = new TimeoutError('Request "statsRequest" to worker 1 timed out after 50 ms');
 * console.assert(error.name === "TimeoutError");
 * ```
 */
export class TimeoutError extends SwitchboardError {}

/**
 * The remote handler threw or rejected. Carries the remote error's name,
 * message and stack.
 *
 * @example Read what the remote side threw
 * ```ts
 * import { RemoteError } from "@switchboard/switchboard";
 *
 * const error = new RemoteError('Request "testRequest" to worker 1 failed: TypeError: bad input', {
 *   name: "TypeError",
 *   message: "bad input",
 * });
 * console.assert(error.remoteName === "TypeError");
 * ```
 */
export class RemoteError extends SwitchboardError {
  /** The `name` of the error thrown on the remote side, e.g. `"TypeError"`. */
  readonly remoteName: string;
  /** The `message` of the error thrown on the remote side. */
  readonly remoteMessage: string;
  /** The stack of the error on the remote side, when it had one. */
  readonly remoteStack?: string;

  /**
   * Creates the error.
   *
   * @param message What failed, naming the action and the peer.
   * @param remote The name, message and stack of the remote error.
   * @param options `cause`, when another error led to this one; the
   * `action` and `peer` it is about.
   */
  constructor(
    message: string,
    remote: { name: string; message: string; stack?: string },
    options?: SwitchboardErrorOptions,
  ) {
    super(message, options);
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    if (remote.stack !== undefined) this.remoteStack = remote.stack;
  }
}

/**
 * The target has no `handle`, `on` or `onAny` listener for the requested
 * action, so it answered at once instead of letting the request time out.
 *
 * @example Fail fast on a missing handler
 * ```ts
 * import { NoHandlerError } from "@switchboard/switchboard";
 *
 * const error = new NoHandlerError(
 *   'Request "statsRequest" to worker 1 failed: it has no handler for "statsRequest"',
 * );
 * console.assert(error.name === "NoHandlerError");
 * ```
 */
export class NoHandlerError extends SwitchboardError {}

/**
 * The target is not in the cluster, is not connected, or its connection
 * closed before it answered.
 *
 * @example Tell a missing peer apart
 * ```ts
 * import { UnreachableError } from "@switchboard/switchboard";
 *
 * const error = new UnreachableError(
 *   'Request "testRequest" to worker 9 failed: no such process (the cluster has workers 0-1, the manager)',
 * );
 * console.assert(error.name === "UnreachableError");
 * ```
 */
export class UnreachableError extends SwitchboardError {}

/**
 * A message could not be put on the wire or read from it: data that would
 * not arrive as sent (functions, symbols, cycles, class instances, typed
 * arrays other than Uint8Array), a message over `maxFrameSize`, a malformed or
 * oversized frame from a peer, or a connection refused because its first
 * frame was not a valid hello with the cluster's token.
 *
 * @example Tell a bad frame apart
 * ```ts
 * import { FrameError } from "@switchboard/switchboard";
 *
 * const error = new FrameError(
 *   'Cannot send "test" to worker 1: data.run is a function, which would not arrive as sent',
 * );
 * console.assert(error.name === "FrameError");
 * ```
 */
export class FrameError extends SwitchboardError {}

/**
 * A message's data failed the schema of its action (`schemas` of
 * `Cluster.start()` or `connect()`): at the sender, where nothing was
 * sent; or at the receiver, where the message was not delivered and a
 * request rejects with it.
 *
 * @example Tell bad data apart
 * ```ts
 * import { ValidationError } from "@switchboard/switchboard";
 *
 * const error = new ValidationError(
 *   'Data of "saveRequest" to worker 1 failed its schema: data.name: Expected string',
 *   "saveRequest",
 *   [{ message: "Expected string", path: ["name"] }],
 * );
 * console.assert(error.issues[0].path[0] === "name");
 * ```
 */
export class ValidationError extends SwitchboardError {
  /** The action whose schema the data failed. */
  declare readonly action: string;
  /** What is wrong, where; found by another process too, as they travel with its answer. */
  readonly issues: readonly ValidationIssue[];

  /**
   * Creates the error.
   *
   * @param message What failed, naming the action, the peer and the place.
   * @param action The action.
   * @param issues What is wrong, where.
   * @param options `cause`, when another error led to this one; the `peer`
   * it is about.
   */
  constructor(
    message: string,
    action: string,
    issues: ValidationError["issues"] = [],
    options?: SwitchboardErrorOptions,
  ) {
    super(message, { ...options, action });
    this.issues = issues;
  }
}

/**
 * This process closed its side, so its pending requests can no longer be
 * answered. The reason for closing, if any, is the `cause`.
 *
 * @example Tell a local shutdown apart
 * ```ts
 * import { ClosedError } from "@switchboard/switchboard";
 *
 * const error = new ClosedError('Request "testRequest" to worker 1 was cancelled: the manager closed');
 * console.assert(error.name === "ClosedError");
 * ```
 */
export class ClosedError extends SwitchboardError {}

/**
 * A send would queue more than `maxQueuedBytes` for one peer: it reads
 * slower than this process writes. Nothing was sent; `await drain()` and
 * send again.
 *
 * @example Back off when a peer is slow
 * ```ts
 * import { QueueFullError } from "@switchboard/switchboard";
 *
 * const error = new QueueFullError(
 *   'Cannot send "log" to service "logger": 67108860 bytes are queued for it already',
 * );
 * console.assert(error.name === "QueueFullError");
 * ```
 */
export class QueueFullError extends SwitchboardError {}

/**
 * A child held more memory than its `maxMemory`: the manager's `onError`
 * hears it as it replaces that child (or, past the restart budget, stops it
 * for good). `peer` is the child; `rss` what it held and `maxMemory` its
 * limit, in bytes.
 *
 * @example Alert on a child that outgrew its limit
 * ```ts
 * import { MemoryLimitError } from "@switchboard/switchboard";
 *
 * const error: Error = new MemoryLimitError(
 *   "worker 1 used 612.3 MiB, over maxMemory (512 MiB): it is replaced",
 *   { rss: 642_043_084, maxMemory: 512 * 1024 * 1024 },
 *   { peer: 1 },
 * );
 * if (error instanceof MemoryLimitError) {
 *   console.assert(error.peer === 1 && error.rss > error.maxMemory);
 * }
 * ```
 */
export class MemoryLimitError extends SwitchboardError {
  /** What the child held, in bytes of resident set size, when it was read. */
  readonly rss: number;
  /** Its limit, in bytes: the cluster's `maxMemory`, or its service's own. */
  readonly maxMemory: number;

  /**
   * Creates the error.
   *
   * @param message What the child held, over which limit, and what is done.
   * @param memory What it held (`rss`) and its limit (`maxMemory`), in bytes.
   * @param options The child, as `peer`.
   */
  constructor(
    message: string,
    memory: { rss: number; maxMemory: number },
    options?: SwitchboardErrorOptions,
  ) {
    super(message, options);
    this.rss = memory.rss;
    this.maxMemory = memory.maxMemory;
  }
}
