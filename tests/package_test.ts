/**
 * The core is its own sources: without a broker, importing the package
 * loads no dependency (the NATS client is behind `./nats` only).
 */

import assert from "node:assert/strict";

async function graph(entry: string): Promise<string[]> {
  const { stdout, success } = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", new URL(`../${entry}`, import.meta.url).href],
    stderr: "null",
  }).output();
  assert.ok(success, `deno info ${entry}`);
  const info = JSON.parse(new TextDecoder().decode(stdout)) as {
    modules: { specifier: string }[];
  };
  return info.modules.map((module) => module.specifier);
}

Deno.test("mod.ts loads only the package's own files; nats.ts adds the NATS client", async () => {
  const root = new URL("../", import.meta.url).href;
  const core = await graph("mod.ts");
  assert.deepEqual(
    core.filter((specifier) =>
      !specifier.startsWith(`${root}src/`) && specifier !== `${root}mod.ts`
    ),
    [],
  );
  assert.ok(
    !core.some((specifier) => specifier.includes("/src/nats/")),
    "no NATS code in the core",
  );
  const nats = await graph("nats.ts");
  assert.ok(
    nats.some((specifier) => specifier.startsWith("npm:") || specifier.includes("@nats-io")),
  );
});

Deno.test("ctl.ts, the command line, loads only the package's own files", async () => {
  const root = new URL("../", import.meta.url).href;
  const modules = await graph("ctl.ts");
  assert.deepEqual(
    modules.filter((specifier) =>
      !specifier.startsWith(`${root}src/`) && specifier !== `${root}ctl.ts`
    ),
    [],
  );
  assert.ok(!modules.some((specifier) => specifier.includes("/src/nats/")));
});
