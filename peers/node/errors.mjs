/**
 * The errors of the Node.js peer: the same names as Switchboard's own
 * (`src/errors.ts`), so that code on either side can branch on `name`.
 *
 * @module
 */

/** What every error of the peer extends. */
export class SwitchboardError extends Error {
  /**
   * @param {string} message
   * @param {ErrorOptions} [options]
   */
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A request got no answer in time. */
export class TimeoutError extends SwitchboardError {}

/** The handler of a request threw; `remoteName`, `remoteMessage`, `remoteStack` say what. */
export class RemoteError extends SwitchboardError {
  /**
   * @param {string} message
   * @param {{ name: string, message: string, stack?: string }} remote
   */
  constructor(message, remote) {
    super(message);
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    this.remoteStack = remote.stack;
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
