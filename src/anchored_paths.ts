/**
 * The paths of a child's options, kept relative to the manager's working
 * directory when the child has a `cwd` of its own: `deno run` resolves
 * its module and its permission flags against the directory it runs in,
 * so a child moved elsewhere would look for `./worker.ts` there, and be
 * granted `./data` there, another directory than the one written.
 * Anchored, each means what it meant without `cwd`, and a grant never
 * moves to files nobody named. So are the paths of the permission flags
 * among a child's `flags` (`--deny-read=./secrets`): a deny that moved
 * with `cwd` while the grant it narrows stayed would guard another
 * directory, and leave open what it was written to close.
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
 * A `deno run` permission flag whose entries are paths (`run`'s when they
 * hold a slash): allowed, denied or ignored, long or short (`-R`, `-W`),
 * with its comma list after `=` (Deno takes these values only so).
 */
const PATH_FLAG = /^(--(?:allow|deny)-(?:read|write|ffi|run)|--ignore-read|-R|-W)=(.*)$/s;

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

/**
 * `flags`, the relative paths of each permission flag among them made
 * absolute against `dir`, as {@linkcode anchoredPermissions} does a
 * grant's; every other flag as written (`--config`, `--env-file` are the
 * child's, resolved in its `cwd`).
 *
 * @param dir The manager's working directory, read as the child starts.
 * @throws {TypeError} When an anchored path holds a comma (`dir` does):
 * flags are comma lists, as in `permissionFlags`.
 */
export function anchoredFlags(flags: readonly string[], dir: string): string[] {
  return flags.map((flag) => {
    const match = PATH_FLAG.exec(flag);
    if (!match) return flag;
    const [, name, list] = match;
    const names = name.endsWith("-run");
    const entries = list.split(",").map((entry) => {
      if (entry === "" || (names && !entry.includes("/"))) return entry;
      const path = anchored(entry, dir);
      // Deno splits at commas: a deny would close a part of the path, and a grant open one.
      if (path.includes(",")) {
        throw new TypeError(`Cannot pass ${name} "${path}": it contains a comma`);
      }
      return path;
    });
    return `${name}=${entries.join(",")}`;
  });
}

function anchoredEntry(entry: string | URL, dir: string): string | URL {
  return typeof entry === "string" ? anchored(entry, dir) : entry;
}

/** `path` against `dir`, unless it is absolute; a leading `./` dropped, for error messages. */
function anchored(path: string, dir: string): string {
  if (path.startsWith("/")) return path;
  return `${dir.endsWith("/") ? dir : `${dir}/`}${path.replace(/^(\.\/)+/, "")}`;
}
