/**
 * Scenarios 1–5: the cases each runs, and the interleaved runner.
 *
 * Every repetition runs each case for every contender in turn, and splits
 * the work into blocks that alternate between contenders (raw, node json,
 * node advanced, m→w, w→w, raw, …), so that a burst of noise on the machine
 * lands on all of them alike. A warm-up pass, not recorded, lets the JITs
 * settle first.
 *
 * @module
 */

import type { Contender } from "./contender.ts";
import { type Figure, figure, record } from "./figure.ts";
import { makePayload } from "./payload.ts";
import { SETTINGS } from "./settings.ts";
import { latency } from "./stats.ts";

/** One measurement that fills one or more figures. */
export interface Case {
  /** The figures its values go to, in order. */
  figures: Figure[];
  /** How many blocks one repetition's work is split into. */
  blocks: number;
  /** Whether the contender takes part. */
  takesPart(contender: Contender): boolean;
  /** Starts one repetition for a contender. */
  start(contender: Contender): Repetition;
}

/** One contender's repetition of a case, run block by block. */
export interface Repetition {
  /** Runs one block: `share` of a repetition's work. */
  runBlock(share: number): Promise<void>;
  /** The repetition's value for each of the case's figures. */
  finish(): number[];
}

/** An amount (messages, deliveries, megabytes) moved in some seconds. */
interface Tally {
  amount: number;
  seconds: number;
}

/** Messages to send for `count` at `share` of the work, at least `floor`. */
function scaled(count: number, share: number, floor = 1): number {
  return Math.max(floor, Math.round(count * share));
}

/** A case measuring latency: p50 and p99 over every block's samples. */
function latencyCase(
  figures: [Figure, Figure],
  blocks: number,
  takesPart: (contender: Contender) => boolean,
  sample: (contender: Contender, share: number) => Promise<Float64Array>,
): Case {
  return {
    figures,
    blocks,
    takesPart,
    start(contender) {
      const samples: number[] = [];
      return {
        async runBlock(share) {
          samples.push(...await sample(contender, share));
        },
        finish() {
          const { p50, p99 } = latency(Float64Array.from(samples));
          return [p50, p99];
        },
      };
    },
  };
}

/** A case measuring a rate: everything moved over all the blocks' seconds. */
function rateCase(
  target: Figure,
  blocks: number,
  takesPart: (contender: Contender) => boolean,
  measure: (contender: Contender, share: number) => Promise<Tally>,
): Case {
  return {
    figures: [target],
    blocks,
    takesPart,
    start(contender) {
      let amount = 0;
      let seconds = 0;
      return {
        async runBlock(share) {
          const tally = await measure(contender, share);
          amount += tally.amount;
          seconds += tally.seconds;
        },
        finish: () => [amount / seconds],
      };
    },
  };
}

const everyone = () => true;

/** Scenario 1: request/response round trips, one in flight. */
export function roundTripCases(): Case[] {
  const { bytes, count, blocks } = SETTINGS.roundTrip;
  const payload = makePayload(bytes);
  return [latencyCase(
    [
      figure("roundTrip.p50", 1, `round trip p50, ${bytes} B`, "µs", false),
      figure("roundTrip.p99", 1, `round trip p99, ${bytes} B`, "µs", false),
    ],
    blocks,
    everyone,
    (contender, share) => contender.roundTrips(scaled(count, share), payload),
  )];
}

/** Scenario 2: pipelined one-way messages. */
export function throughputCases(): Case[] {
  const { bytes, count, blocks } = SETTINGS.throughput;
  const payload = makePayload(bytes);
  return [rateCase(
    figure("throughput", 2, `one-way pipelined, ${bytes} B`, "msg/s", true),
    blocks,
    everyone,
    async (contender, share) => {
      const amount = scaled(count, share);
      return { amount, seconds: await contender.stream(amount, payload) };
    },
  )];
}

/** Scenario 3: pipelined one-way messages from 1 KiB to 4 MiB. */
export function largeCases(): Case[] {
  const { sizes, bytesPerSize, minCount } = SETTINGS.large;
  return sizes.map((bytes) => {
    const payload = makePayload(bytes);
    const count = Math.max(minCount, Math.round(bytesPerSize / bytes));
    return rateCase(
      figure(`large.${bytes}`, 3, `one-way ${sizeName(bytes)}`, "MB/s", true),
      1,
      everyone,
      async (contender, share) => {
        const messages = scaled(count, share, 2);
        return {
          amount: messages * bytes / 1e6,
          seconds: await contender.stream(messages, payload),
        };
      },
    );
  });
}

/** Scenario 4: one sender, every message to each of N receivers. */
export function broadcastCases(): Case[] {
  const { receivers, bytes, count, blocks } = SETTINGS.broadcast;
  const payload = makePayload(bytes);
  return receivers.map((n) =>
    rateCase(
      figure(`broadcast.${n}`, 4, `broadcast to N=${n}, ${bytes} B`, "deliveries/s", true),
      blocks,
      (contender) => contender.fanOut !== undefined,
      async (contender, share) => {
        const messages = scaled(count, share);
        return { amount: n * messages, seconds: await contender.fanOut!(n, messages, payload) };
      },
    )
  );
}

/** Scenario 5: ask N receivers at once and gather every answer. */
export function gatherCases(): Case[] {
  const { receivers, bytes, count, blocks } = SETTINGS.gather;
  const payload = makePayload(bytes);
  return receivers.map((n) =>
    latencyCase(
      [
        figure(`gather.${n}.p50`, 5, `requestAll N=${n} p50, ${bytes} B`, "µs", false),
        figure(`gather.${n}.p99`, 5, `requestAll N=${n} p99, ${bytes} B`, "µs", false),
      ],
      blocks,
      (contender) => contender.gather !== undefined,
      (contender, share) => contender.gather!(n, scaled(count, share), payload),
    )
  );
}

/** `1 KiB`, `4 MiB`: a size as the tables name it. */
export function sizeName(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * Runs a scenario's cases: a warm-up pass, then the repetitions, each case
 * in blocks alternating between the contenders. Returns the filled figures.
 *
 * @param progress Told before each repetition, for a progress line.
 */
export async function runScenario(
  cases: Case[],
  contenders: readonly Contender[],
  progress: (repetition: number) => void,
): Promise<Figure[]> {
  for (const testCase of cases) {
    for (const contender of contenders.filter(testCase.takesPart)) {
      await testCase.start(contender).runBlock(SETTINGS.warmUpShare);
    }
  }
  for (let repetition = 0; repetition < SETTINGS.repetitions; repetition++) {
    progress(repetition);
    for (const testCase of cases) {
      const runs = contenders.filter(testCase.takesPart).map((contender) =>
        [contender, testCase.start(contender)] as const
      );
      for (let block = 0; block < testCase.blocks; block++) {
        // No forced gc() between blocks: a full collection shrinks the young
        // generation, which then taxes the next block in proportion to what it
        // allocates, and only for contenders measured in this process.
        for (const [, run] of runs) await run.runBlock(1 / testCase.blocks);
      }
      for (const [contender, run] of runs) {
        run.finish().forEach((value, i) => record(testCase.figures[i], contender.name, value));
      }
    }
  }
  return cases.flatMap((testCase) => testCase.figures);
}
