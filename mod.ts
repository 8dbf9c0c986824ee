/**
 * Switchboard: messaging between the processes of one Deno application.
 *
 * A manager starts worker processes and named service processes; every
 * process can then send action-named messages to the others, listen with
 * plain functions, reply to the sender, and make typed requests. Processes
 * talk directly over Unix domain sockets, in length-prefixed JSON frames.
 *
 * @example Start workers, broadcast, ask one, gather from all
 * ```ts
 * import { Cluster } from "@switchboard/switchboard";
 *
 * type Protocol = {
 *   test: { time: number };
 *   echoRequest: { text: string };
 *   echoResponse: { text: string; worker: number };
 * };
 *
 * await using cluster = await Cluster.start<Protocol>({
 *   worker: new URL("./examples/worker.ts", import.meta.url),
 *   workers: 2,
 * });
 * cluster.sendMessage("test", { time: Date.now() }); // every worker
 * const one = await cluster.request("echoRequest", { text: "hi" }, { to: 1 });
 * const all = await cluster.requestAll("echoRequest", { text: "all" });
 * console.log(one.worker, all.length); // 1 2
 * ```
 *
 * The worker module joins with `connect()` and registers its listeners:
 *
 * ```ts
 * import { connect, MANAGER } from "@switchboard/switchboard";
 *
 * type Protocol = {
 *   test: { time: number };
 *   echoRequest: { text: string };
 *   echoResponse: { text: string; worker: number };
 * };
 *
 * if (import.meta.main) {
 *   const peer = await connect<Protocol>();
 *   peer.on("test", (data, msg) => console.log(`got ${data.time} from`, msg.from === MANAGER ? "the manager" : msg.from));
 *   peer.handle("echoRequest", (data) => ({ text: data.text, worker: peer.workerId! }));
 * }
 * ```
 *
 * @module
 */

// The library is loaded as one bundled module: a child loads it about 4 ms
// sooner than its 30 modules one by one, a quarter of a bare Deno child's
// start-up. Types, docs and stack traces (through the source map) come from
// the sources in src/. `deno task build` makes the bundle, and a test checks
// that it is current.
// @ts-types="./src/public.ts"
export * from "./dist/switchboard.js";
