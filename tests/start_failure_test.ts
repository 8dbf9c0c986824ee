/**
 * Start-up failures are loud, and so is a child given up later: the
 * cluster stops and `cluster.closed` rejects, unless told to go on.
 */

import assert from "node:assert/strict";
import { Cluster } from "../mod.ts";
import { isRunning, runningChildren, waitFor } from "./helpers.ts";
import { exists, ManagerRun, runInOwnTmp } from "./manager_run.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

Deno.test("start() rejects, naming the child and its exit code, when a child crashes right after connect(); nothing is left", async () => {
  // A manager of its own, with a temporary directory of its own: what it
  // leaves there, or leaves running, is its own.
  const tmp = await Deno.makeTempDir({ prefix: "switchboard-test-tmp-" });
  const { code, printed } = await runInOwnTmp(fixture("crashing_start_manager.ts"), tmp, {
    net: true,
  });
  assert.equal(code, 0);
  const { failed } = printed as { failed: string };
  assert.match(
    failed,
    /^SwitchboardError: worker [0-2] exited with code 1 before (it was ready|the cluster had started)$/,
  );
  assert.deepEqual([...Deno.readDirSync(tmp)], [], "no socket directory is left");
  assert.deepEqual(runningChildren(), [], "no child runs");
  await Deno.remove(tmp);
});

Deno.test("a manager without --allow-net is told every flag its sockets need", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "switchboard-test-tmp-" });
  try {
    const manager = fixture("start_once_manager.ts");
    const { printed } = await runInOwnTmp(manager, tmp, { net: false });
    const { failed } = printed as { failed: string };
    assert.equal(
      failed.replace(/switchboard-[0-9a-f]+/, "switchboard-X"),
      `NotCapable: Requires net access to "unix:${tmp}/switchboard-X/m.sock": a manager listens ` +
        `at a socket in a directory of its own in ${tmp}; run it with --allow-read=${tmp} ` +
        `--allow-write=${tmp} --allow-net (and --allow-run)`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a manager without --allow-write is told every flag its sockets need", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "switchboard-test-tmp-" });
  try {
    const { stdout } = await waitFor(
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "--allow-run",
          `--allow-read=${tmp}`,
          "--allow-net",
          fixture("start_once_manager.ts").href,
        ],
        env: { TMPDIR: tmp },
        stdout: "piped",
        stderr: "null",
      }).output(),
      "the manager to end",
    );
    const { failed } = JSON.parse(new TextDecoder().decode(stdout)) as { failed: string };
    assert.match(failed, /^NotCapable: /);
    // The manager may not read TMPDIR: the directory is named as Deno picks it.
    assert.ok(
      failed.includes(`--allow-read=${tmp} --allow-write=${tmp} --allow-net`) ||
        failed.includes(
          "--allow-read=$TMPDIR (else /tmp) --allow-write=$TMPDIR (else /tmp) --allow-net",
        ),
      `every flag is named: ${failed}`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a child that exits with code 0 before it is ready gets a hint", async () => {
  const error = await Cluster.start({ worker: fixture("export_only_worker.ts"), workers: 1 }).then(
    () => assert.fail("should reject"),
    (error: Error) => error,
  );
  assert.match(
    error.message,
    /worker 0 exited with code 0 before it was ready \(did it call connect\(\)\? A module that only exports a function ends at once\)/,
  );
  assert.match(error.stack!, /start_failure_test\.ts/, "its stack shows who started the cluster");
});

Deno.test("a child that connects and then closes its peer before it is ready is told so", async () => {
  const error = await Cluster.start({ worker: fixture("closing_worker.ts"), workers: 1 }).then(
    () => assert.fail("should reject"),
    (error: Error) => error,
  );
  assert.match(
    error.message,
    /worker 0 exited with code 0 before it was ready \(it had connected, then closed its peer: a child keeps its peer for its whole life\)/,
  );
});

Deno.test("a child given up stops the cluster, and cluster.closed rejects with the reason", async () => {
  const cluster = await Cluster.start({
    workers: 0,
    processes: { flaky: fixture("dying_service.ts") },
    restart: { maxRestarts: 1, backoff: 10 },
  });
  cluster.onError(() => {});
  const dir = cluster.socketDir;
  await assert.rejects(
    cluster.closed,
    /^SwitchboardError: service "flaky" exited with code 3 after 1 restart within 60000 ms; it stays down$/,
  );
  assert.deepEqual(cluster.stats().children.map((child) => child.state), ["failed"]);
  assert.equal(await exists(dir), false);
  assert.deepEqual(runningChildren(), []);
});

Deno.test("a child given up, where nobody reads cluster.closed, is reported and ends no test", async () => {
  const cluster = await Cluster.start({
    workers: 0,
    processes: { flaky: fixture("dying_service.ts") },
    restart: { maxRestarts: 1, backoff: 10 },
  });
  const fatal = Promise.withResolvers<unknown>();
  cluster.onLifecycle((event) => event.type === "fatal" && fatal.resolve(event));
  const reported: string[] = [];
  cluster.onError((error) => reported.push(error.message));
  assert.deepEqual(await waitFor(fatal.promise, "the fatal event"), {
    type: "fatal",
    address: "flaky",
    restarts: 1,
    period: 60_000,
  });
  assert.deepEqual(cluster.stats().children.map((child) => child.state), ["failed"]);
  // The stop it began; its `closed` rejects, and nobody has a handler on it:
  // an unhandled rejection would fail this test as it ends.
  await cluster.stop();
  await new Promise((resolve) => setTimeout(resolve, 0));
  assert.deepEqual(reported, [
    'service "flaky" exited with code 3 after 1 restart within 60000 ms; it stays down',
  ]);
});

