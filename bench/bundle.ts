/**
 * `bundle`: one module made of a worker and everything it imports, by
 * `deno bundle`, for the start-up scenario's bundled columns.
 *
 * @module
 */

/** The repository's root directory. */
export const ROOT: URL = new URL("../", import.meta.url);

/**
 * Bundles `entry` (relative to the root, or a URL) and what it imports into
 * one file at `output`, for Deno, with `flags` added.
 *
 * @throws {Error} When `deno bundle` fails.
 */
export async function bundle(
  entry: string | URL,
  output: string,
  flags: readonly string[] = [],
): Promise<void> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["bundle", "--quiet", "--platform=deno", ...flags, "-o", output, String(entry)],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) {
    throw new Error(`deno bundle of ${entry} failed: ${new TextDecoder().decode(stderr)}`);
  }
}
