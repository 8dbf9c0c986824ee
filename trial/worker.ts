// deno-lint-ignore-file -- trial scripts, run by hand
/** Trial worker: counts numbered ticks per sender and tag, answers echo, can be slow. */
import { ANY, connect } from "../mod.ts";

const peer = await connect();
const got = new Map<string, number[]>();
let busyMs = 0;
peer.on("tick", (data, msg) => {
  const { tag, n } = data as { tag: string; n: number };
  const key = `${tag}|${String(msg.from)}`;
  if (!got.has(key)) got.set(key, []);
  got.get(key)!.push(n);
  if (tag.startsWith("log")) {
    console.log(
      JSON.stringify({ handled: { tag, n, from: msg.from, by: peer.id, pid: Deno.pid } }),
    );
  }
  if (busyMs > 0) {
    const until = performance.now() + busyMs;
    while (performance.now() < until);
  }
});
peer.on("setBusy", (data) => busyMs = (data as { ms: number }).ms);
peer.handle("echo", (data) => ({ data, by: peer.id, pid: Deno.pid }));
peer.handle("slow", async (data) => {
  await new Promise((r) => setTimeout(r, (data as { ms: number }).ms));
  return { by: peer.id, pid: Deno.pid };
});
peer.handle("received", (data) => {
  const { tag } = data as { tag: string };
  const out: Record<string, number[]> = {};
  for (const [key, ns] of got) if (key.startsWith(`${tag}|`)) out[key] = ns;
  return out;
});
peer.handle("big", (data) => ({ len: (data as Uint8Array).length }));
function errorOf(error: unknown) {
  const e = error as Error;
  return {
    name: e?.name,
    message: e?.message,
    cause: e?.cause instanceof Error ? e.cause.message : undefined,
  };
}
const errors: unknown[] = [];
peer.onError((error) => errors.push(errorOf(error)));
peer.handle("errors", () => errors.splice(0));
peer.handle("bigAnswer", (data) => new Uint8Array((data as { bytes: number }).bytes));
peer.handle("doSend", (data) => {
  const { action, to, bytes, n = 1, tag } = data as {
    action: string;
    to: number;
    bytes?: number;
    n?: number;
    tag?: string;
  };
  let counted = 0;
  try {
    for (let i = 0; i < n; i++) {
      counted += peer.sendMessage(
        action as never,
        (bytes !== undefined ? new Uint8Array(bytes) : { tag, n: i }) as never,
        to as never,
      );
    }
    return { counted };
  } catch (error) {
    return { counted, error: errorOf(error) };
  }
});
peer.handle("doAsk", async (data) => {
  const { action, to, bytes, payload } = data as {
    action: string;
    to: number;
    bytes?: number;
    payload?: unknown;
  };
  try {
    const answer = await peer.request(
      action as never,
      (bytes !== undefined ? new Uint8Array(bytes) : payload) as never,
      { to: to as never, timeout: 10_000 },
    );
    return { ok: answer instanceof Uint8Array ? { bytes: answer.length } : answer };
  } catch (error) {
    return { error: errorOf(error) };
  }
});
const steadyStop = new Set<string>();
peer.on("stopSteady", (data) => steadyStop.add((data as { name: string }).name));
// Paced requests (and ticks) until stopSteady: outcome counts, and what was counted sent.
peer.handle("doSteady", async (data) => {
  const { name, to, concurrency = 3, pause = 5, ticksTo, tag } = data as {
    name: string;
    to: number | string;
    concurrency?: number;
    pause?: number;
    ticksTo?: number;
    tag?: string;
  };
  const outcomes: Record<string, number> = {};
  const samples: Record<string, unknown> = {};
  const countedList: number[] = [];
  let tick = 0;
  const target = to === "ANY" ? ANY : to;
  async function lane() {
    let i = 0;
    while (!steadyStop.has(name)) {
      if (ticksTo !== undefined) {
        try {
          if (peer.sendMessage("tick" as never, { tag, n: tick } as never, ticksTo as never) > 0) {
            countedList.push(tick);
          }
        } catch { /* refused: not counted */ }
        tick++;
      }
      try {
        await peer.request("echo" as never, { i: i++ } as never, {
          to: target as never,
          timeout: 20_000,
        });
        outcomes.ok = (outcomes.ok ?? 0) + 1;
      } catch (error) {
        const e = errorOf(error);
        const key = `${e.name}: ${String(e.message).replace(/\d+/g, "N")}`;
        outcomes[key] = (outcomes[key] ?? 0) + 1;
        samples[key] ??= e;
      }
      await new Promise((r) => setTimeout(r, pause));
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { outcomes, samples, countedList };
});
let stopWork = 0;
peer.on("setStopWork", (data) => stopWork = (data as { ms: number }).ms);
peer.onStop(() => new Promise((r) => setTimeout(r, stopWork)));
peer.handle("parts", async function* (data) {
  const { count, ms } = data as { count: number; ms: number };
  for (let n = 0; n < count; n++) {
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
    yield n;
  }
});
peer.handle("bigParts", async function* (data) {
  const { count, size } = data as { count: number; size: number };
  for (let n = 0; n < count; n++) yield { n, pad: new Uint8Array(size) };
});
const events: unknown[] = [];
peer.onLifecycle((event) => events.push(event));
peer.handle("events", () => events.splice(0));
