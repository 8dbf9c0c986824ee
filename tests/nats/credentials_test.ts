/**
 * NATS credentials pass through to the manager's connection, and stay
 * there: children never see them, on their command line or in their
 * environment. A server that refuses the connection fails the start,
 * saying why.
 */

import assert from "node:assert/strict";
import { SwitchboardError } from "../../mod.ts";
import { joinHere, natsAnswers, NatsServer, uniqueCluster } from "./hosts.ts";

const SECRET = `pw-${crypto.randomUUID()}`;

Deno.test({
  name: "credentials reach the NATS server, not the children; without them the start fails",
  ignore: !natsAnswers,
  async fn() {
    const server = await NatsServer.start(["--user", "switchboard", "--pass", SECRET]);
    try {
      const cluster = uniqueCluster();
      await assert.rejects(
        joinHere(cluster, "a", { servers: server.url, workers: 1 }),
        (error: unknown) =>
          error instanceof SwitchboardError &&
          /^Cannot join cluster "\w+": no NATS server at 127\.0\.0\.1:\d+ took the connection \(.*(auth|Authorization).*\)$/i
            .test(error.message),
      );
      await using a = await joinHere(
        cluster,
        "a",
        {
          servers: server.url,
          workers: 1,
          connection: { user: "switchboard", pass: SECRET },
        } as Parameters<typeof joinHere>[2],
      );
      assert.deepEqual(await a.request("echoRequest", "hi", { to: 0 }), {
        data: "hi",
        by: 0,
        from: "manager",
      });
      for (const child of a.stats().children) {
        // `ps e`: the command line, then the environment.
        const { stdout } = await new Deno.Command("ps", {
          args: ["eww", "-o", "args=", "-p", String(child.pid)],
        }).output();
        const seen = new TextDecoder().decode(stdout);
        assert.match(seen, /host_worker\.ts/, "the child's own line");
        assert.ok(!seen.includes(SECRET), "no credential on a child's command line or environment");
      }
    } finally {
      await server.stop();
    }
  },
});
