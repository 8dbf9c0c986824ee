/**
 * Starting a bare Deno child that may reach one Unix socket, and nothing
 * else: the raw baseline's children and start-up's bare children alike.
 *
 * @module
 */

/** Runs `module` with read, write and net access to `path` only, `path` as its first argument. */
export function spawnSocketChild(
  module: URL,
  path: string,
  ...args: string[]
): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      `--allow-read=${path}`,
      `--allow-write=${path}`,
      `--allow-net=unix:${path}`,
      module.href,
      path,
      ...args,
    ],
    stdin: "null",
  }).spawn();
}
