/**
 * `natsBroker()`: NATS as the broker that joins hosts into one cluster.
 * Membership lives in a JetStream key-value bucket; traffic between hosts
 * goes over core NATS, through each host's manager.
 *
 * @module
 */

import { connect, type ConnectionOptions } from "@nats-io/transport-node";
import type { Broker, BrokerLink, JoinRequest } from "../broker.ts";
import { MAX_TIMER_DELAY } from "../clock.ts";
import { SwitchboardError } from "../errors.ts";
import { Inbox } from "./inbox.ts";
import { NatsLink } from "./link.ts";
import { Membership } from "./membership.ts";
import { connectWithoutStrayReset } from "./refused_connection.ts";
import { checkOptionNames, type OptionNames } from "../option_names.ts";
import { shown } from "../shown.ts";

/**
 * Options of {@linkcode natsBroker}.
 *
 * @example Three NATS servers, a named host
 * ```ts
 * import { natsBroker, type NatsBrokerOptions } from "@switchboard/switchboard/nats";
 *
 * const options: NatsBrokerOptions = {
 *   servers: ["10.0.0.5:4222", "10.0.0.6:4222", "10.0.0.7:4222"],
 *   cluster: "shop",
 *   host: "web-1", // its manager is "manager@web-1" to the other hosts
 *   replicas: 3, // the membership survives the loss of a server
 * };
 * const broker = natsBroker(options); // connects when the cluster starts
 * console.assert(typeof broker.join === "function");
 * ```
 */
export interface NatsBrokerOptions {
  /**
   * The NATS servers, e.g. `"10.0.0.5:4222"` or a list. Use IP literals:
   * a host name resolves only under a bare `--allow-net` (with a list of
   * hosts, even one naming it, the lookup fails with `getaddrinfo EPERM`).
   */
  servers: string | string[];
  /** The cluster's name: managers given the same one form one cluster. Letters, digits, `-`, `_`. */
  cluster: string;
  /**
   * This host's name, unique in the cluster: its manager is `manager@<host>`
   * to the other hosts (default: a random name). Letters, digits, `-`, `_`.
   */
  host?: string;
  /**
   * Milliseconds between this host's heartbeats (default 1 000). Also how
   * long a message to another host may wait for its confirmation before
   * that host is told how many were sent it, so that a loss at the end
   * shows: within two heartbeats.
   */
  heartbeat?: number;
  /**
   * Milliseconds without a heartbeat after which a host counts as gone
   * (default 2 500; with the default heartbeat, a dead host drops out at
   * most 3 s after it died).
   */
  hostTimeout?: number;
  /**
   * Copies of the membership bucket (JetStream key-value) when the NATS
   * servers form a cluster (default 1). With 3, the cluster survives the
   * loss of a server.
   */
  replicas?: number;
  /**
   * Bytes sent to one other host and not yet confirmed by it above which
   * sends are refused with `QueueFullError` (default 8 MiB, and at most
   * the cluster's `maxQueuedBytes`). Keep it well under the server's
   * `max_pending` divided by the number of hosts. It is also the largest
   * message to another host, when under the server's `max_payload`.
   */
  window?: number;
  /**
   * Credentials and more options for the NATS connection. They stay in the
   * manager: children never connect to NATS, and get none of them.
   */
  connection?: NatsConnectionOptions;
}

const BROKER_OPTIONS = {
  servers: true,
  cluster: true,
  host: true,
  heartbeat: true,
  hostTimeout: true,
  replicas: true,
  window: true,
  connection: true,
} satisfies OptionNames<NatsBrokerOptions>;

/**
 * Options of the manager's NATS connection, passed to the NATS client as
 * they are (its `ConnectionOptions`, of which these are the common ones),
 * but for `servers`, which is `natsBroker()`'s own. Without a `name`, the
 * connection is named `switchboard <cluster>/<host>`.
 *
 * @example Log in to NATS over TLS
 * ```ts
 * import type { Broker } from "@switchboard/switchboard";
 * import { natsBroker, type NatsConnectionOptions } from "@switchboard/switchboard/nats";
 *
 * export function broker(password: string): Broker {
 *   const connection: NatsConnectionOptions = {
 *     user: "shop",
 *     pass: password,
 *     tls: { caFile: "/etc/nats/ca.pem" },
 *     name: "shop manager", // any other option of the NATS client
 *   };
 *   return natsBroker({ servers: "10.0.0.5:4222", cluster: "shop", connection });
 * }
 * ```
 */
