import assert from "node:assert/strict";
import { nextTask } from "../src/next_task.ts";

Deno.test("nextTask resolves after a long microtask chain queued before it", async () => {
  const order: string[] = [];
  const task = nextTask().then(() => order.push("task"));
  let chain: Promise<unknown> = Promise.resolve();
  for (let i = 0; i < 1000; i++) chain = chain.then(() => {});
  const microtasks = chain.then(() => order.push("microtasks"));
  await Promise.all([task, microtasks]);
  assert.deepEqual(order, ["microtasks", "task"]);
});
