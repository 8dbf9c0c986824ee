/**
 * Scenario 6: HTTP servers on one port. Four workers listen on the same
 * port (`reusePort`), the kernel spreads the connections across them, and
 * the manager asks each how many requests it served. Run:
 * `deno run --allow-run --allow-read=/tmp --allow-write=/tmp --allow-net examples/http_server.ts`
 *
 * Or run it as a server, on port 8080 until SIGINT or SIGTERM stops it
 * (SIGHUP reloads the workers): the same command with `serve 8080` after it.
 *
 * @module
 */

import { Cluster } from "../mod.ts";
import type { Protocol } from "./protocol.ts";

/**
 * Starts `workers` workers serving HTTP on 127.0.0.1:`port` together.
 * Each may use that port and nothing else on the network.
 */
export function startHttpCluster(port: number, workers: number): Promise<Cluster<Protocol>> {
  return Cluster.start<Protocol>({
    worker: new URL("./http_worker.ts", import.meta.url),
    workers,
    args: [String(port)],
    permissions: { net: [`127.0.0.1:${port}`] },
    reusePort: true,
    // A server's workers print to one terminal or log: each line says who wrote it.
    labelOutput: true,
  });
}

/**
 * A GET on a connection of its own, closed after the answer (`fetch` would
 * reuse one connection, and so one worker, for every request).
 *
 * @returns The status code and the body.
 */
export async function getOnFreshConnection(
  port: number,
  path = "/",
): Promise<{ status: number; body: string }> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port });
  const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
  const writer = connection.writable.getWriter();
  await writer.write(new TextEncoder().encode(request));
  writer.releaseLock();
  // The server closes the connection after its answer; the stream ends then.
  const response = await new Response(connection.readable).text();
  const [head, body = ""] = response.split("\r\n\r\n", 2);
  const status = Number(head.match(/^HTTP\/1\.1 (\d{3}) /)?.[1]);
  return { status, body };
}

/** A port nobody listens on now, from the system. */
export function freePort(): number {
  using listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return listener.addr.port;
}

export async function main(): Promise<void> {
  const port = freePort();
  await using cluster = await startHttpCluster(port, 4);

  // 40 requests, each on a fresh connection: the kernel picks a worker for each.
  for (let n = 0; n < 40; n++) {
    const { status } = await getOnFreshConnection(port);
    if (status !== 200) throw new Error(`GET / answered ${status}`);
  }
  const results = await cluster.requestAll("servedRequest", undefined, { timeout: 5_000 });
  const counts = results.map((r) =>
    `worker ${r.from}: ${"data" in r ? r.data.served : r.error.message}`
  );
  console.log(`40 requests on port ${port}:`, counts.join(", "));
}

/**
 * Serves HTTP on 127.0.0.1:`port` from 4 workers until a signal stops the
 * cluster, printing its lifecycle events as JSON lines.
 */
export async function serve(port: number): Promise<void> {
  const cluster = await startHttpCluster(port, 4);
  cluster.onLifecycle((event) => console.log(JSON.stringify(event)));
  console.log(`Serving on http://127.0.0.1:${port}/`);
  // A server awaits `closed`: `await using` would stop it at once.
  await cluster.closed;
}

if (import.meta.main) {
  if (Deno.args[0] === "serve") await serve(Number(Deno.args[1] ?? 8080));
  else await main();
}
