/**
 * From an outside review (review 3): what a NATS client that is not a
 * Switchboard host publishes to the subjects the hosts use must not break
 * what never crossed NATS, and what goes across hosts must be delivered or
 * refused where its sender sees it. Real NATS servers; every wait has a
 * deadline.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { type Cluster, managerOf } from "../../mod.ts";
import { FrameError, SwitchboardError, TimeoutError } from "../../src/errors.ts";
import { bounceBody } from "../../src/nats/bodies.ts";
import type { HostRecord, MembershipChange } from "../../src/broker.ts";
import { BOUNCE, BYE, encodeEnvelopes, MESSAGE, SENT } from "../../src/nats/envelope.ts";
import { type Members, NatsLink } from "../../src/nats/link.ts";
import { fakeConnection } from "./fake_connection.ts";
import { nextEvent, waitFor } from "../helpers.ts";
import {
  joinHere,
  knowsWorkers,
  NATS,
  natsAnswers,
  NatsServer,
  startHost,
  uniqueCluster,
} from "./hosts.ts";

const ignore = !natsAnswers;

Deno.test({
  name:
    "review3: a forged bounce under a member's name for a process of this host is refused, and fails nothing local",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    // a, this process, runs worker 0; b, another process, worker 1.
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    await knowsWorkers(a, 2);
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    // A request from a's manager to a's own worker 0: it never crosses NATS.
    const local = a.request("slowRequest", { ms: 1_500 }, { to: 0, timeout: 8_000 });
    const outcome = local.then(
      (value) => ({ value }),
      (error: Error) => ({ error: `${error.name}: ${error.message}` }),
    );
    const nc = await connect({ servers: NATS });
    try {
      // Not from host b at all: any client allowed to publish on the subject.
      // "A message from the manager of a to worker 0 was refused", says "b":
      // worker 0 runs on a, and b never had anything of a's for it.
      nc.publish(
        `switchboard.${cluster}.a`,
        encodeEnvelopes([{
          kind: BOUNCE,
          host: "b",
          epoch: 1,
          seq: 0,
          from: managerOf("a"),
          to: 0,
          body: bounceBody("forged"),
        }]),
      );
      await nc.flush();
    } finally {
      await nc.close();
    }
    // Expected: the request to a's own worker is answered, as if nothing came.
    assert.deepEqual(await waitFor(outcome, "the local request to settle"), {
      value: { by: 0 },
    });
    // And the forged envelope is reported as one, not taken for a refusal.
    await nextEvent<Error>(
      (listener) => {
        for (const error of errors) listener(error);
        return a.onError(listener);
      },
      "a report of the forged bounce",
      (error) => error instanceof FrameError,
    );
  },
});

/** One MESSAGE envelope under host `host`'s name, its body the JSON of `message`. */
function forgedMessage(
  host: string,
  from: string | number,
  to: string | number,
  message: unknown,
): Uint8Array {
  return encodeEnvelopes([{
    kind: MESSAGE,
    host,
    epoch: 1,
    seq: 0,
    from,
    to,
    body: new TextEncoder().encode(JSON.stringify(message)),
  }]);
}

/** Publishes `bytes` on `subject` from a NATS client of its own, not a host. */
async function publishAsStranger(subject: string, bytes: Uint8Array): Promise<void> {
  const nc = await connect({ servers: NATS });
  try {
    nc.publish(subject, bytes);
    await nc.flush();
  } finally {
    await nc.close();
  }
}

