/**
 * The manager's configuration from the options of `Cluster.start()`,
 * checked: pure functions that refuse, with a `TypeError` naming the
 * option, what the manager could not run as meant. Loaded, as
 * `cluster_start.ts` is, only by a manager when it starts.
 *
 * @module
 */

import { type Address, describe } from "./address.ts";
import type { ChildSpec, DenoChildSpec } from "./child_slot.ts";
import { childPlace } from "./child_environment.ts";
import { type ClusterOptions, DEFAULTS, type ServiceOptions } from "./cluster_options.ts";
import { MAX_TIMER_DELAY } from "./clock.ts";
import { counted } from "./counted.ts";
import { Layout } from "./layout.ts";
import type { ManagerConfig } from "./manager.ts";
import { checkBoolean, checkOptionNames, type OptionNames } from "./option_names.ts";
import { outputLabels } from "./output_labels.ts";
import { checkPermissions, type Permissions } from "./permissions.ts";
import { DEFAULT_RESTART, type RestartOptions, type RestartPolicy } from "./restart_policy.ts";
import { HEADER_SIZE, MAX_LENGTH } from "./unix/frame.ts";
import { HANDSHAKE_FRAME_LIMIT } from "./unix/handshake.ts";
import { MAX_ADDRESS_BYTES } from "./unix/relay.ts";
import { MAX_SOCKET_PATH } from "./unix/host.ts";
import { controlDir, MADE_PATH_BYTES } from "./control_socket.ts";
import { addressBytes } from "./address_bytes.ts";
import { shown } from "./shown.ts";
import { MEBIBYTE } from "./resident_memory.ts";
import { checkSchemas } from "./schema.ts";

/**
 * What `reusePort` adds to the children's `deno run` flags. Deno 2.9.6
 * keeps `reusePort` of `Deno.listen` and `Deno.serve` behind this flag: a
 * child without it exits with code 70, "Unstable API 'Deno.listen({
 * reusePort: true })'. The `--unstable-net` flag must be provided."
 */
const REUSE_PORT_FLAGS = ["--unstable-net"];

const CLUSTER_OPTIONS = {
  worker: true,
  workers: true,
  processes: true,
  permissions: true,
  flags: true,
  args: true,
  env: true,
  cwd: true,
  reusePort: true,
  labelOutput: true,
  requestTimeout: true,
  maxFrameSize: true,
  highWaterMark: true,
  maxQueuedBytes: true,
  restart: true,
  startTimeout: true,
  stopTimeout: true,
  hangTimeout: true,
  maxMemory: true,
  escalate: true,
  broker: true,
  signals: true,
  control: true,
  ready: true,
  schemas: true,
} satisfies OptionNames<ClusterOptions>;

const SERVICE_OPTIONS = {
  module: true,
  command: true,
  permissions: true,
  flags: true,
  args: true,
  env: true,
  cwd: true,
  hangTimeout: true,
  maxMemory: true,
  restart: true,
  stopTimeout: true,
  escalate: true,
} satisfies OptionNames<ServiceOptions>;

const RESTART_OPTIONS = {
  maxRestarts: true,
  period: true,
  backoff: true,
  maxBackoff: true,
} satisfies OptionNames<RestartOptions>;

/**
 * The manager's configuration from the options.
 *
 * @param workerIds The ids of this host's workers: `0` to `workers - 1`,
 * unless a broker gave others.
 */
