/** Sweeping up the socket directories of managers that were killed. */

import assert from "node:assert/strict";
import { DIR_PREFIX, removeStaleDirs, UNBORN_MS } from "../../src/unix/stale_dirs.ts";

Deno.test("a socket directory that never got its manager's socket goes once it is old; a new one stays", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const unborn = `${parent}/${DIR_PREFIX}unborn`;
    const starting = `${parent}/${DIR_PREFIX}starting`;
    const other = `${parent}/someone-else`;
    for (const dir of [unborn, starting, other]) await Deno.mkdir(dir);
    // Made before the manager that made it was killed, long enough ago.
    const then = new Date(Date.now() - UNBORN_MS - 1_000);
    for (const dir of [unborn, other]) await Deno.utime(dir, then, then);
    assert.deepEqual(await removeStaleDirs(parent), [unborn]);
    const left = [...Deno.readDirSync(parent)].map((entry) => entry.name).toSorted();
    assert.deepEqual(left, ["someone-else", `${DIR_PREFIX}starting`]);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