Deno.test({
  name:
    "review3: a lifecycle event from another host's manager about a process of this host is refused, and this host's worker stays up",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    await knowsWorkers(a, 2);
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    const events: unknown[] = [];
    a.onLifecycle((event) => events.push(event));
    // "Worker 0 was given up", says b's manager: worker 0 is a's, and runs.
    await publishAsStranger(
      `switchboard.${cluster}.a`,
      forgedMessage("b", managerOf("b"), managerOf("a"), {
        action: "$event",
        data: { type: "fatal", address: 0, restarts: 5, period: 1000 },
      }),
    );
    // Read once a hears the event or reports the envelope, whichever it does.
    const read = Promise.withResolvers<void>();
    const offEvent = a.onLifecycle(() => read.resolve());
    const offError = a.onError((error) => {
      if (error instanceof FrameError) read.resolve();
    });
    if (events.length > 0 || errors.some((error) => error instanceof FrameError)) read.resolve();
    await waitFor(read.promise, "a to read the forged event").finally(() => {
      offEvent();
      offError();
    });
    // a's own worker 0 still takes requests, from a's manager.
    const answer = await a.request("echoRequest", 1, { to: 0, timeout: 5_000 }).then(
      (value) => ({ value }),
      (error: Error) => ({ error: `${error.name}: ${error.message}` }),
    );
    assert.deepEqual({ events, answer }, {
      events: [],
      answer: { value: { data: 1, by: 0, from: "manager" } },
    });
  },
});

/**
 * Publishes `envelopes` to host `to` of `cluster` from a NATS client of its
 * own, then an envelope under `to`'s own name, which `to` reports at once:
 * resolves once `to` has read them all (one subject, one publisher: in order).
 */
async function publishAndMark(
  cluster: string,
  to: { host: string; peer: Cluster },
  bytes: Uint8Array[],
): Promise<void> {
  const marked = nextEvent<Error>(
    (listener) => to.peer.onError(listener),
    `host ${to.host} to read what was published to it`,
    (error) => /claims to be from here/.test(error.message),
  );
  const nc = await connect({ servers: NATS });
  try {
    for (const each of bytes) nc.publish(`switchboard.${cluster}.${to.host}`, each);
    nc.publish(
      `switchboard.${cluster}.${to.host}`,
      encodeEnvelopes([{
        kind: SENT,
        host: to.host,
        epoch: 1,
        seq: 1,
        from: null,
        to: null,
        body: new Uint8Array(0),
      }]),
    );
    await nc.flush();
  } finally {
    await nc.close();
  }
  await marked;
}

Deno.test({
  name:
    "review3: a forged bye under a live member's name does not cut this host off from it for good",
  ignore,
  async fn() {
    const cluster = uniqueCluster();
    await using a = await joinHere(cluster, "a", { workers: 1 });
    await using b = startHost({ cluster, host: "b", workers: 1 });
    await b.ready();
    await knowsWorkers(a, 2);
    a.onError(() => {});
    assert.deepEqual(await a.request("echoRequest", 1, { to: 1 }), {
      data: 1,
      by: 1,
      from: managerOf("a"),
    });
    // "Host b leaves, and had none of a's", from a client that is not b.
    await publishAndMark(cluster, { host: "a", peer: a }, [
      encodeEnvelopes([{
        kind: BYE,
        host: "b",
        epoch: 1,
        seq: 0,
        from: null,
        to: null,
        body: new Uint8Array(0),
      }]),
    ]);
    // b is alive and a member: it refreshes its keys every beat. A host
    // that said bye is out of the membership within its keys' lifetime
    // (hostTimeout + heartbeat, 3.5 s by default): once twice that passed,
    // b, still a member, never left, and a that still refuses to send to it
    // does so for as long as b lives.
    const lifetime = 2_500 + 1_000;
    await waitFor(
      new Promise((resolve) => setTimeout(resolve, 2 * lifetime + 1_000)),
      "twice the keys' lifetime to pass",
      3 * lifetime,
    );
    assert.ok(a.stats().hosts?.some((record) => record.host === "b"), "b is still a member");
    const answer = await a.request("echoRequest", 2, { to: 1, timeout: 5_000 }).then(
      (value) => ({ value }),
      (error: Error) => ({ error: `${error.name}: ${error.message}` }),
    );
    assert.deepEqual(answer, { value: { data: 2, by: 1, from: managerOf("a") } });
  },
});

/**
 * Host `self`'s link over a fake connection, to the hosts in `known` (a
 * list the test changes), what it published by subject, and what it was
 * told of its messages refused.
 */
