/**
 * Hosts of a cluster that spans several, on this one machine: each "host"
 * is a manager process of its own (or the test process itself), joined
 * through a NATS server, the one every machine of the project runs at
 * 127.0.0.1:4222 or a private one a test starts to kill and restart.
 */

import { Cluster, type ClusterOptions, managerOf } from "../../mod.ts";
import { natsBroker, type NatsConnectionOptions } from "../../nats.ts";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { type KV, Kvm } from "@nats-io/kv";
import type { BrokerLink } from "../../src/broker.ts";
import { type Bucket, makeBucket } from "../../src/nats/bucket.ts";
import { ManagerRun } from "../manager_run.ts";
import { nextEvent, waitFor } from "../helpers.ts";

export { event } from "../helpers.ts";

/** The NATS server every machine of the project runs. */
export const NATS = "127.0.0.1:4222";
const HOST = new URL("../fixtures/host.ts", import.meta.url);
export const HOST_WORKER: URL = new URL("../fixtures/host_worker.ts", import.meta.url);

/** Whether the shared NATS server answers; checked once. */
export const natsAnswers: boolean = await Deno.connect({ hostname: "127.0.0.1", port: 4222 })
  .then((conn) => (conn.close(), true), () => false);
if (!natsAnswers) {
  console.log(
    `NATS tests SKIPPED: no NATS server answers at ${NATS}. Start one: nats-server -a 127.0.0.1 -p 4222 -js`,
  );
}

/** The buckets of clusters that tests and examples name for one run (`t…`, `example-…`). */
const NAMED_FOR_ONE_RUN = /^switchboard_(t[0-9a-f]{8}|example-[0-9a-f]{8})$/;

/**
 * Removes, from the shared server, the membership buckets that earlier
 * runs of the tests and examples left: the library never deletes one (a
 * cluster's name may come back), and each run names clusters of its own.
 * Only those empty (every host gone, its keys expired) for a minute go:
 * another run's may be in use.
 */
async function removeBucketsOfEarlierRuns(): Promise<void> {
  const nc = await connect({ servers: NATS });
  try {
    const kvm = new Kvm(nc);
    const before = Date.now() - 60_000;
    const left: string[] = [];
    // Listed first, removed after: the list comes in pages, which removal would shift.
    for await (const status of kvm.list()) {
      const { created, state } = status.streamInfo;
      if (!NAMED_FOR_ONE_RUN.test(status.bucket) || state.messages > 0) continue;
      if (Date.parse(created) < before && Date.parse(state.last_ts) < before) {
        left.push(status.bucket);
      }
    }
    for (const bucket of left) await (await kvm.open(bucket)).destroy().catch(() => {});
  } finally {
    await nc.close();
  }
}
if (natsAnswers) await removeBucketsOfEarlierRuns();

/** A cluster name of this test's own, so that runs never meet. */
export function uniqueCluster(): string {
  return `t${crypto.randomUUID().slice(0, 8)}`;
}

/** A membership bucket of a test's own on the shared server, written by hand. */
export interface FreshBucket extends AsyncDisposable {
  nc: NatsConnection;
  bucket: Bucket;
  kv: KV;
}

/**
 * Makes a membership bucket of a cluster of its own on the shared server,
 * on a connection of its own; disposed, the bucket is destroyed and the
 * connection closed.
 */
export async function freshBucket(): Promise<FreshBucket> {
  const nc = await connect({ servers: NATS });
  const bucket: Bucket = {
    nc,
    name: `switchboard_${uniqueCluster()}`,
    options: { history: 1, ttl: 60_000, replicas: 1 },
    timeout: 1_000,
  };
  const kv = await makeBucket(bucket);
  return {
    nc,
    bucket,
    kv,
    async [Symbol.asyncDispose]() {
      await kv.destroy();
      await nc.close();
    },
  };
}

/** A host run as a process of its own (`fixtures/host.ts`). */
export function startHost(
  options: {
    cluster: string;
    host: string;
    workers?: number;
    services?: string[];
    servers?: string | string[];
    replicas?: number;
    backoff?: number;
  },
): ManagerRun {
  return new ManagerRun({ servers: NATS, ...options }, HOST);
}

