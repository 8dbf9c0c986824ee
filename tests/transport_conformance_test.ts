/** Every transport passes the conformance suite. */

import { CONFORMANCE } from "./transport_conformance.ts";
import { testOnEveryNetwork } from "./networks.ts";

testOnEveryNetwork(CONFORMANCE, " transport");
