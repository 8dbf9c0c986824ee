/**
 * Deno's advice for a permission a process lacks ("run again with the
 * --allow-read flag") is wrong in a child: its flags are the manager's
 * to give. A handler's error in a child says the way that works instead.
 *
 * @module
 */

/** Deno's advice, at the end of a `NotCapable` error's message. */
const DENO_ADVICE = /, run again with the --allow-([a-z]+) flag$/;

/**
 * `message` with Deno's advice to run again with a flag replaced by where
 * a child's permissions come from; any other message as it is.
 */
export function adviseChild(message: string): string {
  return message.replace(
    DENO_ADVICE,
    (_advice, kind: string) =>
      `: this child has only the permissions its manager gives it; grant it there, ` +
      `in Cluster.start({ permissions: { ${kind}: [...] } }) (or a service's own permissions)`,
  );
}
