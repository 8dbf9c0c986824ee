/**
 * `env` and `cwd`, the cluster's and a service's own, as `Cluster.start()`
 * reads them: merged, or refused with a `TypeError` naming the service and
 * the option before any process starts. The functions typed below are
 * checked by `deno check`, never run: each `@ts-expect-error` line must be
 * a type error, and the run time refuses the same.
 */

import assert from "node:assert/strict";
import { Cluster, type ClusterOptions, type ServiceOptions } from "../mod.ts";
import { managerConfig } from "../src/manager_config.ts";
import { SERVICE, WORKER } from "./helpers.ts";

export function envShapes(): ServiceOptions[] {
  return [
    { module: "./db.ts", env: { PORT: "8080" }, cwd: "/srv/db" },
    { command: ["node", "svc.mjs"], env: { PORT: "8080" }, cwd: "./node" },
    // @ts-expect-error: a value is a string
    { module: "./db.ts", env: { PORT: 8080 } },
    // @ts-expect-error: variables by name, not "NAME=value" lines
    { module: "./db.ts", env: ["PORT=8080"] },
    // @ts-expect-error: a path
    { command: ["node", "svc.mjs"], cwd: 1 },
  ];
}

export function onTheCluster(): ClusterOptions[] {
  return [
    // @ts-expect-error: a value is a string
    { worker: "./w.ts", env: { DEBUG: true } },
    // @ts-expect-error: one directory
    { worker: "./w.ts", cwd: ["/srv"] },
  ];
}

Deno.test("Cluster.start() refuses at run time the env and cwd its types refuse", async () => {
  const refused = envShapes().slice(2);
  assert.equal(refused.length, 3);
  for (const service of refused) {
    await assert.rejects(Cluster.start({ workers: 0, processes: { svc: service } }), {
      name: "TypeError",
      message: /^Service "svc" has an invalid "(env|env\.PORT|cwd)"/,
    });
  }
  for (const options of onTheCluster()) {
    await assert.rejects(Cluster.start({ ...options, workers: 1 }), {
      name: "TypeError",
      message: /^Cluster\.start\(\) has an invalid "(env\.DEBUG|cwd)"/,
    });
  }
});

/** The spec of `address` in the manager's configuration of `options`. */
function specOf(options: ClusterOptions, address: number | string) {
  const spec = managerConfig(options, [0]).children.get(address);
  assert.ok(spec, `no child ${address}`);
  return spec;
}

Deno.test("a service's env is merged over the cluster's, key by key; its cwd replaces the cluster's", () => {
  const options: ClusterOptions = {
    worker: WORKER,
    workers: 1,
    env: { MODE: "cluster", SHARED: "yes" },
    cwd: "/srv/app",
    processes: {
      own: { module: SERVICE, env: { MODE: "service", EXTRA: "1" }, cwd: "/srv/own" },
      bare: SERVICE,
      node: { command: ["node", "svc.mjs"], env: { MODE: "node" } },
    },
  };
  assert.deepEqual([specOf(options, 0).env, specOf(options, 0).cwd], [
    { MODE: "cluster", SHARED: "yes" },
    "/srv/app",
  ]);
  assert.deepEqual([specOf(options, "own").env, specOf(options, "own").cwd], [
    { MODE: "service", SHARED: "yes", EXTRA: "1" },
    "/srv/own",
  ]);
  assert.deepEqual([specOf(options, "bare").env, specOf(options, "bare").cwd], [
    { MODE: "cluster", SHARED: "yes" },
    "/srv/app",
  ]);
  assert.deepEqual([specOf(options, "node").env, specOf(options, "node").cwd], [
    { MODE: "node", SHARED: "yes" },
    "/srv/app",
  ]);
});

Deno.test("env and cwd not given, or null from a JSON config, leave the manager's", () => {
  const options = {
    worker: WORKER,
    workers: 1,
    env: null,
    cwd: null,
    processes: { svc: { module: SERVICE, env: null, cwd: null } },
  } as unknown as ClusterOptions;
  for (const address of [0, "svc"]) {
    const spec = specOf(options, address);
    assert.equal("env" in spec, false);
    assert.equal("cwd" in spec, false);
  }
  // A service's own env alone, over none of the cluster's.
  assert.deepEqual(
    specOf({ workers: 0, processes: { svc: { module: SERVICE, env: { A: "1" } } } }, "svc").env,
    { A: "1" },
  );
});