Deno.test("a manager that awaits cluster.closed exits non-zero when a child is given up", async () => {
  await using run = new ManagerRun({ dying: true });
  const ready = await run.ready();
  const status = await run.finished();
  assert.equal(status.code, 1);
  assert.match(run.stderr, /service "logger" exited with code 3 after 1 restart/);
  assert.equal(await exists(ready.dir), false);
});

Deno.test("connect() outside a cluster, with a pipe on stdin that says nothing, fails clearly", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", fixture("server_worker.ts").href],
    stdin: "piped",
    stdout: "null",
    stderr: "piped",
  }).spawn();
  // Like `sleep 8 | deno run worker.ts`: stdin stays open and silent.
  const { code, stderr } = await waitFor(child.output(), "connect() to give up");
  await child.stdin.close();
  assert.equal(code, 1);
  assert.match(
    new TextDecoder().decode(stderr),
    /connect\(\) found no bootstrap \(none arrived on stdin within 2000 ms\): run this module through Cluster\.start\(\)/,
  );
});

Deno.test("a module that does not exist is refused before any process starts, naming it", async () => {
  await assert.rejects(
    Cluster.start({ worker: "./tests/fixtures/no_such_worker.ts", workers: 2 }),
    {
      name: "SwitchboardError",
      message:
        'The worker module "./tests/fixtures/no_such_worker.ts" (relative to the working directory) does not exist: no process was started',
    },
  );
  const missing = fixture("no_such_service.ts");
  await assert.rejects(
    Cluster.start({ workers: 0, processes: { logger: { module: missing } } }),
    {
      name: "SwitchboardError",
      message: `Service "logger"'s module "${missing.href}" does not exist: no process was started`,
    },
  );
  await assert.rejects(
    Cluster.start({ worker: new URL("./fixtures/", import.meta.url), workers: 1 }),
    /^SwitchboardError: The worker module "file:\/\/.*\/tests\/fixtures\/" is not a file: no process was started$/,
  );
  assert.deepEqual(runningChildren(), [], "no child was started");
});

Deno.test("a start that fails ends what a child started too: a command service's program under its shell", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const pidFile = `${dir}/pid`;
  let program: number | undefined;
  try {
    // The shell waits for its program, which never connects: the start
    // times out, and the shell is killed.
    const start = Cluster.start({
      workers: 0,
      processes: { svc: { command: ["sh", "-c", `sleep 60 & echo $! > ${pidFile}; wait`] } },
      startTimeout: 500,
    });
    await assert.rejects(start, /Cluster did not start within 500 ms: service "svc"/);
    program = Number(await Deno.readTextFile(pidFile));
    // Before, the shell alone was killed, and its `sleep` ran on. A
    // SIGKILL is sent by then, but may take a moment to land: no event
    // tells a process that is not ours ended, so `ps` is asked until then.
    const ended = (async () => {
      while (isRunning(program)) await new Promise((resolve) => setTimeout(resolve, 20));
    })();
    await waitFor(ended, "the shell's program to be killed with it");
  } finally {
    if (program !== undefined && isRunning(program)) Deno.kill(program, "SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("with --allow-run narrowed, nothing is said of the groups of Deno children that may start nothing", async () => {
  const { stdout, stderr } = await waitFor(
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-run=${Deno.execPath()}`,
        "--allow-read=/tmp",
        "--allow-write=/tmp",
        "--allow-net",
        fixture("narrow_run_manager.ts").href,
        "workers",
      ],
      stdin: "null",
    }).output(),
    "the manager to end",
  );
  assert.equal(new TextDecoder().decode(stdout), '{"stopped":true}\n');
  assert.doesNotMatch(new TextDecoder().decode(stderr), /process group/);
});

Deno.test("with --allow-run narrowed to some programs, a child's group cannot be killed, and that is said", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-" });
  const pidFile = `${dir}/pid`;
  try {
    const { stdout, stderr } = await waitFor(
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          `--allow-run=sh,${Deno.execPath()}`,
          "--allow-read=/tmp",
          "--allow-write=/tmp",
          "--allow-net",
          fixture("narrow_run_manager.ts").href,
          pidFile,
        ],
        stdin: "null",
      }).output(),
      "the manager to end",
    );
    assert.match(new TextDecoder().decode(stdout), /"failed":"Cluster did not start within 500 ms/);
    assert.match(
      new TextDecoder().decode(stderr),
      /Could not signal a child's process group \(--allow-run is narrowed to some programs\): the child alone was signalled, and what it started may still run/,
    );
  } finally {
    const program = Number(await Deno.readTextFile(pidFile).catch(() => "0"));
    if (program > 0 && isRunning(program)) Deno.kill(program, "SIGKILL");
    await Deno.remove(dir, { recursive: true });
  }
});
