/**
 * `GatewayHost`: the manager's side of the transport when the cluster spans
 * several hosts, as `UnixHost` is on one: the local sockets, and the broker
 * link to the other hosts, which the manager's endpoint joins
 * ({@linkcode GatewayEndpoint}).
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { BrokerLink } from "./broker.ts";
import { GatewayEndpoint } from "./gateway.ts";
import type { Permissions } from "./permissions.ts";
import type { Endpoint, EndpointOptions, TransportHost } from "./transport.ts";
import type { UnixEndpoint } from "./unix/endpoint.ts";
import type { UnixHost } from "./unix/host.ts";

/** The manager's side of a cluster that spans hosts: the local sockets and the broker link. */
export class GatewayHost implements TransportHost {
  readonly #local: UnixHost;
  readonly #link: BrokerLink;
  readonly #queueLimit: number | undefined;

  /** @param queueLimit See {@linkcode GatewayEndpoint}'s constructor. */
  constructor(local: UnixHost, link: BrokerLink, queueLimit?: number) {
    this.#local = local;
    this.#link = link;
    this.#queueLimit = queueLimit;
  }

  get childConfig(): unknown {
    return this.#local.childConfig;
  }

  get childPermissions(): Permissions {
    return this.#local.childPermissions;
  }

  async open(self: Address, options: EndpointOptions): Promise<Endpoint> {
    const local = await this.#local.open(self, options) as UnixEndpoint;
    return new GatewayEndpoint(local, this.#link, options, this.#queueLimit);
  }

  released(address: Address): void {
    this.#local.released(address);
  }

  async close(): Promise<void> {
    // Closed by its endpoint already, unless the endpoint never opened.
    await this.#link.close();
    await this.#local.close();
  }

  abandon(): void {
    this.#link.abandon();
    this.#local.abandon();
  }
}
