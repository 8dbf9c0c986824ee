/**
 * The start-up scenario's worker: it joins and does nothing else, so that
 * `Cluster.start()` is timed against bare children doing the same.
 *
 * @module
 */

import { connect } from "../mod.ts";

await connect();
