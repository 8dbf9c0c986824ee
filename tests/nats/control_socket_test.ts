/**
 * The control socket of a host of a cluster that spans hosts: `status`
 * lists every host, and `reload` of another host's worker says whose it is.
 */

import assert from "node:assert/strict";
import { reload, status } from "../../ctl.ts";
import { RemoteError } from "../../mod.ts";
import { bThenHere, joinHere, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "status lists every host; reload of another host's worker is refused, naming the host",
  ignore: !natsAnswers,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/ctl.sock`;
    try {
      const cluster = uniqueCluster();
      const b = startHost({ cluster, host: "b", workers: 2, services: ["logger"] });
      await using hosts = await bThenHere(b, () => joinHere(cluster, "a", { control: socket }));
      const { a } = hosts;
      const answer = await status(socket);
      assert.deepEqual(answer.hosts, a.stats().hosts);
      assert.deepEqual(answer.children.map((child) => [child.address, child.pid]), [
        [2, a.pid(2)],
        [3, a.pid(3)],
      ]);
      await assert.rejects(
        reload(socket, "0"),
        (error: Error) =>
          error instanceof RemoteError && error.remoteName === "TypeError" &&
          error.remoteMessage ===
            'Cannot reload worker 0: it runs on host "b", whose manager reloads it',
      );
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
