/**
 * How a host joining claims its keys in the membership bucket: its host
 * name first (marked claiming: the others take no notice of it yet), then
 * its services' names and the lowest free worker ids, each with `create`,
 * which fails when the key exists. A key held by a host of this name that
 * ended abruptly (restarted at once, as systemd restarts one that crashed)
 * is claimed once it lapses.
 *
 * @module
 */

import type { KV } from "@nats-io/kv";
import type { HostRecord } from "../broker.ts";
import { SwitchboardError } from "../errors.ts";
import { patiently, pauseFor } from "./bucket.ts";
import type { HeldKeys } from "./held_keys.ts";
import {
  claimingValue,
  hex,
  HOST,
  ownerValue,
  SERVICE,
  WORKER,
  writerOf,
} from "./membership_keys.ts";

/** What {@linkcode KeyClaims} needs of the membership it claims for. */
export interface KeyClaimsOptions {
  /** The membership bucket. */
  kv: KV;
  /** The keys this host holds, which the claims add to. */
  keys: HeldKeys;
  /** This host's record: the services and worker ids claimed are added to it. */
  self: HostRecord;
  /** This process, named in what it writes (see `membership_keys.ts`). */
  process: string;
  /** The cluster's name. */
  cluster: string;
  /** How many worker ids to take. */
  workers: number;
  /** The services this host runs; their names must be free. */
  services: readonly string[];
  /** Milliseconds between refreshes. */
  heartbeat: number;
  /** Milliseconds without a refresh after which a host counts as gone. */
  hostTimeout: number;
  /** The time, in ms, by which a key's lapse is waited for. */
  now(): number;
  /** Aborted as the host leaves: a pause between attempts ends. */
  closed: AbortSignal;
  /** Told of each service name and worker id claimed (see `MembershipWatch.claimed`). */
  claimed(): void;
  /** Rewrites a held key at the revision held; false when another host took it. */
  refresh(key: string): Promise<boolean>;
}

/** The claims of a host joining its cluster. */
export class KeyClaims {
  readonly #options: KeyClaimsOptions;
  readonly #kv: KV;
  readonly #self: HostRecord;

  constructor(options: KeyClaimsOptions) {
    this.#options = options;
    this.#kv = options.kv;
    this.#self = options.self;
  }

  #isClosed(): boolean {
    return this.#options.closed.aborted;
  }

  /** What a worker or service key of this host holds. */
  #owner(): string {
    return ownerValue(this.#self.host, this.#options.process);
  }

  /**
   * Claims this host's name, its services and the lowest free worker ids.
   *
   * @throws {SwitchboardError} When the host name or a service name is taken.
   */
  async claim(): Promise<void> {
    const { services, workers } = this.#options;
    const { host } = this.#self;
    const hostKey = `${HOST}${host}`;
    // Claiming: the others take no notice of it until it says it is ready.
    if (
      !(await this.#createOnceLapsed(hostKey, claimingValue(this.#options.process), () => true))
    ) {
      throw this.#nameTaken();
    }
    // The name is this process's now: keys written under it are a
    // predecessor's, one that ended abruptly, and lapse soon.
    const predecessor = (value: string) => writerOf(value).host === host;
    for (const name of services) {
      const key = `${SERVICE}${hex(name)}`;
      if (!(await this.#createOnceLapsed(key, this.#owner(), predecessor))) {
        const value = (await this.#kv.get(key))?.string();
        const owner = value === undefined ? undefined : writerOf(value).host;
        throw new SwitchboardError(
          `Cannot join cluster "${this.#options.cluster}": service "${name}" runs on host "${
            owner ?? "another"
          }" already`,
        );
      }
      this.#self.services.push(name);
      this.#options.claimed();
    }
    for (let id = 0; this.#self.workers.length < workers; id++) {
      if (await this.#createOnceLapsed(`${WORKER}${id}`, this.#owner(), predecessor)) {
        this.#self.workers.push(id);
        this.#options.claimed();
      }
    }
    // Its claiming key may have lapsed while it waited out a predecessor's
    // keys, and another process of this name taken the name meanwhile:
    // then that one is the host, and this one would be joined unseen.
    if (!(await this.#options.refresh(hostKey))) throw this.#nameTaken();
  }

  /** The error of a join whose host name another process holds. */
  #nameTaken(): SwitchboardError {
    const { cluster } = this.#options;
    const { host } = this.#self;
    return new SwitchboardError(
      `Cannot join cluster "${cluster}": host "${host}" is in it already`,
    );
  }

  /**
   * Claims a key as {@linkcode HeldKeys.create} does; one found taken
   * by a holder `mayLapse` says may have ended (a host of this name that
   * ended abruptly and was started again at once, as systemd restarts one
   * that crashed) is claimed once it lapses, `hostTimeout + heartbeat`
   * after its last refresh. Before, such a restart failed ("host is in it
   * already") until then, and systemd's quick restarts hit its start limit.
   *
   * @returns False when another host holds it: the key was refreshed
   * meanwhile (its holder lives), or it outlived its lifetime.
   */
  async #createOnceLapsed(
    key: string,
    value: string,
    mayLapse: (value: string) => boolean,
  ): Promise<boolean> {
    if (await this.#options.keys.create(key, value)) return true;
    const entry = await patiently(() => this.#kv.get(key), this.#options.closed);
    if (entry?.operation === "PUT") {
      if (!mayLapse(entry.string()) || !(await this.#lapsed(key, entry.revision))) return false;
    }
    return await this.#options.keys.create(key, value);
  }

  /**
   * Waits for a key held at `revision` to lapse: true once it is gone,
   * false when it is written again (its holder lives) or is still there
   * past its lifetime (a heartbeat's margin over the bucket's TTL).
   */
  async #lapsed(key: string, revision: number): Promise<boolean> {
    const { heartbeat, hostTimeout, now } = this.#options;
    const giveUp = now() + hostTimeout + 2 * heartbeat;
    while (!this.#isClosed() && now() < giveUp) {
      await pauseFor(heartbeat / 4, this.#options.closed);
      const entry = await patiently(() => this.#kv.get(key), this.#options.closed);
      if (entry?.operation !== "PUT") return true;
      if (entry.revision !== revision) return false;
    }
    return false;
  }
}
