/**
 * Review 18: a streamed request listens for its signal's abort for as long
 * as it is open (it tells its handler at once). A signal that outlives the
 * stream must not keep an iterator let go of from being collected, and so
 * cancelled, as `tests/abandoned_stream_test.ts` checks without a signal.
 */

import assert from "node:assert/strict";

Deno.test("a stream with a signal whose iterator is let go of is still cancelled once it is collected", async () => {
  const fixture = new URL("./fixtures/abandoned_stream.ts", import.meta.url);
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--v8-flags=--expose-gc", fixture.href, "signal"],
    stdin: "null",
  }).output();
  const said = new TextDecoder().decode(stdout).trim();
  assert.equal(code, 0, `${said}\n${new TextDecoder().decode(stderr)}`);
  assert.match(said, /^cancelled; (\d+) parts produced$/);
  assert.ok(Number(said.match(/(\d+) parts/)![1]) <= 18, said);
});
