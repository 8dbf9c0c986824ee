/** The bundle `mod.ts` exports is what the sources make today. */

import assert from "node:assert/strict";
import * as switchboard from "../mod.ts";
import { BUNDLE, bundleLibrary, ROOT } from "../tools/build.ts";

const STALE = `is not the bundle of the sources in src/: run \`deno task build\``;

Deno.test("dist/ holds the bundle of today's sources (else run `deno task build`)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "switchboard-test-dist-" });
  try {
    await bundleLibrary(`${dir}/switchboard.js`);
    const fresh = new URL(`file://${dir}/switchboard.js`);
    const committed = new URL(BUNDLE, ROOT);
    const [made, kept] = [await Deno.readTextFile(fresh), await Deno.readTextFile(committed)];
    assert.equal(made, kept, `${BUNDLE} ${STALE}`);
    assert.deepEqual(await sourceMap(fresh), await sourceMap(committed), `${BUNDLE}.map ${STALE}`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("every class and function mod.ts exports keeps its name in the bundle", () => {
  const exported = Object.entries(switchboard).filter(([, value]) => typeof value === "function");
  assert.ok(exported.length > 10);
  for (const [name, value] of exported) assert.equal((value as { name: string }).name, name);
});

/** A bundle's source map, its sources made absolute: they are relative to where the map is. */
async function sourceMap(bundle: URL): Promise<unknown> {
  const map = new URL(`${bundle.href}.map`);
  const { sources, ...rest } = JSON.parse(await Deno.readTextFile(map));
  return { ...rest, sources: sources.map((source: string) => new URL(source, map).href) };
}
