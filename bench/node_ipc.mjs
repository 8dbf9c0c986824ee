// The Node baseline's driver: `node node_ipc.mjs <json|advanced> <children>`.
// Forks the children with child_process.fork and that serialization, then
// runs the bench's commands, one JSON line each on stdin, answering each
// with one JSON line on stdout. The loops mirror bench/channel.ts: the same
// messages, the same chunking (64 KiB of payload per event-loop turn), the
// same drain at the end of a stream.

import { fork } from "node:child_process";
import os from "node:os";
import { performance } from "node:perf_hooks";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const CHUNK_BYTES = 64 * 1024;
const CHILD = fileURLToPath(new URL("./node_ipc_child.mjs", import.meta.url));

const [serialization, childCount] = process.argv.slice(2);

/** One forked child, with its messages handed out in order. */
function startChild() {
  const child = fork(CHILD, [], { serialization, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const waiting = [];
  child.on("message", (message) => waiting.shift()?.(message));
  const next = () => new Promise((resolve) => waiting.push(resolve));
  return { child, next, ready: next() };
}

const children = Array.from({ length: Number(childCount) }, startChild);
await Promise.all(children.map((child) => child.ready));

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function channel(receivers) {
  const group = children.slice(0, receivers);
  const sendAll = (message) => {
    for (const { child } of group) child.send(message);
  };
  return {
    targets: group.length,
    ask(data) {
      sendAll({ action: "echo", data });
      return group.length === 1 ? group[0].next() : Promise.all(group.map(({ next }) => next()));
    },
    post(data) {
      sendAll({ action: "flood", data });
    },
    async drain() {
      sendAll({ action: "drain" });
      const replies = await Promise.all(group.map(({ next }) => next()));
      return replies.reduce((sum, reply) => sum + reply.data, 0);
    },
  };
}

async function roundTrips(target, count, payload) {
  const samples = new Array(count);
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await target.ask(payload);
    samples[i] = (performance.now() - start) * 1000;
  }
  return samples;
}

async function stream(target, count, payload) {
  const chunk = Math.max(1, Math.floor(CHUNK_BYTES / JSON.stringify(payload).length));
  const start = performance.now();
  for (let sent = 0; sent < count;) {
    const end = Math.min(count, sent + chunk);
    for (; sent < end; sent++) target.post(payload);
    if (sent < count) await nextTurn();
  }
  const received = await target.drain();
  const seconds = (performance.now() - start) / 1000;
  if (received !== count * target.targets) {
    throw new Error(`Receivers counted ${received} messages, expected ${count * target.targets}`);
  }
  return seconds;
}

function run({ op, receivers = 1, count, payload }) {
  switch (op) {
    case "roundTrips":
    case "gather":
      return roundTrips(channel(receivers), count, payload);
    case "stream":
    case "fanOut":
      return stream(channel(receivers), count, payload);
    default:
      throw new Error(`Unknown op ${op}`);
  }
}

const answer = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

// Node reads what Deno would need extra permissions for.
answer({
  node: process.version,
  cpu: os.cpus()[0]?.model,
  cores: os.cpus().length,
  memory: os.totalmem(),
  release: os.release(),
});
for await (const line of createInterface({ input: process.stdin })) {
  try {
    answer({ result: await run(JSON.parse(line)) });
  } catch (error) {
    answer({ error: String(error?.stack ?? error) });
  }
}
for (const { child } of children) child.disconnect();
