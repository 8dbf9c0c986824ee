/**
 * Review 12: `connection` passes any option to the NATS client, so a host
 * may be given `maxReconnectAttempts`. When the client then gave up (the
 * server away for longer), the host was cut off from the others for good
 * and nothing said so: its `onError` heard nothing, the other hosts saw it
 * leave, and each send went on being refused as "this host's connection to
 * the NATS server is down", as if it would come back. Its stop then
 * reported the client's bare "ClosedConnectionError: closed connection".
 * It is said once, naming the host, the cluster and why; the stop says
 * nothing more.
 */

import assert from "node:assert/strict";
import { SwitchboardError } from "../mod.ts";
import { nextEvent } from "./helpers.ts";
import { joinHere, natsAnswers, NatsServer, uniqueCluster } from "./nats/hosts.ts";

Deno.test({
  name: "a host whose NATS client gives up reconnecting says it is cut off for good",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start();
    try {
      const cluster = uniqueCluster();
      const a = await joinHere(cluster, "a", {
        workers: 1,
        servers: server.url,
        connection: { maxReconnectAttempts: 2, reconnectTimeWait: 50 },
      });
      const errors: Error[] = [];
      a.onError((error) => errors.push(error));
      try {
        const gaveUp = nextEvent<Error>(
          (listener) => a.onError(listener),
          "a report that the host is cut off for good",
          (error) => error instanceof SwitchboardError,
        );
        await server.kill();
        const error = await gaveUp;
        assert.match(
          error.message,
          new RegExp(
            `^Host "a" of cluster "${cluster}" is cut off from the other hosts for good: ` +
              `its connection to the NATS server closed, and the NATS client gave up reconnecting`,
          ),
        );
      } finally {
        await a.stop();
      }
      assert.deepEqual(
        errors.map((error) => `${error.name}: ${error.message}`).slice(1),
        [],
        "nothing more, as it stops",
      );
    } finally {
      await server.stop();
    }
  },
});
