/**
 * The Unix-socket transport as a child opens it, from the configuration
 * its bootstrap carries.
 *
 * @module
 */

import type { Address } from "../address.ts";
import { SwitchboardError } from "../errors.ts";
import type { Endpoint, EndpointOptions } from "../transport.ts";
import { UnixEndpoint } from "./endpoint.ts";
import { isUnixConfig } from "./sockets.ts";

/**
 * Opens a child's endpoint: listens at its socket and joins the manager.
 *
 * @param config The bootstrap's transport configuration, as the manager's
 * `UnixHost` made it.
 * @throws {SwitchboardError} When the configuration is not the Unix transport's.
 * @throws {Error} When it cannot listen or join.
 */
export function openUnixEndpoint(
  config: unknown,
  self: Address,
  options: EndpointOptions,
): Promise<Endpoint> {
  if (!isUnixConfig(config)) {
    return Promise.reject(
      new SwitchboardError("The bootstrap's transport is not a Unix-socket configuration"),
    );
  }
  return UnixEndpoint.open(config, self, options);
}
