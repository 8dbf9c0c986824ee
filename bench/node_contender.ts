/**
 * The Node baseline, Deno side: runs `node node_ipc.mjs`, which forks its
 * children with `child_process.fork` and measures inside Node; this module
 * sends it commands and reads its answers, one JSON line each way.
 *
 * @module
 */

import { type Contender, NODE_ADVANCED, NODE_JSON } from "./contender.ts";
import type { Payload } from "./payload.ts";

const DRIVER = new URL("./node_ipc.mjs", import.meta.url);

/** How Node serializes IPC messages. */
export type Serialization = "json" | "advanced";

/** A running Node driver; `stop()` ends it and its children. */
export interface NodeBaseline {
  /** The contender the scenarios drive. */
  contender: Contender;
  /** What the driver reported of itself and the machine. */
  about: NodeReport;
  /** Closes the driver's stdin; it disconnects its children and exits. */
  stop(): Promise<void>;
}

/** What the driver reports on start: Node's view of the machine. */
export interface NodeReport {
  /** Node's version, e.g. `v20.20.2`. */
  node: string;
  /** The CPU model, when Node can tell. */
  cpu: string | undefined;
  /** Logical cores of the machine, whatever this process may use. */
  cores: number;
  /** Total memory, in bytes. */
  memory: number;
  /** The kernel release. */
  release: string;
}

interface Command {
  op: "roundTrips" | "stream" | "fanOut" | "gather";
  receivers?: number;
  count: number;
  payload: Payload;
}

/** Starts a Node driver with `children` forked children. */
export async function startNode(
  serialization: Serialization,
  children: number,
): Promise<NodeBaseline> {
  const process = new Deno.Command("node", {
    args: [decodeURIComponent(DRIVER.pathname), serialization, String(children)],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = process.stdin.getWriter();
  const lines = readLines(process.stdout);
  const nextAnswer = async () => {
    const { value, done } = await lines.next();
    if (done) throw new Error(`The Node ${serialization} driver exited`);
    const answer = JSON.parse(value);
    if (answer.error) throw new Error(`The Node ${serialization} driver failed: ${answer.error}`);
    return answer;
  };
  const about: NodeReport = await nextAnswer();
  const run = async (command: Command) => {
    await writer.write(new TextEncoder().encode(`${JSON.stringify(command)}\n`));
    return (await nextAnswer()).result;
  };
  return {
    about,
    contender: {
      name: serialization === "json" ? NODE_JSON : NODE_ADVANCED,
      roundTrips: async (count, payload) =>
        Float64Array.from(await run({ op: "roundTrips", count, payload })),
      stream: (count, payload) => run({ op: "stream", count, payload }),
      fanOut: (receivers, count, payload) => run({ op: "fanOut", receivers, count, payload }),
      gather: async (receivers, count, payload) =>
        Float64Array.from(await run({ op: "gather", receivers, count, payload })),
    },
    async stop() {
      await writer.close();
      await lines.return(undefined);
      await process.status;
    },
  };
}

/** The lines of a byte stream, without their line ends. */
async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let pending = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    pending += text;
    let end;
    while ((end = pending.indexOf("\n")) !== -1) {
      yield pending.slice(0, end);
      pending = pending.slice(end + 1);
    }
  }
}
