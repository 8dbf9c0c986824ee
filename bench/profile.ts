/**
 * A CPU profile of any Deno script, by function, for where `--cpu-prof`
 * would be used in Node (Deno 2.9 has none): runs the script under the
 * V8 inspector, samples it for a while, and prints the functions with the
 * largest share of samples (self time). Not part of `deno task bench`.
 *
 * `deno run --allow-run --allow-net=127.0.0.1 bench/profile.ts [--ms=5000] [--top=40] -- script.ts args…`
 *
 * The script runs with `-A`; it should keep busy for longer than `--ms`.
 *
 * @module
 */

/** A node of the inspector's `Profiler.Profile`, as far as this reads it. */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

const PORT = 9239;
const options = Object.fromEntries(
  Deno.args.slice(0, Deno.args.indexOf("--")).map((arg) => arg.replace(/^--/, "").split("=")),
);
const script = Deno.args.slice(Deno.args.indexOf("--") + 1);
if (!Deno.args.includes("--") || script.length === 0) {
  throw new TypeError("usage: profile.ts [--ms=5000] [--top=40] -- script.ts args…");
}
const sampleMs = Number(options.ms ?? 5000);
const top = Number(options.top ?? 40);

const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "-A", `--inspect-wait=127.0.0.1:${PORT}`, ...script],
  stderr: "null",
}).spawn();
const inspector = await open(await debuggerUrl());
await inspector.call("Profiler.enable");
await inspector.call("Profiler.setSamplingInterval", { interval: 100 });
await inspector.call("Profiler.start");
inspector.call("Runtime.runIfWaitingForDebugger");
await new Promise((resolve) => setTimeout(resolve, sampleMs));
const { profile } = await inspector.call("Profiler.stop") as {
  profile: { nodes: ProfileNode[]; samples: number[] };
};
inspector.close();
child.kill();
await child.status;

const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const shares = new Map<string, number>();
for (const id of profile.samples) {
  const { functionName, url, lineNumber } = nodes.get(id)!.callFrame;
  const name = `${functionName || "(anonymous)"} ${url.split("/").at(-1)}:${lineNumber + 1}`;
  shares.set(name, (shares.get(name) ?? 0) + 1);
}
for (const [name, samples] of [...shares].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${(100 * samples / profile.samples.length).toFixed(1).padStart(5)}%  ${name}`);
}

/** The script's debugger address, once the inspector is up. */
async function debuggerUrl(): Promise<string> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      const targets = await (await fetch(`http://127.0.0.1:${PORT}/json/list`)).json();
      if (targets.length > 0) return targets[0].webSocketDebuggerUrl;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`No inspector on port ${PORT}`);
}

/** A minimal Chrome DevTools Protocol client. */
async function open(url: string) {
  const socket = new WebSocket(url);
  await new Promise((resolve) => socket.onopen = resolve);
  const waiting = new Map<number, (result: unknown) => void>();
  let nextId = 0;
  socket.onmessage = (event) => {
    const { id, result } = JSON.parse(event.data);
    waiting.get(id)?.(result);
    waiting.delete(id);
  };
  return {
    call(method: string, params: Record<string, unknown> = {}): Promise<unknown> {
      const id = ++nextId;
      socket.send(JSON.stringify({ id, method, params }));
      return new Promise((resolve) => waiting.set(id, resolve));
    },
    close: () => socket.close(),
  };
}
