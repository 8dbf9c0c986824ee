/**
 * Review (0d37fea): the article before a class name goes by sound
 * (src/wire_values.ts `anFor`, and peers/node/wire_values.mjs alike), but
 * of the names that begin with a "u" said as a vowel, only "un" (not
 * "uni"), "upd", "ult" and "utt" take "an": a class Upload, Upgrade or
 * Umbrella is named "a Upload", "a Upgrade", "a Umbrella". Cosmetic.
 */

import assert from "node:assert/strict";
import { toWireData } from "../src/wire_values.ts";

Deno.test("a class name that begins with a vowel's sound takes 'an'", () => {
  const cases: [unknown, string][] = [
    [{ u: new (class Upload {})() }, "data.u is an Upload (a class instance would arrive"],
    [{ u: new (class Upgrade {})() }, "data.u is an Upgrade (a class instance would arrive"],
    [{ u: new (class Umbrella {})() }, "data.u is an Umbrella (a class instance would arrive"],
  ];
  for (const [data, expected] of cases) {
    const problem = toWireData(data);
    assert.ok(String(problem).startsWith(expected), `${problem}`);
  }
});
