/**
 * What `Cluster.start()` takes: {@linkcode ClusterOptions}, the
 * {@linkcode ServiceOptions} of each service, and the {@linkcode DEFAULTS}
 * of the options not given.
 *
 * @module
 */

import type { Broker } from "./broker.ts";
import type { LabelOutputOptions } from "./output_labels.ts";
import type { Permissions } from "./permissions.ts";
import type { RestartOptions } from "./restart_policy.ts";
import type { Schemas } from "./schema.ts";

/**
 * A service process: a Deno module and, optionally, what it runs with
 * ({@linkcode ModuleService}); or any executable, as a `command`
 * ({@linkcode CommandService}). Exactly one of `module` and `command`:
 * both, neither, or Deno's options beside a command are type errors, as
 * `Cluster.start()` refuses them.
 *
 * @example A Deno service with its own permissions, and a Python one
 * ```ts
 * import type { ClusterOptions, ServiceOptions } from "@switchboard/switchboard";
 *
 * const logger: ServiceOptions = {
 *   module: new URL("./logger.ts", import.meta.url),
 *   permissions: { write: ["/var/log/app"] },
 * };
 * const scorer: ServiceOptions = { command: ["python3", "scorer.py"] };
 * const options: ClusterOptions<"logger" | "scorer"> = { workers: 0, processes: { logger, scorer } };
 * console.assert(options.processes?.scorer === scorer);
 * ```
 */
export type ServiceOptions = ModuleService | CommandService;

/**
 * A service that runs a Deno module, with its own permissions, flags and
 * arguments or the cluster's.
 *
 * @example A database service that may read and write its data alone
 * ```ts
 * import type { ModuleService } from "@switchboard/switchboard";
 *
 * const db: ModuleService = {
 *   module: new URL("./db.ts", import.meta.url),
 *   permissions: { read: ["./data"], write: ["./data"] },
 *   args: ["--fresh"],
 *   // 30 s to flush its data as the cluster stops, where the workers have the cluster's 5 s.
 *   stopTimeout: 30_000,
 * };
 * console.assert(db.args?.[0] === "--fresh");
 * ```
 *
 * @example A service with its own environment and working directory
 * ```ts
 * import type { ModuleService } from "@switchboard/switchboard";
 *
 * // Module and grants as written, from the manager's directory; the
 * // service's own relative paths (Deno.readTextFile("./state.json")) from /var/lib/app.
 * const store: ModuleService = {
 *   module: "./store.ts",
 *   cwd: "/var/lib/app",
 *   env: { STORE_MODE: "append" },
 *   permissions: { env: ["STORE_MODE"], read: ["/var/lib/app"], write: ["/var/lib/app"] },
 * };
 * console.assert(store.env?.STORE_MODE === "append");
 * ```
 *
 * @example A helper the cluster runs on without, restarted patiently
 * ```ts
 * import type { ClusterOptions, ModuleService } from "@switchboard/switchboard";
 *
 * // Its own policy: the cluster's, but 20 restarts a minute; given up, the workers run on.
 * const warmer: ModuleService = {
 *   module: "./cache_warmer.ts",
 *   restart: { maxRestarts: 20 },
 *   escalate: false,
 * };
 * const options: ClusterOptions<"warmer"> = { worker: "./worker.ts", processes: { warmer } };
 * console.assert(options.processes?.warmer === warmer);
 * ```
 */
