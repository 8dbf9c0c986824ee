/** A streamed answer whose consumer lets go of the iterator is cancelled, not left waiting. */

import assert from "node:assert/strict";

Deno.test("a stream whose iterator is let go of without ending is cancelled once it is collected", async () => {
  const fixture = new URL("./fixtures/abandoned_stream.ts", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--v8-flags=--expose-gc", fixture.href],
    stdin: "null",
  }).output();
  const said = new TextDecoder().decode(stdout).trim();
  assert.equal(code, 0, `${said}\n${new TextDecoder().decode(stderr)}`);
  // The responder stopped at its window (16 parts ahead of the one taken), and was told.
  assert.match(said, /^cancelled; (\d+) parts produced$/);
  assert.ok(Number(said.match(/(\d+) parts/)![1]) <= 18, said);
});