Deno.test("the env given is copied: changing the options after start() changes no child", () => {
  const env: Record<string, string> = { MODE: "a" };
  const spec = specOf({ worker: WORKER, workers: 1, env }, 0);
  env.MODE = "b";
  assert.deepEqual(spec.env, { MODE: "a" });
  // A name JSON.parse makes an own key is kept as one, not taken for the copy's prototype.
  const parsed = JSON.parse('{ "__proto__": "x" }');
  assert.deepEqual(Object.entries(specOf({ worker: WORKER, workers: 1, env: parsed }, 0).env!), [
    ["__proto__", "x"],
  ]);
});

Deno.test("an env a process environment cannot hold is refused, naming the service and the variable", () => {
  const cases: [unknown, RegExp][] = [
    ["PORT=8080", /has an invalid "env": "PORT=8080" is not an object of variables/],
    [["PORT=8080"], /has an invalid "env": PORT=8080 is not an object of variables/],
    [{ PORT: 8080 }, /has an invalid "env\.PORT": 8080 is not a string \(write "8080"\)/],
    [{ DEBUG: true }, /has an invalid "env\.DEBUG": true is not a string \(write "true"\)/],
    [{ DEBUG: null }, /has an invalid "env\.DEBUG": null is not a string$/],
    [{ "A=B": "x" }, /has an invalid "env" variable name "A=B": a name is not empty/],
    [{ "": "x" }, /has an invalid "env" variable name "": a name is not empty/],
    [{ "A\0B": "x" }, /has an invalid "env" variable name "A\\u0000B"/],
    [{ A: "x\0y" }, /has an invalid "env\.A": it holds a NUL character/],
  ];
  for (const [env, message] of cases) {
    assert.throws(
      () => managerConfig({ worker: WORKER, workers: 1, env: env as Record<string, string> }),
      { name: "TypeError", message: new RegExp(`^Cluster\\.start\\(\\) ${message.source}`) },
      Deno.inspect(env),
    );
    for (const service of [{ module: SERVICE }, { command: ["node", "svc.mjs"] }]) {
      assert.throws(
        () =>
          managerConfig({
            workers: 0,
            processes: { svc: { ...service, env: env as Record<string, string> } },
          }),
        { name: "TypeError", message: new RegExp(`^Service "svc" ${message.source}`) },
        Deno.inspect(env),
      );
    }
  }
});

Deno.test("a cwd that is not a path is refused, naming the service", () => {
  const cases: [unknown, string][] = [
    [1, "got 1"],
    ["", 'got ""'],
    [false, "got false"],
    ["/srv\0x", "got a string holding NUL"],
  ];
  for (const [cwd, got] of cases) {
    const expected = `has an invalid "cwd": a path to a directory, ${got}`;
    assert.throws(
      () => managerConfig({ worker: WORKER, workers: 1, cwd: cwd as string }),
      { name: "TypeError", message: `Cluster.start() ${expected}` },
    );
    assert.throws(
      () =>
        managerConfig({ workers: 0, processes: { svc: { module: SERVICE, cwd: cwd as string } } }),
      { name: "TypeError", message: `Service "svc" ${expected}` },
    );
  }
});

Deno.test("a misspelt env or cwd is refused with the option meant", () => {
  assert.throws(
    () => managerConfig({ worker: WORKER, workers: 1, envs: { A: "1" } } as ClusterOptions),
    { name: "TypeError", message: 'Cluster.start() has no option "envs": did you mean "env"?' },
  );
  assert.throws(
    () =>
      managerConfig({
        workers: 0,
        processes: { svc: { module: SERVICE, cdw: "/srv" } as ServiceOptions },
      }),
    { name: "TypeError", message: 'Service "svc" has no option "cdw": did you mean "cwd"?' },
  );
});
