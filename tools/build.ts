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
 * Bundles the library to `output` (relative to the root, or absolute), with
 * a linked source map beside it. The result depends only on the sources and
 * the Deno version, not on where the repository is.
 *
 * @throws {Error} When `deno bundle` fails.
 */
export async function bundleLibrary(output: string): Promise<void> {
  const { success, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "bundle",
      "--quiet",
      "--platform=deno",
      "--sourcemap=linked",
      // Or a class that refers to itself, like Cluster, is named _Cluster.
      "--keep-names",
      "-o",
      output,
      "src/public.ts",
    ],
    cwd: ROOT,
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!success) throw new Error(`deno bundle failed: ${new TextDecoder().decode(stderr)}`);
}

if (import.meta.main) await bundleLibrary(BUNDLE);
