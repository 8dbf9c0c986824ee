/**
 * `ForbiddenHosts` (src/nats/forbidden_hosts.ts) in one process: which
 * errors on the connection make a host forbidden, and what its senders
 * are told. Against a server with permissions: permissions_test.ts.
 */

import assert from "node:assert/strict";
import type { BrokerReceiver } from "../../src/broker.ts";
import { ForbiddenHosts } from "../../src/nats/forbidden_hosts.ts";
import type { Leaving } from "../../src/nats/leaving.ts";
import { SendWindows } from "../../src/nats/send_windows.ts";

/** The error the NATS client puts on the status when the server refused a publish. */
function refusedPublish(subject: string, operation = "publish"): Error {
  const error = new Error(`Permissions Violation for Publish to "${subject}"`);
  error.name = "PermissionViolationError";
  return Object.assign(error, { operation, subject });
}

/** Forbidden hosts of host "a", which knows "a" and "b" (3 messages sent to b, unconfirmed). */
function forbiddenOf() {
  const told: unknown[][] = [];
  const reports: string[] = [];
  const windows = new SendWindows();
  const out = windows.open("b");
  for (let i = 0; i < 3; i++) out.inFlight.add(out.seq++, out.sentBytes += 10, 0, 1);
  const leaving = {
    tellInDoubt: (host: string, inDoubt: Map<unknown, Map<unknown, number>>, why: string) =>
      void told.push(["in doubt", host, [...inDoubt].map(([from, to]) => [from, [...to]]), why]),
  } as unknown as Leaving;
  const receiver = {
    lost: (host: string, error: Error) => void told.push(["lost", host, error.message]),
  } as unknown as BrokerReceiver;
  const forbidden = new ForbiddenHosts({
    prefix: "switchboard.c",
    self: "a",
    knows: (host) => host === "a" || host === "b",
    windows,
    leaving,
    receiver: () => receiver,
    report: (error) => void reports.push(error.message),
  });
  return { forbidden, told, reports, windows };
}

Deno.test("ForbiddenHosts forbids a host whose subject the server refused, and tells what went to it as in doubt", () => {
  const { forbidden, told, reports, windows } = forbiddenOf();
  forbidden.onServerError(refusedPublish("switchboard.c.b"));
  assert.equal(forbidden.has("b"), true);
  const why = 'host "a" may not publish to switchboard.c.b (the NATS server refused it: ' +
    'Permissions Violation for Publish to "switchboard.c.b")';
  assert.deepEqual(reports, [`${why}: what this host sends host "b" is refused`]);
  assert.deepEqual(told, [["in doubt", "b", [[0, [[1, 3]]]], why], ["lost", "b", why]]);
  assert.equal(windows.get("b"), undefined, "its window closed");
  forbidden.onServerError(refusedPublish("switchboard.c.b"));
  assert.equal(reports.length, 1, "said once");
});

Deno.test("ForbiddenHosts lets pass errors that are not a refused publish to another member's subject", () => {
  const { forbidden, told, reports } = forbiddenOf();
  const other = new Error("Stale connection");
  forbidden.onServerError(other);
  forbidden.onServerError(refusedPublish("switchboard.c.b", "subscription"));
  forbidden.onServerError(refusedPublish("elsewhere.b"));
  forbidden.onServerError(refusedPublish("switchboard.c.a"));
  forbidden.onServerError(refusedPublish("switchboard.c.x"));
  assert.deepEqual([told, reports], [[], []]);
  assert.equal(forbidden.has("a") || forbidden.has("x"), false);
});

Deno.test("ForbiddenHosts forgets a host that left, and all once the connection is made again", () => {
  const { forbidden } = forbiddenOf();
  forbidden.onServerError(refusedPublish("switchboard.c.b"));
  forbidden.delete("b");
  assert.equal(forbidden.has("b"), false);
  forbidden.onServerError(refusedPublish("switchboard.c.b"));
  forbidden.clear();
  assert.equal(forbidden.has("b"), false);
});
