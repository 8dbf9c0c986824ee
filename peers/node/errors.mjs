/**
 * The errors of the Node.js peer: the same names as Switchboard's own
 * (`src/errors.ts`), so that code on either side can branch on `name`.
 *
 * @module
 */

/**
 * What every error of the peer extends. As Switchboard's own, it carries
 * the action and the process it is about as `action` and `peer`, where
 * known: read-only, and not enumerated, as `message` is not.
 */
export class SwitchboardError extends Error {
  /**
   * @param {string} message
   * @param {ErrorOptions & { action?: string, peer?: number | string }} [options]
   */
  constructor(message, options) {
    // A cause given as undefined is no cause: no `cause` property at all.
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    for (const key of ["action", "peer"]) {
      if (options?.[key] === undefined) continue;
      Object.defineProperty(this, key, {
        value: options[key],
        writable: false,
        configurable: true,
      });
    }
  }
}

/** A request got no answer in time. */
export class TimeoutError extends SwitchboardError {}

/** The handler of a request threw; `remoteName`, `remoteMessage`, `remoteStack` say what. */
export class RemoteError extends SwitchboardError {
  /**
   * @param {string} message
   * @param {{ name: string, message: string, stack?: string }} remote
   * @param {{ action?: string, peer?: number | string }} [options]
   */
  constructor(message, remote, options) {
    super(message, options);
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    if (remote.stack !== undefined) this.remoteStack = remote.stack;
  }
}

/** The target of a request has no listener for its action. */
export class NoHandlerError extends SwitchboardError {}

/** The target is not in the cluster, not connected, or its connection closed first. */
export class UnreachableError extends SwitchboardError {}

/** A frame that is not what the protocol says, or data that cannot be sent. */
export class FrameError extends SwitchboardError {}

/** This process closed while a request was open. */
export class ClosedError extends SwitchboardError {}

/** A send would queue more than `maxQueuedBytes` for one peer: it reads too slowly. */
export class QueueFullError extends SwitchboardError {}
