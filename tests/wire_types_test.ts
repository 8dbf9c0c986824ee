/**
 * Types that match the wire: a protocol whose data cannot be sent, or a
 * service the cluster does not have, is a type error where it is used.
 * Checked by `deno check`; each `@ts-expect-error` line must be a type
 * error, or checking fails. The test at the end runs what the types allow.
 */

import assert from "node:assert/strict";
import {
  type Carried,
  Cluster,
  connect,
  managerOf,
  type Peer,
  type Schemas,
  type StandardSchemaV1,
} from "../mod.ts";
import { schemas } from "./fixtures/schemas.ts";

type Good = {
  save: { name: string; body: Uint8Array; at: Date; tags: string[]; index: Record<string, number> };
  failed: { error: Error; pattern: RegExp; list: (number | undefined)[] };
  link: { url: URL };
  free: unknown;
  none: undefined;
};

type WithFunction = { run: { callback: () => void } };
type WithSymbol = { tag: { id: symbol } };
type WithFloats = { samples: Float64Array };
type WithMap = { index: { byName: Map<string, number> } };
type WithSet = { tags: Set<string> };
type WithBigint = { total: { cents: bigint } };
type WithMethod = { user: { name: string; greet(): string } };
type DeepFunction = { nested: { a: { b: { c: () => void }[] } } };

export function accepted(peer: Peer<Good>, cluster: Cluster<Good>): void {
  peer.sendMessage("save", {
    name: "a",
    body: new Uint8Array(1),
    at: new Date(),
    tags: ["x"],
    index: { k: 1 },
  });
  cluster.sendMessage("link", { url: new URL("https://example.com") });
  const started: Promise<Cluster<Good>> = Cluster.start<Good>({ workers: 0 });
  const joined: Promise<Peer<Good>> = connect<Good>();
  const plain: Peer = peer as unknown as Peer;
  void started, joined, plain;
}

export function refused(): void {
  // @ts-expect-error: Action "run" holds a function, which cannot be sent
  type A = Peer<WithFunction>;
  // @ts-expect-error: Action "tag" holds a symbol
  type B = Cluster<WithSymbol>;
  // @ts-expect-error: Action "samples" holds a typed array other than Uint8Array
  void connect<WithFloats>();
  // @ts-expect-error: Action "index" holds a Map
  type D = Peer<WithMap>;
  // @ts-expect-error: Action "tags" holds a Set
  void connect<WithSet>();
  // @ts-expect-error: Action "total" holds a bigint
  void Cluster.start<WithBigint>();
  // @ts-expect-error: Action "user" holds a function (a method)
  void Cluster.start<WithMethod>();
  // @ts-expect-error: Action "nested" holds a function, deep down
  type C = Peer<DeepFunction>;
  const why: Carried<WithFunction>["run"] = 'Action "run" holds a function, which cannot be sent';
  const map: Carried<WithMap>["index"] = 'Action "index" holds a Map, which cannot be sent';
  const big: Carried<WithBigint>["total"] = 'Action "total" holds a bigint, which cannot be sent';
  void map, big;
  void why;
}

Deno.test("the type of a refused action says why, naming the action", () => {
  const reason: Carried<WithSymbol>["tag"] = 'Action "tag" holds a symbol, which cannot be sent';
  assert.match(reason, /^Action "tag"/);
  const good: Carried<Good>["save"]["name"] = "a";
  assert.equal(good, "a");
});

export async function inferredFromSchemas(): Promise<void> {
  // No type argument: the protocol is the schemas', the service names `processes`'.
  const cluster = await Cluster.start({ workers: 1, schemas, processes: { logger: "./l.ts" } });
  cluster.sendMessage("note", { text: "x" }, "logger");
  const answer: { id: number } = await cluster.request("saveRequest", { name: "a" }, { to: 0 });
  // @ts-expect-error: "text" is a string
  cluster.sendMessage("note", { text: 5 });
  // @ts-expect-error: the schemas have no action "nope"
  cluster.sendMessage("nope", {});
  // @ts-expect-error: the cluster has no service "metric"
  cluster.getProcess("metric");
  // In a child too.
  const peer = await connect({ schemas });
  peer.on("note", (data) => data.text.toUpperCase());
  // @ts-expect-error: "name" is a string
  peer.sendMessage("saveRequest", { name: 1 });
  // A schema whose data cannot be sent makes its action say why.
  const runs = await Cluster.start({ workers: 0, schemas: { run: callbacks } });
  // @ts-expect-error: Action "run" holds a function, which cannot be sent
  runs.sendMessage("run", { callback: () => {} });
  void answer;
}

