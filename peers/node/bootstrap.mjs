/**
 * What the manager writes on a child's stdin: first the bootstrap, one line
 * of JSON (at most 1 MiB, within 2 s of starting); then, once the child has
 * sent `$ready`, the go-ahead, one byte (`.`), and the end of stdin. If
 * stdin ends without the byte, the manager is gone: the child goes on the
 * same way, and its connection to the manager closes soon after.
 *
 * @module
 */

import { Buffer } from "node:buffer";
import { SwitchboardError } from "./errors.mjs";

/** The bootstrap format this peer reads. */
const BOOTSTRAP_VERSION = 2;
const BOOTSTRAP_TIMEOUT = 2_000;
const MAX_BOOTSTRAP_BYTES = 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * @typedef {object} Bootstrap
 * @property {2} version
 * @property {number | string} self This process's address.
 * @property {number[]} workers The cluster's worker ids.
 * @property {string[]} services The cluster's service names.
 * @property {string[]} managers The other hosts' managers.
 * @property {(number | string)[]} [replacing] The processes being replaced as this one was spawned.
 * @property {number} maxFrameSize
 * @property {number} requestTimeout
 * @property {number} [stopTimeout] How long a stop may take, in ms (5000 when absent).
 * @property {number} highWaterMark
 * @property {number} maxQueuedBytes
 * @property {{ dir: string, token: string, workers: number[], services: string[], gateway?: Gateway }} transport
 */

/**
 * @typedef {object} Gateway In a cluster that spans hosts: the way to the
 * others, through the manager.
 * @property {number} maxPayload The largest message the manager relays.
 * @property {string} limit What sets `maxPayload`, for errors.
 */

/**
 * Reads the bootstrap from `input`, and then waits for the go-ahead.
 *
 * @param {NodeJS.ReadStream} [input] The process's stdin.
 * @returns {Promise<{ bootstrap: Bootstrap, goAhead: Promise<void> }>}
 * @throws {SwitchboardError} When no bootstrap comes: the process was not
 * started by a cluster.
 */
export function readBootstrap(input = process.stdin) {
  if (input.isTTY) return Promise.reject(notAChild("stdin is a terminal"));
  let goAhead;
  const wentAhead = new Promise((resolve) => goAhead = resolve);
  return new Promise((resolve, reject) => {
    let line = Buffer.alloc(0);
    let lineRead = false;
    const fail = (why, cause) => {
      clearTimeout(timer);
      input.destroy();
      reject(notAChild(why, cause));
    };
    const timer = setTimeout(
      () => fail(`none arrived on stdin within ${BOOTSTRAP_TIMEOUT} ms`),
      BOOTSTRAP_TIMEOUT,
    );
    input.on("data", (chunk) => {
      if (lineRead) return goAhead();
      line = Buffer.concat([line, chunk]);
      const end = line.indexOf(NEWLINE);
      if (end === -1) {
        if (line.length > MAX_BOOTSTRAP_BYTES) fail("the first line of stdin is too long");
        return;
      }
      lineRead = true;
      clearTimeout(timer);
      let bootstrap;
      try {
        bootstrap = JSON.parse(line.subarray(0, end).toString("utf8"));
      } catch (error) {
        return fail("the first line of stdin is not JSON", error);
      }
      if (
        bootstrap?.version !== BOOTSTRAP_VERSION || typeof bootstrap.transport !== "object" ||
        !isGateway(bootstrap.transport?.gateway)
      ) {
        return fail("the first line of stdin is not a Switchboard bootstrap of this version");
      }
      resolve({ bootstrap, goAhead: wentAhead });
      // The manager writes the byte only after `$ready`, but a reader takes what comes.
      if (line.length > end + 1) goAhead();
    });
    // Ended, with or without the byte: the manager closed stdin, or is gone.
    const ended = () => lineRead ? goAhead() : fail("stdin ended without one");
    input.on("end", ended);
    input.on("error", ended);
  });
}

/** Whether a bootstrap's `transport.gateway` is absent (one host) or `{maxPayload, limit}`. */
function isGateway(gateway) {
  return gateway === undefined ||
    (typeof gateway?.maxPayload === "number" && typeof gateway.limit === "string");
}

function notAChild(why, cause) {
  return new SwitchboardError(
    `connect() found no bootstrap (${why}): run this program through Cluster.start()`,
    cause === undefined ? undefined : { cause },
  );
}