export function managerConfig(
  options: ClusterOptions,
  workerIds?: readonly number[],
): ManagerConfig {
  checkOptionNames(options, CLUSTER_OPTIONS, "Cluster.start()");
  const workers = options.workers ?? navigator.hardwareConcurrency;
  // A name given undefined is not given, as an option given undefined keeps its default.
  const services = Object.entries(options.processes ?? {}).filter(
    (entry): entry is [string, string | URL | ServiceOptions] => entry[1] !== undefined,
  );
  const layout = new Layout(workerIds ?? workers, services.map(([name]) => name));
  // null, from a JSON config, is as good as not given.
  const worker = options.worker ?? undefined;
  if (workers > 0 && worker === undefined) {
    throw new TypeError(
      `Cluster.start() needs a "worker" module for ${counted(workers, "worker")}`,
    );
  }
  // Else a number would be looked for on disk, and "" fail with Deno's bare Error.
  if (worker !== undefined && !isModule(worker)) {
    throw new TypeError(
      `Cluster.start() has an invalid "worker": a path or URL to the worker module, got ${
        shown(worker)
      }`,
    );
  }
  checkDenoOptions(options, "Cluster.start()");
  for (const key of BOOLEAN_OPTIONS) checkBoolean(options[key], key, "Cluster.start()");
  const required = options.reusePort ? REUSE_PORT_FLAGS : [];
  const shared: DenoChildSpec = {
    module: worker ?? "",
    permissions: options.permissions ?? {},
    flags: [...required, ...(options.flags ?? [])],
    args: options.args ?? [],
    labelOutput: outputLabels(options.labelOutput, "Cluster.start()"),
    ...watchedAndLimited(options, "Cluster.start()"),
    ...childPlace(options, "Cluster.start()"),
  };
  const restart = restartPolicy(options.restart);
  const children = new Map<Address, ChildSpec>(layout.workerIds.map((id) => [id, shared]));
  for (const [name, service] of services) {
    children.set(name, serviceSpec(name, service, shared, required, restart));
  }
  // The manager checks that a queue holds a message of the largest size,
  // with what its transport adds to one.
  const maxQueuedBytes = positive(options, "maxQueuedBytes");
  const maxFrameSize = positive(options, "maxFrameSize");
  // The library's own frames (events, layouts, failed answers) must fit, as a handshake's do.
  if (maxFrameSize < HANDSHAKE_FRAME_LIMIT) {
    throw new TypeError(
      `"maxFrameSize" must be at least ${HANDSHAKE_FRAME_LIMIT} bytes, the room control frames need, got ${maxFrameSize}`,
    );
  }
  // Larger, a message under it could not be framed, and would fail with a bare RangeError.
  if (maxFrameSize > MAX_LENGTH) {
    throw new TypeError(
      `"maxFrameSize" must be at most ${MAX_LENGTH} bytes, what a frame's 4-byte length can say, got ${maxFrameSize}`,
    );
  }
  refuseMemoryLimits(children, restart);
  return {
    layout,
    children,
    maxFrameSize,
    requestTimeout: positive(options, "requestTimeout"),
    highWaterMark: highWaterMark(options, maxQueuedBytes, maxFrameSize),
    maxQueuedBytes,
    startTimeout: withinTimers("startTimeout", positive(options, "startTimeout")),
    stopTimeout: withinTimers("stopTimeout", positive(options, "stopTimeout")),
    restart,
    escalate: options.escalate ?? true,
    signals: options.signals ?? true,
    schemas: checkSchemas(options.schemas, "Cluster.start()"),
    ...controlPath(options.control),
  };
}

/**
 * The `control` option: a socket path, as a Unix socket address holds it
 * (103 bytes, as the cluster's own sockets), in a directory that leaves
 * room for the socket first made within it. null, from a JSON config, is
 * as good as not given.
 *
 * @throws {TypeError} When it is not such a path.
 */