function linkOf(self: HostRecord, known: HostRecord[]) {
  const published: [string, Uint8Array][] = [];
  const listeners = new Set<(change: MembershipChange) => void>();
  const members: Members = {
    self,
    hosts: () => known,
    hostOf: (address) => known.find((record) => record.workers.includes(address as number))?.host,
    onChange: (listener) => (listeners.add(listener), () => listeners.delete(listener)),
    mayHaveLapsed: () => false,
    onRefreshed: () => () => {},
    leave: () => Promise.resolve(),
    close() {},
  };
  let take: ((bytes: Uint8Array) => void) | undefined;
  const reports: string[] = [];
  const link = new NatsLink(fakeConnection(published), members, {
    prefix: "p",
    inbox: { take: (taker) => void (take = taker), drain: () => Promise.resolve() },
    window: 1 << 20,
    report: (error) => reports.push(error.message),
  });
  const delivered: string[] = [];
  const refused: string[] = [];
  link.receive({
    deliver: (from, to, payload) =>
      void delivered.push(`${from} to ${to}: ${new TextDecoder().decode(payload)}`),
    lost() {},
    bounced: (from, to, reason) => void refused.push(`${from} to ${to}: ${reason}`),
    unconfirmed: (_host, from, to, count) => void refused.push(`${count} from ${from} to ${to}`),
    ended() {},
  });
  return {
    link,
    published,
    reports,
    delivered,
    refused,
    arrive: (bytes: Uint8Array) => take!(bytes),
    join(record: HostRecord) {
      known.push(record);
      for (const listener of listeners) listener({ type: "joined", host: record });
    },
  };
}

Deno.test(
  "review3: made-up host names that fill the wait for hosts not yet seen do not cost a joining host its first messages in silence",
  async () => {
    const aRecord = { host: "a", workers: [0], services: [] };
    const cRecord = { host: "c", workers: [2], services: [] };
    const a = linkOf(aRecord, [aRecord]);
    const c = linkOf(cRecord, [aRecord, cRecord]);
    /** Hands each link what the other published to it since, until neither publishes more. */
    const carried = new Map<unknown, number>();
    const carry = async () => {
      for (let moved = true; moved;) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        moved = false;
        for (const [from, to, subject] of [[a, c, "p.c"], [c, a, "p.a"]] as const) {
          const done = carried.get(from) ?? 0;
          for (const [s, bytes] of from.published.slice(done)) {
            if (s === subject) (moved = true, to.arrive(bytes));
          }
          carried.set(from, from.published.length);
        }
      }
    };
    try {
      // Anyone who may publish to a's subject: one envelope under each of 64 made-up names.
      a.arrive(encodeEnvelopes(Array.from({ length: 64 }, (_, i) => ({
        kind: SENT,
        host: `ghost-${i}`,
        epoch: 1,
        seq: 5,
        from: null,
        to: null,
        body: new Uint8Array(0),
      }))));
      // Host c, which has just joined, sends a message from its worker 2 to
      // a's worker 0, heard before a sees c join (the membership's watch
      // may lag behind a new host's first messages: early_envelopes.ts).
      assert.ok(c.link.send(2, 0, '{"action":"hello"}') > 0);
      await carry();
      a.join(cRecord);
      await carry();
      // Delivered, as it is without the made-up names; or, lost, told to
      // its sender, c's worker 2 (as a message lost on the way is).
      assert.ok(
        a.delivered.length === 1 || c.refused.some((line) => line.startsWith("2 to 0")),
        `worker 2's message to worker 0 was neither delivered nor refused to it; a reported ${
          JSON.stringify(a.reports)
        }`,
      );
    } finally {
      await a.link.close();
      await c.link.close();
    }
  },
);

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
    "review3: a host whose NATS user may not subscribe to its own subject fails to start, saying so, rather than join deaf",
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
    "review3: a host whose NATS user may not publish to another host's subject is told so where it sends, not left to time out",
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
