/**
 * Typed protocols. The functions below are checked by `deno check`, never
 * run: each `@ts-expect-error` line must be a type error, or checking fails.
 * The test at the end runs a typed cluster.
 */

import assert from "node:assert/strict";
import {
  ANY,
  type ChildStats,
  Cluster,
  type Message,
  type Peer,
  type ResponseAction,
  responseAction,
  type Settled,
} from "../mod.ts";

type Protocol = {
  test: { time: number };
  echoRequest: { text: string };
  echoResponse: { text: string; worker: number };
  stats: undefined;
  statsResponse: { connections: number };
  ping: undefined;
};

export function typedSend(peer: Peer<Protocol>): void {
  peer.sendMessage("test", { time: 1 });
  peer.sendMessage("test", { time: 1 }, [0, 2]);
  peer.sendMessage("ping", undefined, "logger");
  // @ts-expect-error: no such action
  peer.sendMessage("tset", { time: 1 });
  // @ts-expect-error: wrong data type
  peer.sendMessage("test", { time: "1" });
  // @ts-expect-error: data missing a field
  peer.sendMessage("test", {});
  peer.getProcess("logger").send("test", { time: 2 });
  // @ts-expect-error: wrong data type through a process handle too
  peer.getProcess("logger").send("test", { time: "2" });
}

export async function typedAny(peer: Peer<Protocol>): Promise<void> {
  peer.sendMessage("test", { time: 1 }, ANY);
  const answer = await peer.request("echoRequest", { text: "hi" }, { to: ANY });
  void (answer.worker satisfies number);
  // @ts-expect-error: data typed by its action, to ANY too
  peer.sendMessage("test", { time: "1" }, ANY);
  // @ts-expect-error: ANY is one worker, not a list to gather from
  await peer.requestAll("echoRequest", { text: "hi" }, { to: ANY });
  // @ts-expect-error: ANY is not a list member
  peer.sendMessage("test", { time: 1 }, [ANY]);
}

export function typedSignal(peer: Peer<Protocol>): void {
  peer.handle("echoRequest", async (data, msg) => {
    const signal: AbortSignal = msg.signal;
    await fetch("http://127.0.0.1:1/", { signal }).catch(() => undefined);
    return { text: data.text, worker: 0 };
  });
}

export async function typedStream(peer: Peer<Protocol>): Promise<void> {
  peer.handle("echoRequest", async function* (data) {
    yield { text: data.text, worker: 0 };
    yield { text: data.text, worker: 1 };
  });
  // @ts-expect-error: parts are typed by the response action
  peer.handle("echoRequest", async function* () {
    yield { text: 1 };
  });
  for await (const part of peer.requestStream("echoRequest", { text: "hi" }, { to: ANY })) {
    void (part.worker satisfies number);
    // @ts-expect-error: a part has the response's fields only
    void part.missing;
  }
  // @ts-expect-error: data typed by its action
  peer.requestStream("echoRequest", { text: 1 }, { to: 0 });
}

export function typedListen(peer: Peer<Protocol>): void {
  peer.on("test", (data, msg) => {
    const time: number = data.time;
    const action: "test" = msg.action;
    msg.reply("ping", undefined);
    // @ts-expect-error: reply data is typed by its action
    msg.reply("test", { time: "late" });
    return void [time, action];
  });
  // @ts-expect-error: `time` is a number
  peer.on("test", (data) => void (data.time satisfies string));
  // @ts-expect-error: no such action
  peer.on("nope", () => {});
  peer.onAny((msg) => {
    if (msg.action === "echoResponse") void (msg.data.worker satisfies number);
    // @ts-expect-error: not narrowed, data could be any action's
    void msg.data.worker;
  });
}

export async function typedRequest(peer: Peer<Protocol>): Promise<void> {
  const echo = await peer.request("echoRequest", { text: "hi" }, { to: 1 });
  void (echo satisfies { text: string; worker: number });
  const stats = await peer.request("stats", undefined, { to: 0, timeout: 100 });
  void (stats.connections satisfies number);
  // @ts-expect-error: "test" has no response entry, so it cannot be requested
  await peer.request("test", { time: 1 }, { to: 1 });
  // @ts-expect-error: `to` is required
  await peer.request("echoRequest", { text: "hi" }, {});
  // @ts-expect-error: wrong request data
  await peer.request("echoRequest", { txt: "hi" }, { to: 1 });
  const all: Settled<{ text: string; worker: number }>[] = await peer.requestAll(
    "echoRequest",
    { text: "all" },
  );
  for (const result of all) {
    if ("data" in result) void (result.data.worker satisfies number);
    else void (result.error satisfies Error);
  }
}

export function typedHandle(peer: Peer<Protocol>): void {
  peer.handle("echoRequest", (data) => ({ text: data.text, worker: 0 }));
  peer.handle("echoRequest", (data) => Promise.resolve({ text: data.text, worker: 0 }));
  peer.handle("stats", () => ({ connections: 1 }));
  // @ts-expect-error: the answer must be the response action's data
  peer.handle("echoRequest", () => ({ text: 1 }));
  // @ts-expect-error: "ping" has no response entry
  peer.handle("ping", () => 1);
}

export async function untyped(peer: Peer): Promise<void> {
  peer.sendMessage("anything", { at: "all" }, 3);
  peer.on("anything", (data, msg: Message) => void [data satisfies unknown, msg.from]);
  const answer: unknown = await peer.request("anyRequest", 1, { to: "logger" });
  peer.handle("anyRequest", (data) => data);
  void answer;
}

export function responseActions(): void {
  const a: ResponseAction<"testRequest"> = "testResponse";
  const b: ResponseAction<"stats"> = "statsResponse";
  // @ts-expect-error: the rule replaces a trailing Request
  const c: ResponseAction<"testRequest"> = "testRequestResponse";
  const d: "testResponse" = responseAction("testRequest");
  void [a, b, c, d];
}

export function childrenInStats(cluster: Cluster, peer: Peer): void {
  // A manager always has its children: no `!` needed.
  const children: ChildStats[] = cluster.stats().children;
  // @ts-expect-error: another process's stats may have none
  const none: ChildStats[] = peer.stats().children;
  console.log(children, none);
}

Deno.test("a typed cluster sends and requests with the protocol's types", async () => {
  await using cluster = await Cluster.start<Protocol>({
    worker: new URL("../examples/worker.ts", import.meta.url),
    workers: 2,
  });
  const echo = await cluster.request("echoRequest", { text: "typed" }, { to: 1 });
  assert.deepEqual(echo, { text: "typed", worker: 1 });
  assert.equal(cluster.sendMessage("test", { time: 1 }), 2);
  const all = await cluster.requestAll("echoRequest", { text: "x" });
  assert.deepEqual(all.map((r) => "data" in r && r.data.worker), [0, 1]);
});
