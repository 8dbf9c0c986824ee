/** Sweeping up the socket directories of managers that were killed. */

import assert from "node:assert/strict";
import { DIR_PREFIX, removeStaleDirs, UNBORN_MS } from "../../src/unix/stale_dirs.ts";
import { runInOwnTmp } from "../manager_run.ts";

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

Deno.test("a manager that may not connect to sockets leaves other clusters' directories: they may be live", async () => {
  // A manager started without --allow-net fails, but sweeps first: its
  // connect is refused by Deno, not by a dead socket, which says nothing
  // of whether a manager listens there.
  const tmp = await Deno.makeTempDir({ prefix: "switchboard-test-tmp-" });
  const live = `${tmp}/${DIR_PREFIX}live`;
  await Deno.mkdir(live);
  const listener = Deno.listen({ transport: "unix", path: `${live}/m.sock` });
  try {
    const manager = new URL("../fixtures/start_once_manager.ts", import.meta.url);
    const { code, printed } = await runInOwnTmp(manager, tmp, { net: false });
    assert.equal(code, 0);
    const { failed } = printed as { failed: string };
    assert.match(failed, /^NotCapable: Requires net access to "unix:/);
    assert.equal((await Deno.lstat(`${live}/m.sock`)).isSocket, true);
  } finally {
    listener.close();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a directory the sweep cannot remove is left, and the others still go", async () => {
  const parent = await Deno.makeTempDir();
  try {
    const dead = Array.from({ length: 9 }, (_, i) => `${parent}/${DIR_PREFIX}dead${i}`);
    for (const dir of dead) await Deno.mkdir(dir);
    const then = new Date(Date.now() - UNBORN_MS - 1_000);
    for (const dir of dead) await Deno.utime(dir, then, then);
    // It may remove one of them only: the others stand for directories it
    // may not remove (another user's, in a shared /tmp).
    const mine = dead[4];
    const { code, stdout } = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        `--allow-read=${parent}`,
        `--allow-write=${mine}`,
        new URL("../fixtures/sweeper.ts", import.meta.url).href,
        parent,
      ],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.equal(code, 0);
    // Before the fix, the first it could not remove ended the sweep: in this
    // directory's order, before it came to its own.
    assert.deepEqual(JSON.parse(new TextDecoder().decode(stdout)), [mine]);
    const left = [...Deno.readDirSync(parent)].map((entry) => `${parent}/${entry.name}`);
    assert.deepEqual(left.toSorted(), dead.filter((dir) => dir !== mine).toSorted());
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
