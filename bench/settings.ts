/**
 * How much each scenario does. Sized so that the whole bench runs in about
 * a minute and a half on a 2-core machine (the issue allows three), with
 * seven repetitions, so that medians and paired ratios hold up when
 * something else is running.
 *
 * @module
 */

/** The counts the scenarios run with. */
export const SETTINGS = {
  /** Repetitions of every measurement; medians and spreads are over these. */
  repetitions: 7,
  /** Workers (raw children, Node children) each contender starts: the largest N. */
  receivers: 8,
  /** Scenario 1: payload bytes, round trips per repetition, blocks they alternate in. */
  roundTrip: { bytes: 100, count: 5_000, blocks: 5 },
  /** Scenario 2: payload bytes, one-way messages per repetition, blocks. */
  throughput: { bytes: 100, count: 50_000, blocks: 5 },
  /**
   * Scenario 3: message sizes, and bytes sent per size per repetition (at
   * least `minCount` messages, so that big sizes still pipeline).
   */
  large: {
    sizes: [1, 4, 16, 64, 256, 1024, 4096].map((kib) => kib * 1024),
    bytesPerSize: 8 * 1024 * 1024,
    minCount: 8,
  },
  /** Scenario 4: receivers, payload bytes, messages per receiver, blocks. */
  broadcast: { receivers: [1, 2, 4, 8], bytes: 100, count: 10_000, blocks: 2 },
  /** Scenario 5: receivers, payload bytes, gathers per repetition, blocks. */
  gather: { receivers: [1, 2, 4, 8], bytes: 100, count: 500, blocks: 2 },
  /** Scenario 7, across hosts: payload bytes, round trips and one-way messages per repetition. */
  hosts: { bytes: 100, roundTrips: 1_000, messages: 20_000 },
  /**
   * Scenario 8, work for any worker: workers, requests per repetition, how
   * many are in flight at once, the ms of work of most and of every
   * `longEvery`-th request.
   */
  any: { workers: 4, requests: 200, inFlight: 8, shortMs: 0.5, longMs: 5, longEvery: 10 },
  /**
   * Scenario 9, bytes: array sizes, bytes moved per size per repetition,
   * blocks, and bytes moved per size by each contender before measuring (a
   * new process takes about 100 MB to reach its pace: its first blocks ran
   * at a tenth of it, for the raw receivers as for Switchboard's).
   */
  bytes: {
    sizes: [1024 * 1024, 4 * 1024 * 1024],
    bytesPerSize: 512 * 1024 * 1024,
    blocks: 8,
    warmUpBytes: 64 * 1024 * 1024,
  },
  /** Scenario 6: workers started per measurement. */
  startup: { workers: [1, 4, 8] },
  /** Memory: messages in the warm-up, in the whole run, and per drained batch. */
  memory: { bytes: 100, warmUp: 100_000, count: 2_000_000, batch: 100_000 },
  /** A warm-up run does this fraction of a measured run's work, before any is measured. */
  warmUpShare: 0.2,
} as const;
