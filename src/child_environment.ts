/**
 * Where a child runs and what it is told: the `env` and `cwd` options of
 * the cluster and of a service, checked, and a service's merged over the
 * cluster's. Pure: what they mean for paths is `anchored_paths.ts`'s.
 *
 * @module
 */

import { shown } from "./shown.ts";

/** A child's environment additions and working directory, each left out when not given. */
export interface ChildPlace {
  /** Variables added to the manager's environment, which the child inherits. */
  env?: Readonly<Record<string, string>>;
  /** Its working directory: relative to the manager's. */
  cwd?: string;
}

/**
 * The `env` and `cwd` a child starts with: those of `given` (a service's
 * own) over those of `otherwise` (the cluster's). A service's `env` is
 * merged key by key over the cluster's, as a unit file's `Environment=`
 * lines add up; its `cwd` replaces the cluster's.
 *
 * @param where Whose options they are, for the message: `Cluster.start()`,
 * or `Service "db"`.
 * @throws {TypeError} Naming the option, when `env` is not an object of
 * strings a process environment can hold, or `cwd` not a path.
 */
export function childPlace(
  given: { env?: unknown; cwd?: unknown },
  where: string,
  otherwise: ChildPlace = {},
): ChildPlace {
  const own = checkedEnv(given.env, where);
  const env = own === undefined ? otherwise.env : { ...otherwise.env, ...own };
  // null, from a JSON config, is as good as not given: `otherwise`.
  const cwd = given.cwd == null ? otherwise.cwd : checkedCwd(given.cwd, where);
  return {
    ...(env === undefined ? {} : { env }),
    ...(cwd === undefined ? {} : { cwd }),
  };
}

/**
 * A copy of `env`, checked; undefined when not given (or `null`).
 *
 * @throws {TypeError} When it is not a plain object, a value is not a
 * string (a number from a JSON config would reach the child as "8080" in
 * one place and be refused by Deno in another), a key is empty or holds
 * `=` (the child would see another variable: `A=B` set to `x` reads as
 * `A` set to `B=x`), or a key or value holds NUL (the C string an
 * environment is made of would end there; Deno refuses it only as the
 * child is spawned, naming no variable).
 */
function checkedEnv(env: unknown, where: string): Record<string, string> | undefined {
  if (env == null) return undefined;
  if (typeof env !== "object" || Array.isArray(env)) {
    throw new TypeError(
      `${where} has an invalid "env": ${
        shown(env)
      } is not an object of variables, e.g. { PORT: "8080" }`,
    );
  }
  const entries = Object.entries(env);
  for (const [key, value] of entries) {
    if (key === "" || key.includes("=") || key.includes("\0")) {
      throw new TypeError(
        `${where} has an invalid "env" variable name ${
          JSON.stringify(key)
        }: a name is not empty and holds no "=" or NUL`,
      );
    }
    if (typeof value !== "string") {
      throw new TypeError(
        `${where} has an invalid "env.${key}": ${shown(value)} is not a string${
          typeof value === "number" || typeof value === "boolean"
            ? ` (write ${JSON.stringify(String(value))})`
            : ""
        }`,
      );
    }
    if (value.includes("\0")) {
      throw new TypeError(`${where} has an invalid "env.${key}": it holds a NUL character`);
    }
  }
  // Not assigned key by key: a "__proto__" from a JSON config would be dropped.
  return Object.fromEntries(entries);
}

/**
 * `cwd`, checked.
 *
 * @throws {TypeError} When it is not a non-empty string without NUL:
 * `""` would mean the manager's directory to Deno, which not giving it
 * says plainly. Whether it exists is checked as the child starts, which
 * is when it must.
 */
function checkedCwd(cwd: unknown, where: string): string {
  if (typeof cwd !== "string" || cwd === "" || cwd.includes("\0")) {
    throw new TypeError(
      `${where} has an invalid "cwd": a path to a directory, got ${
        typeof cwd === "string" && cwd !== "" ? "a string holding NUL" : shown(cwd)
      }`,
    );
  }
  return cwd;
}
