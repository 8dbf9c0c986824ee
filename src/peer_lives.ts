/**
 * What a process knows of the lives of its peers, and what follows for
 * its way out: which siblings start alongside it (what is sent them is
 * held until they listen), which peers are being replaced (requests for
 * them wait for the new process, messages are held for it), and which are
 * gone for good (their connections end, whatever was read of them yet).
 * It learns from its bootstrap, from the lifecycle events it hears, from
 * a peer that leaves, and from a connection that closed before it opened.
 *
 * @module
 */

import { type Address, describe, MANAGER } from "./address.ts";
import { CONTROL_PREFIX } from "./action.ts";
import { decodeMessage, type WireMessage } from "./codec.ts";
import { HeldForSiblings } from "./held_for_siblings.ts";
import type { LifecycleEvent } from "./lifecycle_event.ts";
import type { Outbox } from "./outbox.ts";
import type { Requester } from "./requester.ts";
import type { Endpoint } from "./transport.ts";

/** What the bookkeeping of peers' lives needs of its router. */
export interface PeerLivesOptions {
  /** This process's endpoint. */
  endpoint: Endpoint;
  /** The way out, with the cluster's layout; given its holds for siblings here, in a child. */
  outbox: Outbox;
  /** The requests this process made, and the replacements they wait for. */
  requester: Requester;
  /** Whether messages to siblings that cannot take them yet are held: in a child. */
  holdsForSiblings: boolean;
  /** Where a loss is reported (the process's `onError`). */
  report(error: Error): void;
}

/** Keeps what one process knows of its peers' starts, replacements and ends. */
export class PeerLives {
  readonly #self: Address;
  readonly #endpoint: Endpoint;
  readonly #outbox: Outbox;
  readonly #requester: Requester;
  /** What this process was told at its start is being replaced, until each is ready. */
  readonly #toldReplacing = new Set<Address>();

  constructor(options: PeerLivesOptions) {
    this.#self = options.endpoint.self;
    this.#endpoint = options.endpoint;
    this.#outbox = options.outbox;
    this.#requester = options.requester;
    if (options.holdsForSiblings) {
      this.#outbox.siblings = new HeldForSiblings({
        news: (sibling) => this.#requester.siblingNews(sibling),
        // Held within maxQueuedBytes (frame headers counted), they go as a
        // whole: counted as sent, none may be refused at the end.
        send: (to, payload) => this.#endpoint.send(to, payload),
        report: (error) => options.report(error),
        replacing: (sibling) => this.#requester.replacements.has(sibling),
        cost: (to, size) => this.#outbox.queueCost(to, size),
      });
    }
  }

  /**
   * The cluster stops: no process is replaced any more, and requests that
   * wait for a new process fail with `ClosedError`.
   */
  endReplacements(): void {
    this.#requester.replacements.end();
  }

  /**
   * Learns, as it starts, which siblings start with it (with the cluster):
   * messages to one that does not listen yet are held until it does.
   */
  startsWithSiblings(siblings: readonly Address[]): void {
    this.#outbox.siblings?.startsWith(siblings);
  }

  /** The cluster's start is over: nothing is held any more as for a sibling starting with it. */
  siblingsStarted(): void {
    this.#outbox.siblings?.allStarted();
  }

  /** The processes being replaced, as this process knows: requests for them wait. */
  replacing(): Address[] {
    return this.#requester.replacements.list();
  }

  /**
   * In a manager: it stops `address` alone, to restart it (a SIGTERM to
   * it): requests for it wait for the new process, as for a reload.
   */
  stopsAlone(address: Address): void {
    this.#requester.replacements.heard({ type: "reload", address });
  }

  /**
   * Learns, as it starts, which processes are being replaced: it missed
   * what said so (their `reload` events, their `$leaving`).
   */
  startsWhileReplacing(addresses: readonly Address[]): void {
    for (const address of addresses) {
      this.#requester.replacements.heard({ type: "reload", address });
      this.#toldReplacing.add(address);
    }
  }

  /** Learns of a lifecycle event, before the listeners are told. */
  heard(event: LifecycleEvent): void {
    this.#outbox.siblings?.started(event.address);
    this.#requester.heard(event);
    if (event.type === "fatal" || (event.type === "exit" && !event.restart)) {
      this.#endpoint.noReturn?.(event.address);
    }
    if (event.type === "ready") this.#toldReplacing.delete(event.address);
    // Its process is gone, whatever this process has read of its
    // connections yet: sent on them, a message would count as handed over
    // and be lost, and a request fail as if it may have run. Refused, a
    // message for a process being replaced waits for it. Not what the
    // manager tells a process that started as `address` was being replaced
    // about it, at its `$ready`: it may be connected to the new one by then.
    if (
      (event.type === "exit" || event.type === "fatal") && !this.#toldReplacing.has(event.address)
    ) {
      this.#endpoint.ended?.(event.address);
    }
  }

  /**
   * This process closes: what is held for a sibling goes now if it can,
   * else is reported lost (see {@linkcode HeldForSiblings.close}).
   */
  close(): void {
    this.#outbox.siblings?.close();
  }

  /** This process answered `$left` to `peer`: what it sends it from now on waits for its next process. */
  left(peer: Address): void {
    if (this.#outbox.layout.has(peer) && peer !== MANAGER) {
      this.#outbox.siblings?.holdForNext(peer, [], "it left");
    }
  }

  /**
   * A connection to `peer` closed: it started, if it was starting, and
   * what the connection never carried (`unsent`) is sent again.
   *
   * @param opened Whether the connection had opened (its process died
   * before `unsent` was written), rather than closed before its welcome.
   */
  gone(peer: Address, unsent: readonly Uint8Array[] | undefined, opened: boolean): void {
    this.#outbox.siblings?.started(peer);
    if (unsent) this.#sendAgain(peer, unsent, opened);
  }

  /**
   * Messages a connection to `peer` never carried (it closed before the
   * welcome, or before they were written): held for its next process,
   * which gets them once ready, else reported lost. Only a child dials,
   * and a child holds. Requests among them are the requester's (sent
   * again, or failed, as `LastSent.undelivered` says); answers and control
   * frames were for the process that is gone.
   */
  #sendAgain(peer: Address, unsent: readonly Uint8Array[], opened: boolean): void {
    const messages: [Uint8Array, string][] = [];
    for (const payload of unsent) {
      let message: WireMessage;
      try {
        message = decodeMessage(payload, describe(this.#self));
      } catch {
        continue; // This process encoded it: never so.
      }
      const { action, messageId } = message;
      if (messageId === undefined && !action.startsWith(CONTROL_PREFIX)) {
        messages.push([payload, action]);
      }
    }
    if (messages.length > 0) {
      this.#outbox.siblings?.holdForNext(
        peer,
        messages,
        opened
          ? "the connection to it closed before it was written"
          : "the connection to it closed before it opened",
      );
    }
  }
}
