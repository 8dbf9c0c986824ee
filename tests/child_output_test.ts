/** `labelOutput`: what children print reaches the manager's streams, each line labelled. */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { LINES_AT_STOP } from "./fixtures/labelled_manager.ts";
import { managerProcess, waitFor } from "./helpers.ts";

const decoder = new TextDecoder();
const lines = (bytes: Uint8Array) => decoder.decode(bytes).split("\n");

Deno.test("labelOutput: each line a child prints arrives on its stream, its address in front", async () => {
  const manager = managerProcess("labelled_manager.ts", { stderr: "piped" });
  const { code, stdout, stderr } = await waitFor(manager.output(), "the manager to stop");
  assert.equal(code, 0, decoder.decode(stderr));

  const children = [["worker 0", 0], ["worker 1", 1], ["logger", "logger"]] as const;
  // The manager's own last line comes after everything its children wrote,
  // the last bytes of each written just before it exited included.
  const out = lines(stdout);
  assert.equal(out.pop(), "");
  assert.equal(out.pop(), "stopped");
  assert.deepEqual(
    out.toSorted(),
    children.flatMap(([label, id]) => [
      `[${label}] joined as ${id}`,
      `[${label}] stopping ${id}`,
      ...Array.from(
        { length: LINES_AT_STOP },
        (_, n) => `[${label}] line ${n} from ${id}: ${"x".repeat(100)}`,
      ),
      `[${label}] last bytes \ufffd\ufffd`,
    ]).toSorted(),
  );
  // Bytes that are not UTF-8 pass unchanged; the last line, without a newline, gets one.
  for (const [label] of children) {
    const last = [...new TextEncoder().encode(`[${label}] last bytes `), 0xff, 0xfe, 0x0a];
    assert.ok(holds(stdout, Uint8Array.from(last)), `the last bytes of ${label} as written`);
  }

  assert.deepEqual(
    lines(stderr).filter((line) => line !== "").toSorted(),
    children.flatMap(([label, id]) => [
      `[${label}] a warning from ${id}`,
      `[${label}] an error from ${id}`,
    ]).toSorted(),
  );
});

/** Whether `bytes` holds `part` somewhere, byte for byte. */
function holds(bytes: Uint8Array, part: Uint8Array): boolean {
  for (let at = bytes.indexOf(part[0]); at !== -1; at = bytes.indexOf(part[0], at + 1)) {
    if (part.every((byte, i) => bytes[at + i] === byte)) return true;
  }
  return false;
}

Deno.test("labelOutput: stop() does not wait on pipes a process the child started holds open", async () => {
  const cluster = await Cluster.start({
    worker: new URL("./fixtures/grandparent_worker.ts", import.meta.url),
    workers: 1,
    labelOutput: true,
    permissions: { run: ["sleep"] },
  });
  const sleeper = await cluster.request("sleeperRequest", undefined, { to: 0 }) as number;
  try {
    await waitFor(cluster.stop(), "stop(), while the child's sleep holds its pipes");
  } finally {
    Deno.kill(sleeper, "SIGKILL");
  }
});

/** A line of the manager's stdout or stderr, stamped and labelled with a pid: its parts. */
const STAMPED = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) \[worker 0 pid (\d+)\] (.*)$/;

Deno.test("labelOutput: { timestamps, pid }: each line has the time in ISO 8601 and the pid of its process, the restarted one's its own", async () => {
  const manager = managerProcess("stamped_manager.ts", { stderr: "piped" });
  const { code, stdout, stderr } = await waitFor(manager.output(), "the manager to stop");
  assert.equal(code, 0, decoder.decode(stderr));

  const out = lines(stdout);
  assert.equal(out.pop(), "");
  assert.equal(out.pop(), "stopped");
  // The manager's own lines: the pids stats() gave, before the SIGKILL and after the restart.
  const pids = out.filter((line) => line.startsWith("pid ")).map((line) => line.slice(4));
  assert.equal(pids.length, 2, out.join("\n"));
  const [first, second] = pids;
  assert.notEqual(first, second);

  const stamped = (text: string[]) =>
    text.filter((line) => line !== "" && !line.startsWith("pid ")).map((line) => {
      const [, time, pid, said] = line.match(STAMPED) ?? assert.fail(`not stamped: ${line}`);
      // A real time, written as toISOString() writes it: UTC, to the ms.
      assert.equal(new Date(time).toISOString(), time);
      return `[${pid}] ${said}`;
    });
  // Each process's lines carry its own pid; the restarted one's last words,
  // written with no newline right before it exited, got one.
  assert.deepEqual(
    stamped(out).toSorted(),
    [
      `[${first}] starting, pid ${first}`,
      `[${second}] starting, pid ${second}`,
      `[${second}] last words of pid ${second}`,
    ].toSorted(),
  );
  assert.deepEqual(
    stamped(lines(stderr)).toSorted(),
    [`[${first}] a warning from pid ${first}`, `[${second}] a warning from pid ${second}`]
      .toSorted(),
  );
});
