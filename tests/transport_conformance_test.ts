/** Every transport passes the conformance suite. */

import { CONFORMANCE } from "./transport_conformance.ts";
import { NETWORKS } from "./networks.ts";

for (const { name, make } of NETWORKS) {
  for (const [behaviour, test] of CONFORMANCE) {
    Deno.test(`${name} transport: ${behaviour}`, async () => {
      const network = await make();
      try {
        await test(network);
      } finally {
        await network.close();
      }
    });
  }
}
