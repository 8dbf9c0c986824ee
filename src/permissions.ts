/**
 * Deno permission flags for child processes: what a child's transport
 * needs to reach its cluster, plus exactly what the user grants, nothing
 * more.
 *
 * @module
 */

import { checkOptionNames, type OptionNames } from "./option_names.ts";
import { shown } from "./shown.ts";

/**
 * Permissions granted to child processes on top of their sockets, in the
 * shape of `Deno.PermissionOptionsObject`: `true` grants all, a list grants
 * those entries, `false` or absent grants nothing.
 *
 * @example What web workers may do besides messaging
 * ```ts
 * import type { ClusterOptions, Permissions } from "@switchboard/switchboard";
 *
 * const web: Permissions = {
 *   net: ["0.0.0.0:8080"],
 *   env: ["DATABASE_URL"],
 *   read: ["./static"],
 * };
 * const options: ClusterOptions = { worker: "./server.ts", permissions: web, reusePort: true };
 * console.assert(options.permissions?.write === undefined); // nor any file writes
 * ```
 */
export interface Permissions {
  /** File system read access (`--allow-read`). */
  read?: boolean | readonly (string | URL)[];
  /** File system write access (`--allow-write`). */
  write?: boolean | readonly (string | URL)[];
  /** Network access (`--allow-net`): hosts such as `"example.com:443"`. */
  net?: boolean | readonly string[];
  /** Environment variables (`--allow-env`). */
  env?: boolean | readonly string[];
  /** Subprocesses (`--allow-run`). */
  run?: boolean | readonly (string | URL)[];
  /** System information (`--allow-sys`). */
  sys?: boolean | readonly string[];
  /** Foreign function interface (`--allow-ffi`). */
  ffi?: boolean | readonly (string | URL)[];
  /** Remote module hosts (`--allow-import`). */
  import?: boolean | readonly string[];
}

const KINDS = ["read", "write", "net", "env", "run", "sys", "ffi", "import"] as const;
/** The kinds as option names, for a misspelt one's "did you mean". */
const KIND_NAMES = Object.fromEntries(KINDS.map((kind) => [kind, true])) as OptionNames<
  Permissions
>;

/**
 * Refuses permissions that would not grant what they say: a kind Deno does
 * not have (a misspelt `reed`, ignored, would leave the grant out
 * unnoticed), or a grant that is neither a boolean nor a list of strings
 * and URLs (a string, spread, would grant each of its characters: "/").
 *
 * @param where Whose permissions, for the message: `Cluster.start()`.
 * @throws {TypeError} Naming the kind and what was given.
 */
export function checkPermissions(permissions: unknown, where: string): void {
  if (typeof permissions !== "object" || permissions === null || Array.isArray(permissions)) {
    throw new TypeError(
      `${where} has invalid "permissions": ${shown(permissions)} is not an object of grants`,
    );
  }
  checkOptionNames(permissions, KIND_NAMES, `${where} "permissions"`);
  for (const kind of KINDS) {
    const grant = (permissions as Permissions)[kind];
    // null, from a JSON config, grants nothing, as absent does.
    if (grant == null || typeof grant === "boolean") continue;
    const valid = Array.isArray(grant) &&
      grant.every((entry) => (typeof entry === "string" && entry !== "") || entry instanceof URL);
    if (!valid) {
      throw new TypeError(
        `${where} has an invalid "${kind}" permission: ${
          grantShown(grant)
        } is not true, false or a list of non-empty strings${
          typeof grant === "string" ? ` (write [${JSON.stringify(grant)}])` : ""
        }`,
      );
    }
  }
  // An entry with a comma is refused here too, before any process starts.
  permissionFlags({}, permissions as Permissions);
}

/**
 * The `deno run` flags for a child: what its transport needs (`base`, e.g.
 * its socket paths), merged with what `granted` adds.
 *
 * @throws {TypeError} When an entry contains a comma (flags are comma lists).
 */
export function permissionFlags(base: Permissions, granted: Permissions = {}): string[] {
  const flags: string[] = [];
  for (const kind of KINDS) {
    const needed = base[kind];
    const grant = granted[kind];
    if (grant === true || needed === true) {
      flags.push(`--allow-${kind}`);
      continue;
    }
    const entries = [...(needed || []), ...(grant || [])].map(toFlagValue);
    for (const entry of entries) {
      if (entry.includes(",")) {
        throw new TypeError(`Cannot grant ${kind} access to "${entry}": it contains a comma`);
      }
    }
    if (entries.length > 0) flags.push(`--allow-${kind}=${entries.join(",")}`);
  }
  return flags;
}

/** A grant as written: JSON where it has a form, else as `String()` shows it. */
function grantShown(grant: unknown): string {
  try {
    return JSON.stringify(grant) ?? shown(grant);
  } catch {
    return shown(grant);
  }
}

/** A file URL becomes its path; anything else is used as written. */
function toFlagValue(entry: string | URL): string {
  if (!(entry instanceof URL)) return entry;
  return entry.protocol === "file:" ? decodeURIComponent(entry.pathname) : entry.href;
}
