// deno-lint-ignore-file -- trial scripts, run by hand
/**
 * Trial host: one manager joined to a cluster over NATS. Prints JSON lines
 * (ready, lifecycle events, errors, command results); takes JSON commands
 * on stdin, one a line, each with an `id` its result repeats.
 */
import { ANY, Cluster, managerOf } from "../mod.ts";
import { natsBroker } from "../nats.ts";

const options = JSON.parse(Deno.args[0]) as {
  servers: string;
  cluster: string;
  host: string;
  workers?: number;
  window?: number;
  maxQueuedBytes?: number;
  maxFrameSize?: number;
  heartbeat?: number;
  hostTimeout?: number;
};
const say = (line: unknown) => console.log(JSON.stringify(line));
const t0 = performance.now();
const now = () => Math.round(performance.now() - t0);
const cluster = await Cluster.start({
  worker: new URL("./worker.ts", import.meta.url),
  workers: options.workers ?? 2,
  maxQueuedBytes: options.maxQueuedBytes,
  maxFrameSize: options.maxFrameSize,
  broker: natsBroker({
    servers: options.servers,
    cluster: options.cluster,
    host: options.host,
    window: options.window,
    heartbeat: options.heartbeat,
    hostTimeout: options.hostTimeout,
  }),
});
cluster.onLifecycle((event) => say({ t: now(), event }));
cluster.onError((error) => {
  const e = error as Error & { action?: unknown; peer?: unknown; count?: unknown };
  say({
    t: now(),
    error: {
      name: e.name,
      message: e.message,
      action: e.action,
      peer: e.peer,
      count: e.count,
      cause: String((e.cause as Error)?.message ?? ""),
    },
  });
});
cluster.handle("echo", (data, msg) => ({ data, by: `manager@${options.host}`, from: msg.from }));
const got = new Map<string, number[]>();
cluster.on("tick", (data, msg) => {
  const { tag, n } = data as { tag: string; n: number };
  const key = `${tag}|${String(msg.from)}`;
  if (!got.has(key)) got.set(key, []);
  got.get(key)!.push(n);
});
cluster.handle("received", (data) => {
  const { tag } = data as { tag: string };
  const out: Record<string, number[]> = {};
  for (const [key, ns] of got) if (key.startsWith(`${tag}|`)) out[key] = ns;
  return out;
});

function errorOf(error: unknown) {
  const e = error as Error & { undelivered?: unknown };
  return {
    name: e?.name,
    message: e?.message,
    cause: e?.cause instanceof Error ? e.cause.message : undefined,
    undelivered: e?.undelivered,
  };
}
function target(to: unknown) {
  if (to === "ANY") return ANY;
  if (typeof to === "string" && to.startsWith("manager@")) return managerOf(to.slice(8));
  return to as number;
}

type Command = { id: number; op: string; [key: string]: unknown };
const running = new Map<string, { stop: boolean }>();

