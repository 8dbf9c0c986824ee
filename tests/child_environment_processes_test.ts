/**
 * `env` and `cwd` in real processes: Deno workers and services, and a
 * Node.js `command` service, read the variables they were given (a Deno
 * child only with `permissions.env`) and run in their directory, after a
 * restart and a reload too; their module and grants stay relative to the
 * manager's directory; a directory that does not exist fails `start()`
 * naming the child.
 */

import assert from "node:assert/strict";
import { relative } from "node:path";
import { Cluster, type ClusterOptions, SwitchboardError } from "../mod.ts";
import { event, managerProcess, waitFor } from "./helpers.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url).pathname;
/** The Deno fixture as a path relative to the manager's directory, as an operator writes one. */
const REPORTER = relative(Deno.cwd(), `${FIXTURES}place_reporter.ts`);
const NAMES = ["SB_MODE", "SB_SHARED", "SB_OWN", "PATH"];

type Place = { cwd: string; env: Record<string, string | null>; read?: string };

function placeOf(cluster: Cluster, to: number | string, read?: string): Promise<Place> {
  return waitFor(
    cluster.request("placeRequest", { names: NAMES, read }, { to }) as Promise<Place>,
    `where ${to} runs`,
  );
}

/** A fresh directory, with a subdirectory `svc`, removed once `use` settles. */
async function inTempDir(use: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "switchboard-place-" }));
  await Deno.mkdir(`${dir}/svc`);
  try {
    await use(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** A worker in `dir`, and a service "svc" in `dir`/svc with env of its own over the cluster's. */
function placed(dir: string): ClusterOptions<"svc"> {
  const permissions = { env: NAMES };
  return {
    worker: REPORTER,
    workers: 1,
    cwd: dir,
    env: { SB_MODE: "cluster", SB_SHARED: "from the cluster" },
    permissions,
    processes: {
      svc: {
        module: REPORTER,
        cwd: `${dir}/svc`,
        env: { SB_MODE: "service", SB_OWN: "its own" },
        permissions,
      },
    },
  };
}

/** Checks that worker 0 and "svc" run where {@linkcode placed} puts them, with its env. */
async function assertPlaced(cluster: Cluster, dir: string): Promise<void> {
  const worker = await placeOf(cluster, 0);
  assert.equal(worker.cwd, dir);
  assert.deepEqual({ ...worker.env, PATH: undefined }, {
    SB_MODE: "cluster",
    SB_SHARED: "from the cluster",
    SB_OWN: null,
    PATH: undefined,
  });
  // The manager's environment is inherited: env adds to it.
  assert.ok(worker.env.PATH, "PATH inherited");
  const service = await placeOf(cluster, "svc");
  assert.equal(service.cwd, `${dir}/svc`);
  assert.deepEqual({ ...service.env, PATH: undefined }, {
    SB_MODE: "service",
    SB_SHARED: "from the cluster",
    SB_OWN: "its own",
    PATH: undefined,
  });
}

Deno.test("a Deno worker and service read the env they were given, with permission, and run in their cwd", async () => {
  await inTempDir(async (dir) => {
    await using cluster = await Cluster.start(placed(dir));
    await assertPlaced(cluster, dir);
  });
});

Deno.test("env grants nothing: a Deno child not granted permissions.env cannot read a variable it was given", async () => {
  await using cluster = await Cluster.start({
    worker: REPORTER,
    workers: 1,
    env: { SB_MODE: "cluster" },
  });
  const { env } = await placeOf(cluster, 0);
  assert.equal(env.SB_MODE, "NotCapable");
});

Deno.test("a restart and a reload start the child with its env and cwd again", async () => {
  await inTempDir(async (dir) => {
    await using cluster = await Cluster.start(placed(dir));
    const restarted = event(cluster, "ready", 0);
    Deno.kill(cluster.pid(0)!, "SIGKILL");
    await restarted;
    const svcRestarted = event(cluster, "ready", "svc");
    Deno.kill(cluster.pid("svc")!, "SIGKILL");
    await svcRestarted;
    await assertPlaced(cluster, dir);
    await waitFor(cluster.reload(), "the reload");
    await assertPlaced(cluster, dir);
  });
});

Deno.test("with a cwd, relative grants stay relative to the manager's directory", async () => {
  await inTempDir(async (dir) => {
    await using cluster = await Cluster.start({
      worker: REPORTER,
      workers: 1,
      cwd: dir,
      permissions: { read: [relative(Deno.cwd(), FIXTURES)] },
    });
    assert.equal((await placeOf(cluster, 0, FIXTURES)).read, "granted");
    const moved = `${dir}/${relative(Deno.cwd(), FIXTURES)}`;
    assert.notEqual((await placeOf(cluster, 0, moved)).read, "granted");
  });
});

Deno.test("with a cwd, a deny among the flags guards what it named beside the grant it narrows, not a path in the child's cwd", async () => {
  await inTempDir(async (dir) => {
    await Deno.mkdir(`${dir}/secret`);
    // Both as an operator writes them, relative to the manager's directory.
    const granted = relative(Deno.cwd(), dir);
    await using cluster = await Cluster.start({
      worker: REPORTER,
      workers: 1,
      cwd: `${dir}/svc`,
      permissions: { read: [granted] },
      flags: [`--deny-read=${granted}/secret`],
    });
    assert.equal((await placeOf(cluster, 0, `${dir}/svc`)).read, "granted");
    assert.equal((await placeOf(cluster, 0, `${dir}/secret`)).read, "denied");
  });
});

Deno.test("a command service sees its env and runs in its cwd, where its relative arguments are found", async () => {
  await using cluster = await Cluster.start({
    workers: 0,
    env: { SB_MODE: "cluster", SB_SHARED: "from the cluster" },
    processes: {
      node: {
        // Relative to its cwd, as a shell started there finds it.
        command: ["node", "node_place_service.mjs"],
        cwd: FIXTURES,
        env: { SB_MODE: "node" },
      },
    },
  });
  const place = await placeOf(cluster, "node");
  assert.equal(`${place.cwd}/`, FIXTURES);
  assert.equal(place.env.SB_MODE, "node");
  assert.equal(place.env.SB_SHARED, "from the cluster");
  assert.equal(place.env.SB_OWN, null);
  assert.ok(place.env.PATH, "PATH inherited");
});

Deno.test("a cwd that does not exist fails start(), naming the child and the directory", async () => {
  const gone = "/nonexistent/switchboard-place";
  for (
    const [options, who] of [
      [{ workers: 0, processes: { svc: { module: REPORTER, cwd: gone } } }, 'service "svc"'],
      [
        { workers: 0, processes: { svc: { command: ["node", "x.mjs"], cwd: gone } } },
        'service "svc"',
      ],
      [{ worker: REPORTER, workers: 1, cwd: gone }, "worker 0"],
    ] as const
  ) {
    await assert.rejects(Cluster.start(options as ClusterOptions), (error) => {
      assert.ok(error instanceof SwitchboardError);
      assert.equal(error.message, `Could not start ${who}`);
      assert.equal(error.peer, who === "worker 0" ? 0 : "svc");
      assert.match(
        (error.cause as Error).message,
        /No such cwd '\/nonexistent\/switchboard-place'/,
      );
      return true;
    });
  }
});

Deno.test("a command service's relative program is found in its cwd, as a shell finds it", async () => {
  await inTempDir(async (dir) => {
    await Deno.writeTextFile(
      `${dir}/svc/run.sh`,
      `#!/bin/sh\nexec node "${FIXTURES}node_place_service.mjs"\n`,
    );
    await Deno.chmod(`${dir}/svc/run.sh`, 0o755);
    await using cluster = await Cluster.start({
      workers: 0,
      processes: { sh: { command: ["./run.sh"], cwd: `${dir}/svc`, env: { SB_OWN: "sh" } } },
    });
    const place = await placeOf(cluster, "sh");
    assert.equal(place.cwd, `${dir}/svc`);
    assert.equal(place.env.SB_OWN, "sh");
  });
});

Deno.test("a child with a cwd joins a manager whose TMPDIR is relative", async () => {
  await inTempDir(async (dir) => {
    // The manager runs in `dir`, and makes its socket directory in `dir`/sockets.
    await Deno.mkdir(`${dir}/sockets`);
    const { code, stdout } = await managerProcess("place_manager.ts", {
      args: [`${dir}/svc`],
      cwd: dir,
      env: { TMPDIR: "sockets" },
    }).output();
    assert.equal(code, 0);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), { cwd: `${dir}/svc`, env: {} });
  });
});