export interface NatsConnectionOptions {
  /** User name, with `pass`. */
  user?: string;
  /** Password, with `user`. */
  pass?: string;
  /** An authentication token. */
  token?: string;
  /**
   * An authenticator from the NATS client (`credsAuthenticator()`,
   * `nkeyAuthenticator()`, `jwtAuthenticator()` of `@nats-io/nats-core`).
   */
  authenticator?: unknown;
  /** TLS options of the NATS client (`caFile`, `certFile`, `keyFile`, …). */
  tls?: Record<string, unknown>;
  /** Any other option of the NATS client's `ConnectionOptions`. */
  [option: string]: unknown;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * NATS as the broker of a cluster that spans hosts: pass it to
 * `Cluster.start({ broker })` on every host.
 *
 * @param options The servers, the cluster's name, and this host's.
 * @returns The broker.
 * @throws {TypeError} When `servers` or `cluster` is missing, a name is
 * not 1–64 letters, digits, `-` and `_`, `heartbeat` or `hostTimeout` is
 * not a number of ms over 0 and at most 2147483647, `hostTimeout` is under
 * two heartbeats, the window is not a number over 0, `replicas` is not a
 * whole number of 1 or more, or an option has a name no option has.
 *
 * @example Two hosts, one cluster
 * ```ts
 * import { Cluster } from "@switchboard/switchboard";
 * import { natsBroker } from "@switchboard/switchboard/nats";
 *
 * // On every host, the same code:
 * export async function serve(): Promise<void> {
 *   const cluster = await Cluster.start({
 *     worker: new URL("./worker.ts", import.meta.url),
 *     workers: 4,
 *     broker: natsBroker({ servers: "10.0.0.5:4222", cluster: "shop" }),
 *   });
 *   await cluster.closed;
 * }
 * ```
 */
export function natsBroker(options: NatsBrokerOptions): Broker {
  checkOptionNames(options, BROKER_OPTIONS, "natsBroker()");
  // Left out, NATS's own default would connect somewhere: said instead.
  const { servers } = options;
  const list = Array.isArray(servers) ? servers : [servers];
  if (list.length === 0 || !list.every((server) => typeof server === "string" && server !== "")) {
    throw new TypeError(
      `natsBroker(): "servers" must name the NATS servers ("10.0.0.5:4222", or a list), got ${
        JSON.stringify(servers)
      }`,
    );
  }
  // Left out, every cluster left unnamed would be one cluster.
  if (options.cluster === undefined) {
    throw new TypeError(`natsBroker(): "cluster" is needed: the name the cluster's hosts share`);
  }
  for (const key of ["cluster", "host"] as const) {
    const value = options[key];
    if (value !== undefined && (typeof value !== "string" || !NAME.test(value))) {
      throw new TypeError(
        `natsBroker(): "${key}" must be 1-64 letters, digits, "-" or "_", got ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  checkBeats(options);
  checkWindowAndReplicas(options);
  return { join: (request) => join(options, request) };
}

/**
 * Refuses a `window` that bounds nothing (not a number: `NaN` turned the
 * window off) or refuses everything (0 or less), and `replicas` that
 * JetStream would take as another count, or refuse with a cryptic error.
 */
function checkWindowAndReplicas({ window, replicas }: NatsBrokerOptions): void {
  if (window !== undefined && (typeof window !== "number" || !(window > 0))) {
    throw new TypeError(
      `natsBroker(): "window" must be a number of bytes over 0, got ${shown(window)}`,
    );
  }
  if (replicas !== undefined && (!Number.isInteger(replicas) || replicas < 1)) {
    throw new TypeError(
      `natsBroker(): "replicas" must be a whole number of copies, 1 or more, got ${
        shown(replicas)
      }`,
    );
  }
}

/**
 * Refuses a `heartbeat` or `hostTimeout` that would make hosts drop each
 * other while alive: a timeout under two heartbeats gives one late refresh
 * no room (a live host flapped out and in at every beat).
 */
function checkBeats({ heartbeat = 1_000, hostTimeout = 2_500 }: NatsBrokerOptions): void {
  for (const [name, ms] of [["heartbeat", heartbeat], ["hostTimeout", hostTimeout]] as const) {
    if (typeof ms !== "number" || !(ms > 0) || ms > MAX_TIMER_DELAY) {
      throw new TypeError(
        `natsBroker(): "${name}" must be a number of ms over 0 and at most ${MAX_TIMER_DELAY}, got ${
          shown(ms)
        }`,
      );
    }
  }
  if (hostTimeout < 2 * heartbeat) {
    throw new TypeError(
      `natsBroker(): "hostTimeout" (${hostTimeout}) must be at least two heartbeats (${
        2 * heartbeat
      } ms)`,
    );
  }
}

async function join(options: NatsBrokerOptions, request: JoinRequest): Promise<BrokerLink> {
  const host = options.host ?? randomName();
  let nc;
  try {
    nc = await connectWithoutStrayReset(() =>
      connect({
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // What the server's monitoring shows, unless `connection` names it.
        name: `switchboard ${options.cluster}/${host}`,
        ...options.connection as Partial<ConnectionOptions>,
        servers: options.servers,
      })
    );
  } catch (error) {
    throw new SwitchboardError(
      `Cannot join cluster "${options.cluster}": no NATS server at ${options.servers} took the connection (${
        (error as Error).message
      })`,
      { cause: error },
    );
  }
  const prefix = `switchboard.${options.cluster}`;
  try {
    // Listening before the others can see it join: they send to it at once.
    const subject = `${prefix}.${host}`;
    const inbox = await Inbox.open(nc, subject, request.report).catch((error: Error) => {
      throw new SwitchboardError(
        `Cannot join cluster "${options.cluster}": host "${host}" cannot listen on its subject ${subject}, where the other hosts send to it (${error.message})`,
        { cause: error },
      );
    });
    const members = await Membership.join(nc, {
      cluster: options.cluster,
      host,
      workers: request.workers,
      services: request.services,
      heartbeat: options.heartbeat,
      hostTimeout: options.hostTimeout,
      replicas: options.replicas,
      report: request.report,
    });
    return new NatsLink(nc, members, {
      prefix,
      inbox,
      window: Math.min(options.window ?? 8 * 1024 * 1024, request.maxQueuedBytes),
      report: request.report,
      // A host told of its last messages after a heartbeat of silence: what
      // the membership counts by already, and a fraction of hostTimeout.
      patience: options.heartbeat ?? 1_000,
    });
  } catch (error) {
    await nc.close();
    if (error instanceof SwitchboardError) throw error;
    const why = /jetstream is not enabled/i.test(String(error))
      ? `the NATS server at ${options.servers} has no JetStream, where the cluster's membership is kept (start it with -js)`
      : `its membership bucket could not be used (${(error as Error).message})`;
    throw new SwitchboardError(`Cannot join cluster "${options.cluster}": ${why}`, {
      cause: error,
    });
  }
}

function randomName(): string {
  return `host-${crypto.randomUUID().slice(0, 8)}`;
}
