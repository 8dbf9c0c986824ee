/**
 * The Node reference peer as a service of a cluster that spans hosts, its
 * manager played by hand (`FakeManager`): the relay frames it takes, and
 * the requests it is told to make, one step each.
 */

import { copyPayload } from "../src/payload_pieces.ts";
import { DELIVER, FORWARD, readRelay, type Relay, relayPayload } from "../src/unix/relay.ts";
import { bootstrapOf, FakeManager } from "./fake_manager.ts";

const NODE_SERVICE = new URL("./fixtures/node_service.mjs", import.meta.url).pathname;
const text = new TextDecoder();

/** What a relay frame carries, made for the test: `body` is the message. */
export function relay(kind: Relay["kind"], address: number | string, body: string): Uint8Array {
  return copyPayload(relayPayload(kind, address, body));
}

/** The Node service "node", beside worker 0, in a cluster that spans hosts. */
export function startNodeService(): Promise<FakeManager> {
  return FakeManager.start(
    ["node", NODE_SERVICE],
    bootstrapOf("node", { workers: [0], services: ["node"], spanning: true }),
  );
}

/** Tells the Node service to request `echoRequest` of `to`; `id` names the order (and its answer). */
export function askThroughNode(manager: FakeManager, id: string, to: number | string): void {
  manager.send({
    action: "doRequest",
    messageId: id,
    data: { op: "request", action: "echoRequest", data: id, to, timeout: 60_000 },
  });
}

/** The next message the Node service forwards to another host, and to whom. */
export async function nextForward(
  manager: FakeManager,
): Promise<{ to: unknown; message: { messageId: string; data: unknown } }> {
  for (;;) {
    const read = readRelay(await manager.next());
    if (read?.kind === FORWARD) {
      return { to: read.address, message: JSON.parse(text.decode(read.body)) };
    }
  }
}

/** `from`, stopping alone (or its manager, stopping), refuses the request `messageId`. */
export function refuseAsStopping(
  manager: FakeManager,
  from: number | string,
  messageId: string,
): void {
  manager.send(relay(
    DELIVER,
    from,
    JSON.stringify({
      action: "echoResponse",
      messageId,
      re: true,
      error: { name: "ClosedError", message: "stopping", stopping: true },
    }),
  ));
}

/**
 * The Node service asks worker `to` (order `id`), and the request it
 * forwards is refused as worker `to` stops alone: that request.
 */
export async function askedAndRefused(
  manager: FakeManager,
  id: string,
  to: number,
): Promise<{ messageId: string; data: unknown }> {
  askThroughNode(manager, id, to);
  const { message } = await nextForward(manager);
  refuseAsStopping(manager, to, message.messageId);
  return message;
}

/** A plain message the Node service sent its manager. */
export type Plain = { action: string; messageId?: string; data?: unknown };

/**
 * The next plain message from the Node service that `match` picks (relay
 * frames skipped); those before it go to `before`.
 */
export async function nextPlain(
  manager: FakeManager,
  match: (message: Plain) => boolean,
  before: Plain[] = [],
): Promise<Plain> {
  for (;;) {
    const payload = await manager.next();
    if (readRelay(payload)) continue;
    const message = JSON.parse(text.decode(payload)) as Plain;
    if (match(message)) return message;
    before.push(message);
  }
}

/** What the Node service answered the order `id` with; the plain messages before it go to `before`. */
export async function answerTo(
  manager: FakeManager,
  id: string,
  before?: Plain[],
): Promise<unknown> {
  return (await nextPlain(manager, (message) => message.messageId === id, before)).data;
}