/** This test process as a host of `cluster`, with `host_worker.ts` workers. */
export function joinHere(
  cluster: string,
  host: string,
  options: ClusterOptions & {
    servers?: string | string[];
    replicas?: number;
    connection?: NatsConnectionOptions;
    window?: number;
    heartbeat?: number;
    hostTimeout?: number;
  } = {},
): Promise<Cluster> {
  const { servers = NATS, replicas, connection, window, heartbeat, hostTimeout, ...rest } = options;
  return Cluster.start({
    worker: HOST_WORKER,
    workers: 2,
    broker: natsBroker({
      servers,
      cluster,
      host,
      replicas,
      connection,
      window,
      heartbeat,
      hostTimeout,
    }),
    ...rest,
  });
}

/**
 * Host `b`, once ready, then this process joined by `join` as another
 * host: both stopped when disposed, and `b` also when joining fails.
 */
export async function bThenHere(
  b: ManagerRun,
  join: () => Promise<Cluster>,
): Promise<
  { a: Cluster; b: ManagerRun; bReady: Awaited<ReturnType<ManagerRun["ready"]>> } & AsyncDisposable
> {
  try {
    const bReady = await b.ready();
    const a = await join();
    return {
      a,
      b,
      bReady,
      async [Symbol.asyncDispose]() {
        await a.stop();
        await b[Symbol.asyncDispose]();
      },
    };
  } catch (error) {
    await b[Symbol.asyncDispose]();
    throw error;
  }
}

/** Host `host`'s link to `cluster`, with one worker, reporting to `reports`: a broker link alone. */
export function joinLink(
  cluster: string,
  host: string,
  reports: Error[],
  options: { heartbeat?: number; hostTimeout?: number } = {},
): Promise<BrokerLink> {
  return natsBroker({ servers: NATS, cluster, host, ...options }).join({
    workers: 1,
    services: [],
    maxQueuedBytes: 1 << 26,
    report: (error) => reports.push(error),
  });
}

/** Resolves once `cluster` counts `workers` workers: another host's may be heard of after it started. */
export async function knowsWorkers(cluster: Cluster, workers: number): Promise<void> {
  if (cluster.workerCount >= workers) return;
  const enough = Promise.withResolvers<void>();
  const off = cluster.onLifecycle(() => {
    if (cluster.workerCount >= workers) enough.resolve();
  });
  await waitFor(enough.promise, () => `${workers} workers; counted ${cluster.workerCount}`)
    .finally(off);
}

/**
 * This process as host "a" of `cluster` (one worker) beside host `b`, once
 * each knows both workers; what either reports is ignored. Stopped again
 * if that fails.
 */
export async function quietBeside(cluster: string, b: Cluster): Promise<Cluster> {
  const a = await joinHere(cluster, "a", { workers: 1 });
  try {
    a.onError(() => {});
    b.onError(() => {});
    await knowsWorkers(a, 2);
    await knowsWorkers(b, 2);
    return a;
  } catch (error) {
    await a[Symbol.asyncDispose]();
    throw error;
  }
}

/**
 * Three NATS servers clustered, with JetStream, once JetStream answers
 * (its leaders are elected some seconds after the servers start): one of
 * them can be lost.
 */
export async function natsCluster(): Promise<NatsServer[]> {
  // Six at once, so that no two are the same: three for clients, three for the cluster's routes.
  const all = spareAtOnce(6);
  const [clientPorts, ports] = [all.slice(0, 3), all.slice(3)];
  const routes = ports.map((port) => `nats://127.0.0.1:${port}`).join(",");
  const servers = await Promise.all(ports.map((clusterPort, i) =>
    NatsServer.start([
      "-n",
      `n${i}`,
      "--cluster_name",
      "switchboard-test",
      "--cluster",
      `nats://127.0.0.1:${clusterPort}`,
      "--routes",
      routes,
    ], clientPorts[i])
  ));
  const nc = await connect({ servers: servers.map((server) => server.url) });
  try {
    await waitFor(
      (async () => {
        while (true) {
          try {
            const kv = await new Kvm(nc).create(`ready_${crypto.randomUUID().slice(0, 8)}`, {
              replicas: 3,
              timeout: 1_000,
            });
            return await kv.destroy();
          } catch {
            // Not elected yet: ask again.
          }
        }
      })(),
      "the NATS cluster's JetStream to answer",
      30_000,
    );
  } finally {
    await nc.close();
  }
  return servers;
}

