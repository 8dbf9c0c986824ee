/**
 * Hostile values on the wire (README "Protocol", Values; "Hostile input"):
 * binary frames whose attachments are cut short, lengths that overflow,
 * tags that point out of range or hold the wrong JSON types, a byte order
 * mark, numbers out of a double's range, sent by a service written against
 * the wire (`fixtures/hostile_frames.ts`) to the manager, a Deno worker and
 * the Node.js peer while real traffic with bytes flows between them. Each frame closes its connection with a clear
 * `FrameError` naming its sender and what is wrong, as the codec in this
 * process says it; nothing else is lost.
 */

import assert from "node:assert/strict";
import { decodeMessage as nodeDecode } from "../peers/node/codec.mjs";
import { Cluster, MANAGER } from "../mod.ts";
import { decodeMessage } from "../src/codec.ts";
import { nextMessage, remote, waitFor, WORKER } from "./helpers.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const HOSTILE = new URL("./fixtures/hostile_frames.ts", import.meta.url);
const SENDER = 'service "hostile"';
const utf8 = new TextEncoder();

/** A binary payload: the 0, the JSON's length (`declared`, else its own), the JSON, `after`. */
function binary(json: string, after: number[] = [], declared?: number): Uint8Array {
  const text = utf8.encode(json);
  const payload = new Uint8Array(5 + text.length + after.length);
  new DataView(payload.buffer).setUint32(1, declared ?? text.length);
  payload.set(text, 5);
  payload.set(after, 5 + text.length);
  return payload;
}

function message(data: unknown, tags: unknown): string {
  return JSON.stringify({ action: "hostile", data, tags });
}

const LARGE = Array.from({ length: 200 * 1024 }, (_, i) => i & 0xff);

/** Payloads that every process must refuse, each for a reason of its own. */
const PAYLOADS: [string, Uint8Array][] = [
  ["attachments cut short", binary(message(3, [["bytes"]]), [1, 2])],
  ["a JSON length that overflows", binary(message(3, [["bytes"]]), [1, 2, 3], 0xffff_ffff)],
  ["a byte length past 2^53", binary(message(2 ** 53, [["bytes"]]))],
  ["a byte length of 1e300", binary(message(1e300, [["bytes"]]))],
  [
    "byte lengths whose sum overflows",
    binary(message([2 ** 52, 2 ** 52], [["bytes", 0], ["bytes", 1]])),
  ],
  ["a negative byte length", binary(message(-1, [["bytes"]]))],
  ["an index out of range", binary(message([1], [["bytes", 5]]), [9])],
  ["a key where an index goes", binary(message([1], [["bytes", "0"]]), [9])],
  ["tags that are an object", binary(message(1, { 0: ["bytes"] }), [9])],
  ["a tag that is a number", utf8.encode(message(1, [5]))],
  ["a tag whose type is a number", utf8.encode(message(1, [[5]]))],
  ["a negative step", binary(message([1], [["bytes", -1]]), [9])],
  ["a null step", binary(message([1], [["bytes", null]]), [9])],
  ["a date that is a number", utf8.encode(message(5, [["date"]]))],
  ["an error that is an array", utf8.encode(message([], [["error"]]))],
  [
    "an error tagged twice",
    utf8.encode(message({ name: "Error", message: "m" }, [["error"], ["error"]])),
  ],
  ["bytes after the JSON and no tags", binary(JSON.stringify({ action: "hostile" }), [1])],
  // JSON.parse takes these: no peer writes them, and the number cannot go back as it came.
  ["a byte order mark", utf8.encode(`\uFEFF${message(1, undefined)}`)],
  ["a number that reads as Infinity", utf8.encode('{"action":"hostile","data":[1e400]}')],
  ["400 digits", utf8.encode(`{"action":"hostile","data":${"9".repeat(400)}}`)],
  // From 128 KiB a frame's bytes are read apart from its head, where it is not read in one go.
  ["200 KiB of bytes, and tags that take less", binary(message(1, [["bytes"]]), LARGE)],
  ["200 KiB of bytes, and a JSON of length 0", binary("", LARGE)],
  [
    "200 KiB of bytes, and a JSON length past them",
    binary(message(1, [["bytes"]]), LARGE, 300_000),
  ],
];

