/**
 * Well-formed envelopes that lie, from a NATS client that is not a
 * Switchboard host or under a member's name (from an outside review): a
 * bounce or a lifecycle event about processes the sender does not run is
 * refused as a bad message, and fails nothing that never crossed NATS.
 * Real NATS servers; every wait has a deadline.
 */

import assert from "node:assert/strict";
import { connect } from "@nats-io/transport-node";
import { managerOf } from "../../mod.ts";
import { FrameError } from "../../src/errors.ts";
import { bounceBody } from "../../src/nats/bodies.ts";
import { BOUNCE, encodeEnvelopes, MESSAGE } from "../../src/nats/envelope.ts";
import { nextEvent, waitFor } from "../helpers.ts";
import { joinHere, knowsWorkers, NATS, natsAnswers, startHost, uniqueCluster } from "./hosts.ts";

const ignore = !natsAnswers;

/**
 * Host a, this process, with worker 0, and host b, another process, with
 * worker 1, each knowing the other; what a reports, gathered.
 */
async function twoHosts() {
  const cluster = uniqueCluster();
  const stack = new AsyncDisposableStack();
  try {
    const a = stack.use(await joinHere(cluster, "a", { workers: 1 }));
    const b = stack.use(startHost({ cluster, host: "b", workers: 1 }));
    await b.ready();
    await knowsWorkers(a, 2);
    const errors: Error[] = [];
    a.onError((error) => errors.push(error));
    return { cluster, a, b, errors, [Symbol.asyncDispose]: () => stack.disposeAsync() };
  } catch (error) {
    await stack.disposeAsync();
    throw error;
  }
}

Deno.test({
  name:
    "a forged bounce under a member's name for a process of this host is refused, and fails nothing local",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { cluster, a, errors } = hosts;
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
    "a lifecycle event from another host's manager about a process of this host is refused, and this host's worker stays up",
  ignore,
  async fn() {
    await using hosts = await twoHosts();
    const { cluster, a, errors } = hosts;
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
