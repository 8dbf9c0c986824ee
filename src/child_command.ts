/**
 * What a child is started with: its program (a Deno module with its
 * transport's permissions and the granted ones, or a foreign command as
 * it is) and its bootstrap, which tells it the cluster as it stands when
 * it starts: its members and limits, the processes being replaced and the
 * siblings that do not listen yet.
 *
 * @module
 */

import type { Address } from "./address.ts";
import { anchoredFlags, anchoredModule, anchoredPermissions } from "./anchored_paths.ts";
import { type Bootstrap, BOOTSTRAP_VERSION } from "./bootstrap.ts";
import { type ChildSpec, stopTimeoutOf } from "./child_slot.ts";
import type { Members } from "./layout.ts";
import { permissionFlags, type Permissions } from "./permissions.ts";
import type { Program } from "./spawn.ts";
import type { TransportHost } from "./transport.ts";

/** The cluster's limits a child is told, as the manager's configuration has them. */
export interface ChildLimits {
  /** The largest frame to send or accept. */
  maxFrameSize: number;
  /** The default request timeout, in ms. */
  requestTimeout: number;
  /** Queued bytes per peer above which `drain()` waits. */
  highWaterMark: number;
  /** Queued bytes per peer above which sends are refused. */
  maxQueuedBytes: number;
  /** How long children may take for each phase of their stop, in ms, unless one has its own. */
  stopTimeout: number;
}

/** The cluster as it stands when a child starts. */
export interface ChildStart {
  /** The cluster's processes now. */
  members: Members;
  /** Processes being replaced: its requests to them wait for their new process. */
  replacing: Address[];
  /** Siblings starting with the cluster that do not listen yet: what it sends them is held. */
  starting: Address[];
}

/**
 * What the child at `address` runs, and the bootstrap it reads first.
 *
 * @param host The transport host the child meets the others at: what a
 * Deno child's transport needs granted, and its part of the host's config.
 */
export function childCommand(
  address: Address,
  spec: ChildSpec,
  limits: ChildLimits,
  host: Pick<TransportHost, "childPermissions" | "childConfig">,
  now: ChildStart,
): { program: Program; bootstrap: Bootstrap } {
  const { replacing, starting } = now;
  return {
    program: programOf(spec, host.childPermissions),
    bootstrap: {
      version: BOOTSTRAP_VERSION,
      self: address,
      ...now.members,
      maxFrameSize: limits.maxFrameSize,
      requestTimeout: limits.requestTimeout,
      // Its own, a service's: it bounds its own phases by it too.
      stopTimeout: stopTimeoutOf(spec, limits.stopTimeout),
      highWaterMark: limits.highWaterMark,
      maxQueuedBytes: limits.maxQueuedBytes,
      transport: host.childConfig,
      ...(replacing.length > 0 ? { replacing } : {}),
      ...(starting.length > 0 ? { starting } : {}),
    },
  };
}

/**
 * What a child runs: a Deno module with its transport's permissions and
 * the granted ones, or a foreign command as it is (it has the user's rights
 * already, the socket directory's included); each with its `env` and `cwd`.
 * A Deno child given a `cwd` has its module, grants and permission flags
 * anchored to the manager's working directory, read now, as the child
 * inherited it before.
 */
function programOf(spec: ChildSpec, transport: Permissions): Program {
  const place = {
    ...(spec.env === undefined ? {} : { env: spec.env }),
    ...(spec.cwd === undefined ? {} : { cwd: spec.cwd }),
  };
  if ("command" in spec) return { command: spec.command, ...place };
  const dir = spec.cwd === undefined ? undefined : Deno.cwd();
  const granted = dir === undefined ? spec.permissions : anchoredPermissions(spec.permissions, dir);
  return {
    module: dir === undefined ? spec.module : anchoredModule(spec.module, dir),
    flags: [
      ...permissionFlags(transport, granted),
      ...(dir === undefined ? spec.flags : anchoredFlags(spec.flags, dir)),
    ],
    args: spec.args,
    ...place,
  };
}
