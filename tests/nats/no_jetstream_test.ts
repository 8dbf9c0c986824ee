/** A NATS server without JetStream: joining says so, naming the cluster and the fix. */

import assert from "node:assert/strict";
import { SwitchboardError } from "../../mod.ts";
import { joinHere, natsAnswers, NatsServer, uniqueCluster } from "./hosts.ts";

Deno.test({
  name: "joining through a NATS server without JetStream fails, saying it needs JetStream",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start([], undefined, { jetstream: false });
    try {
      const cluster = uniqueCluster();
      const error = await joinHere(cluster, "a", { servers: server.url }).then(
        () => assert.fail("joined"),
        (error: unknown) => error,
      );
      assert.ok(error instanceof SwitchboardError, String(error));
      assert.equal(
        error.message,
        `Cannot join cluster "${cluster}": the NATS server at ${server.url} has no JetStream, where the cluster's membership is kept (start it with -js)`,
      );
    } finally {
      await server.stop();
    }
  },
});