function controlPath(control: unknown): { control?: string } {
  if (control == null) return {};
  if (typeof control !== "string" || control === "" || control.includes("\0")) {
    throw new TypeError(
      `Cluster.start() has an invalid "control": a path for the control socket, got ${
        shown(control)
      }`,
    );
  }
  if (new TextEncoder().encode(control).length > MAX_SOCKET_PATH) {
    throw new TypeError(
      `Cluster.start(): the "control" socket path ${control} is over ${MAX_SOCKET_PATH} bytes, ` +
        `the most a Unix socket's path may have`,
    );
  }
  // The socket is made in a private directory within the path's first (see
  // `ControlSocket.listen`): a path that fit failed there, on a path not its own.
  const room = MAX_SOCKET_PATH - MADE_PATH_BYTES;
  if (new TextEncoder().encode(controlDir(control)).length > room) {
    throw new TypeError(
      `Cluster.start(): the "control" socket path ${control} is too long: its directory may have ` +
        `at most ${room} bytes, as the socket is first made in a private directory within it ` +
        `(${MAX_SOCKET_PATH} bytes, the most a Unix socket's path may have)`,
    );
  }
  return { control };
}

/** The options of `Cluster.start()` that are booleans (`labelOutput` may be an object too). */
const BOOLEAN_OPTIONS = ["escalate", "signals", "ready", "reusePort"] as const;

/**
 * Refuses the `permissions`, `flags` or `args` of the cluster or of a
 * service when Deno would not take them as meant.
 *
 * @param where Whose they are, for the message: `Cluster.start()`.
 * @throws {TypeError} Naming the option and where it was given.
 */
function checkDenoOptions(
  options: { permissions?: Permissions; flags?: readonly string[]; args?: readonly string[] },
  where: string,
): void {
  // null, from a JSON config, is as good as not given, for these as for every option.
  if (options.permissions != null) checkPermissions(options.permissions, where);
  checkStrings(options, "flags", where);
  checkStrings(options, "args", where);
}

/**
 * Refuses a `flags` or `args` that is not a list of strings: a string,
 * spread, would become one argument a character.
 *
 * @throws {TypeError} Naming the option and where it was given.
 */
function checkStrings(
  options: { flags?: readonly string[]; args?: readonly string[] },
  key: "flags" | "args",
  where: string,
): void {
  const value: unknown = options[key];
  if (value == null) return;
  if (!Array.isArray(value) || !value.every((entry) => typeof entry === "string")) {
    throw new TypeError(
      `${where} has an invalid "${key}": ${shown(value)} is not a list of strings${
        typeof value === "string" ? ` (write [${JSON.stringify(value)}])` : ""
      }`,
    );
  }
}

/** Whether `module` names a module: a path that is not empty, or a URL. */
function isModule(module: unknown): module is string | URL {
  return (typeof module === "string" && module !== "") || module instanceof URL;
}

/**
 * How to start one service: its module, with the cluster's permissions,
 * flags and arguments unless it has its own; or its command, as it is.
 * Either kind has the cluster's `env` with its own over it, and its own
 * `cwd` or the cluster's.
 *
 * @param required The flags every Deno child gets (`reusePort`'s).
 * @param restart The cluster's restart policy, which its own completes.
 * @throws {TypeError} When it has both or neither of `module` and
 * `command`, a command that is not a list of strings starting with a
 * program, or Deno's options beside a command.
 */
