/**
 * Trial 16: README, Quick start: the sockets go in "the system temporary
 * directory (`$TMPDIR` if set, else `/tmp`: grant that one)", and a
 * longer `TMPDIR` "is refused with an error that says so". A `TMPDIR`
 * that does not exist (a typo in a unit file) fails `Cluster.start()` with
 * Deno's bare "NotFound: No such file or directory (os error 2): tmpdir",
 * which names neither `TMPDIR` nor the directory, and is no
 * `SwitchboardError`. (Without `--allow-env` the manager cannot read
 * `TMPDIR`: it names `$TMPDIR` then, and the directory when it may.)
 */

import assert from "node:assert/strict";

/** What a manager run with `TMPDIR` set to `missing` says of its failed start. */
async function startWith(missing: string, readsEnv: boolean): Promise<string> {
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      ...(readsEnv ? ["--allow-env=TMPDIR"] : []),
      new URL("./fixtures/trial16_tmpdir_manager.ts", import.meta.url).href,
    ],
    env: { TMPDIR: missing },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return new TextDecoder().decode(stdout).trim();
}

Deno.test("a TMPDIR that does not exist fails Cluster.start() with an error naming TMPDIR and the directory", async () => {
  const missing = "/tmp/switchboard-test-trial16-no-such-dir";
  // A manager that may read TMPDIR names the directory.
  const named = await startWith(missing, true);
  assert.match(named, /^SwitchboardError: /, named);
  assert.ok(named.includes("TMPDIR") && named.includes(missing), named);
  // One that may not (no --allow-env) cannot know it: it names $TMPDIR.
  const unnamed = await startWith(missing, false);
  assert.match(
    unnamed,
    /^SwitchboardError: .* in \$TMPDIR \(else \/tmp\): it does not exist/,
    unnamed,
  );
});

Deno.test("a TMPDIR with a comma fails Cluster.start() at once, saying so, not at the first child's spawn", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-a,b-" });
  try {
    const said = await startWith(dir, true);
    // Deno's permission flags are comma-separated lists: a comma in the
    // socket directory could be granted to no child.
    assert.match(said, /^SwitchboardError: .*comma.*TMPDIR/, said);
    assert.deepEqual([...Deno.readDirSync(dir)], [], "the socket directory it made is removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
