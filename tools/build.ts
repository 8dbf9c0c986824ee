/**
 * Builds `dist/switchboard.js` (and its source map): the library bundled
 * into one module by `deno bundle`, which `mod.ts` exports. Run it with
 * `deno task build` after changing anything in `src/`; a test fails while
 * the committed bundle differs from a fresh one.
 *
 * @module
 */

/** The repository's root directory. */
export const ROOT: URL = new URL("../", import.meta.url);

/** The bundle's path, relative to the root. */
export const BUNDLE = "dist/switchboard.js";

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

/**
 * Bundles the library to `output` (relative to the root, or absolute), with
 * a linked source map beside it. The result depends only on the sources and
 * the Deno version, not on where the repository is.
 *
 * @throws {Error} When `deno bundle` fails.
 */
export function bundleLibrary(output: string): Promise<void> {
  // --keep-names: or a class that refers to itself, like Cluster, is named _Cluster.
  return bundle("src/public.ts", output, ["--sourcemap=linked", "--keep-names"]);
}

if (import.meta.main) await bundleLibrary(BUNDLE);