function serviceSpec(
  name: string,
  service: string | URL | ServiceOptions,
  shared: DenoChildSpec,
  required: readonly string[],
  restart: RestartPolicy | null,
): ChildSpec {
  const spec: ServiceOptions = typeof service === "string" || service instanceof URL
    ? { module: service }
    : service ?? {};
  checkOptionNames(spec, SERVICE_OPTIONS, `Service "${name}"`);
  if (spec.module !== undefined && spec.command !== undefined) {
    throw new TypeError(`Service "${name}" has both a module and a command: give one`);
  }
  if (spec.module === undefined && spec.command === undefined) {
    throw new TypeError(
      `Service "${name}" needs a module (a path or URL) or a command (an executable and its arguments)`,
    );
  }
  if (spec.command !== undefined) {
    const { command } = spec;
    if (
      !Array.isArray(command) || command.length === 0 || command[0] === "" ||
      !command.every((part) => typeof part === "string")
    ) {
      throw new TypeError(
        `Service "${name}" has an invalid "command": a list of strings, the executable first`,
      );
    }
    // Deno's options mean nothing to another executable: refused, not ignored.
    const denoOnly = (["permissions", "flags", "args"] as const).filter((key) =>
      spec[key] !== undefined
    );
    if (denoOnly.length > 0) {
      throw new TypeError(
        `Service "${name}" runs a command, which takes no "${denoOnly[0]}": ${
          denoOnly[0] === "args"
            ? "put its arguments in the command"
            : "they are Deno's, and the command runs outside Deno's sandbox"
        }`,
      );
    }
    return {
      command: [...command],
      labelOutput: shared.labelOutput,
      ...watchedAndLimited(spec, `Service "${name}"`, shared),
      ...childPlace(spec, `Service "${name}"`, shared),
      ...ownSupervision(spec, name, restart),
    };
  }
  if (!isModule(spec.module)) {
    throw new TypeError(`Service "${name}" needs a module: a path or URL`);
  }
  checkDenoOptions(spec, `Service "${name}"`);
  return {
    module: spec.module,
    permissions: spec.permissions ?? shared.permissions,
    flags: spec.flags ? [...required, ...spec.flags] : shared.flags,
    args: spec.args ?? shared.args,
    labelOutput: shared.labelOutput,
    ...watchedAndLimited(spec, `Service "${name}"`, shared),
    ...childPlace(spec, `Service "${name}"`, shared),
    ...ownSupervision(spec, name, restart),
  };
}

/**
 * A service's own `restart`, `stopTimeout` and `escalate`, each left out
 * when it has none (or `null`, from a JSON config): the cluster's apply.
 * Its own `restart` options complete the cluster's policy, or the
 * defaults when the cluster's is `false`; `true` is that policy as it is.
 *
 * @param restart The cluster's restart policy.
 * @throws {TypeError} Naming the service and the option, when one is
 * not as the cluster's would have to be.
 */
function ownSupervision(
  spec: ServiceOptions,
  name: string,
  restart: RestartPolicy | null,
): Pick<ChildSpec, "restart" | "stopTimeout" | "escalate"> {
  const where = `Service "${name}"`;
  checkBoolean(spec.escalate, "escalate", where);
  const own: Pick<ChildSpec, "restart" | "stopTimeout" | "escalate"> = {};
  if (spec.restart != null) {
    own.restart = restartPolicy(spec.restart, restart ?? DEFAULT_RESTART, where);
  }
  if (spec.stopTimeout != null) {
    const value: unknown = spec.stopTimeout;
    if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
      throw new TypeError(
        `${where}: "stopTimeout" must be a finite number of ms above 0, got ${shown(value)}`,
      );
    }
    own.stopTimeout = withinTimers("stopTimeout", value, where);
  }
  if (spec.escalate != null) own.escalate = spec.escalate;
  return own;
}

/**
 * A child spec's `hangTimeout` and `maxMemory` fields, each left out when
 * it is off: those `given` says (`false`: off), checked, else those of
 * `otherwise` (a service's: the cluster's).
 *
 * @param where Whose options they are, for the message: `Cluster.start()`.
 * @throws {TypeError} When one given is not `false` or a valid number
 * (see {@linkcode hangTimeout} and {@linkcode maxMemory}).
 */
function watchedAndLimited(
  given: { hangTimeout?: unknown; maxMemory?: unknown },
  where: string,
  otherwise: { hangTimeout?: number; maxMemory?: number } = {},
): { hangTimeout?: number; maxMemory?: number } {
  // null, from a JSON config, is as good as not given: `otherwise`.
  const timeout = given.hangTimeout == null
    ? otherwise.hangTimeout
    : hangTimeout(given.hangTimeout, where);
  const limit = given.maxMemory == null ? otherwise.maxMemory : maxMemory(given.maxMemory, where);
  return {
    ...(timeout === undefined ? {} : { hangTimeout: timeout }),
    ...(limit === undefined ? {} : { maxMemory: limit }),
  };
}

