/** Shared by the integration tests: the fixtures, a cluster, and ways to wait on events. */

import { type Address, Cluster, type ClusterOptions, type Message, type Peer } from "../mod.ts";
import { deadline } from "../src/deadline.ts";
import { SocketConnection, type UnixTransport } from "../src/unix_transport.ts";
import type { Outcome } from "./fixtures/remote_control.ts";

export const WORKER: URL = new URL("./fixtures/worker.ts", import.meta.url);
export const SERVICE: URL = new URL("./fixtures/service.ts", import.meta.url);
/** How long a test waits for an event before it fails: 10x what any takes here. */
export const WAIT = 10_000;

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
    return deadline(
      promise,
      WAIT,
      () => new Error(`Timed out waiting for ${what}: got ${JSON.stringify(this.data)}`),
    )
      .finally(() => this.#check = undefined);
  }

  /** Stops recording. */
  stop(): void {
    this.#stop();
  }
}

/** Resolves with the next message of `action` that `match` accepts; rejects after {@linkcode WAIT} ms. */
export function nextMessage(
  peer: Peer,
  action: string,
  match: (message: Message) => boolean = () => true,
): Promise<Message> {
  const { promise, resolve } = Promise.withResolvers<Message>();
  const off = peer.on(action, (_data, message) => {
    if (match(message)) resolve(message);
  });
  return deadline(promise, WAIT, () => new Error(`Timed out waiting for "${action}"`)).finally(off);
}

/** Whether a process with this pid runs (a signal that changes nothing reaches it). */
export function isRunning(pid: number): boolean {
  try {
    Deno.kill(pid, "SIGCONT");
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/**
 * Runs a fixture manager script in its own process, with a manager's
 * permissions, its stdout piped (children inherit it).
 */
export function managerProcess(fixture: string): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL(`./fixtures/${fixture}`, import.meta.url).href,
    ],
    stdout: "piped",
  });
}

/** Connects to `endpoint` of `transport` with no handshake: a bare framed connection. */
export async function connectTo(
  transport: UnixTransport,
  endpoint: string,
  maxFrameSize: number,
): Promise<SocketConnection> {
  const conn = await Deno.connect({ transport: "unix", path: transport.path(endpoint) });
  return new SocketConnection(conn, maxFrameSize);
}
