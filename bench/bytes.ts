/**
 * Scenario 9, bytes: one-way messages that are a 1 or 4 MiB Uint8Array,
 * manager to one worker, against the raw floor: the same bytes over a bare
 * Unix socket, written straight from the sender's array behind a 4-byte
 * length, read into one reused buffer (nothing is faster), or into a fresh
 * array each (what a receiver that keeps them does). Each waits for the
 * receiver to have them all; side by side in one run, in alternating
 * blocks.
 *
 * Twice over, side by side: with the receivers' glibc as it comes, and
 * told to keep freed memory. As it comes, a receiver that keeps the bytes
 * falls at random into a mode where glibc gives freed memory back and
 * every page of the next array faults in anew (about 10 µs a page here),
 * which swamps what the software costs; kept, only the software shows.
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import { type Figure, figure, record } from "./figure.ts";
import type { BenchProtocol } from "./protocol.ts";
import { sizeName } from "./scenarios.ts";
import { SETTINGS } from "./settings.ts";
import { spawnSocketChild } from "./socket_child.ts";

/**
 * The contenders of scenario 9: the floor, the raw way to keep the bytes,
 * and Switchboard, copying (`sendMessage`) and lending (`sendLending`).
 */
export const RAW_REUSED = "raw, one buffer";
export const RAW_KEPT = "raw, fresh arrays";
export const SWITCHBOARD_BYTES = "switchboard m→w";
export const SWITCHBOARD_LENDING = "switchboard lending";
export const BYTES_CONTENDERS = [RAW_REUSED, RAW_KEPT, SWITCHBOARD_BYTES, SWITCHBOARD_LENDING];

/**
 * glibc told to keep freed memory for reuse, in the environment the
 * receivers start with (a Switchboard worker inherits its manager's).
 */
export const KEEP_FREED_MEMORY: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: "67108864",
  MALLOC_TRIM_THRESHOLD_: "268435456",
};

const WORKER = new URL("./switchboard_worker.ts", import.meta.url);
const RAW_CHILD = new URL("./bytes_raw_child.ts", import.meta.url);

/** A way to move `count` arrays to one receiver; resolves with the seconds it took. */
export type Mover = (bytes: Uint8Array, count: number) => Promise<number>;

/** One setting of the receivers' memory: its figures, one per size, and its movers. */
interface Setting {
  figures: Figure[];
  movers: [string, Mover][];
}

/**
 * Scenario 9's figures, one per size and memory setting, in MB/s: glibc
 * as it comes (`bytes.<size>`), then keeping freed memory
 * (`bytes.kept.<size>`).
 */
export async function runBytes(progress: (repetition: number) => void): Promise<Figure[]> {
  const { sizes, bytesPerSize, blocks, warmUpBytes } = SETTINGS.bytes;
  await using stack = new AsyncDisposableStack();
  const settings: Setting[] = [];
  for (const kept of [false, true]) {
    const receivers = await withEnvironment(kept ? KEEP_FREED_MEMORY : {}, async () => ({
      cluster: stack.use(await Cluster.start<BenchProtocol>({ worker: WORKER, workers: 1 })),
      // A worker of its own, as the prototype measured it (bench/BYTES.md, 2026-12-07, fifth).
      lending: stack.use(await Cluster.start<BenchProtocol>({ worker: WORKER, workers: 1 })),
      reused: stack.use(await startRawReceiver(true)),
      fresh: stack.use(await startRawReceiver(false)),
    }));
    const memory = kept ? ", glibc keeping freed memory" : "";
    settings.push({
      figures: sizes.map((size) =>
        figure(
          `bytes.${kept ? "kept." : ""}${size}`,
          9,
          `one-way Uint8Array of ${sizeName(size)}${memory}`,
          "MB/s",
          true,
        )
      ),
      movers: [
        [RAW_REUSED, receivers.reused.move],
        [RAW_KEPT, receivers.fresh.move],
        [SWITCHBOARD_BYTES, (bytes, count) => moveBySwitchboard(receivers.cluster, bytes, count)],
        [SWITCHBOARD_LENDING, lendingMover(receivers.lending)],
      ],
    });
  }
  const arrays = sizes.map(fill);
  for (const { movers } of settings) {
    for (const [, move] of movers) {
      for (const bytes of arrays) await move(bytes, Math.round(warmUpBytes / bytes.length));
    }
  }
  for (let repetition = 0; repetition < SETTINGS.repetitions; repetition++) {
    progress(repetition);
    for (const [i, bytes] of arrays.entries()) {
      const count = Math.round(bytesPerSize / bytes.length / blocks);
      const seconds = settings.map(({ movers }) => new Map(movers.map(([name]) => [name, 0])));
      for (let block = 0; block < blocks; block++) {
        for (const [s, { movers }] of settings.entries()) {
          for (const [name, move] of movers) {
            seconds[s].set(name, seconds[s].get(name)! + await move(bytes, count));
          }
        }
      }
      for (const [s, { figures }] of settings.entries()) {
        for (const [name, total] of seconds[s]) {
          record(figures[i], name, count * blocks * bytes.length / 1e6 / total);
        }
      }
    }
  }
  return settings.flatMap(({ figures }) => figures);
}

