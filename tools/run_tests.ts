/**
 * Runs the test suite with `deno test -P` (permissions and sanitizers from
 * deno.json) and keeps its output short: the dot reporter writes a line per
 * test when its output is not a terminal, so the dots are gathered into
 * rows here, and everything else (failures, the summary) passes as it is.
 * Exits with `deno test`'s exit code.
 *
 * `deno run --allow-run --allow-read tools/run_tests.ts [files…]`
 *
 * @module
 */

const DOTS_PER_ROW = 100;
// deno-lint-ignore no-control-regex -- the escape character is what ANSI colours start with.
const ANSI = /\x1b\[[0-9;]*m/g;

const targets = Deno.args.length > 0 ? Deno.args : ["mod.ts", "src/", "tests/"];
const child = new Deno.Command(Deno.execPath(), {
  args: ["test", "-P", "--doc", "--reporter=dot", ...targets],
  stdout: "piped",
  stderr: "inherit",
}).spawn();

const encoder = new TextEncoder();
const write = (text: string) => Deno.stdout.writeSync(encoder.encode(text));
let dots = 0;
let pending = "";
for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
  pending += chunk;
  const lines = pending.split("\n");
  pending = lines.pop()!;
  for (const line of lines) {
    if (line.replace(ANSI, "") === ".") {
      write(".");
      if (++dots % DOTS_PER_ROW === 0) write("\n");
      continue;
    }
    if (dots % DOTS_PER_ROW !== 0) {
      write("\n");
      dots = 0;
    }
    write(`${line}\n`);
  }
}
if (pending) write(pending);
Deno.exit((await child.status).code);
