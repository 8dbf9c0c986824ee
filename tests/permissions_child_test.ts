/** Children run with their sockets and what is granted, nothing more. */

import assert from "node:assert/strict";
import { RemoteError } from "../mod.ts";
import { remote, startCluster } from "./helpers.ts";

Deno.test("a child cannot read files or the environment unless granted", async () => {
  const file = await Deno.makeTempFile({ prefix: "switchboard-test-" });
  await Deno.writeTextFile(file, "secret");
  try {
    await using cluster = await startCluster({ workers: 1 });
    for (const child of [0, "logger"]) {
      assert.deepEqual(await remote(cluster, child, { op: "readFile", path: file }), {
        error: {
          name: "NotCapable",
          message: `Requires read access to "${file}", run again with the --allow-read flag`,
        },
      });
      const env = await remote(cluster, child, { op: "env", name: "HOME" });
      assert.ok("error" in env && env.error.name === "NotCapable");
    }
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a permission a child's handler lacks is told as the manager's to grant, not as a flag to run again with", async () => {
  const file = await Deno.makeTempFile({ prefix: "switchboard-test-" });
  try {
    await using cluster = await startCluster({ workers: 1 });
    const error = await cluster.request("readFileRequest", { path: file }, { to: 0 }).then(
      () => undefined,
      (thrown) => thrown,
    );
    assert.ok(error instanceof RemoteError);
    assert.equal(error.remoteName, "NotCapable");
    assert.equal(
      error.message,
      `Request "readFileRequest" to worker 0 failed: NotCapable: Requires read access to ` +
        `"${file}": this child has only the permissions its manager gives it; grant it there, ` +
        `in Cluster.start({ permissions: { read: [...] } }) (or a service's own permissions)`,
    );
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("a child can read what it is granted, and only that", async () => {
  const file = await Deno.makeTempFile({ prefix: "switchboard-test-" });
  const other = await Deno.makeTempFile({ prefix: "switchboard-test-" });
  await Deno.writeTextFile(file, "granted");
  try {
    await using cluster = await startCluster({
      workers: 1,
      permissions: { read: [file], env: ["HOME"] },
      processes: {
        logger: { module: new URL("./fixtures/service.ts", import.meta.url), permissions: {} },
      },
    });
    assert.deepEqual(await remote(cluster, 0, { op: "readFile", path: file }), { ok: "granted" });
    const denied = await remote(cluster, 0, { op: "readFile", path: other });
    assert.ok("error" in denied && denied.error.name === "NotCapable");
    assert.ok("ok" in await remote(cluster, 0, { op: "env", name: "HOME" }));
    // A service's own permissions replace the cluster's: this one was granted nothing.
    const service = await remote(cluster, "logger", { op: "readFile", path: file });
    assert.ok("error" in service && service.error.name === "NotCapable");
  } finally {
    await Deno.remove(file);
    await Deno.remove(other);
  }
});