export interface ModuleService {
  /**
   * The module to run: a path relative to the manager's working directory
   * (with a `cwd` of its own too), or a URL.
   */
  module: string | URL;
  /** Not beside a module: see {@linkcode CommandService}. */
  command?: undefined;
  /** Permissions for this service, instead of the cluster's `permissions`. */
  permissions?: Permissions;
  /** More `deno run` flags for this service, instead of the cluster's `flags`. */
  flags?: readonly string[];
  /** Its `Deno.args`, instead of the cluster's `args`. */
  args?: readonly string[];
  /** The watchdog for this service, instead of the cluster's `hangTimeout`: `false` turns it off. */
  hangTimeout?: number | false;
  /** The memory limit of this service, instead of the cluster's `maxMemory`: `false` lifts it. */
  maxMemory?: number | false;
  /** Its restart policy, instead of the cluster's `restart`: see {@linkcode CommandService.restart}. */
  restart?: boolean | RestartOptions;
  /** Its time for each phase of a stop, instead of the cluster's `stopTimeout`. */
  stopTimeout?: number;
  /** Whether its being given up stops the cluster, instead of the cluster's `escalate`. */
  escalate?: boolean;
  /**
   * Environment variables for this service, merged over the cluster's
   * `env` (see {@linkcode ClusterOptions.env}): it reads them only with
   * `permissions.env` granting them.
   */
  env?: Record<string, string>;
  /**
   * Its working directory, instead of the cluster's `cwd` (see
   * {@linkcode ClusterOptions.cwd}): its `module` and `permissions` paths
   * stay relative to the manager's.
   */
  cwd?: string;
}

/**
 * A service that runs any executable, which speaks the protocol itself
 * (README "Processes in other languages").
 *
 * @example A Node.js service
 * ```ts
 * import type { CommandService } from "@switchboard/switchboard";
 *
 * const resizer: CommandService = { command: ["node", "./resizer.mjs", "--threads=2"] };
 * console.assert(resizer.command[0] === "node");
 * ```
 */
export interface CommandService {
  /**
   * The executable, as its argv: the program (looked up on `PATH`, or a
   * path relative to its `cwd`, else the manager's working directory),
   * then its arguments, e.g. `["python3", "svc.py"]`. It gets the same
   * bootstrap on stdin and must speak the protocol itself. Deno's sandbox
   * does not apply: it runs with the rights of the user and the manager's
   * environment, `env` added. The manager needs `--allow-run` for the
   * program.
   */
  command: readonly string[];
  /** Not beside a command. */
  module?: undefined;
  /** Deno's: not beside a command, and the cluster's are not applied to it. */
  permissions?: undefined;
  /** Deno's: not beside a command. */
  flags?: undefined;
  /** Not beside a command: its arguments go in `command`. */
  args?: undefined;
  /**
   * The watchdog for this service, instead of the cluster's `hangTimeout`:
   * `false` turns it off, for a program that does not answer `$ping`.
   */
  hangTimeout?: number | false;
  /**
   * The memory limit of this service, instead of the cluster's
   * `maxMemory`: `false` lifts it. What is read is the RSS of the process
   * the command starts, without the processes it starts in turn.
   */
  maxMemory?: number | false;
  /**
   * Its restart policy, instead of the cluster's `restart`: `false` never
   * restarts it; restart options not given are the cluster's (the
   * defaults, {@linkcode DEFAULT_RESTART}, when the cluster's `restart` is
   * `false`); `true` is the cluster's policy. Its restarts count against
   * its own `maxRestarts` within its own `period`.
   */
  restart?: boolean | RestartOptions;
  /**
   * How long it may take for each phase of a stop or reload before it is
   * killed, in ms, instead of the cluster's `stopTimeout`: a service that
   * flushes a database on its way out may need longer than the workers.
   * The cluster's stop waits for each of its services within its own.
   */
  stopTimeout?: number;
  /**
   * Whether its being given up stops the cluster, instead of the cluster's
   * `escalate`: `false` for a helper the cluster can run without.
   */
  escalate?: boolean;
  /**
   * Environment variables for this service, merged over the cluster's
   * `env` and added to the manager's environment, which it inherits
   * (see {@linkcode ClusterOptions.env}).
   *
   * @example A Python service told where its model is
   * ```ts
   * import type { CommandService } from "@switchboard/switchboard";
   *
   * const ml: CommandService = {
   *   command: ["python3", "-u", "model.py"],
   *   env: { MODEL_PATH: "/srv/models/v3", OMP_NUM_THREADS: "2" },
   * };
   * console.assert(ml.env?.OMP_NUM_THREADS === "2");
   * ```
   */
  env?: Record<string, string>;
  /**
   * Its working directory, instead of the cluster's `cwd`; relative to the
   * manager's. A relative program or argument in `command` is found there,
   * as a shell started in that directory finds it.
   *
   * @example A Node.js service run from its own checkout
   * ```ts
   * import type { CommandService } from "@switchboard/switchboard";
   *
   * // Runs /srv/resizer/index.mjs, and reads ./config.json from /srv/resizer.
   * const resizer: CommandService = { command: ["node", "index.mjs"], cwd: "/srv/resizer" };
   * console.assert(resizer.cwd === "/srv/resizer");
   * ```
   */
  cwd?: string;
}