/** A private NATS server on a spare port, with JetStream, to kill and restart. */
export class NatsServer {
  readonly port: number;
  readonly #store: string;
  readonly #extra: string[];
  readonly #jetstream: boolean;
  #process: Deno.ChildProcess | undefined;
  #draining: Promise<void> | undefined;

  private constructor(port: number, store: string, extra: string[], jetstream: boolean) {
    this.port = port;
    this.#store = store;
    this.#extra = extra;
    this.#jetstream = jetstream;
  }

  /**
   * Starts a server; `extra` are more `nats-server` arguments (e.g. to
   * cluster it); `jetstream: false` leaves JetStream off.
   */
  static async start(
    extra: string[] = [],
    port?: number,
    { jetstream = true }: { jetstream?: boolean } = {},
  ): Promise<NatsServer> {
    const store = await Deno.makeTempDir({ prefix: "switchboard-test-nats-" });
    const server = new NatsServer(port ?? spare(), store, extra, jetstream);
    await server.restart();
    return server;
  }

  /** The address to give a broker. */
  get url(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Starts it (again, on the same port and store); resolves once it says it is ready. */
  async restart(): Promise<void> {
    const process = new Deno.Command("nats-server", {
      args: [
        ...["-a", "127.0.0.1", "-p", String(this.port)],
        ...(this.#jetstream ? ["-js", "-sd", this.#store] : []),
        ...this.#extra,
      ],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#process = process;
    const lines = process.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let log = "";
    await waitFor(
      (async () => {
        while (!/Server is ready/.test(log)) {
          const { value, done } = await lines.read();
          if (done) throw new Error(`nats-server exited: ${log}`);
          log += value;
        }
      })(),
      `nats-server on port ${this.port}`,
    );
    // Read the rest of what it says, so that it never blocks on a full pipe.
    this.#draining = (async () => {
      while (!(await lines.read()).done);
    })();
  }

  /** Kills it, as a crash would. */
  async kill(): Promise<void> {
    this.#process?.kill("SIGKILL");
    await this.#process?.status;
    await this.#draining;
    this.#process = undefined;
  }

  /** Kills it and removes its store. */
  async stop(): Promise<void> {
    await this.kill();
    await Deno.remove(this.#store, { recursive: true });
  }
}

/** A port nothing listens at now. */
function spare(): number {
  return spareAtOnce(1)[0];
}

/**
 * `count` ports nothing listens at now, all different: each is held until
 * all are found (a port let go at once may be handed out again).
 */
function spareAtOnce(count: number): number[] {
  const listeners = Array.from(
    { length: count },
    () => Deno.listen({ hostname: "127.0.0.1", port: 0 }),
  );
  const ports = listeners.map((listener) => (listener.addr as Deno.NetAddr).port);
  for (const listener of listeners) listener.close();
  return ports;
}

/** Sends probes from `from` to `to`'s manager every 50 ms until one arrives. */
export async function probe(from: Cluster, to: Cluster, toHost: string): Promise<void> {
  let n = 0;
  const heard = nextEvent((listener) => to.on("probe", listener), `a probe to host ${toHost}`);
  const probing = setInterval(() => {
    try {
      from.sendMessage("probe", { n: n++ }, managerOf(toHost));
    } catch {
      // Refused while the way is down: the next one.
    }
  }, 50);
  try {
    await waitFor(heard, `a probe to host ${toHost}`, 20_000);
  } finally {
    clearInterval(probing);
  }
}

/** A host's worker ids, in order. */
export function workersOf(host: Cluster): number[] {
  return host.stats().children.flatMap((child) =>
    typeof child.address === "number" ? [child.address] : []
  ).sort((x, y) => x - y);
}

/** Resolves once `key` of `cluster`'s membership bucket has expired (or was deleted). */
export async function expired(cluster: string, key: string): Promise<void> {
  const nc = await connect({ servers: NATS });
  try {
    const kv = await new Kvm(nc).open(`switchboard_${cluster}`);
    const gone = (async () => {
      while ((await kv.get(key))?.operation === "PUT") {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await waitFor(gone, `key ${key} to expire`);
  } finally {
    await nc.close();
  }
}
