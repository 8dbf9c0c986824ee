/**
 * Hosts whose subject the NATS server does not let this host publish to
 * (its permissions), until the connection is made again. A publish the
 * server refuses is dropped there, and the client is told only by an error
 * on the connection's status: read here, it settles what went to that
 * host as lost, and the link refuses what would go to it. Apart from the
 * link, as what the server's permissions cost is one idea, and the link's
 * sending another.
 *
 * @module
 */

import type { BrokerReceiver } from "../broker.ts";
import { SwitchboardError, UnreachableError } from "../errors.ts";
import type { Leaving } from "./leaving.ts";
import type { SendWindows } from "./send_windows.ts";

/** What {@linkcode ForbiddenHosts} needs of the link it speaks for. */
export interface ForbiddenHostsOptions {
  /** The subject prefix of the cluster: `<prefix>.<host>` is a host's. */
  prefix: string;
  /** This host's name. */
  self: string;
  /** Whether the membership knows `host`. */
  knows(host: string): boolean;
  /** What went to each host, and what it confirmed. */
  windows: SendWindows;
  /** Who tells senders what a host may not have had. */
  leaving: Leaving;
  /** Who is told that what was in flight with a host is lost. */
  receiver(): BrokerReceiver | undefined;
  /** Told of errors no caller can be given. */
  report(error: Error): void;
}

/** The hosts this host may not publish to, as the server said. */
export class ForbiddenHosts {
  readonly #options: ForbiddenHostsOptions;
  /**
   * Hosts whose subject the server does not let this one publish to (NATS
   * permissions), until the connection is made again: what would
   * go to them is refused (see `onServerError`).
   */
  readonly #forbidden = new Set<string>();

  constructor(options: ForbiddenHostsOptions) {
    this.#options = options;
  }

  /** Whether what goes to `host` is refused. */
  has(host: string): boolean {
    return this.#forbidden.has(host);
  }

  /** `host` left: nothing is kept for it. */
  delete(host: string): void {
    this.#forbidden.delete(host);
  }

  /** The connection was made again: the permissions may have changed. */
  clear(): void {
    this.#forbidden.clear();
  }

  /**
   * An error the server sent. A publish it refused (NATS permissions) is
   * dropped there, and the client is told only here: what went to that
   * host's subject never came, nor will what goes there, so its senders
   * are told of what it did not confirm, what is in flight with it fails,
   * and sends to it are refused, until the connection is made again (the
   * permissions may have changed). Before, all of it was lost unsaid (its
   * requests timed out).
   */
  onServerError(error: Error): void {
    const { operation, subject } = error as { operation?: unknown; subject?: unknown };
    const prefix = `${this.#options.prefix}.`;
    if (
      error.name !== "PermissionViolationError" || operation !== "publish" ||
      typeof subject !== "string" || !subject.startsWith(prefix)
    ) return;
    const host = subject.slice(prefix.length);
    if (host === this.#options.self || !this.#options.knows(host) || this.#forbidden.has(host)) {
      return;
    }
    const why = `host ${JSON.stringify(this.#options.self)} may not publish to ${subject} ` +
      `(the NATS server refused it: ${error.message})`;
    const refused = new SwitchboardError(
      `${why}: what this host sends host ${JSON.stringify(host)} is refused`,
      { cause: error },
    );
    this.#forbidden.add(host);
    this.#options.report(refused);
    this.#options.leaving.tellInDoubt(
      host,
      this.#options.windows.close(host, undefined, undefined, 0),
      why,
    );
    this.#options.receiver()?.lost(host, new UnreachableError(why, { cause: error }));
  }
}
