/**
 * How a request waits for the new process of what it is for, when it
 * cannot go anywhere now because that is being replaced (see
 * `Replacements`), or, at the cluster's start, for a sibling that does not
 * listen yet (its manager answers a `$sync` about it once it does: see
 * `ManagerSync`): within its timeout and signal, and failing with an
 * error that says why when the wait ends otherwise.
 *
 * @module
 */

import { type Address, ANY, describe, describeTarget } from "./address.ts";
import { type Clock, SYSTEM_CLOCK } from "./clock.ts";
import { within } from "./deadline.ts";
import { ClosedError, TimeoutError, UnreachableError } from "./errors.ts";
import type { Layout } from "./layout.ts";
import { Refusal } from "./pending.ts";
import type { Replacements } from "./replacements.ts";

/** A request that could not be sent anywhere now: its error, thrown when nothing is awaited. */
export class NotSent {
  /** The data as it was encoded: what to send once there is somewhere to. */
  data?: unknown;
  constructor(readonly error: Error) {}
}

/** A request's target, timeout and signal, checked. */
export interface CheckedRequest {
  to: Address | typeof ANY;
  timeout: number;
  signal: AbortSignal | undefined;
  /** Whether a failure of it made this process sync with its manager already. */
  synced?: boolean;
}

/** What a wait needs of the process that asks. */
export interface Asker {
  /** The process asking. */
  self: Address;
  /** Who is being replaced, as the asker knows. */
  replacements: Replacements;
  /** The cluster's processes now. */
  layout: Layout;
  /** Time and timers (default: the machine's). */
  clock?: Clock;
  /** Why no request may be made now, if none may: the asker closed, or is stopping. */
  refusal(): "closed" | "is stopping" | undefined;
  /**
   * In a child: resolves once it heard every event its manager sent before,
   * and once `about` listens, if it is starting for the first time.
   */
  syncWithManager?(about: Address): Promise<void>;
  /** Whether the last this process heard of `address` is that it exited or was given up. */
  heardDown?(address: Address): boolean;
  /**
   * Whether `address` may still be starting with the cluster, as this
   * process knows (by default, yes): a wait for its manager's answer about
   * it that runs out is then a wait for it, and says so.
   */
  mayBeStarting?(address: Address): boolean;
}

/**
 * After a failed attempt at a request that cannot go anywhere now, because
 * what it is for is being replaced: its process by id or name refused it
 * or is down, or, to `ANY`, every worker up refused it or none is up and
 * some are being replaced. Waits, within the time the request has left and
 * its signal, for one of those to be ready again; or, for what this
 * process could not reach and heard nothing of (to `ANY`, any such
 * worker), until its manager says it listens (it may be starting with the
 * cluster).
 *
 * @param timeLeft The ms the attempt had.
 * @returns The ms the request has left, to send it again.
 * @throws The error the failure carries, when nothing it waits for is
 * being replaced; a `TimeoutError` when no new process is ready in
 * time, or the process starting was not ready in time; an
 * `UnreachableError` when none will come (given up, not restarted, its
 * host left); a `ClosedError` when this process stops or
 * closes first; the signal's reason when it aborts.
 */
