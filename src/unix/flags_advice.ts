/**
 * What a manager is told when Deno refuses it its sockets: every flag they
 * need, where Deno's own advice names one flag at a time, and
 * `--allow-net=unix:…` cannot name a directory whose name is random. (A
 * child is given its exact paths, so this is a manager's.)
 *
 * @module
 */

/**
 * Deno's refusal of what a manager's sockets need in `tmp`, its temporary
 * directory (its directory there made, or listened in), saying every flag.
 */
export function flagsAdvice(error: Deno.errors.NotCapable, tmp: string): Deno.errors.NotCapable {
  return new Deno.errors.NotCapable(
    `${error.message.replace(/, run again with the --allow-[a-z]+ flag$/, "")}: ` +
      `a manager listens at a socket in a directory of its own in ${tmp}; run it with ` +
      `--allow-read=${tmp} --allow-write=${tmp} --allow-net (and --allow-run)`,
    { cause: error },
  );
}
