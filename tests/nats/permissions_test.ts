/**
 * NATS permissions that keep a host from its subjects (from an outside
 * review): one that may not subscribe to its own fails to start, saying
 * so, rather than join deaf; one that may not publish to another host's
 * is told so where it sends, rather than left to time out. Private NATS
 * servers with users; every wait has a deadline.
 */

import assert from "node:assert/strict";
import { SwitchboardError, TimeoutError } from "../../src/errors.ts";
import { waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, natsAnswers, NatsServer, uniqueCluster } from "./hosts.ts";

/**
 * A private NATS server whose users "a" and "b" (passwords alike) have the
 * permissions `a` says (nats-server's config syntax); b may do anything.
 */
async function serverWithUsers(a: string): Promise<NatsServer & AsyncDisposable> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-conf-" });
  const conf = `${dir}/nats.conf`;
  await Deno.writeTextFile(
    conf,
    `authorization {
  users = [
    { user: "a", password: "a", permissions: ${a} }
    { user: "b", password: "b" }
  ]
}
`,
  );
  const server = await NatsServer.start(["-c", conf]);
  return Object.assign(server, {
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(dir, { recursive: true });
    },
  });
}

Deno.test({
  name:
    "a host whose NATS user may not subscribe to its own subject fails to start, saying so, rather than join deaf",
  ignore: !natsAnswers,
  async fn() {
    // Per-host permissions, as README advises, given for another name than the host's.
    await using server = await serverWithUsers(`{ subscribe: { deny: ["switchboard.*.a"] } }`);
    const cluster = uniqueCluster();
    const started = joinHere(cluster, "a", {
      servers: server.url,
      workers: 1,
      connection: { user: "a", pass: "a" },
    }).then(
      async (a) => {
        // Joined: another host's request to its worker is lost, and only times out.
        await using here = a;
        await using b = await joinHere(cluster, "b", {
          servers: server.url,
          workers: 1,
          connection: { user: "b", pass: "b" },
        });
        await knowsWorkers(b, 2);
        const answer = await b.request("echoRequest", 1, { to: 0, timeout: 3_000 }).then(
          (value) => `answered ${JSON.stringify(value)}`,
          (error: Error) => `${error.name}: ${error.message}`,
        );
        return `started (${here.workerCount} workers); b's request to its worker: ${answer}`;
      },
      (error: Error) => error,
    );
    const outcome = await waitFor(started, "a's start to settle", 20_000);
    assert.ok(outcome instanceof SwitchboardError, String(outcome));
    assert.match(outcome.message, /switchboard\.t[0-9a-f]+\.a/);
  },
});

Deno.test({
  name:
    "a host whose NATS user may not publish to another host's subject is told so where it sends, not left to time out",
  ignore: !natsAnswers,
  async fn() {
    await using server = await serverWithUsers(`{ publish: { deny: ["switchboard.*.b"] } }`);
    const cluster = uniqueCluster();
    await using b = await joinHere(cluster, "b", {
      servers: server.url,
      workers: 1,
      connection: { user: "b", pass: "b" },
    });
    await using a = await joinHere(cluster, "a", {
      servers: server.url,
      workers: 1,
      connection: { user: "a", pass: "a" },
    });
    await knowsWorkers(a, 2);
    const errors: string[] = [];
    a.onError((error) => errors.push(error.message));
    b.onError(() => {});
    // Worker 0 runs on b; a's message and request to it go to b's subject.
    const to = b.stats().children.find((child) => typeof child.address === "number")!.address;
    a.sendMessage("test", {}, to);
    const outcome = await a.request("echoRequest", 1, { to, timeout: 8_000 }).then(
      (value) => ({ answered: value }),
      (error: Error) => ({ name: error.name, message: error.message }),
    );
    // Refused, and saying why: not a timeout after which nothing is ever said.
    assert.ok(!("answered" in outcome), JSON.stringify(outcome));
    assert.notEqual(
      outcome.name,
      TimeoutError.name,
      `${JSON.stringify(outcome)}; a was told ${JSON.stringify(errors)}`,
    );
    assert.ok(
      [outcome.message, ...errors].some((text) => /switchboard\.t[0-9a-f]+\.b/.test(text)),
      `nothing names the subject a may not publish to: ${JSON.stringify({ outcome, errors })}`,
    );
  },
});
