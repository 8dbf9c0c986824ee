/**
 * `Listeners`: what one process registered to hear — per-action listeners,
 * request handlers, catch-all listeners, and the error, lifecycle and stop
 * hooks — and the safe way to call the hooks.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import { assertUserAction } from "./action.ts";
import { Callbacks } from "./callbacks.ts";
import { SwitchboardError } from "./errors.ts";
import type { ReceivedMessage } from "./message.ts";
import { isPromiseLike } from "./promise_like.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";

/** A listener for one action. */
export type ActionListener = (data: unknown, message: ReceivedMessage) => void;
/** The handler that answers requests for one action. */
export type RequestHandler = (data: unknown, message: ReceivedMessage) => unknown;
/** A listener for every message. */
export type AnyListener = (message: ReceivedMessage) => void;
/** A listener for errors no caller could be given. */
export type ErrorListener = (error: Error) => void;
/** A listener for lifecycle events. */
export type LifecycleListener = (event: LifecycleEvent) => void;
/** Work to finish before the process stops. */
export type StopHandler = () => void | Promise<void>;

/** The listeners of one process. */
export class Listeners {
  readonly #self: Address;
  readonly #byAction = new Map<string, Callbacks<ActionListener>>();
  readonly #handlers = new Map<string, RequestHandler>();
  readonly #any = new Callbacks<AnyListener>();
  readonly #errors = new Callbacks<ErrorListener>();
  readonly #lifecycle = new Callbacks<LifecycleListener>();
  readonly #stop = new Callbacks<StopHandler>();

  constructor(self: Address) {
    this.#self = self;
  }

  /** The listeners for `action`, if it has any. */
  forAction(action: string): readonly ActionListener[] | undefined {
    return this.#byAction.get(action)?.list;
  }

  /** The handler for `action`, if it has one. */
  handlerFor(action: string): RequestHandler | undefined {
    return this.#handlers.get(action);
  }

  /** The catch-all listeners. */
  get any(): readonly AnyListener[] {
    return this.#any.list;
  }

  /** Adds a listener for one action; returns its remover. */
  on(action: string, listener: ActionListener): () => void {
    assertUserAction(action);
    assertFunction(listener, `on("${action}")`);
    let callbacks = this.#byAction.get(action);
    if (!callbacks) this.#byAction.set(action, callbacks = new Callbacks());
    const remove = callbacks.add(listener);
    return () => {
      remove();
      // An action without listeners must look unheard, for "no handler" answers.
      if (callbacks.size === 0 && this.#byAction.get(action) === callbacks) {
        this.#byAction.delete(action);
      }
    };
  }

  /**
   * Sets the handler for one action; returns its remover.
   *
   * @throws {Error} When the action has a handler already.
   */
  handle(action: string, handler: RequestHandler): () => void {
    assertUserAction(action);
    assertFunction(handler, `handle("${action}")`);
    if (this.#handlers.has(action)) {
      throw new Error(
        `"${action}" already has a handler in ${describe(this.#self)}; remove it first`,
      );
    }
    this.#handlers.set(action, handler);
    return () => {
      if (this.#handlers.get(action) === handler) this.#handlers.delete(action);
    };
  }

  /** Adds a catch-all listener; returns its remover. */
  onAny(listener: AnyListener): () => void {
    assertFunction(listener, "onAny()");
    return this.#any.add(listener);
  }

  /** Adds an error listener; returns its remover. */
  onError(listener: ErrorListener): () => void {
    assertFunction(listener, "onError()");
    return this.#errors.add(listener);
  }

  /** Adds a lifecycle listener; returns its remover. */
  onLifecycle(listener: LifecycleListener): () => void {
    assertFunction(listener, "onLifecycle()");
    return this.#lifecycle.add(listener);
  }

  /** Adds a stop handler; returns its remover. */
  onStop(handler: StopHandler): () => void {
    assertFunction(handler, "onStop()");
    return this.#stop.add(handler);
  }

  /**
   * Reports an error no caller can be given: to the error listeners, or to
   * the console when there are none, so that it is never lost.
   */
  report(error: Error): void {
    if (this.#errors.size === 0) {
      console.error(error);
      return;
    }
    for (const listener of this.#errors.list) {
      try {
        const result: unknown = listener(error);
        // An async listener's rejection would end the process: said, as its throw is.
        if (isPromiseLike(result)) result.then(undefined, console.error);
      } catch (thrown) {
        console.error(thrown);
      }
    }
  }

  /** Tells the lifecycle listeners; what they throw is reported. */
  lifecycle(event: LifecycleEvent): void {
    // Named by the event and its process, which the error carries as its peer.
    const about = `A lifecycle listener threw on "${event.type}" of ${describe(event.address)}`;
    const failed = (thrown: unknown) => this.report(asError(thrown, about, event.address));
    for (const listener of this.#lifecycle.list) {
      try {
        const result: unknown = listener(event);
        if (isPromiseLike(result)) result.then(undefined, failed);
      } catch (thrown) {
        failed(thrown);
      }
    }
  }

  /** Runs the stop handlers together and waits for them; failures are reported. */
  async stopping(): Promise<void> {
    await Promise.all(this.#stop.list.map(async (handler) => {
      try {
        await handler();
      } catch (thrown) {
        this.report(asError(thrown, "A stop handler failed"));
      }
    }));
  }
}

function assertFunction(value: unknown, where: string): void {
  if (typeof value !== "function") {
    throw new TypeError(`${where} needs a function, got ${typeof value}`);
  }
}

function asError(thrown: unknown, context: string, peer?: Address): Error {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return new SwitchboardError(`${context}: ${error.message}`, { cause: error, peer });
}