/**
 * The watchdog's timeout (`hangTimeout`), in ms; undefined when it is off
 * (`false`, or not given: foreign peers written before `$ping` existed
 * close a connection that sends it).
 *
 * @param where Whose option it is, for the message: `Cluster.start()`.
 * @throws {TypeError} When it is not `false` or a finite number of ms
 * above 0 within the timers' range: NaN would never fire, 0 would kill
 * every child at its first probe.
 */
function hangTimeout(value: unknown, where: string): number | undefined {
  if (value == null || value === false) return undefined;
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(
      `${where}: "hangTimeout" must be false or a finite number of ms above 0, got ${shown(value)}`,
    );
  }
  return withinTimers("hangTimeout", value, where);
}

/**
 * The memory limit (`maxMemory`), in bytes; undefined when there is none
 * (`false`, or not given).
 *
 * @param where Whose option it is, for the message: `Cluster.start()`.
 * @throws {TypeError} When it is not `false` or a finite number of bytes
 * of at least 1 MiB: a Deno process holds some 35 MiB as it starts, and a
 * smaller number is a count of MiB (`512`) or a string (`"512M"`, PM2's
 * way) taken for bytes, which would replace every child at each check.
 */
function maxMemory(value: unknown, where: string): number | undefined {
  if (value == null || value === false) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < MEBIBYTE) {
    const hint = typeof value === "number" && value > 0 && Number.isFinite(value)
      ? ` (it is in bytes: write ${value} * 1024 * 1024 for ${value} MiB)`
      : typeof value === "string"
      ? " (a number of bytes, not a string: 512 * 1024 * 1024 for 512 MiB)"
      : "";
    throw new TypeError(
      `${where}: "maxMemory" must be false or a number of bytes of at least 1 MiB (${MEBIBYTE}), ` +
        `got ${shown(value)}${hint}`,
    );
  }
  return value;
}

/**
 * Refuses a memory limit with `restart: false` (the cluster's, or the
 * child's own): a child over it is replaced, and each replacement counts
 * as a restart, of which none may be made.
 *
 * @param restart The cluster's restart policy: a child's own overrides it.
 * @throws {TypeError} Naming the first child with a limit and no restarts.
 */
function refuseMemoryLimits(
  children: ReadonlyMap<Address, ChildSpec>,
  restart: RestartPolicy | null,
): void {
  for (const [address, spec] of children) {
    if (spec.maxMemory === undefined) continue;
    if ((spec.restart === undefined ? restart : spec.restart) !== null) continue;
    const where = spec.restart === undefined
      ? `Cluster.start(): "maxMemory" (${describe(address)} has one)`
      : `Service "${address}": "maxMemory"`;
    throw new TypeError(
      `${where} replaces a child over it, which counts as a restart, and "restart" is false` +
        `${spec.restart === undefined ? "" : " for it"}: give restart options, or leave ` +
        `maxMemory out`,
    );
  }
}

/**
 * A restart policy: `false` is none; `true`, or not given, is `base`; an
 * object's options complete `base`, each checked.
 *
 * @param base What options not given are: the defaults for the cluster's,
 * the cluster's policy for a service's own.
 * @param where Whose option it is, for the message: the cluster's when
 * left out, else `Service "svc"`.
 * @throws {TypeError} Naming the option (and the service), when a value
 * is not as it must be.
 */
