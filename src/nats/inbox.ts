/**
 * A host's subject, `<prefix>.<host>`, subscribed before the host enters
 * the membership. Core NATS drops what is published to a subject nobody
 * listens to, and other hosts send to a host as soon as they see it join:
 * so the subscription comes first, and what arrives before the link is
 * ready to read waits here, in order.
 *
 * @module
 */

import type { NatsConnection, Subscription } from "@nats-io/transport-node";

/** One host's subscription, holding what comes until it is taken. */
export class Inbox {
  readonly #subscription: Subscription;
  #waiting: Uint8Array[] = [];
  #handler: ((bytes: Uint8Array) => void) | undefined;
  /** Why the server refused the subscription, if it did before `open` resolved. */
  #refused: Error | undefined;
  #opened = false;

  /**
   * Subscribes; {@linkcode Inbox.open} resolves once the server has the
   * subscription.
   */
  private constructor(nc: NatsConnection, subject: string, report: (error: Error) => void) {
    this.#subscription = nc.subscribe(subject, {
      callback: (error, message) => {
        if (error && !this.#opened) return void (this.#refused ??= error);
        if (error) return report(error);
        const bytes = plain(message.data);
        if (this.#handler) this.#handler(bytes);
        else this.#waiting.push(bytes);
      },
    });
  }

  /**
   * Subscribes to `subject`, and resolves once the server has the subscription.
   *
   * @throws {Error} The server's refusal, when it refused the subscription.
   */
  static async open(
    nc: NatsConnection,
    subject: string,
    report: (error: Error) => void,
  ): Promise<Inbox> {
    const inbox = new Inbox(nc, subject, report);
    // The server answers the subscription (a permissions violation, say)
    // before the flush's pong: refused, the host would join deaf, and what
    // the others sent it would be lost with nobody told.
    await nc.flush();
    if (inbox.#refused) throw inbox.#refused;
    inbox.#opened = true;
    return inbox;
  }

  /** Hands what waits, then each message as it comes, to `handler`; call once. */
  take(handler: (bytes: Uint8Array) => void): void {
    this.#handler = handler;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const bytes of waiting) handler(bytes);
  }

  /**
   * Stops listening once what the server sent before it heard so has been
   * handed on: after this, nothing that was sent here is still on its way.
   */
  async drain(): Promise<void> {
    await this.#subscription.drain();
    this.#waiting = [];
  }
}

/**
 * The same bytes as a plain Uint8Array. The client hands out Node
 * `Buffer`s, whose `slice()` is a view, not a copy: what is copied from
 * them on the way in (a received array, a held payload) would still view
 * the client's read buffer, with the other messages of its batch.
 */
function plain(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
