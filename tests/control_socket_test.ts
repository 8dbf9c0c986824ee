/**
 * The control socket (`control`) and its command line (`ctl.ts`), with real
 * processes: the command line runs as an operator runs it, with the fewest
 * permissions, and the manager answers `status` and `reload`.
 */

import assert from "node:assert/strict";
import { Cluster, type LifecycleEvent } from "../mod.ts";
import { type ControlStatus, status } from "../ctl.ts";
import { deadline } from "../src/deadline.ts";
import { SwitchboardError } from "../src/errors.ts";
import { ControlSocket, MAX_CONNECTIONS } from "../src/control_socket.ts";
import { MAX_REQUEST_BYTES, readMessage } from "../src/control_wire.ts";
import { encodeFrame } from "../src/unix/frame.ts";
import { event, isRunning, managerProcess, SERVICE, waitFor, WORKER } from "./helpers.ts";

const CTL = new URL("../ctl.ts", import.meta.url).href;

/** Runs `ctl.ts --socket <socket> …args` with only the socket granted. */
async function ctl(
  socket: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${socket}`,
      `--allow-write=${socket}`,
      `--allow-net=unix:${socket}`,
      CTL,
      "--socket",
      socket,
      ...args,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code, stdout: text.decode(stdout), stderr: text.decode(stderr) };
}

async function statusOf(socket: string): Promise<ControlStatus> {
  const run = await ctl(socket, "--json", "status");
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

/** Sends raw bytes to the socket and reads the answer. */
async function rawRequest(socket: string, bytes: Uint8Array): Promise<unknown> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  try {
    await conn.write(bytes);
    return await readMessage(conn, 1 << 20);
  } finally {
    conn.close();
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}

/** Runs `test` with a control socket path in a temporary directory of its own, removed after. */
async function atControlPath(test: (socket: string, dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await test(`${dir}/ctl.sock`, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ctl status prints each child's pid; reload 1 and reload logger replace them", async () => {
  await atControlPath(async (socket, dir) => {
    const cluster = await Cluster.start({
      worker: WORKER,
      workers: 2,
      processes: { logger: SERVICE },
      control: socket,
    });
    try {
      assert.equal((await Deno.lstat(socket)).mode! & 0o777, 0o600, "only its user may connect");
      assert.deepEqual(
        [...Deno.readDirSync(dir)].map((entry) => entry.name),
        ["ctl.sock"],
        "the private directory it was made in is gone",
      );

      const table = await ctl(socket, "status");
      assert.equal(table.code, 0, table.stderr);
      assert.match(table.stdout, new RegExp(`^manager pid ${Deno.pid}$`, "m"));
      for (const address of [0, 1, "logger"] as const) {
        const label = typeof address === "number" ? `worker ${address}` : address;
        assert.match(
          table.stdout,
          new RegExp(`^${label} +${cluster.pid(address)} +ready +0 `, "m"),
          table.stdout,
        );
      }

      const before = await statusOf(socket);
      assert.equal(before.pid, Deno.pid);
      assert.deepEqual(
        before.children.map((child) => [child.address, child.pid, child.state]),
        [[0, cluster.pid(0), "ready"], [1, cluster.pid(1), "ready"], [
          "logger",
          cluster.pid("logger"),
          "ready",
        ]],
      );
      assert.ok(before.children.every((child) => typeof child.uptime === "number"));

      const events: string[] = [];
      cluster.onLifecycle((e: LifecycleEvent) => events.push(`${e.type} ${e.address}`));
      const worker1 = cluster.pid(1);
      const reloaded = await ctl(socket, "reload", "1");
      assert.equal(reloaded.code, 0, reloaded.stderr);
      assert.equal(reloaded.stdout.trim(), "Reloaded 1");
      assert.notEqual(cluster.pid(1), worker1, "worker 1 runs a new process");
      assert.equal(cluster.pid(0), before.children[0].pid, "worker 0 was left alone");
      assert.deepEqual(events, ["reload 1", "ready 1"]);

      const logger = cluster.pid("logger");
      const ready = event(cluster, "ready", "logger");
      const service = await ctl(socket, "reload", "mailer");
      assert.equal(service.code, 1, "no such service");
      assert.match(service.stderr, /Cannot reload service "mailer": not a child of this cluster/);
      assert.equal((await ctl(socket, "reload", "logger")).code, 0);
      await ready;
      assert.notEqual(cluster.pid("logger"), logger, "the service runs a new process");

      const after = await statusOf(socket);
      assert.deepEqual(
        after.children.map((child) => child.pid),
        [cluster.pid(0), cluster.pid(1), cluster.pid("logger")],
      );
    } finally {
      await cluster.stop();
    }
    assert.equal(await exists(socket), false, "the stop removed the socket file");
    const gone = await ctl(socket, "status");
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /No manager answers at .*: no such socket/);
  });
});

Deno.test("a bad request gets an error, and the manager keeps serving", async () => {
  await atControlPath(async (socket) => {
    await using cluster = await Cluster.start({ worker: WORKER, workers: 1, control: socket });
    const json = (value: unknown) => encodeFrame(new TextEncoder().encode(JSON.stringify(value)));

    assert.deepEqual(await rawRequest(socket, json({ command: "frobnicate" })), {
      ok: false,
      error: {
        name: "TypeError",
        message: 'Unknown control command "frobnicate": the commands are "status" and "reload"',
      },
    });
    assert.deepEqual(await rawRequest(socket, json({ command: "reload", target: -1 })), {
      ok: false,
      error: {
        name: "TypeError",
        message: "Cannot reload -1: a target is a worker id or a service name",
      },
    });
    // A length over the limit is answered at once, its bytes never awaited.
    const huge = new Uint8Array(4);
    new DataView(huge.buffer).setUint32(0, MAX_REQUEST_BYTES + 1);
    assert.deepEqual(await rawRequest(socket, huge), {
      ok: false,
      error: {
        name: "FrameError",
        message: `Frame of ${
          MAX_REQUEST_BYTES + 1
        } bytes is over the ${MAX_REQUEST_BYTES}-byte limit`,
      },
    });
    const notJson = encodeFrame(new TextEncoder().encode("status"));
    assert.deepEqual(await rawRequest(socket, notJson), {
      ok: false,
      error: { name: "FrameError", message: "A frame that is not UTF-8 JSON" },
    });

    // Clients that connect and send nothing hold a place each, not the manager.
    const silent = await Promise.all(
      Array.from(
        { length: MAX_CONNECTIONS },
        () => Deno.connect({ transport: "unix", path: socket }),
      ),
    );
    assert.deepEqual(await rawRequest(socket, json({ command: "status" })), {
      ok: false,
      error: {
        name: "Error",
        message: `The manager serves ${MAX_CONNECTIONS} control connections already`,
      },
    });
    silent.forEach((conn) => conn.close());
    // Served again once the manager has seen them go.
    await waitFor(
      (async () => {
        while (!(await rawRequest(socket, json({ command: "status" })) as { ok: boolean }).ok) {
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      "the manager to serve again",
    );
    const idle = await Deno.connect({ transport: "unix", path: socket });

    const wrong = await ctl(socket, "frobnicate");
    assert.equal(wrong.code, 2);
    assert.match(wrong.stderr, /Unknown command "frobnicate"\nUsage: /);

    const status = await statusOf(socket);
    assert.deepEqual(status.children.map((child) => child.pid), [cluster.pid(0)]);
    // The stop does not wait out a client that never sent its request: it closes it.
    await cluster.stop();
    assert.equal(await idle.read(new Uint8Array(1)), null);
    idle.close();
  });
});

Deno.test("a second manager at a live control path is refused; a killed one's file is replaced", async () => {
  await atControlPath(async (socket) => {
    const killed = managerProcess("control_manager.ts", { args: [socket] }).spawn();
    const lines = killed.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await waitFor(lines.read(), "the manager's ready")).value?.trim(), "ready");
    const { children: [worker] } = await statusOf(socket);

    // Refused while the first runs, before any child starts.
    await assert.rejects(
      Cluster.start({ worker: WORKER, workers: 1, control: socket }),
      (error: Error) =>
        error instanceof Deno.errors.AddrInUse &&
        error.message ===
          `Cannot listen for control commands at ${socket}: another manager is listening there`,
    );
    assert.equal((await statusOf(socket)).pid, killed.pid, "the first manager still answers");

    killed.kill("SIGKILL");
    await killed.status;
    await lines.cancel();
    assert.ok((await Deno.lstat(socket)).isSocket, "a killed manager leaves its socket file");
    // Its worker exits once its connection to the manager is gone.
    await waitFor(
      (async () => {
        while (isRunning(worker.pid!)) await new Promise((resolve) => setTimeout(resolve, 10));
      })(),
      "the killed manager's worker to exit",
    );

    const cluster = await Cluster.start({ worker: WORKER, workers: 1, control: socket });
    try {
      const status = await statusOf(socket);
      assert.equal(status.pid, Deno.pid, "the new manager answers");
    } finally {
      await cluster.stop();
    }
    assert.equal(await exists(socket), false);
  });
});

Deno.test("a control path where a file that is not a socket lies is refused, the file kept", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/ctl.sock`;
  try {
    await Deno.writeTextFile(path, "not a socket");
    await assert.rejects(
      Cluster.start({ workers: 0, control: path }),
      Deno.errors.AlreadyExists,
      "a file that is not a socket is there",
    );
    assert.equal(await Deno.readTextFile(path), "not a socket");
    await assert.rejects(
      Cluster.start({ workers: 0, control: "" }),
      TypeError,
      'Cluster.start() has an invalid "control"',
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a manager that calls Deno.exit() removes its control socket file", async () => {
  await atControlPath(async (socket) => {
    const { code, stdout } = await managerProcess("control_manager.ts", {
      args: [socket, "exit"],
      stderr: "piped",
    }).output();
    assert.equal(new TextDecoder().decode(stdout).trim(), "ready");
    assert.equal(code, 3);
    assert.equal(await exists(socket), false);
  });
});

Deno.test("ControlSocket answers a client that sends no request in time, and one that sends it a byte at a time", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/ctl.sock`;
  const control = await ControlSocket.listen(socket, 200);
  try {
    const reloads: unknown[] = [];
    control.serve({
      status: () => ({ pid: 1, children: [] }),
      reload: (target) => {
        reloads.push(target);
        return Promise.resolve();
      },
      report: (error) => {
        throw error;
      },
    });
    const silent = await Deno.connect({ transport: "unix", path: socket });
    assert.deepEqual(await readMessage(silent, 4096), {
      ok: false,
      error: { name: "Error", message: "No request came within 200 ms" },
    });
    silent.close();

    const slow = await Deno.connect({ transport: "unix", path: socket });
    const frame = encodeFrame(new TextEncoder().encode('{"command":"reload","target":"2"}'));
    for (const byte of frame) await slow.write(Uint8Array.of(byte));
    assert.deepEqual(await readMessage(slow, 4096), { ok: true });
    slow.close();
    assert.deepEqual(reloads, ["2"]);
    await control.close();
    assert.equal(await exists(socket), false, "close() removed the socket file");
  } finally {
    await control.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("of two managers that both find the same stale socket file, one is refused: neither removes the other's", async () => {
  await atControlPath(async (socket) => {
    // A socket file nobody listens at, as a killed manager leaves (a
    // listener's close removes its own path, not a link to it).
    const listener = Deno.listen({ transport: "unix", path: `${socket}.old` });
    await Deno.link(`${socket}.old`, socket);
    listener.close();
    assert.equal(await exists(socket), true);
    let first: ControlSocket | undefined;
    const realRemove = Deno.remove;
    // The second manager found the file stale; the first takes the path
    // over before the second's next step there.
    let raced = false;
    const race = async () => {
      if (raced) return;
      raced = true;
      first = await ControlSocket.listen(socket);
    };
    const realRename = Deno.rename;
    Deno.remove = async (path, options) => {
      if (path === socket) await race();
      return await realRemove(path, options);
    };
    Deno.rename = async (from, to) => {
      if (from === socket) await race();
      return await realRename(from, to);
    };
    let second: ControlSocket | undefined;
    try {
      second = await ControlSocket.listen(socket).catch((error) => {
        assert.ok(error instanceof Deno.errors.AddrInUse, String(error));
        return undefined;
      });
      Deno.remove = realRemove;
      Deno.rename = realRename;
      assert.ok(first, "the first manager listens");
      assert.equal(second, undefined, "the second is refused");
      const served = Promise.withResolvers<void>();
      first.serve({
        status: () => {
          served.resolve();
          return { pid: 1, children: [] };
        },
        reload: () => Promise.resolve(),
        report: (error) => served.reject(error),
      });
      // The file at the path is the first's: a client reaches it.
      const status = await statusOf(socket);
      assert.equal(status.pid, 1);
      await served.promise;
    } finally {
      Deno.remove = realRemove;
      Deno.rename = realRename;
      await second?.close();
      await first?.close();
    }
  });
});

Deno.test("status() that times out closes its connection, so that the command line exits", async () => {
  await atControlPath(async (socket) => {
    // A manager that takes the connection and never answers (stopped, say).
    const listener = Deno.listen({ transport: "unix", path: socket });
    const held = (async () => {
      const conn = await listener.accept();
      try {
        const bytes = new Uint8Array(64);
        // The request, then the client's close.
        while (await conn.read(bytes) !== null);
      } finally {
        conn.close();
      }
    })();
    try {
      await assert.rejects(
        status(socket, 100),
        SwitchboardError,
        `The manager at ${socket} did not answer "status" within 100 ms`,
      );
      await deadline(held, 5_000, () => new Error("status() left its connection open"));
    } finally {
      listener.close();
    }
  });
});

Deno.test("a control path whose directory leaves no room for the socket made in it first is refused by name; one just short enough listens", async () => {
  await atControlPath(async (_, dir) => {
    // The socket is made at <dir>/.sb-<16 hex digits>/s, then linked at the path.
    const room = 103 - new TextEncoder().encode(dir).length - "/.sb-0123456789abcdef/s".length;
    const fits = `${dir}/${"d".repeat(room - 1)}`;
    await Deno.mkdir(fits);
    const control = await ControlSocket.listen(`${fits}/ctl.sock`);
    await control.close();
    const over = `${dir}/${"d".repeat(room)}`;
    await Deno.mkdir(over);
    // 9 bytes from the longest path a socket may have, the path itself is fine.
    assert.ok(new TextEncoder().encode(`${over}/c`).length < 103);
    await assert.rejects(
      Cluster.start({ workers: 0, control: `${over}/c`, signals: false }),
      TypeError,
      `Cluster.start(): the "control" socket path ${over}/c is too long: its directory may have ` +
        `at most 80 bytes`,
    );
  });
});

Deno.test("a manager's stop leaves a socket another manager linked at its path since (its own file removed by hand)", async () => {
  await atControlPath(async (socket) => {
    const first = await ControlSocket.listen(socket);
    let second: ControlSocket | undefined;
    try {
      // An operator removed the first's file, and started another manager there.
      await Deno.remove(socket);
      second = await ControlSocket.listen(socket);
      await first.close();
      assert.equal(await exists(socket), true, "the second's socket file is left");
      second.serve({
        status: () => ({ pid: 2, children: [] }),
        reload: () => Promise.resolve(),
        report: (error) => {
          throw error;
        },
      });
      assert.equal((await statusOf(socket)).pid, 2);
    } finally {
      await first.close();
      await second?.close();
    }
  });
});
