import assert from "node:assert/strict";
import { BOOTSTRAP_VERSION } from "../src/bootstrap.ts";
import { childCommand, type ChildStart } from "../src/child_command.ts";
import type { DenoChildSpec, ForeignChildSpec } from "../src/child_slot.ts";

const LIMITS = {
  maxFrameSize: 1 << 20,
  requestTimeout: 30_000,
  highWaterMark: 1 << 16,
  maxQueuedBytes: 1 << 24,
  stopTimeout: 5_000,
};
const HOST = {
  childPermissions: { read: ["/tmp/sb"], write: ["/tmp/sb"] },
  childConfig: { dir: "/tmp/sb" },
};
const NOW: ChildStart = {
  members: { workers: [0, 1], services: ["db"], managers: [] },
  replacing: [],
  starting: [],
};
const WORKER: DenoChildSpec = {
  module: "file:///app/worker.ts",
  permissions: { read: ["/data"], net: true },
  flags: ["--v8-flags=--max-old-space-size=512"],
  args: ["--fast"],
  labelOutput: { timestamps: false, pid: false },
};

Deno.test("a Deno child runs its module with its transport's permissions, its own, and its flags", () => {
  const { program } = childCommand(1, WORKER, LIMITS, HOST, NOW);
  assert.deepEqual(program, {
    module: "file:///app/worker.ts",
    flags: [
      "--allow-read=/tmp/sb,/data",
      "--allow-write=/tmp/sb",
      "--allow-net",
      "--v8-flags=--max-old-space-size=512",
    ],
    args: ["--fast"],
  });
});

Deno.test("a foreign child runs its command as it is, granted nothing", () => {
  const spec: ForeignChildSpec = { command: ["python3", "db.py"], labelOutput: false };
  assert.deepEqual(childCommand("db", spec, LIMITS, HOST, NOW).program, {
    command: ["python3", "db.py"],
  });
});

Deno.test("the bootstrap tells a child the cluster's members and limits, and its transport's config", () => {
  const { bootstrap } = childCommand(1, WORKER, LIMITS, HOST, NOW);
  assert.deepEqual(bootstrap, {
    version: BOOTSTRAP_VERSION,
    self: 1,
    workers: [0, 1],
    services: ["db"],
    managers: [],
    maxFrameSize: 1 << 20,
    requestTimeout: 30_000,
    stopTimeout: 5_000,
    highWaterMark: 1 << 16,
    maxQueuedBytes: 1 << 24,
    transport: { dir: "/tmp/sb" },
  });
});

Deno.test("the bootstrap carries a service's own stopTimeout, and who is being replaced or starting when any is", () => {
  const spec: ForeignChildSpec = { command: ["db"], labelOutput: false, stopTimeout: 400 };
  const { bootstrap } = childCommand("db", spec, LIMITS, HOST, {
    ...NOW,
    replacing: [0],
    starting: [1],
  });
  assert.equal(bootstrap.stopTimeout, 400);
  assert.deepEqual(bootstrap.replacing, [0]);
  assert.deepEqual(bootstrap.starting, [1]);
});

Deno.test("a Deno child with a cwd has the paths of its permission flags anchored as its grants are: a deny does not move off what it guards", () => {
  const spec: DenoChildSpec = {
    module: "./worker.ts",
    permissions: { read: ["."] },
    flags: [
      "--deny-read=./secrets,/etc/shadow",
      "--deny-write=logs",
      "--ignore-read=.env",
      "--deny-run=python3,./bin/tool",
      "-W=./out",
      "--deny-net=localhost:5432",
      "--v8-flags=--max-old-space-size=512",
    ],
    args: [],
    labelOutput: false,
    cwd: "/srv/elsewhere",
  };
  const dir = Deno.cwd();
  const { program } = childCommand("db", spec, LIMITS, HOST, NOW);
  assert.ok("flags" in program);
  assert.deepEqual(program.flags.slice(-7), [
    `--deny-read=${dir}/secrets,/etc/shadow`,
    `--deny-write=${dir}/logs`,
    `--ignore-read=${dir}/.env`,
    `--deny-run=python3,${dir}/bin/tool`,
    `-W=${dir}/out`,
    "--deny-net=localhost:5432",
    "--v8-flags=--max-old-space-size=512",
  ]);
  assert.ok(program.flags.includes(`--allow-read=/tmp/sb,${dir}/.`));
});

Deno.test("without a cwd, a Deno child's flags are passed as written", () => {
  const spec: DenoChildSpec = { ...WORKER, flags: ["--deny-read=./secrets"] };
  const { program } = childCommand(1, spec, LIMITS, HOST, NOW);
  assert.ok("flags" in program);
  assert.equal(program.flags.at(-1), "--deny-read=./secrets");
});
