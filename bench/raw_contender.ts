/**
 * The raw baseline, manager side: a Unix socket of its own, `children` raw
 * child processes dialing it, and channels over their connections.
 *
 * @module
 */

import { spawnSocketChild } from "./socket_child.ts";
import type { Channel } from "./channel.ts";
import { channelContender, type Contender, RAW } from "./contender.ts";
import { encodeFrame, RawConnection, type RawMessage } from "./raw_connection.ts";

const RAW_CHILD = new URL("./raw_child.ts", import.meta.url);

/** The raw baseline's processes; `stop()` ends them. */
export interface RawBaseline {
  /** The contender the scenarios drive. */
  contender: Contender;
  /** Closes the connections, waits for the children, removes the socket. */
  stop(): Promise<void>;
}

/** One child's connection, with its replies handed out in order. */
class RawLink {
  readonly connection: RawConnection;
  readonly #waiting: ((message: RawMessage) => void)[] = [];

  constructor(conn: Deno.Conn) {
    this.connection = new RawConnection(conn, (message) => this.#waiting.shift()?.(message));
  }

  /** The next message the child sends. */
  next(): Promise<RawMessage> {
    return new Promise((resolve) => this.#waiting.push(resolve));
  }
}

/** Starts `children` raw children and connects them. */
export async function startRaw(children: number): Promise<RawBaseline> {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-bench-raw-" });
  const path = `${dir}/raw.sock`;
  const listener = Deno.listen({ transport: "unix", path });
  const processes = Array.from({ length: children }, () => spawnSocketChild(RAW_CHILD, path));
  const links: RawLink[] = [];
  // A child that dies before it connects would leave accept() waiting forever.
  const exited = Promise.race(processes.map((child) => child.status)).then((status) => {
    throw new Error(`A raw child exited with code ${status.code} before the bench was done`);
  });
  exited.catch(() => {});
  const stop = async () => {
    for (const link of links) link.connection.close();
    await Promise.all(processes.map((child) => child.status));
    await Deno.remove(dir, { recursive: true });
  };
  try {
    while (links.length < children) {
      links.push(new RawLink(await Promise.race([listener.accept(), exited])));
    }
  } catch (error) {
    listener.close();
    for (const child of processes) {
      try {
        child.kill();
      } catch {
        // Already exited.
      }
    }
    await stop();
    throw error;
  }
  listener.close();
  return {
    contender: channelContender(
      RAW,
      (receivers, group) =>
        group ? groupChannel(links.slice(0, receivers)) : singleChannel(links[0]),
    ),
    stop,
  };
}

function singleChannel(link: RawLink): Channel {
  return {
    targets: 1,
    ask(data) {
      link.connection.send({ action: "echo", data });
      return link.next();
    },
    post(data) {
      link.connection.send({ action: "flood", data });
    },
    async drain() {
      link.connection.send({ action: "drain" });
      return (await link.next()).data as number;
    },
  };
}

/** Encodes each message once and hands the same bytes to every link. */
function groupChannel(links: readonly RawLink[]): Channel {
  const sendAll = (message: RawMessage) => {
    const frame = encodeFrame(message);
    for (const link of links) link.connection.sendFrames(frame);
  };
  return {
    targets: links.length,
    ask(data) {
      sendAll({ action: "echo", data });
      return Promise.all(links.map((link) => link.next()));
    },
    post(data) {
      sendAll({ action: "flood", data });
    },
    async drain() {
      sendAll({ action: "drain" });
      const replies = await Promise.all(links.map((link) => link.next()));
      return replies.reduce((sum, reply) => sum + (reply.data as number), 0);
    },
  };
}
