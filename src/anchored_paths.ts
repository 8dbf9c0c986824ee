/**
 * The paths of a child's options, kept relative to the manager's working
 * directory when the child has a `cwd` of its own: `deno run` resolves
 * its module and its permission flags against the directory it runs in,
 * so a child moved elsewhere would look for `./worker.ts` there, and be
 * granted `./data` there, another directory than the one written.
 * Anchored, each means what it meant without `cwd`, and a grant never
 * moves to files nobody named.
 *
 * @module
 */

import type { Permissions } from "./permissions.ts";

/** A URL's scheme, as `file:`, `https:` or `npm:`; two letters at least, so that `C:` is a drive. */
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * The permission kinds whose entries are paths. `run`'s are too when they
 * hold a slash; a bare name (`python3`) is looked up on `PATH`.
 */
const PATH_KINDS = ["read", "write", "ffi"] as const;

/**
 * `module`, a relative path made absolute against `dir`; a URL, a
 * specifier with a scheme (`npm:`, `jsr:`) or an absolute path as it is.
 *
 * @param dir The manager's working directory, read as the child starts.
 */
export function anchoredModule(module: string | URL, dir: string): string | URL {
  if (module instanceof URL || SCHEME.test(module)) return module;
  return anchored(module, dir);
}

/**
 * `permissions`, each relative path of `read`, `write`, `ffi` and `run`
 * made absolute against `dir`; hosts, names and URLs as they are.
 *
 * @param dir The manager's working directory, read as the child starts.
 */
export function anchoredPermissions(permissions: Permissions, dir: string): Permissions {
  const copy: Permissions = { ...permissions };
  for (const kind of PATH_KINDS) {
    const grant = permissions[kind];
    if (Array.isArray(grant)) copy[kind] = grant.map((entry) => anchoredEntry(entry, dir));
  }
  const run = permissions.run;
  if (Array.isArray(run)) {
    copy.run = run.map((entry) =>
      typeof entry === "string" && !entry.includes("/") ? entry : anchoredEntry(entry, dir)
    );
  }
  return copy;
}

function anchoredEntry(entry: string | URL, dir: string): string | URL {
  return typeof entry === "string" ? anchored(entry, dir) : entry;
}

/** `path` against `dir`, unless it is absolute; a leading `./` dropped, for error messages. */
function anchored(path: string, dir: string): string {
  if (path.startsWith("/")) return path;
  return `${dir.endsWith("/") ? dir : `${dir}/`}${path.replace(/^(\.\/)+/, "")}`;
}