async function run(cmd: Command): Promise<unknown> {
  switch (cmd.op) {
    case "stats":
      return cluster.stats();
    case "ticks": {
      // n numbered messages to `to`, `per` per task; returns what sendMessage counted.
      const to = cmd.to === undefined ? undefined : target(cmd.to);
      const n = cmd.n as number;
      const per = (cmd.per as number) ?? 100;
      const counted: number[] = [];
      const refused: { n: number; error: unknown }[] = [];
      for (let i = 0; i < n; i++) {
        try {
          const c = cluster.sendMessage(
            "tick" as never,
            { tag: cmd.tag, n: i } as never,
            to as never,
          );
          if (c > 0) counted.push(i);
          else refused.push({ n: i, error: "counted 0" });
        } catch (error) {
          refused.push({ n: i, error: errorOf(error) });
        }
        if (i % per === per - 1) {
          await new Promise((r) => setTimeout(r, (cmd.pause as number) ?? 0));
        }
      }
      return { counted: counted.length, countedList: counted, refused };
    }
    case "requests": {
      // `n` requests, `concurrency` at once, to `to`.
      const to = target(cmd.to);
      const n = cmd.n as number;
      const concurrency = (cmd.concurrency as number) ?? 10;
      const outcomes: Record<string, number> = {};
      const samples: Record<string, unknown> = {};
      let next = 0;
      const action = (cmd.action as string) ?? "echo";
      async function lane() {
        while (next < n) {
          const i = next++;
          try {
            const data = action === "slow" ? { ms: cmd.ms ?? 50 } : { i };
            await cluster.request(action as never, data as never, {
              to: to as never,
              timeout: (cmd.timeout as number) ?? 10_000,
            });
            outcomes.ok = (outcomes.ok ?? 0) + 1;
          } catch (error) {
            const e = errorOf(error);
            const key = `${e.name}: ${String(e.message).replace(/\d+/g, "N")}`;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            samples[key] ??= e;
          }
          if (cmd.pause) await new Promise((r) => setTimeout(r, cmd.pause as number));
        }
      }
      await Promise.all(Array.from({ length: concurrency }, lane));
      return { outcomes, samples };
    }
    case "steady": {
      // Requests until "stopSteady" with the same name; outcomes counted.
      const state = { stop: false };
      running.set(cmd.name as string, state);
      const to = target(cmd.to);
      const outcomes: Record<string, number> = {};
      const samples: Record<string, unknown> = {};
      const concurrency = (cmd.concurrency as number) ?? 4;
      async function lane() {
        let i = 0;
        while (!state.stop) {
          try {
            await cluster.request("echo" as never, { i: i++ } as never, {
              to: to as never,
              timeout: (cmd.timeout as number) ?? 10_000,
            });
            outcomes.ok = (outcomes.ok ?? 0) + 1;
          } catch (error) {
            const e = errorOf(error);
            const key = `${e.name}: ${String(e.message).replace(/\d+/g, "N")}`;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            samples[key] ??= e;
          }
          await new Promise((r) => setTimeout(r, (cmd.pause as number) ?? 5));
        }
      }
      await Promise.all(Array.from({ length: concurrency }, lane));
      return { outcomes, samples };
    }
    case "streams": {
      // Streamed requests until "stopSteady": each checked whole (0..count-1, in order).
      const state = { stop: false };
      running.set(cmd.name as string, state);
      const to = target(cmd.to);
      const outcomes: Record<string, number> = {};
      const samples: Record<string, unknown> = {};
      const count = (cmd.count as number) ?? 20;
      async function lane() {
        while (!state.stop) {
          const parts: number[] = [];
          try {
            for await (
              const part of cluster.requestStream(
                "parts" as never,
                { count, ms: cmd.ms ?? 5 } as never,
                {
                  to: to as never,
                  timeout: 10_000,
                },
              )
            ) parts.push(part as number);
            const whole = parts.length === count && parts.every((n, i) => n === i);
            const key = whole ? "whole" : `ended with a gap: ${parts.length} parts`;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            if (!whole) samples[key] ??= parts;
          } catch (error) {
            const e = errorOf(error);
            const key = `${e.name} after ${parts.length > 0 ? "some" : "no"} parts: ${
              String(e.message).replace(/\d+/g, "N")
            }`;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            samples[key] ??= e;
            // A refusal may come at once, in a microtask: let the event loop run.
            await new Promise((r) => setTimeout(r, 5));
          }
        }
      }
      await Promise.all(Array.from({ length: (cmd.concurrency as number) ?? 3 }, lane));
      return { outcomes, samples };
    }
    case "paced": {
      // n ticks of `size` bytes to `to`; on QueueFullError, drain() and send it again.
      const to = target(cmd.to);
      const pad = "x".repeat((cmd.size as number) ?? 1000);
      let full = 0;
      let counted = 0;
      const other: unknown[] = [];
      const t0 = performance.now();
      let longestDrain = 0;
      for (let i = 0; i < (cmd.n as number); i++) {
        while (true) {
          try {
            counted += cluster.sendMessage(
                "tick" as never,
                { tag: cmd.tag, n: i, pad } as never,
                to as never,
              ) > 0
              ? 1
              : 0;
            break;
          } catch (error) {
            if ((error as Error).name !== "QueueFullError") {
              other.push(errorOf(error));
              break;
            }
            full++;
            const d0 = performance.now();
            await cluster.drain(to as never);
            longestDrain = Math.max(longestDrain, performance.now() - d0);
          }
        }
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0));
      }
      return {
        counted,
        full,
        other,
        ms: Math.round(performance.now() - t0),
        longestDrain: Math.round(longestDrain),
      };
    }
    case "bigStream": {
      const parts: number[] = [];
      try {
        for await (
          const part of cluster.requestStream(
            "bigParts" as never,
            { count: cmd.count, size: cmd.size } as never,
            {
              to: target(cmd.to) as never,
              timeout: 20_000,
            },
          )
        ) {
          parts.push((part as { n: number }).n);
          if (cmd.slow) await new Promise((r) => setTimeout(r, cmd.slow as number));
        }
        return { parts: parts.length };
      } catch (error) {
        return { parts: parts.length, error: errorOf(error) };
      }
    }
    case "stopSteady":
      running.get(cmd.name as string)!.stop = true;
      return true;
    case "ask": {
      try {
        return {
          ok: await cluster.request(cmd.action as never, cmd.data as never, {
            to: target(cmd.to) as never,
            timeout: (cmd.timeout as number) ?? 10_000,
          }),
        };
      } catch (error) {
        return { error: errorOf(error) };
      }
    }
    case "send": {
      try {
        let data = cmd.data;
        if (typeof cmd.bytes === "number") data = new Uint8Array(cmd.bytes);
        return {
          counted: cluster.sendMessage(cmd.action as never, data as never, target(cmd.to) as never),
        };
      } catch (error) {
        return { error: errorOf(error) };
      }
    }
    case "askBytes": {
      try {
        return {
          ok: await cluster.request(
            cmd.action as never,
            new Uint8Array(cmd.bytes as number) as never,
            { to: target(cmd.to) as never, timeout: 10_000 },
          ),
        };
      } catch (error) {
        return { error: errorOf(error) };
      }
    }
    case "drain":
      await cluster.drain(target(cmd.to) as never);
      return true;
    case "pid":
      return cluster.pid(cmd.of as never);
  }
  throw new Error(`unknown op ${cmd.op}`);
}

say({
  t: now(),
  ready: {
    workers: cluster.stats().children.filter((c) => typeof c.address === "number").map((c) =>
      c.address
    ),
    pids: Object.fromEntries(cluster.stats().children.map((c) => [c.address, c.pid])),
    workerCount: cluster.workerCount,
  },
});

(async () => {
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream());
  let buffer = "";
  for await (const chunk of lines) {
    buffer += chunk;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, at);
      buffer = buffer.slice(at + 1);
      if (!line.trim()) continue;
      const cmd = JSON.parse(line) as Command;
      run(cmd).then(
        (result) => say({ t: now(), id: cmd.id, result }),
        (error) => say({ t: now(), id: cmd.id, failed: errorOf(error) }),
      );
    }
  }
})();
await cluster.closed.catch((error) => say({ closedWith: errorOf(error) }));
say({ t: now(), closed: true });
Deno.exit(0);
