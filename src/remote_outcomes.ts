/**
 * What other hosts say became of what this host's processes sent them, and
 * of their own processes that this host's wait on: a message refused (a
 * bounce), messages a host that died never confirmed, a process that ended,
 * a host lost. The gateway hears it from the broker link; this tells it to
 * the process it concerns: the manager (its router, and its `onError`), or
 * a child, in a GONE frame (a child no longer connected: its manager).
 *
 * @module
 */

import { type Address, describe, MANAGER, managerOf } from "./address.ts";
import type { BounceDetails, HostRecord } from "./broker.ts";
import { UnreachableError } from "./errors.ts";
import type { Receiver } from "./transport.ts";
import type { UnixEndpoint } from "./unix/endpoint.ts";

const NONE_ON_THE_WAY: ReadonlyMap<Address, number> = new Map();

/** Tells this host's processes what became of what they sent to other hosts. */
export class RemoteOutcomes {
  readonly #local: UnixEndpoint;
  /** This manager's address as other hosts know it. */
  readonly #global: string;
  readonly #report: (error: Error) => void;
  #receiver: Receiver | undefined;
  /**
   * By child, by process on another host: how many answers this manager
   * sent as from the child (refusals on its behalf), which the child never
   * sent. A bye counts them with the child's own: so many fewer of the
   * last the child sent are known never to have come.
   */
  readonly #answeredFor = new Map<Address, Map<Address, number>>();
  /**
   * By process on another host, by child: how many of those answers went to
   * it since the last word that it ended: an ENDED's count of what was on
   * its way to it from a child holds them too.
   */
  readonly #answeredSinceEnded = new Map<Address, Map<Address, number>>();
  /**
   * By child, by process on another host: how many payloads its process
   * forwarded through this manager. A child counts them too: what it is
   * told of the last it sent is of those this manager had had, and what
   * came after is answered on its own (forwarded, or refused).
   */
  readonly #forwarded = new Map<Address, Map<Address, number>>();
  /**
   * Refusals that speak only for their messages, and those of what children
   * relay that this manager could not send on (with `seen`), gathered until
   * the end of the task.
   */
  readonly #refused = new Map<
    string,
    { from: Address; to: Address; reason: string; action?: string; count: number; seen?: number }
  >();

  /**
   * @param local This host's endpoint, to its children.
   * @param global This manager's address as other hosts know it.
   * @param report Told what the manager, or no process, should hear.
   */
  constructor(local: UnixEndpoint, global: string, report: (error: Error) => void) {
    this.#local = local;
    this.#global = global;
    this.#report = report;
  }

  /** Where the manager's part goes: its router. */
  receive(receiver: Receiver): void {
    this.#receiver = receiver;
  }

  /** `child` forwarded one more payload for `to`, on another host, through this manager. */
  forwarded(child: Address, to: Address): void {
    let byTarget = this.#forwarded.get(child);
    if (!byTarget) this.#forwarded.set(child, byTarget = new Map());
    byTarget.set(to, (byTarget.get(to) ?? 0) + 1);
  }

  /** A process of `child` joined, or left: its count starts again. */
  childChanged(child: Address): void {
    this.#forwarded.delete(child);
  }

  /** This manager sent an answer to `to`, on another host, as from `child`. */
  answeredAs(child: Address, to: Address): void {
    const byTarget = this.#answeredFor.get(child) ?? new Map<Address, number>();
    this.#answeredFor.set(child, byTarget.set(to, (byTarget.get(to) ?? 0) + 1));
    const byChild = this.#answeredSinceEnded.get(to) ?? new Map<Address, number>();
    this.#answeredSinceEnded.set(to, byChild.set(child, (byChild.get(child) ?? 0) + 1));
  }

  /**
   * Messages sent from here to another host could not be delivered there:
   * their sender hears it. When `to` is away (not connected, not joined;
   * or too slow to take new work), a bounce speaks only for the messages
   * it names: a request among them was answered on its own, failed as
   * never delivered, and what else the sender has open to `to` is settled
   * by its answers, as `to` ends (`ended`), or as its host leaves; failed
   * here, it would fail as if it might have run, and a request to `ANY`
   * that never did would not go to another worker. When `to` is there, the
   * message refused may have broken what the sender has open with it (a
   * stream it was a part of): that fails, as it may have run. A bye says
   * the last `count` the sender sent `to` never came.
   */
  bounced(from: Address, to: Address, reason: string, details: BounceDetails = {}): void {
    const { last = false, away = false } = details;
    if (away && !last) return this.#refusedLater(from, to, reason, details);
    this.#tellBounced(from, to, reason, details);
  }