/**
 * Options of {@linkcode Cluster.start}.
 *
 * @example Four web workers sharing a port, and a logger
 * ```ts
 * import { Cluster, type ClusterOptions } from "@switchboard/switchboard";
 *
 * const options: ClusterOptions<"logger"> = {
 *   worker: new URL("./server.ts", import.meta.url),
 *   workers: 4,
 *   processes: { logger: "./logger.ts" },
 *   permissions: { net: ["0.0.0.0:8080"], env: ["DATABASE_URL"] },
 *   reusePort: true,
 *   restart: { maxRestarts: 3 },
 * };
 *
 * export async function serve(): Promise<void> {
 *   await using cluster = await Cluster.start(options);
 *   await cluster.closed;
 * }
 * ```
 */
export interface ClusterOptions<S extends string = string> {
  /**
   * The worker module: a path relative to the manager's working directory
   * (with `cwd` too), or a URL such as `new URL("./worker.ts",
   * import.meta.url)`. Needed when `workers` is above 0.
   */
  worker?: string | URL;
  /** How many workers to start (default: `navigator.hardwareConcurrency`). */
  workers?: number;
  /**
   * Service processes by name: a module, or {@linkcode ServiceOptions}
   * (which may name an executable in another language instead). With
   * `Cluster.start<P, S>`, the names `S` may include services of other
   * hosts; each named here must be one of them.
   */
  processes?: { [K in S]?: string | URL | ServiceOptions };
  /**
   * Deno permissions for every child on top of its sockets (default: none,
   * so children cannot read files, use the network or read the environment).
   */
  permissions?: Permissions;
  /** More `deno run` flags for every child, e.g. `["--v8-flags=--max-old-space-size=512"]`. */
  flags?: readonly string[];
  /** `Deno.args` for every child. */
  args?: readonly string[];
  /**
   * Environment variables for every child, workers and services, added to
   * the manager's environment, which each child inherits (default: none
   * added). A service's own `env` is merged over these, key by key. A key
   * given here is set in the child; none is removed: a variable the
   * children must not see is one to leave out of the manager's
   * environment. Names are not empty and hold no `=` or NUL; values are
   * strings without NUL (a number is a `TypeError`: write `"8080"`).
   *
   * A Deno child reads a variable only if `permissions.env` grants it:
   * `env` grants nothing, as every permission is granted by `permissions`
   * alone. Variables that Deno itself reads (`TZ`, `NO_COLOR`,
   * `HTTPS_PROXY`, `DENO_DIR`) and the processes a child starts see
   * them without a grant.
   *
   * @example Workers told their mode, and allowed to read it
   * ```ts
   * import type { ClusterOptions } from "@switchboard/switchboard";
   *
   * const options: ClusterOptions<"mailer"> = {
   *   worker: "./worker.ts",
   *   env: { APP_MODE: "production", LOG_LEVEL: "info" },
   *   permissions: { env: ["APP_MODE", "LOG_LEVEL"] },
   *   // The mailer's LOG_LEVEL is "debug", its APP_MODE the cluster's.
   *   processes: { mailer: { module: "./mailer.ts", env: { LOG_LEVEL: "debug" } } },
   * };
   * console.assert(options.env?.APP_MODE === "production");
   * ```
   */
  env?: Record<string, string>;
  /**
   * The working directory of every child, workers and services without
   * their own `cwd` (default: the manager's): a path, relative to the
   * manager's working directory, or absolute. It is what a child's own
   * relative paths (`Deno.readTextFile("./config.json")`, `Deno.cwd()`)
   * and a command service's relative program and arguments resolve
   * against. The paths of Switchboard's options do not move with it: a
   * relative `worker`, service `module`, and `read`, `write`, `ffi` and
   * `run` path in `permissions` stay relative to the manager's working
   * directory, so that a grant never moves to files nobody named; so do
   * the relative paths of the permission flags among `flags`
   * (`--deny-read=./secrets`). Other `deno run` flags are passed as
   * written, and Deno resolves a path in them (`--config`, `--env-file`)
   * against the child's `cwd`. A directory
   * that does not exist fails `start()`, or the restart or reload that
   * needs it, with `Could not start service "name"` (or `worker 0`), its
   * `cause` Deno's "No such cwd".
   *
   * @example Workers that read their templates from the application's directory
   * ```ts
   * import type { ClusterOptions } from "@switchboard/switchboard";
   *
   * const options: ClusterOptions = {
   *   worker: "./app/worker.ts", // relative to the manager's directory, as without cwd
   *   cwd: "/srv/app",
   *   permissions: { read: ["/srv/app/templates"] },
   * };
   * console.assert(options.cwd === "/srv/app");
   * ```
   */
  cwd?: string;
  /**
   * Whether the children may listen on one TCP port together, as Node's
   * cluster workers share a port (default `false`). Each listens with
   * `reusePort: true` (`Deno.serve({ port: 8080, reusePort: true }, handler)`,
   * or `Deno.listen`), and the Linux kernel spreads the incoming
   * connections across them (SO_REUSEPORT; Deno documents it for Linux
   * only). Deno allows `reusePort` only with `--unstable-net`, so this adds
   * that flag to every child's `deno run` flags, a service's own `flags`
   * included. The port is granted in `permissions`, e.g.
   * `net: ["0.0.0.0:8080"]`.
   */
  reusePort?: boolean;
  /**
   * Whether each line a child writes to stdout or stderr is written to the
   * manager's stdout or stderr with the child's address in front (default
   * `false`): `[worker 1] listening`, `[logger] …` for a service named
   * "logger". Lines stay whole (up to 64 KiB each); a last line without a
   * newline gets one; bytes that are not UTF-8 pass unchanged; what a child
   * wrote just before it exited is written before `stop()` resolves.
   * `false` lets the children write to the manager's streams themselves,
   * which costs nothing.
   *
   * An object labels the lines too, with more as it asks (see
   * {@linkcode LabelOutputOptions}): `timestamps` puts the time the manager
   * read each line in front, in ISO 8601 UTC to the millisecond; `pid`
   * adds the pid of the process that wrote it, which changes when a child
   * is restarted.
   *
   * @example Lines with the time and the pid
   * ```ts
   * import type { ClusterOptions } from "@switchboard/switchboard";
   *
   * // 2026-12-07T06:59:01.123Z [worker 1 pid 12345] listening on :8080
   * // 2026-12-07T06:59:01.125Z [logger pid 12346] ready
   * const options: ClusterOptions<"logger"> = {
   *   worker: "./server.ts",
   *   processes: { logger: "./logger.ts" },
   *   labelOutput: { timestamps: true, pid: true },
   * };
   * console.assert(options.labelOutput !== false);
   * ```
   */
  labelOutput?: boolean | LabelOutputOptions;
  /** Default request timeout for every process, in ms (default 30 000). */
  requestTimeout?: number;
  /**
   * Largest message, in bytes: its UTF-8 JSON, with the bytes it carries
   * (default 16 MiB); at least 4096, at most 2³²−1.
   */
  maxFrameSize?: number;
  /**
   * Bytes queued for one peer above which `drain()` waits (default 1 MiB);
   * at most `maxQueuedBytes` less `maxFrameSize` + 4, so that a message of
   * the largest size fits once `drain()` resolved (the default is lowered
   * to that).
   * Applies in every process.
   */
  highWaterMark?: number;
  /**
   * Bytes queued for one peer above which sends throw `QueueFullError`
   * instead of growing memory (default 64 MiB); at least `maxFrameSize` + 4,
   * so that a message of the largest size fits. Applies in every process.
   */
  maxQueuedBytes?: number;
  /**
   * Whether and how to restart a child that exits when not asked to
   * (default: on, with {@linkcode DEFAULT_RESTART}): after a back-off, with
   * the same address; past `maxRestarts` within `period` it stays down and
   * a `fatal` lifecycle event says so. `false` turns restarts off.
   */
  restart?: boolean | RestartOptions;
  /** How long children may take to become ready, in ms (default 30 000). */
  startTimeout?: number;
  /**
   * How long children may take for each phase of a stop or reload before
   * they are killed, in ms (default 5 000): their stop work, then closing.
   */
  stopTimeout?: number;
  /**
   * The watchdog: how long, in ms, a ready child has to answer the
   * manager's probe (`$ping`, sent on its connection once per
   * `hangTimeout`, answered by its event loop) before it is taken for hung
   * and killed with SIGKILL (default `false`: no probe is sent). A child
   * whose event loop is blocked (an endless loop, a long synchronous
   * computation, a deadlock in native code) keeps its connection open but
   * answers nothing; killed, it is handled as a crash: the restart policy
   * applies, `onError` hears a `TimeoutError` naming it, and its `exit`
   * lifecycle event says `hung: true`. A loop blocked for less than
   * `hangTimeout` is never taken for hung, one blocked for twice that
   * always is. A child starting or stopping is not probed. A service may
   * set its own (`false` for a program in another language that does not
   * answer `$ping`).
   *
   * @example Restart a worker stuck in a loop within 10 s
   * ```ts
   * import type { ClusterOptions } from "@switchboard/switchboard";
   *
   * const options: ClusterOptions<"legacy"> = {
   *   worker: "./worker.ts",
   *   hangTimeout: 5_000,
   *   processes: { legacy: { command: ["python3", "old.py"], hangTimeout: false } },
   * };
   * console.assert(options.hangTimeout === 5_000);
   * ```
   */
  hangTimeout?: number | false;
  /**
   * The memory limit of each child, in bytes of resident set size (RSS,
   * what it holds in RAM, which the kernel's OOM killer weighs), or
   * `false` (default): none. Once a second (one timer for every child) the
   * manager reads the RSS of each ready child of its host from Linux's
   * `/proc/<pid>/status`; a child over its limit is replaced as a reload
   * replaces it: its `onStop` handlers run, it takes no new request and
   * answers those it took, it exits within `stopTimeout` (or is killed),
   * and a new process with the same address starts, while `ANY` passes it
   * over. Its `reload` lifecycle event says `reason: "memory"`, and
   * `onError` hears a `MemoryLimitError` naming it, what it held and the
   * limit. Each replacement counts as a restart (in `stats()`). One that
   * grew past its limit (read within it before, and ready `restart`'s
   * `maxBackoff` or more) is replaced each time, as PM2 does; one over it
   * at its first reading, or sooner, counts against `maxRestarts` within
   * `period` as a crash does: past them, the child is stopped and stays
   * down, as a child that keeps crashing is (a `fatal` event; `escalate`
   * applies). At least 1 MiB (a smaller number is taken for a
   * count of MiB, and refused); `restart: false` is refused beside it, as
   * no replacement could be made. Linux only, and the manager needs
   * `--allow-all`: Deno 2.9 reads `/proc` with nothing less. A service may
   * set its own (`false` lifts it).
   *
   * @example Replace a worker that grows past 512 MiB
   * ```ts
   * import type { ClusterOptions } from "@switchboard/switchboard";
   *
   * const options: ClusterOptions<"cache"> = {
   *   worker: "./worker.ts",
   *   maxMemory: 512 * 1024 * 1024,
   *   processes: { cache: { module: "./cache.ts", maxMemory: 2 * 1024 ** 3 } },
   * };
   * console.assert(options.maxMemory === 536_870_912);
   * ```
   */
  maxMemory?: number | false;
  /**
   * What happens when a child is given up (it exited `maxRestarts` times
   * within `period`): `true` (default) stops the cluster and rejects
   * `cluster.closed` with the reason, so that a manager awaiting it exits
   * non-zero and its own supervisor restarts it (Erlang/OTP's escalation);
   * `false` keeps the cluster running without that child.
   */
  escalate?: boolean;
  /**
   * A broker that joins this host to a cluster spanning several, e.g.
   * `natsBroker({ servers, cluster })` from `@switchboard/switchboard/nats`:
   * managers given the same cluster form one cluster, and every process can
   * reach every other, wherever it runs. Without it, nothing more is loaded.
   */
  broker?: Broker;
  /**
   * Whether the manager handles signals (default `true`): SIGINT (Ctrl-C)
   * and SIGTERM stop the cluster gracefully, a second one stops it at once
   * and exits; SIGHUP reloads every worker. `false` for an application that
   * handles signals itself.
   */
  signals?: boolean;
  /**
   * A Unix socket path where the manager listens for commands from the
   * command line of `@switchboard/switchboard/ctl` (default: none):
   * `status` (each child's pid, state, restarts, uptime and RSS) and
   * `reload [target]`, as PM2's `pm2 list` and `pm2 reload`. Only the
   * manager's user may connect: the socket is made in a fresh directory
   * of mode 0700 beside the path, given mode 0600, then linked at the path.
   * A socket file left there by a manager that was killed is replaced; a
   * live manager listening there fails `start()` with `AddrInUse`, before
   * any child starts, as does a file there that is not a socket. The stop
   * removes it. The manager needs `--allow-read` and `--allow-write` for
   * the path's directory (README "Running in production", Control socket).
   *
   * @example A manager that `ctl.ts` can ask
   * ```ts
   * import type { ClusterOptions } from "@switchboard/switchboard";
   *
   * // deno run --allow-read=/run/app --allow-write=/run/app --allow-net=unix:/run/app/ctl.sock \
   * //   jsr:@switchboard/switchboard/ctl --socket /run/app/ctl.sock status
   * const options: ClusterOptions = { worker: "./worker.ts", control: "/run/app/ctl.sock" };
   * console.assert(options.control === "/run/app/ctl.sock");
   * ```
   */
  control?: string;
  /**
   * Whether the manager marks itself ready a tick after `start()` resolves
   * (default `true`). Until then, messages from children are held; pass
   * `false` and call `cluster.ready()` when the manager's setup is async.
   */
  ready?: boolean;
  /**
   * Schemas by action, in the Standard Schema form (Zod, Valibot,
   * ArkType, …): data the manager sends or receives for an action with a
   * schema is checked, and fails with `ValidationError` (see README,
   * "Validation"). Each child checks with what it gives `connect()`.
   */
  schemas?: Schemas;
}

