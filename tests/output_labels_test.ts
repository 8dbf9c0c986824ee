/** `labelOutput` as a boolean or an object: checked, and what each child's label says. */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions, type LabelOutputOptions } from "../mod.ts";
import { labelOf, newSlot } from "../src/child_slot.ts";
import { managerConfig } from "../src/manager_config.ts";
import { labelText, outputLabels } from "../src/output_labels.ts";
import { SERVICE, WORKER } from "./helpers.ts";

const WHERE = "Cluster.start()";

Deno.test("labelOutput: true, or an object, labels; false, null or not given does not", () => {
  const plain = { timestamps: false, pid: false };
  assert.deepEqual(outputLabels(true, WHERE), plain);
  assert.deepEqual(outputLabels({}, WHERE), plain);
  assert.deepEqual(outputLabels({ timestamps: undefined, pid: null }, WHERE), plain);
  assert.deepEqual(outputLabels({ timestamps: true }, WHERE), { timestamps: true, pid: false });
  assert.deepEqual(outputLabels({ pid: true }, WHERE), { timestamps: false, pid: true });
  assert.deepEqual(outputLabels({ timestamps: false, pid: false }, WHERE), plain);
  for (const off of [false, null, undefined]) assert.equal(outputLabels(off, WHERE), false);
});

Deno.test("labelOutput refuses what is neither a boolean nor its options, naming the option", () => {
  const refused: [unknown, string][] = [
    ["false", `${WHERE}: "labelOutput" must be true, false or { timestamps?, pid? }, got "false"`],
    [1, `${WHERE}: "labelOutput" must be true, false or { timestamps?, pid? }, got 1`],
    [["pid"], `${WHERE}: "labelOutput" must be true, false or { timestamps?, pid? }, got an array`],
    [
      { timestamp: true },
      `${WHERE}: "labelOutput" has no option "timestamp": did you mean "timestamps"?`,
    ],
    [
      { time: true },
      `${WHERE}: "labelOutput" has no option "time"; its options are "timestamps", "pid"`,
    ],
    [
      { timestamps: "true" },
      `${WHERE}: "labelOutput.timestamps" must be true or false, got "true"`,
    ],
    [{ pid: 1 }, `${WHERE}: "labelOutput.pid" must be true or false, got 1`],
  ];
  for (const [value, message] of refused) {
    assert.throws(() => outputLabels(value, WHERE), { name: "TypeError", message });
  }
});

Deno.test("Cluster.start() refuses a misspelt labelOutput option before it starts a child", async () => {
  const options = { worker: WORKER, workers: 1, labelOutput: { pids: true } };
  await assert.rejects(Cluster.start(options as ClusterOptions), {
    name: "TypeError",
    message: `${WHERE}: "labelOutput" has no option "pids": did you mean "pid"?`,
  });
});

Deno.test("a label is the child's address, with its pid when asked", () => {
  assert.equal(labelText("worker 1"), "worker 1");
  assert.equal(labelText("worker 1", 12345), "worker 1 pid 12345");
  assert.equal(labelText("logger", 7), "logger pid 7");
});

Deno.test("workers and services are labelled alike, as the cluster's labelOutput says", () => {
  const labels = { timestamps: true, pid: true };
  const config = managerConfig({
    worker: WORKER,
    workers: 1,
    processes: { logger: SERVICE, db: { command: ["db"] } },
    labelOutput: labels,
  });
  const children = [...config.children].map(([address, spec]) =>
    labelOf(newSlot(address, spec, null))
  );
  assert.deepEqual(children, [
    { name: "worker 0", ...labels },
    { name: "logger", ...labels },
    { name: "db", ...labels },
  ]);
  const off = managerConfig({ worker: WORKER, workers: 1 }).children.get(0);
  assert.equal(labelOf(newSlot(0, off!, null)), undefined);
});

Deno.test("labelOutput's type takes a boolean or its options, each a boolean", () => {
  const options: LabelOutputOptions[] = [{}, { timestamps: true }, {
    pid: true,
    timestamps: false,
  }];
  const cluster: ClusterOptions[] = [{ labelOutput: true }, { labelOutput: options[1] }];
  assert.equal(cluster.length + options.length, 5);
  // @ts-expect-error A string is not a boolean.
  const string: LabelOutputOptions = { timestamps: "true" };
  // @ts-expect-error There is no such option.
  const misspelt: LabelOutputOptions = { timestamp: true };
  // @ts-expect-error Not a format: timestamps are ISO 8601, as they are.
  const format: ClusterOptions = { labelOutput: "YYYY-MM-DD HH:mm Z" };
  assert.ok(string && misspelt && format);
});
