/**
 * `UnixHost`: the manager's side of the Unix-socket transport. It makes the
 * cluster's private socket directory before the children start, tells each
 * child where to listen and what it may touch, removes a dead child's
 * socket file, and removes the directory at the end.
 *
 * @module
 */

import type { Address } from "../address.ts";
import { SwitchboardError } from "../errors.ts";
import type { Permissions } from "../permissions.ts";
import type { Endpoint, EndpointOptions, TransportHost } from "../transport.ts";
import { flagsAdvice } from "./flags_advice.ts";
import { UnixEndpoint } from "./endpoint.ts";
import { newToken } from "./handshake.ts";
import { Sockets, type UnixConfig } from "./sockets.ts";
import { DIR_PREFIX, removeStaleDirs } from "./stale_dirs.ts";

/** The longest Unix socket path Linux and macOS accept, in bytes. */
export const MAX_SOCKET_PATH = 103;

/** The processes of one host, by address. */
export interface HostMembers {
  /** The ids of its workers. */
  workers: readonly number[];
  /** Its services, in order. */
  services: readonly string[];
  /** When the cluster spans hosts: its children reach other hosts through the manager. */
  gateway?: { maxPayload: number; limit: string };
}

/** The socket directory of one cluster on this host. */
export class UnixHost implements TransportHost {
  /** The private directory holding the socket files. */
  readonly dir: string;
  readonly childConfig: UnixConfig;
  readonly childPermissions: Permissions;
  readonly #sockets: Sockets;
  #closing: Promise<void> | undefined;

  /**
   * Makes a fresh directory of mode `0700` in the system's temporary
   * directory, and a fresh token; first removes the directories of
   * managers that were killed and could not.
   *
   * @throws {SwitchboardError} When a socket path would be too long, or
   * hold a comma.
   */
  static async create(members: HostMembers): Promise<UnixHost> {
    const made = await Deno.makeTempDir({ prefix: DIR_PREFIX }).catch((error) => {
      // Deno names no directory, nor the other flags: said as a refusal to listen is.
      if (error instanceof Deno.errors.NotCapable) throw flagsAdvice(error, temporaryDir());
      // Deno says only "tmpdir": a TMPDIR that names no directory (a typo in a unit file, say).
      if (error instanceof Deno.errors.NotFound) {
        throw new SwitchboardError(
          `Could not make the cluster's socket directory in ${temporaryDir()}: it does not exist ` +
            "(set TMPDIR to a directory that does, or leave it unset for /tmp)",
          { cause: error },
        );
      }
      throw error;
    });
    // A relative TMPDIR gives a relative path, which a child with a cwd of
    // its own would look for in its own directory, and never join.
    const dir = made.startsWith("/") ? made : `${Deno.cwd()}/${made}`;
    await removeStaleDirs(dir.slice(0, dir.lastIndexOf("/")));
    const host = new UnixHost({
      dir,
      token: newToken(),
      workers: [...members.workers],
      services: [...members.services],
      ...(members.gateway ? { gateway: members.gateway } : {}),
    });
    try {
      await Deno.chmod(dir, 0o700);
      host.#checkPaths();
    } catch (error) {
      await host.close();
      throw error;
    }
    return host;
  }

  private constructor(config: UnixConfig) {
    this.dir = config.dir;
    this.childConfig = config;
    this.#sockets = new Sockets(config);
    const paths = this.#sockets.all();
    this.childPermissions = {
      read: paths,
      write: paths,
      net: paths.map((path) => `unix:${path}`),
    };
  }

  open(self: Address, options: EndpointOptions): Promise<Endpoint> {
    return UnixEndpoint.open(this.childConfig, self, options);
  }

  /**
   * Removes a dead child's socket file, which a killed process leaves
   * behind: the other children dial a child only while its file exists.
   */
  released(address: Address): void {
    try {
      Deno.removeSync(this.#sockets.path(address));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }

  close(): Promise<void> {
    this.#closing ??= Deno.remove(this.dir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    return this.#closing;
  }

  abandon(): void {
    try {
      Deno.removeSync(this.dir, { recursive: true });
    } catch {
      // Removed already, or it cannot be: the process ends either way.
    }
  }

  #checkPaths(): void {
    // Deno's permission flags are comma-separated lists: no child could be
    // granted a path with one, which only its spawn would tell.
    if (this.dir.includes(",")) {
      throw new SwitchboardError(
        `The cluster's socket directory ${this.dir} has a comma, which no child's permission ` +
          "flags can hold; set TMPDIR to a directory without one",
      );
    }
    const longest = this.#sockets.all().reduce((a, b) => (b.length > a.length ? b : a));
    if (new TextEncoder().encode(longest).length > MAX_SOCKET_PATH) {
      throw new SwitchboardError(
        `Socket path ${longest} is over ${MAX_SOCKET_PATH} bytes; set TMPDIR to a shorter directory`,
      );
    }
  }
}

/**
 * The system's temporary directory, as Deno makes one there: `$TMPDIR` if
 * set, else /tmp; said so when this process may not read `TMPDIR`.
 */
function temporaryDir(): string {
  const query = { name: "env", variable: "TMPDIR" } as const;
  if (Deno.permissions.querySync(query).state !== "granted") return "$TMPDIR (else /tmp)";
  return Deno.env.get("TMPDIR") || "/tmp";
}
