/**
 * Endpoints of every transport in one test process, behind one shape, so
 * that the conformance suite and the router's tests run on each: the Unix
 * transport (real sockets in a real directory) and the memory transport.
 */

import { type Address, MANAGER } from "../src/address.ts";
import { Layout } from "../src/layout.ts";
import { MemoryNetwork } from "../src/memory_transport.ts";
import { Router, type RouterOptions } from "../src/router.ts";
import type { Endpoint, EndpointOptions, Transport } from "../src/transport.ts";
import { UnixHost } from "../src/unix/host.ts";
import { openUnixEndpoint } from "../src/unix/transport.ts";

/** The processes every test network has. */
export const LAYOUT = new Layout(3, ["logger"]);
/** The payload limit endpoints get unless a test says otherwise. */
export const MAX_PAYLOAD = 1 << 20;

/** Endpoints of one transport, opened by address. */
export interface TestNetwork {
  /** The transport's name, for test names. */
  readonly name: string;
  /** What each endpoint reported, by address. */
  readonly reports: Map<Address, Error[]>;
  /**
   * Opens the endpoint of `address`. On the Unix transport the manager's
   * must be open before a child's: a child joins it as it opens.
   */
  open(address: Address, options?: Partial<EndpointOptions>): Promise<Endpoint>;
  /**
   * Opens a router on a fresh endpoint of `address`, ready at once; or,
   * `held`, holding what comes until the test calls its `ready()`.
   */
  router(
    address: Address,
    options?: Partial<RouterOptions> & { maxPayload?: number; held?: boolean },
  ): Promise<Router>;
  /** Closes every endpoint and router opened, and removes what the transport made. */
  close(): Promise<void>;
}

/** How to make each transport's test network. */
export const NETWORKS: { name: string; make(): Promise<TestNetwork> }[] = [
  { name: "unix", make: unixNetwork },
  { name: "memory", make: () => Promise.resolve(memoryNetwork()) },
];

/** A behaviour to test on a fresh network, by its name. */
export type NetworkTest = [behaviour: string, test: (network: TestNetwork) => Promise<void>];

/**
 * Registers each test once per transport, on a network of its own that is
 * closed after it, named `<transport><suffix>: <behaviour>`.
 */
export function testOnEveryNetwork(tests: readonly NetworkTest[], suffix = ""): void {
  for (const { name, make } of NETWORKS) {
    for (const [behaviour, test] of tests) {
      Deno.test(`${name}${suffix}: ${behaviour}`, async () => {
        const network = await make();
        try {
          await test(network);
        } finally {
          await network.close();
        }
      });
    }
  }
}

/** The Unix transport: a real socket directory for {@linkcode LAYOUT}, named `dir`. */
export async function unixNetwork(): Promise<TestNetwork & { dir: string }> {
  const host = await UnixHost.create({ workers: LAYOUT.workerIds, services: LAYOUT.services });
  const transport: Transport = {
    open: (self, options) =>
      self === MANAGER
        ? host.open(self, options)
        : openUnixEndpoint(host.childConfig, self, options),
  };
  return { ...network("unix", transport, () => host.close()), dir: host.dir };
}

/** The memory transport. */
export function memoryNetwork(): TestNetwork {
  return network("memory", new MemoryNetwork(), () => Promise.resolve());
}

function network(name: string, transport: Transport, cleanUp: () => Promise<void>): TestNetwork {
  const reports = new Map<Address, Error[]>();
  const endpoints: Endpoint[] = [];
  const routers: Router[] = [];
  const open = async (address: Address, options: Partial<EndpointOptions> = {}) => {
    const reported = reports.get(address) ?? [];
    reports.set(address, reported);
    const endpoint = await transport.open(address, {
      maxPayload: MAX_PAYLOAD,
      report: (error) => reported.push(error),
      ...options,
    });
    endpoints.push(endpoint);
    return endpoint;
  };
  return {
    name,
    reports,
    open,
    async router(address, { maxPayload = MAX_PAYLOAD, held = false, ...options } = {}) {
      // As the manager and children do: the endpoint reports through the
      // router's error listeners, which record it here.
      let report: (error: Error) => void = () => {};
      const endpoint = await open(address, { maxPayload, report: (error) => report(error) });
      const router = new Router({
        endpoint,
        layout: LAYOUT,
        maxFrameSize: maxPayload,
        requestTimeout: 1000,
        highWaterMark: 1 << 20,
        maxQueuedBytes: 1 << 26,
        ...options,
      });
      report = (error) => router.listeners.report(error);
      router.listeners.onError((error) => reports.get(address)!.push(error));
      if (!held) router.ready();
      routers.push(router);
      return router;
    },
    async close() {
      await Promise.all(routers.map((router) => router.close()));
      for (const endpoint of endpoints) endpoint.close();
      await Promise.all(endpoints.map((endpoint) => endpoint.closed));
      await cleanUp();
    },
  };
}
