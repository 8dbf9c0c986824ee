/** Shared by the integration tests: the fixtures, a cluster, and ways to wait on events. */

import {
  type Address,
  Cluster,
  type ClusterOptions,
  type LifecycleEvent,
  type Message,
  type Peer,
} from "../mod.ts";
import { deadline } from "../src/deadline.ts";
import { type Load, steadyRequests } from "./fixtures/load.ts";
import type { Outcome } from "./fixtures/remote_control.ts";

export const WORKER: URL = new URL("./fixtures/worker.ts", import.meta.url);
export const SERVICE: URL = new URL("./fixtures/service.ts", import.meta.url);
/** How long a test waits for an event before it fails: 10x what any takes here. */
export const WAIT = 10_000;

/**
 * Resolves as `promise` does, unless {@linkcode WAIT} ms (or `ms`) pass
 * first: then it rejects, saying what it was waiting for. Every wait in the
 * tests goes through here; none sleeps and hopes.
 */
export function waitFor<T>(
  promise: Promise<T>,
  what: string | (() => string),
  ms = WAIT,
): Promise<T> {
  return deadline(
    promise,
    ms,
    () =>
      new Error(`Timed out after ${ms} ms waiting for ${typeof what === "string" ? what : what()}`),
  );
}

/**
 * The first value that `subscribe` hands its listener and `match` accepts;
 * the listener is removed then, or when the wait times out.
 *
 * @param subscribe Adds a listener and returns its remover (`peer.onError`, say).
 * @param ms How long to wait, from now.
 */
export function nextEvent<T>(
  subscribe: (listener: (value: T) => void) => () => void,
  what: string,
  match: (value: T) => boolean = () => true,
  ms = WAIT,
): Promise<T> {
  const { promise, resolve } = Promise.withResolvers<T>();
  const off = subscribe((value) => {
    if (match(value)) resolve(value);
  });
  return waitFor(promise, what, ms).finally(off);
}

/**
 * Sends the fixture's `holdRequest` to each of `workers` (answered on
 * "release"); resolves once each has it: a request answered after them on
 * the same connection. A worker holding one does not finish stopping.
 */
export async function hold(cluster: Cluster, workers: number[]): Promise<Promise<unknown>[]> {
  const held = workers.map((to) => cluster.request("holdRequest", {}, { to }));
  await Promise.all([...new Set(workers)].map((to) => cluster.request("echoRequest", {}, { to })));
  return held;
}

/** Starts the fixture cluster: 3 workers and the "logger" service. */
export function startCluster(options: ClusterOptions = {}): Promise<Cluster> {
  return Cluster.start({ worker: WORKER, workers: 3, processes: { logger: SERVICE }, ...options });
}

/** Has a child perform an operation through its own peer, and returns the outcome. */
export async function remote(
  cluster: Cluster,
  child: Address,
  operation: Record<string, unknown>,
): Promise<Outcome> {
  return await cluster.request("doRequest", operation, { to: child }) as Outcome;
}

/**
 * Runs steady requests of `action` from the manager and from worker `from`
 * (default 1; four loops each, to `to`, default `ANY`) through `during`, once each load has
 * been answered by all `workers`; then stops them and returns both loads.
 */
export async function loadsThrough(
  cluster: Cluster,
  load: { action: string; data: unknown; workers: number; to?: Address; from?: Address },
  during: () => Promise<unknown>,
): Promise<Load[]> {
  const { action, data, workers, to, from = 1 } = load;
  const done = Promise.withResolvers<void>();
  const managerEvery = Promise.withResolvers<void>();
  const fromManager = steadyRequests(cluster, action, data, 4, done.promise, {
    workers,
    onEvery: managerEvery.resolve,
    to,
  });
  const workerEvery = nextMessage(cluster, "loadEvery");
  const fromWorker = remote(cluster, from, { op: "load", action, data, loops: 4, workers, to });
  await waitFor(Promise.all([managerEvery.promise, workerEvery]), "both loads running");
  try {
    await during();
  } finally {
    done.resolve();
    cluster.sendMessage("stopLoad", {}, from);
  }
  return [await fromManager, ((await fromWorker) as { ok: Load }).ok];
}

/** Records every message of one action that a peer receives. */
export class Recorder<T = unknown> {
  readonly messages: Message[] = [];
  readonly #stop: () => void;
  #check: (() => void) | undefined;

  constructor(peer: Peer, action: string) {
    this.#stop = peer.on(action, (_data, message) => {
      this.messages.push(message);
      this.#check?.();
    });
  }

  /** The data of the messages so far. */
  get data(): T[] {
    return this.messages.map((message) => message.data as T);
  }

  /** Resolves once `done` holds for the data so far; rejects after {@linkcode WAIT} ms. */
  until(done: (data: T[]) => boolean, what = "the expected messages"): Promise<T[]> {
    const { promise, resolve } = Promise.withResolvers<T[]>();
    this.#check = () => {
      if (done(this.data)) resolve(this.data);
    };
    this.#check();
    return waitFor(promise, () => `${what}: got ${JSON.stringify(this.data)}`)
      .finally(() => this.#check = undefined);
  }

  /** Stops recording. */
  stop(): void {
    this.#stop();
  }
}