/** A payload with its 4-byte length in front (`declared`, else its own). */
function framed(payload: Uint8Array, declared = payload.length): Uint8Array {
  const frame = new Uint8Array(4 + payload.length);
  new DataView(frame.buffer).setUint32(0, declared);
  frame.set(payload, 4);
  return frame;
}

/** What a decoder says of `payload`: the message of the error it throws. */
function refusal(decode: () => unknown, name: string): string {
  try {
    decode();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`The codec took ${name}`);
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(text);
}

Deno.test("hostile frames to the manager, a worker and the Node peer close only their connections", async () => {
  await using cluster = await Cluster.start({
    worker: WORKER,
    workers: 1,
    processes: { node: { command: ["node", NODE_SERVICE] }, hostile: HOSTILE },
  });
  const managerErrors: string[] = [];
  cluster.onError((error) => managerErrors.push(error.message));
  const pids = [cluster.pid(0), cluster.pid("node")];
  const frames = [
    ...PAYLOADS.map(([, payload]) => framed(payload)),
    // A length over maxFrameSize, and a frame its connection ends within.
    framed(new Uint8Array(0), 0xffff_ffff),
    framed(utf8.encode('{"action":"x"'), 100),
  ];
  const attacked = nextMessage(cluster, "attacked", (m) => m.from === "hostile", 60_000);
  cluster.getProcess("hostile").send("attack", {
    targets: [MANAGER, 0, "node"],
    frames: frames.map(base64),
  });

  // Meanwhile bytes go manager to worker and Node, and worker to Node.
  let done = false;
  const file = new Uint8Array(100_000).fill(7);
  const traffic = (async () => {
    let answered = 0;
    while (!done) {
      const answers = await Promise.all([
        cluster.request("echoRequest", { file }, { to: 0 }),
        cluster.request("echoRequest", { file }, { to: "node" }),
        remote(cluster, 0, { op: "request", action: "echoRequest", data: { file }, to: "node" }),
      ]) as { data?: { file: Uint8Array }; ok?: { data: { file: Uint8Array } } }[];
      for (const answer of answers) {
        assert.deepStrictEqual((answer.data ?? answer.ok?.data)?.file, file);
      }
      answered++;
    }
    return answered;
  })();
  const outcomes = (await waitFor(attacked, "the attack", 60_000)).data as Record<string, string[]>;
  done = true;
  assert.ok(await traffic > 0);
  for (const target of [MANAGER, "0", "node"]) {
    assert.deepEqual(
      outcomes[target],
      frames.map(() => "closed"),
      `${target}: ${outcomes[target]}`,
    );
  }

  const denoReasons = PAYLOADS.map(([name, payload]) =>
    refusal(() => decodeMessage(payload.slice(), SENDER), name)
  );
  const nodeReasons = PAYLOADS.map(([name, payload]) =>
    refusal(() => nodeDecode(payload.slice(), SENDER), `${name} (the Node peer's codec)`)
  );
  const worker = await remote(cluster, 0, { op: "errors" }) as { ok: { samples: string[] } };
  const node = await remote(cluster, "node", { op: "errors" }) as { ok: string[] };
  for (
    const [who, errors, reasons] of [
      ["the manager", managerErrors, denoReasons],
      ["worker 0", worker.ok.samples, denoReasons],
      ["the Node peer", node.ok, nodeReasons],
    ] as const
  ) {
    // Besides bad frames, only a refused connection is clear (the attacker's rejoin, had the
    // manager not let go of its last attack yet).
    const seen = errors.filter((error) => error.startsWith(`Bad frame from ${SENDER}: `));
    for (const error of errors) {
      if (!seen.includes(error)) assert.match(error, /^Refused a connection to /, who);
    }
    // In the order sent: each frame went on a connection of its own, once the one before closed.
    assert.equal(seen.length, frames.length, `${who} saw:\n${seen.join("\n")}`);
    reasons.forEach((reason, i) => assert.equal(seen[i], reason, `${who}, ${PAYLOADS[i][0]}`));
    const [overLimit, endedWithin] = seen.slice(reasons.length);
    assert.match(overLimit, /^Bad frame from service "hostile": .*4294967295 bytes is over/, who);
    assert.match(endedWithin, /^Bad frame from service "hostile": .*ended within a frame/, who);
  }
  // No process crashed or was restarted, and each still answers.
  assert.deepEqual([cluster.pid(0), cluster.pid("node")], pids);
  assert.ok(cluster.stats().children.every((c) => c.restarts === 0));
});
