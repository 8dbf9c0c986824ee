/**
 * Scenario 6, start-up: milliseconds from `Cluster.start()` to ready, and
 * from spawning the same number of bare Deno children (same socket-only
 * permissions) to every one having connected and said hello.
 *
 * For information beside it (no target): `Cluster.start()` with the same
 * worker bundled into one file by `deno bundle`, library included (which
 * `mod.ts` already exports as one module); and that bundle again in
 * children that compile every function as it loads (`--no-lazy`), so that
 * Deno's code cache holds them all, not only the module's top level.
 *
 * @module
 */

import { spawnSocketChild } from "./socket_child.ts";
import { Cluster } from "../mod.ts";
import { type Figure, figure, record } from "./figure.ts";
import { RawConnection } from "./raw_connection.ts";
import { SETTINGS } from "./settings.ts";
import { bundle } from "./bundle.ts";

const STARTUP_WORKER = new URL("./startup_worker.ts", import.meta.url);
const BARE_CHILD = new URL("./bare_child.ts", import.meta.url);

/** The start-up figures' columns. */
export const BARE = "bare Deno children";
export const CLUSTER = "Cluster.start()";
export const BUNDLED = "Cluster.start(), bundled worker";
export const EAGER = "bundled, compiled eagerly";
/** Compiles every function when the module loads, so the code cache holds them. */
const EAGER_FLAGS = ["--v8-flags=--no-lazy"];

/**
 * Times the bare children and the three ways of starting each number of
 * workers, alternating, after a warm-up of each (which also fills Deno's
 * module and code caches).
 *
 * @param progress Told before each repetition.
 */
export async function runStartup(progress: (repetition: number) => void): Promise<Figure[]> {
  const figures = SETTINGS.startup.workers.map((n) =>
    figure(`startup.${n}`, 6, `start-up, ${n} worker${n === 1 ? "" : "s"}`, "ms", false)
  );
  const dir = await Deno.makeTempDir({ prefix: "switchboard-bench-bundle-" });
  try {
    const bundled = new URL(`file://${dir}/startup_worker.js`);
    await bundle(STARTUP_WORKER, bundled.pathname);
    // A copy of its own: Deno keeps one code cache per module, and V8
    // rejects a cache made under other flags, so children with and without
    // --no-lazy sharing one file would each compile it afresh every time.
    const eager = new URL(`file://${dir}/startup_worker_eager.js`);
    await Deno.copyFile(bundled, eager);
    await timeBareChildren(1);
    await timeClusterStart(1);
    await timeClusterStart(1, { worker: bundled });
    await timeClusterStart(1, { worker: eager, flags: EAGER_FLAGS });
    for (let repetition = 0; repetition < SETTINGS.repetitions; repetition++) {
      progress(repetition);
      for (const [i, n] of SETTINGS.startup.workers.entries()) {
        record(figures[i], BARE, await timeBareChildren(n));
        record(figures[i], CLUSTER, await timeClusterStart(n));
        record(figures[i], BUNDLED, await timeClusterStart(n, { worker: bundled }));
        record(figures[i], EAGER, await timeClusterStart(n, { worker: eager, flags: EAGER_FLAGS }));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return figures;
}

/** How {@linkcode timeClusterStart} starts its workers. */
export interface StartWith {
  /** The worker module; the bench's start-up worker when left out. */
  worker?: URL;
  /** More `deno run` flags for the children. */
  flags?: string[];
  /** Another checkout's `Cluster` (see startup_ab.ts); this one's when left out. */
  cluster?: typeof Cluster;
}

/** Milliseconds until `Cluster.start()` resolves with `workers` ready; then stops it. */
export async function timeClusterStart(
  workers: number,
  { worker = STARTUP_WORKER, flags = [], cluster = Cluster }: StartWith = {},
): Promise<number> {
  const start = performance.now();
  const started = await cluster.start({ worker, workers, flags });
  const elapsed = performance.now() - start;
  await started.stop();
  return elapsed;
}

/** Milliseconds until `children` bare Deno children have said hello; then ends them. */
export async function timeBareChildren(children: number): Promise<number> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-bench-bare-" });
  const path = `${dir}/bare.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const start = performance.now();
  const processes = Array.from({ length: children }, () => spawnSocketChild(BARE_CHILD, path));
  const hellos: Promise<void>[] = [];
  const connections: RawConnection[] = [];
  for (let i = 0; i < children; i++) {
    const { promise, resolve } = Promise.withResolvers<void>();
    connections.push(new RawConnection(await listener.accept(), () => resolve()));
    hellos.push(promise);
  }
  await Promise.all(hellos);
  const elapsed = performance.now() - start;
  listener.close();
  for (const connection of connections) connection.close();
  await Promise.all(processes.map((child) => child.status));
  await Deno.remove(dir, { recursive: true });
  return elapsed;
}