/**
 * Resolves with the next message of `action` that `match` accepts; rejects
 * after `ms` ({@linkcode WAIT} unless told), counted from now.
 */
export function nextMessage(
  peer: Peer,
  action: string,
  match: (message: Message) => boolean = () => true,
  ms = WAIT,
): Promise<Message> {
  return nextEvent<Message>(
    (listener) => peer.on(action, (_data, message) => listener(message)),
    `"${action}"`,
    match,
    ms,
  );
}

/**
 * Whether a process with this pid runs: it exists and is no zombie (a
 * child whose manager died is reaped by whoever adopts it, if anyone).
 * Asks `ps`: Deno reads `/proc` only with every permission.
 */
export function isRunning(pid: number): boolean {
  return ps(["-p", String(pid)]).length > 0;
}

/** The pids of this process's children that run now (not zombies). */
export function runningChildren(): number[] {
  return ps(["--ppid", String(Deno.pid)]);
}

/** The pids `ps` lists for `selection`, zombies and `ps` itself left out. */
function ps(selection: string[]): number[] {
  const { stdout } = new Deno.Command("ps", { args: ["-o", "pid=,stat=,comm=", ...selection] })
    .outputSync();
  return new TextDecoder().decode(stdout).trim().split("\n").filter((line) => line.trim())
    .map((line) => line.trim().split(/\s+/))
    .filter(([, stat, command]) => !stat.startsWith("Z") && command !== "ps")
    .map(([pid]) => Number(pid));
}

/**
 * Runs a fixture manager script in its own process, with a manager's
 * permissions, its stdout piped (children inherit it), and its stderr if
 * asked; given `args`, in `cwd` (default this process's), with `env` added
 * to this process's environment.
 */
export function managerProcess(
  fixture: string,
  options: {
    stderr?: "inherit" | "piped";
    args?: string[];
    cwd?: string;
    env?: Record<string, string>;
  } = {},
): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL(`./fixtures/${fixture}`, import.meta.url).href,
      ...options.args ?? [],
    ],
    cwd: options.cwd,
    env: options.env,
    stdout: "piped",
    stderr: options.stderr ?? "inherit",
  });
}

/** The next lifecycle event of `type` about `address` that `cluster` hears. */
export function event(cluster: Cluster, type: string, address: unknown): Promise<LifecycleEvent> {
  return nextEvent<LifecycleEvent>(
    (listener) => cluster.onLifecycle(listener),
    `a "${type}" event about ${String(address)}`,
    (e) => e.type === type && e.address === address,
  );
}

/** What `cluster` hears of `address`, as "type address", in order. */
export function heardOf(cluster: Cluster, address: number): string[] {
  const heard: string[] = [];
  cluster.onLifecycle((e: LifecycleEvent) => {
    if (e.address === address) heard.push(`${e.type} ${e.address}`);
  });
  return heard;
}

/** Resolves once `cluster` says its child `address` is in `state` (checked each 5 ms). */
export async function stateIs(cluster: Cluster, address: number, state: string): Promise<void> {
  const giveUpAt = Date.now() + WAIT;
  while (cluster.stats().children.find((child) => child.address === address)?.state !== state) {
    if (Date.now() > giveUpAt) {
      throw new Error(`Child ${address} was not ${state} within ${WAIT} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A service running the fixture `module`, given `dir` as its argument, to read and write. */
export function serviceIn(
  dir: string,
  module: string,
): { module: URL; permissions: { read: string[]; write: string[] }; args: string[] } {
  return {
    module: new URL(`./fixtures/${module}`, import.meta.url),
    permissions: { read: [dir], write: [dir] },
    args: [dir],
  };
}

/**
 * Resolves once a file named `name` appears where `watcher` watches (made
 * before whatever writes it, so that it cannot come unseen).
 */
export function fileAppears(watcher: Deno.FsWatcher, name: string): Promise<void> {
  return waitFor(
    (async () => {
      for await (const change of watcher) {
        if (change.paths.some((path) => path.endsWith(`/${name}`))) return;
      }
    })(),
    `the file "${name}"`,
  );
}

/**
 * A shell script in `dir` that runs `fixtures/service.ts`: a `command`
 * service whose program a test can move away (its reload then cannot be
 * spawned).
 */
export async function serviceScript(dir: string): Promise<string> {
  const script = `${dir}/svc.sh`;
  const service = new URL("./fixtures/service.ts", import.meta.url).pathname;
  await Deno.writeTextFile(script, `#!/bin/sh\nexec "${Deno.execPath()}" run -A "${service}"\n`);
  await Deno.chmod(script, 0o755);
  return script;
}

/**
 * Reloads worker 0 and, once the reload began, has worker 1 send it a
 * message as its old process goes (a fixture's `sendUntilGoneRequest`):
 * resolves with what worker 1's `sendMessage` counted, and the reload.
 */
export async function sendAsWorker0Goes(
  cluster: Cluster,
): Promise<{ count: unknown; reload: Promise<void> }> {
  const reloading = event(cluster, "reload", 0);
  const reload = cluster.reload(0);
  await waitFor(reloading, "the reload to begin");
  const count = await cluster.request("sendUntilGoneRequest", {
    to: 0,
    path: `${cluster.socketDir}/w0.sock`,
  }, { to: 1 });
  return { count, reload };
}
