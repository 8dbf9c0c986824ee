/**
 * Scenario 6, start-up: milliseconds from `Cluster.start()` to ready, and
 * from spawning the same number of bare Deno children (same socket-only
 * permissions) to every one having connected and said hello.
 *
 * For information beside it (no target): `Cluster.start()` with the same
 * worker bundled into one file by `deno bundle`, library included (which
 * `mod.ts` already exports as one module).
 *
 * @module
 */

import { spawnSocketChild } from "./socket_child.ts";
import { Cluster } from "../mod.ts";
import { type Figure, figure, record } from "./figure.ts";
import { RawConnection } from "./raw_connection.ts";
import { SETTINGS } from "./settings.ts";
import { bundle } from "../tools/build.ts";

const STARTUP_WORKER = new URL("./startup_worker.ts", import.meta.url);
const BARE_CHILD = new URL("./bare_child.ts", import.meta.url);

/** The start-up figures' columns. */
export const BARE = "bare Deno children";
export const CLUSTER = "Cluster.start()";
export const BUNDLED = "Cluster.start(), bundled worker";

/**
 * Times both ways of starting each number of workers, alternating, after a
 * warm-up of each (which also fills Deno's module cache).
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
    await timeBareChildren(1);
    await timeClusterStart(1);
    await timeClusterStart(1, bundled);
    for (let repetition = 0; repetition < SETTINGS.repetitions; repetition++) {
      progress(repetition);
      for (const [i, n] of SETTINGS.startup.workers.entries()) {
        record(figures[i], BARE, await timeBareChildren(n));
        record(figures[i], CLUSTER, await timeClusterStart(n));
        record(figures[i], BUNDLED, await timeClusterStart(n, bundled));
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return figures;
}

/**
 * Milliseconds until `Cluster.start()` resolves with `workers` ready; then
 * stops it. `cluster` may be another checkout's `Cluster` (see startup_ab.ts).
 */
export async function timeClusterStart(
  workers: number,
  worker = STARTUP_WORKER,
  cluster: typeof Cluster = Cluster,
): Promise<number> {
  const start = performance.now();
  const started = await cluster.start({ worker, workers });
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
