/** `examples/two_hosts.ts` runs as README says, and shows the cluster across its two hosts. */

import assert from "node:assert/strict";
import { managerProcess, waitFor } from "../helpers.ts";
import { natsAnswers } from "./hosts.ts";

Deno.test({
  name: "examples/two_hosts.ts: two managers, one cluster of four workers, and host b leaving",
  ignore: !natsAnswers,
  async fn() {
    // Run as README says, with the permissions of any manager.
    const run = managerProcess("../../examples/two_hosts.ts", { stderr: "piped" }).output();
    const { code, stdout, stderr } = await waitFor(run, "the example to end", 20_000);
    const text = new TextDecoder().decode(stdout);
    assert.equal(code, 0, new TextDecoder().decode(stderr));
    assert.match(text, /^host b: workers 0,1$/m);
    assert.match(text, /^host a: workers 2,3; the cluster has 4 workers$/m);
    assert.match(text, /^a broadcast from host a reached 4 workers$/m);
    assert.match(text, /^requestAll: worker 0: 10, worker 1: 20, worker 2: 30, worker 3: 40$/m);
    assert.match(text, /^worker 2 on host a got worker 1's testResponse from host b$/m);
    assert.match(text, /^host b left; the cluster has 2 workers$/m);
  },
});
