/**
 * Review 4: a manager that may not write in its temporary directory is
 * told every flag its sockets need, as one without --allow-net is
 * (CHANGELOG: "A manager without a permission its sockets need is told
 * every flag").
 */

import assert from "node:assert/strict";
import { waitFor } from "./helpers.ts";

const fixture = new URL("./fixtures/start_once_manager.ts", import.meta.url);

Deno.test("a manager without --allow-write is told every flag its sockets need", async () => {
  const tmp = await Deno.makeTempDir({ prefix: "switchboard-test-tmp-" });
  try {
    const { stdout } = await waitFor(
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-run", `--allow-read=${tmp}`, "--allow-net", fixture.href],
        env: { TMPDIR: tmp },
        stdout: "piped",
        stderr: "null",
      }).output(),
      "the manager to end",
    );
    const { failed } = JSON.parse(new TextDecoder().decode(stdout)) as { failed: string };
    assert.match(failed, /^NotCapable: /);
    // The manager may not read TMPDIR: the directory is named as Deno picks it.
    assert.ok(
      failed.includes(`--allow-read=${tmp} --allow-write=${tmp} --allow-net`) ||
        failed.includes(
          "--allow-read=$TMPDIR (else /tmp) --allow-write=$TMPDIR (else /tmp) --allow-net",
        ),
      `every flag is named: ${failed}`,
    );
  } finally {
    await Deno.remove(tmp, { recursive: true });
  }
});
