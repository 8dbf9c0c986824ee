/**
 * The control frames every process handles itself, manager or child:
 * `$cancel` (a requester gave up: its handler's signal aborts), `$more` (a
 * stream's consumer takes more parts), `$leaving` (a peer stops alone:
 * what this process asks of it waits or goes elsewhere; answered `$left`)
 * and `$left`. Any other `$` action goes to the owner's table, from the
 * peer it may come from; anything else is a bad frame, which closes the
 * connection it came on.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { WireMessage } from "./codec.ts";
import { CANCEL, type ControlTable, LEAVING, LEFT, MORE } from "./control.ts";
import { FrameError } from "./errors.ts";
import type { IncomingRequests } from "./incoming.ts";
import type { Requester } from "./requester.ts";
import type { StoppingAlone } from "./stopping_alone.ts";

/** What the control frames act on: the router's parts. */
export interface ControlParts {
  /** The requests this process is answering. */
  incoming: IncomingRequests;
  /** The requests this process made. */
  requester: Requester;
  /** The peers told that this process stops alone. */
  stoppingAlone: StoppingAlone;
  /** Sends a control frame that answers one from `to`, within the peer's queue limit. */
  answerControl(to: Address, action: string, data?: unknown): boolean;
  /** The control actions the owner handles. */
  table?: ControlTable;
  /** This process answered `$left` to a peer that leaves (it stops alone, to be replaced). */
  left?(peer: Address): void;
}

/** Handles the control frames that reach one router. */
export class ControlFrames {
  readonly #parts: ControlParts;

  constructor(parts: ControlParts) {
    this.#parts = parts;
  }

  /**
   * Acts on a control frame from `from`.
   *
   * @throws {FrameError} When it is not one `from` may send, or malformed.
   */
  handle(from: Address, message: WireMessage): void {
    const { requester, stoppingAlone, answerControl, table = {} } = this.#parts;
    if (message.action === CANCEL) return this.#cancelled(from, message.data);
    if (message.action === MORE) return this.#more(from, message.data);
    if (message.action === LEAVING) {
      requester.leaves(from);
      answerControl(from, LEFT);
      // What this process sends it from now on arrives after the $left it
      // waits for, as it closes: that goes to its next process instead.
      this.#parts.left?.(from);
      return;
    }
    if (message.action === LEFT) return stoppingAlone.left(from);
    const control = Object.hasOwn(table, message.action) ? table[message.action] : undefined;
    if (!control || (control.from !== undefined && control.from !== from)) {
      throw new FrameError(`Bad frame from ${describe(from)}: unexpected "${message.action}"`, {
        action: message.action,
        peer: from,
      });
    }
    control.run(message.data, from);
  }

  /** `from` takes more parts of what this process streams to it. */
  #more(from: Address, data: unknown): void {
    const { messageId, parts } = (data ?? {}) as { messageId?: unknown; parts?: unknown };
    if (typeof messageId !== "string" || !Number.isInteger(parts) || (parts as number) < 1) {
      throw new FrameError(
        `Bad frame from ${describe(from)}: "${MORE}" without a messageId and parts`,
        { action: MORE, peer: from },
      );
    }
    this.#parts.incoming.get(from, messageId)?.grant(parts as number);
  }

  /** `from` gave up on a request it made here: its handler's signal aborts. */
  #cancelled(from: Address, data: unknown): void {
    const messageId = (data as { messageId?: unknown } | null)?.messageId;
    if (typeof messageId !== "string") {
      throw new FrameError(`Bad frame from ${describe(from)}: "${CANCEL}" without a messageId`, {
        action: CANCEL,
        peer: from,
      });
    }
    this.#parts.incoming.cancel(from, messageId);
  }
}
