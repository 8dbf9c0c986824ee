/**
 * Trial 16: README, Quick start: the sockets go in "the system temporary
 * directory (`$TMPDIR` if set, else `/tmp`: grant that one)", and a
 * longer `TMPDIR` "is refused with an error that says so". A `TMPDIR`
 * that does not exist (a typo in a unit file) fails `Cluster.start()` with
 * Deno's bare "NotFound: No such file or directory (os error 2): tmpdir",
 * which names neither `TMPDIR` nor the directory, and is no
 * `SwitchboardError`.
 */

import assert from "node:assert/strict";

Deno.test("a TMPDIR that does not exist fails Cluster.start() with an error naming TMPDIR and the directory", async () => {
  const missing = "/tmp/switchboard-test-trial16-no-such-dir";
  const { stdout } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-run",
      "--allow-read=/tmp",
      "--allow-write=/tmp",
      "--allow-net",
      new URL("./fixtures/trial16_tmpdir_manager.ts", import.meta.url).href,
    ],
    env: { TMPDIR: missing },
    stdout: "piped",
    stderr: "inherit",
  }).output();
  const said = new TextDecoder().decode(stdout).trim();
  assert.match(said, /^SwitchboardError: /, said);
  assert.ok(said.includes("TMPDIR") && said.includes(missing), said);
});