export async function awaitReplacement(
  asker: Asker,
  failure: Refusal | NotSent,
  what: "Request" | "Streamed request",
  action: string,
  checked: CheckedRequest,
  timeLeft: number,
): Promise<number> {
  const { to, signal } = checked;
  const { replacements, layout, clock = SYSTEM_CLOCK } = asker;
  // What the request is for, of the processes that `which` holds for: to ANY, the workers.
  const targets = (which: (address: Address) => boolean) =>
    to === ANY ? layout.workerIds.filter(which) : which(to) ? [to] : [];
  const awaitable = (address: Address) => replacements.has(address) && layout.has(address);
  let awaited = targets(awaitable);
  const peer = to === ANY ? undefined : to;
  // This process stops (and the cluster with it): nothing is awaited.
  const ending = () =>
    new ClosedError(
      `${what} "${action}" to ${describeTarget(to)} was cancelled: ${describe(asker.self)} ${
        asker.refusal() ?? "is stopping"
      }`,
      { action, peer },
    );
  // Refused by a process stopping alone, when the cluster stops too: as
  // if it had waited when the stop came.
  const refused = failure.error instanceof ClosedError;
  if (asker.refusal() !== undefined || (refused && replacements.ended)) {
    throw ending();
  }
  // A refusal brings the time left; a stream's, none: its timeout is per part.
  if (failure instanceof Refusal) timeLeft = Math.min(failure.timeLeft, checked.timeout);
  const deadline = clock.now() + timeLeft;
  // Not reached, and not known to be replaced, nor heard to have crashed:
  // it may be being replaced, and this process not have heard yet (its
  // socket went as its reload began). The manager announced the reload
  // before stopping it: after one round trip, it is known. Or it may not
  // listen yet, at the cluster's start: the manager answers once it said
  // `$ready` (it listens then; one with `{ ready: false }` listened before,
  // and set up since); to ANY, once the first of the workers it asked
  // about did. Once a request.
  const notReached = !(failure instanceof Refusal && failure.stopping);
  const unheard = (address: Address) => layout.has(address) && !asker.heardDown?.(address);
  const asked = targets(unheard);
  if (
    awaited.length === 0 && notReached && asked.length > 0 && asker.syncWithManager &&
    !checked.synced
  ) {
    checked.synced = true;
    const sync = asker.syncWithManager;
    const synced = Promise.race(asked.map((address) => sync(address))).then(() =>
      "synced" as const
    );
    const how = await within(synced, deadline - clock.now(), clock, signal);
    if (how === "aborted") throw signal!.reason;
    if (asker.refusal() !== undefined) throw ending();
    if (how === "timeout") {
      // Long after it started, the manager was late, not the process; one
      // heard to be replaced meanwhile is the news.
      const why = to === ANY
        ? "no worker was ready in time"
        : replacements.has(to)
        ? `${describe(to)} was being replaced, and no new process was ready in time`
        : asker.mayBeStarting?.(to) ?? true
        ? `${describe(to)} was not ready in time`
        : `${describe(to)} is not connected, and the manager did not say why in time`;
      throw new TimeoutError(
        `${what} "${action}" to ${
          describeTarget(to)
        } timed out after ${checked.timeout} ms: ${why}`,
        { action, peer },
      );
    }
    if (how === "synced") {
      awaited = targets(awaitable);
      // Replaced meanwhile (ready again already), or never was: once more.
      if (awaited.length === 0) return Math.max(0, deadline - clock.now());
    }
  }
  if (awaited.length === 0) throw failure.error;
  const names = awaited.map(describe).join(", ");
  const one = awaited.length === 1;
  // To ANY, whichever worker is up again will do.
  const anyReady = to === ANY;
  while (true) {
    const how = await replacements.news(awaited, deadline - clock.now(), {
      clock,
      signal,
      anyReady,
    });
    switch (how) {
      case "ready":
        return Math.max(0, deadline - clock.now());
      case "aborted":
        throw signal!.reason;
      case "ending":
        throw ending();
      case "timeout":
        throw new TimeoutError(
          `${what} "${action}" to ${
            describeTarget(to)
          } timed out after ${checked.timeout} ms: ${names} ${
            one ? "was" : "were"
          } being replaced, and no new process was ready in time`,
          { action, peer },
        );
      case "gone":
        // Given up, not restarted, or its host left: no longer awaited.
        awaited = awaited.filter(awaitable);
        if (awaited.length > 0) continue;
        throw new UnreachableError(
          `${what} "${action}" to ${
            describeTarget(to)
          } failed: ${names} stopped, and no new process replaced ${one ? "it" : "them"}`,
          { action, peer, cause: failure.error },
        );
    }
  }
}