function restartPolicy(
  restart: ClusterOptions["restart"],
  base: RestartPolicy = DEFAULT_RESTART,
  where?: string,
): RestartPolicy | null {
  if (restart === false) return null;
  const prefix = where === undefined ? "" : `${where}: `;
  // The string "false", from a config, would restart by the default policy.
  if (restart != null && typeof restart !== "boolean" && typeof restart !== "object") {
    throw new TypeError(
      `${where ?? "Cluster.start()"}: "restart" must be true, false or restart options, got ${
        shown(restart)
      }`,
    );
  }
  // null, from a JSON config, is as good as not given.
  if (typeof restart === "object" && restart !== null) {
    checkOptionNames(restart, RESTART_OPTIONS, `${prefix}"restart"`);
  }
  const policy = { ...base };
  // An option given as undefined (or null, from a JSON config) keeps its default, as at the top level.
  for (const [key, value] of Object.entries(typeof restart === "object" ? restart ?? {} : {})) {
    if (value !== undefined && value !== null) policy[key as keyof RestartOptions] = value;
  }
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
      throw new TypeError(
        `${prefix}"restart.${key}" must be a finite number >= 0, got ${shown(value)}`,
      );
    }
  }
  // A count of restarts: 1.5 would allow two, and be reported as "1.5 restarts".
  if (!Number.isInteger(policy.maxRestarts)) {
    throw new TypeError(
      `${prefix}"restart.maxRestarts" must be a whole number >= 0, got ${
        shown(policy.maxRestarts)
      }`,
    );
  }
  withinTimers("restart.backoff", policy.backoff, where);
  withinTimers("restart.maxBackoff", policy.maxBackoff, where);
  return policy;
}

/**
 * Refuses a delay a timer cannot hold: past the timers' range (about 24.8
 * days), `setTimeout` fires at once.
 *
 * @param where Whose option it is, for the message, when several have it
 * (`Service "svc"`): a service's own `hangTimeout`.
 * @returns The delay.
 */
function withinTimers(name: string, ms: number, where?: string): number {
  if (ms <= MAX_TIMER_DELAY) return ms;
  throw new TypeError(
    `${where === undefined ? "" : `${where}: `}"${name}" must be at most ${MAX_TIMER_DELAY} ms ` +
      `(about 24.8 days, the timers' range), got ${ms}`,
  );
}

/**
 * The bytes queued for one peer above which `drain()` waits: low enough
 * that a message of the largest size fits in `maxQueuedBytes` once
 * `drain()` resolved. Above that, a sender that drains and sends again on
 * `QueueFullError` would spin: `drain()` resolving at once, the send
 * refused again, and the event loop never running to write what is queued.
 * Not given, the default, lowered to that room if it is less.
 *
 * @throws {TypeError} When one given is over that room.
 */
function highWaterMark(
  options: ClusterOptions,
  maxQueuedBytes: number,
  maxFrameSize: number,
): number {
  // Never below 0: the manager refuses a maxQueuedBytes that holds no largest message.
  const room = Math.max(0, maxQueuedBytes - maxFrameSize - HEADER_SIZE);
  if (options.highWaterMark == null) return Math.min(DEFAULTS.highWaterMark, room);
  const value = positive(options, "highWaterMark");
  if (value <= room) return value;
  throw new TypeError(
    `"highWaterMark" (${value}) must be at most "maxQueuedBytes" less "maxFrameSize" + ${HEADER_SIZE} ` +
      `(${room}): above it, drain() could resolve while a message of the largest size is still refused`,
  );
}

function positive(options: ClusterOptions, key: keyof typeof DEFAULTS): number {
  const value = options[key] ?? DEFAULTS[key];
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`"${key}" must be a finite number above 0, got ${shown(value)}`);
  }
  return value;
}

/**
 * Refuses a service whose name could not cross hosts: an address goes in
 * a broker envelope and a relay frame's head as at most 255 bytes of JSON.
 * Taken, its host joined and listed it, and every message to or from it
 * across hosts threw a bare RangeError.
 *
 * @throws {TypeError} When a name is over the limit.
 */
export function checkNamesCross(services: readonly string[]): void {
  for (const name of services) {
    const size = addressBytes(name).length;
    if (size > MAX_ADDRESS_BYTES) {
      throw new TypeError(
        `Service "${name}" cannot run in a cluster that spans hosts: its name is ${size} bytes as JSON, over the ${MAX_ADDRESS_BYTES} an address may have between hosts`,
      );
    }
  }
}
