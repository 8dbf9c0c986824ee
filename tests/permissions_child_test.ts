/** Children run with their sockets and what is granted, nothing more. */

import assert from "node:assert/strict";
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