  /**
   * A refusal that speaks only for the messages it names, gathered over
   * this task: many alike (a reader too slow, a host stopping, each
   * refused on its own) are one report a sender, target, action and
   * reason, with their count, not a line each.
   */
  #refusedLater(
    from: Address,
    to: Address,
    reason: string,
    details: BounceDetails,
    seen?: number,
  ): void {
    const { action, count = 1 } = details;
    const key = JSON.stringify([from, to, action ?? null, reason, seen === undefined]);
    const gathered = this.#refused.get(key);
    if (gathered) {
      gathered.count += count;
      gathered.seen = seen;
      return;
    }
    if (this.#refused.size === 0) queueMicrotask(() => this.#tellRefused());
    this.#refused.set(key, { from, to, reason, action, count, seen });
  }

  /**
   * What `child` sent `to`, on another host, and this manager could not
   * send on (the window to that host full, say): refused to the child, as
   * it may have broken what the child has open with `to` (a stream it was
   * a part of), gathered as refusals from other hosts are. Told one at a
   * time, a burst of 2,000 past the window cost the child some 1,500
   * frames and as many `onError` calls. Told with how many payloads for
   * `to` this manager had from `child` by now, this one included: what the
   * child sent after it is answered on its own.
   */
  relayRefused(child: Address, to: Address, action: string | undefined, reason: string): void {
    this.#refusedLater(child, to, reason, { action }, this.seen(child, to));
  }

  #tellRefused(): void {
    const refused = [...this.#refused.values()];
    this.#refused.clear();
    for (const { from, to, reason, action, count, seen } of refused) {
      if (seen === undefined) {
        this.#tellBounced(from, to, reason, { action, count, away: true });
        continue;
      }
      const text = notDelivered(from, to, reason, action, count, false);
      this.#local.tellGone(from, to, text, { seen, there: true });
    }
  }

  #tellBounced(from: Address, to: Address, reason: string, details: BounceDetails): void {
    const { action, count = 1, last = false, away = false, ended = false } = details;
    // What a process that ended never said it read fails nothing here: its
    // end, which its host says next, fails what waits on it, keeping what
    // is still on its way (answered on its own), with why it ended.
    const fails = last || (!away && !ended);
    // Still there: what it asked of the sender is answered, as ever.
    const there = !last && !ended;
    const text = notDelivered(from, to, reason, action, count, ended);
    if (this.#isManager(from)) {
      const error = new UnreachableError(text, { action, peer: to });
      this.#report(error);
      if (fails) {
        this.#receiver?.gone(
          to,
          error,
          last ? { undelivered: count } : there ? { there } : {},
        );
      }
    } else if (
      fails
        ? !this.#local.tellGone(from, to, text, {
          seen: this.seen(from, to),
          undelivered: last ? this.#sentByChild(from, to, count) : undefined,
          there: there || undefined,
        })
        : !this.#local.tellRefused(from, to, text)
    ) {
      // A child not connected now (it exited since) cannot be told: its manager is.
      this.#report(new UnreachableError(text, { action, peer: to }));
    }
  }

  /**
   * Messages sent from here to another host that died were never confirmed:
   * told to their sender as bounces are, but as what they are, in doubt (the
   * host may have acted on them). Nothing is marked gone here: the host's
   * leaving does that, for each of its processes (`hostLost`). A child
   * hears it as a GONE frame, which fails its requests to `to` a moment
   * before that would, with this as their cause. So are those this host
   * stops with, unconfirmed, saying `why`.
   */
  unconfirmed(host: string, from: Address, to: Address, count: number, why?: string): void {
    const [what, them] = count > 1 ? [`${count} messages`, "them"] : ["A message", "it"];
    const name = JSON.stringify(host);
    const text = `${what} from ${describe(from)} to ${describe(to)} (host ${name}) ` +
      `may not have been delivered: ${why ?? `host ${name} left without confirming ${them}`}`;
    // A child that is not connected now (it crashed since, say) cannot be
    // told: its manager is, rather than nobody.
    if (
      this.#isManager(from) || !this.#local.tellGone(from, to, text, { seen: this.seen(from, to) })
    ) {
      this.#report(new UnreachableError(text, { peer: to }));
    }
  }

  /**
   * A process of another host ended: what this host's processes wait on it
   * for fails, as it may have run, but what was still on its way to it;
   * what they do for it stops (see `BrokerReceiver.ended`).
   */
  ended(address: Address, reason: string | undefined, onTheWay: ReadonlyMap<Address, number>) {
    const error = reason === undefined
      ? undefined
      : new UnreachableError(reason, { peer: address });
    // The link counts the answers this manager sent as from a child with the
    // child's own; kept, those the child never sent would keep a request
    // that reached `address` open until its timeout. Less those sent it
    // since the last word of its end: what stays is then at most what was
    // on its way (one that was, failed as maybe run, is the safe side).
    const ours = this.#answeredSinceEnded.get(address);
    this.#answeredSinceEnded.delete(address);
    const own = new Map<Address, number>();
    for (const [sender, count] of onTheWay) {
      own.set(sender, Math.max(0, count - (ours?.get(sender) ?? 0)));
    }
    this.#goneForAll(address, error, own);
  }

  /** Everything in flight to and from the processes of a host may be lost. */
  hostLost(record: HostRecord, reason: Error | undefined): void {
    const addresses: Address[] = [managerOf(record.host), ...record.workers, ...record.services];
    for (const address of addresses) {
      this.#answeredSinceEnded.delete(address);
      this.#goneForAll(address, reason);
    }
  }

  /**
   * Tells this host's manager and each of its children that `address`, on
   * another host, is gone; the last `onTheWay` messages each sent it are
   * still on their way. A child hears no reason to report: each request's
   * rejection says it.
   */
  #goneForAll(
    address: Address,
    reason: Error | undefined,
    onTheWay: ReadonlyMap<Address, number> = NONE_ON_THE_WAY,
  ): void {
    this.#receiver?.gone(address, reason, { onTheWay: onTheWay.get(this.#global) });
    for (const child of this.#local.connected()) {
      if (child === MANAGER) continue;
      const seen = this.seen(child, address);
      this.#local.tellGone(child, address, undefined, { seen, onTheWay: onTheWay.get(child) });
    }
  }

  /**
   * Of the last `undelivered` messages from `child` to `to` that a bye says
   * never came, how many the child is sure it sent: less those this manager
   * sent as from it (a bye ends the count of those: what follows is another
   * window's).
   */
  #sentByChild(child: Address, to: Address, undelivered: number): number {
    if (undelivered === 0) return 0;
    const byTarget = this.#answeredFor.get(child);
    const ours = byTarget?.get(to) ?? 0;
    byTarget?.delete(to);
    if (byTarget?.size === 0) this.#answeredFor.delete(child);
    return Math.max(0, undelivered - ours);
  }

  /** How many payloads `child`'s process forwarded `to` through this manager so far. */
  seen(child: Address, to: Address): number {
    return this.#forwarded.get(child)?.get(to) ?? 0;
  }

  /** Whether `from` is this host's manager, by either of its addresses. */
  #isManager(from: Address): boolean {
    return from === MANAGER || from === this.#global;
  }
}

/**
 * What a sender is told of `count` messages to `to` not delivered, for
 * `reason`; `ended`: `to` ended without saying it took them.
 */
function notDelivered(
  from: Address,
  to: Address,
  reason: string,
  action: string | undefined,
  count: number,
  ended: boolean,
): string {
  const what = count > 1
    ? `${count} messages`
    : action === undefined
    ? "A message"
    : `Message "${action}"`;
  // What a process ended without saying it took may have been read, even
  // acted on (its listener ended the process): in doubt, not refused.
  const verb = ended ? "may not have been" : count > 1 ? "were not" : "was not";
  return `${what} from ${describe(from)} to ${describe(to)} ${verb} delivered: ${reason}`;
}