/**
 * Defaults of {@linkcode ClusterOptions}.
 *
 * @example Raise limits relative to the defaults
 * ```ts
 * import { type ClusterOptions, DEFAULTS } from "@switchboard/switchboard";
 *
 * const options: ClusterOptions = {
 *   worker: "./worker.ts",
 *   requestTimeout: DEFAULTS.requestTimeout * 4, // slow jobs: two minutes
 *   maxFrameSize: DEFAULTS.maxFrameSize * 4, // large uploads: 64 MiB
 *   // A queue must hold a message of the largest size and its 4-byte length:
 *   // with the default 64 MiB, Cluster.start() would refuse these options.
 *   maxQueuedBytes: DEFAULTS.maxQueuedBytes * 4,
 * };
 * console.assert(options.requestTimeout === 120_000);
 * console.assert(options.maxQueuedBytes! >= options.maxFrameSize! + 4);
 * ```
 */
export const DEFAULTS: Readonly<{
  requestTimeout: number;
  maxFrameSize: number;
  highWaterMark: number;
  maxQueuedBytes: number;
  startTimeout: number;
  stopTimeout: number;
}> = Object.freeze({
  // Frozen: a change here would change every cluster the process starts later.
  requestTimeout: 30_000,
  maxFrameSize: 16 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  startTimeout: 30_000,
  stopTimeout: 5_000,
});