declare const callbacks: StandardSchemaV1<{ callback: () => void }>;

/** Schemas not known yet give a cluster and a peer, untyped, not nothing. */
export async function genericSchemas<C extends Schemas>(schemas: C): Promise<void> {
  const cluster = await Cluster.start({ workers: 1, schemas });
  const peer = await connect({ schemas });
  peer.onError(() => {});
  await cluster.stop();
}

type Logs = { log: { line: string }; flushRequest: undefined; flushResponse: number };

export async function serviceNames(): Promise<void> {
  // Inferred from `processes`: only "logger" is a service.
  const cluster = await Cluster.start({
    workers: 1,
    processes: { logger: "./logger.ts" },
  });
  cluster.getProcess("logger").send("log", { line: "x" });
  cluster.sendMessage("log", { line: "x" }, "logger");
  cluster.sendMessage("log", { line: "x" }, [0, "logger", "manager", managerOf("b")]);
  await cluster.request("flushRequest", undefined, { to: "logger" });
  // @ts-expect-error: the cluster has no service "metric"
  cluster.getProcess("metric");
  // @ts-expect-error: the cluster has no service "metric"
  cluster.sendMessage("log", { line: "x" }, "metric");
  // @ts-expect-error: the cluster has no service "metric"
  await cluster.request("flushRequest", undefined, { to: "metric" });
  // @ts-expect-error: the cluster has no service "metric"
  await cluster.requestAll("flushRequest", undefined, { to: ["logger", "metric"] });
  await cluster.reload(["logger", 0]);
  cluster.pid("logger");
  // @ts-expect-error: the cluster has no service "metric"
  await cluster.reload("metric");
  // @ts-expect-error: the cluster has no service "metric"
  cluster.pid("metric");

  // Both type arguments: the protocol and the names.
  const typed = await Cluster.start<Logs, "logger">({ processes: { logger: "./logger.ts" } });
  typed.getProcess("logger").send("log", { line: "x" });
  // @ts-expect-error: "logger" is the only service
  typed.getProcess("metric");
  // @ts-expect-error: `processes` names only services of the names given
  await Cluster.start<Logs, "logger">({ processes: { metric: "./metric.ts" } });
  // Across hosts: the names of every host's services, this host's among them.
  const spanning = await Cluster.start<Logs, "logger" | "metric">({
    processes: { logger: "./logger.ts" },
  });
  spanning.sendMessage("log", { line: "x" }, "metric");
  // @ts-expect-error: no host has a service "audit"
  spanning.sendMessage("log", { line: "x" }, "audit");

  // In a child, from a type parameter.
  const peer = await connect<Logs, "logger">();
  peer.sendMessage("log", { line: "x" }, "logger");
  // @ts-expect-error: the cluster has no service "metric"
  peer.sendMessage("log", { line: "x" }, "metric");

  // A sender's address is an address: answering it type-checks, with names too.
  cluster.on("log", (_data, msg) => cluster.sendMessage("log", { line: "ack" }, msg.from));
  cluster.onAny((msg) => cluster.sendMessage("log", { line: msg.action }, msg.from));
  cluster.handle("flushRequest", (_data, msg) => msg.from === "logger" ? 1 : 0);
  for (const settled of await cluster.requestAll("flushRequest", undefined)) {
    await cluster.request("flushRequest", undefined, { to: settled.from });
  }

  // Without names, any string is an address, as before.
  const untyped = await Cluster.start<Logs>({ processes: { logger: "./logger.ts" } });
  untyped.getProcess("anything");
  const open: Peer<Logs> = typed;
  void open;
}