/** Runs `start` with `variables` set in this process's environment, which children inherit. */
export async function withEnvironment<T>(
  variables: Readonly<Record<string, string>>,
  start: () => Promise<T>,
): Promise<T> {
  for (const [name, value] of Object.entries(variables)) Deno.env.set(name, value);
  try {
    return await start();
  } finally {
    for (const name of Object.keys(variables)) Deno.env.delete(name);
  }
}

/** Random bytes, so that nothing on the way can make them smaller. */
export function fill(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

/** Sends `count` arrays, never more than the high-water mark waiting behind the one being written. */
export async function moveBySwitchboard(
  cluster: Cluster<BenchProtocol>,
  bytes: Uint8Array,
  count: number,
): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    cluster.sendMessage("bytes", bytes, 0);
    await cluster.drain(0);
  }
  const received = await cluster.request("drainRequest", undefined, { to: 0 });
  if (received !== count) throw new Error(`Worker 0 counted ${received} arrays, expected ${count}`);
  return (performance.now() - start) / 1000;
}

/**
 * Moves arrays as a caller of `sendLending` does with one buffer: lend it,
 * await it back, write into it, again. The buffer is a copy of the bytes of
 * the first call of each size, kept between calls, as lending detaches it.
 */
export function lendingMover(cluster: Cluster<BenchProtocol>): Mover {
  const buffers = new Map<number, Uint8Array<ArrayBuffer>>();
  return async (bytes, count) => {
    let buffer = buffers.get(bytes.length) ?? bytes.slice();
    const start = performance.now();
    for (let i = 0; i < count; i++) {
      buffer[0] = i; // the caller's own again once given back
      [buffer] = await cluster.sendLending("bytes", buffer, 0).back;
    }
    buffers.set(bytes.length, buffer);
    const received = await cluster.request("drainRequest", undefined, { to: 0 });
    if (received !== count) {
      throw new Error(`Worker 0 counted ${received} arrays, expected ${count}`);
    }
    return (performance.now() - start) / 1000;
  };
}

/**
 * A raw receiver, reading into one buffer or into fresh arrays, how to move
 * arrays to it, and its pid.
 */
export async function startRawReceiver(
  reuse: boolean,
): Promise<{ move: Mover; pid: number } & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-bench-bytes-" });
  const path = `${dir}/raw.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const child = spawnSocketChild(RAW_CHILD, path, ...(reuse ? ["reuse"] : []));
  const conn = await listener.accept();
  listener.close();
  const header = new Uint8Array(4);
  const view = new DataView(header.buffer);
  const writeAll = async (bytes: Uint8Array) => {
    for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
  };
  return {
    pid: child.pid,
    async move(bytes, count) {
      const start = performance.now();
      for (let i = 0; i < count; i++) {
        view.setUint32(0, bytes.length);
        await writeAll(header);
        await writeAll(bytes);
      }
      view.setUint32(0, 0);
      await writeAll(header);
      for (let at = 0; at < 4;) {
        const read = await conn.read(header.subarray(at));
        if (read === null) throw new Error("The raw receiver closed");
        at += read;
      }
      const received = view.getUint32(0);
      if (received !== count) {
        throw new Error(`The raw receiver counted ${received}, expected ${count}`);
      }
      return (performance.now() - start) / 1000;
    },
    async [Symbol.asyncDispose]() {
      conn.close();
      await child.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

if (import.meta.main) {
  // Scenario 9 alone, as README's table: `deno run -A bench/bytes.ts`. Not
  // awaited at the top level: report.ts imports this module, which must
  // have finished loading first.
  runBytes((repetition) => console.error(`repetition ${repetition + 1}`)).then(async (figures) => {
    const { bytesTable } = await import("./report.ts");
    console.log(bytesTable(figures));
  });
}
