/**
 * A child's module, looked for before any process starts: a path that
 * does not exist would otherwise fail in every child that runs it, each
 * with Deno's own error, and the cluster with "exited with code 1".
 *
 * @module
 */

import type { Address } from "./address.ts";
import type { ChildSpec } from "./child_slot.ts";
import { SwitchboardError } from "./errors.ts";

/** A URL's scheme, as `file:`, `https:` or `npm:`; two letters at least, so that `C:` is a drive. */
const SCHEME = /^[a-z][a-z0-9+.-]+:/i;

/**
 * Looks for each Deno child's module once (the workers share theirs).
 *
 * @throws {SwitchboardError} When one is a local path, readable by the
 * manager, and no file is there.
 */
export function checkModules(children: ReadonlyMap<Address, ChildSpec>): void {
  const looked = new Set<ChildSpec>();
  for (const [address, spec] of children) {
    if (!("module" in spec) || looked.has(spec)) continue;
    looked.add(spec);
    const what = typeof address === "number"
      ? "The worker module"
      : `Service "${address}"'s module`;
    checkModuleExists(spec.module, what);
  }
}

/**
 * Refuses a module on disk that is not there. Looked for only where the
 * manager may already read without asking; a remote module, or one out of
 * its reach, is left to the child, which reports what it finds.
 *
 * @param what The module, for the message: `The worker module`, `Service "logger"'s module`.
 * @throws {SwitchboardError} When the module is a local path, readable by
 * the manager, and no file is there.
 */
function checkModuleExists(module: string | URL, what: string): void {
  const path = localPath(module);
  if (path === undefined) return;
  if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return;
  let found: Deno.FileInfo;
  try {
    found = Deno.statSync(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) return;
    throw new SwitchboardError(
      `${what} ${describe(module)} does not exist: no process was started`,
      { cause: error },
    );
  }
  if (!found.isFile) {
    throw new SwitchboardError(`${what} ${describe(module)} is not a file: no process was started`);
  }
}

/** The module's path on this machine, or `undefined` for a remote or registry module. */
function localPath(module: string | URL): string | URL | undefined {
  if (module instanceof URL) return module.protocol === "file:" ? module : undefined;
  if (!SCHEME.test(module)) return module;
  // A URL the child may still make sense of (or fail on, saying why).
  if (!URL.canParse(module)) return undefined;
  const url = new URL(module);
  return url.protocol === "file:" ? url : undefined;
}

/** The module as given; a relative path says what it is relative to. */
function describe(module: string | URL): string {
  const text = String(module);
  const relative = !text.startsWith("/") && !/^[a-z]:[\\/]/i.test(text) && !SCHEME.test(text);
  return relative ? `"${text}" (relative to the working directory)` : `"${text}"`;
}
