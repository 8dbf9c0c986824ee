/**
 * What the label of a child's output line says (`labelOutput`): the
 * child's address, with its pid if asked, and the time in front if asked.
 * The option as given, checked, and the label's text; cutting the output
 * into lines is `labelled_output.ts`'s.
 *
 * @module
 */

import { checkBoolean, checkOptionNames, type OptionNames } from "./option_names.ts";
import { shown } from "./shown.ts";

/**
 * What each labelled line of a child's output carries besides the child's
 * address (`labelOutput`): given, the lines are labelled, with what is
 * `true` here added. Every line of a child is stamped the same way.
 *
 * @example Lines with the time and the pid, as PM2's `--time` stamps them
 * ```ts
 * import type { ClusterOptions, LabelOutputOptions } from "@switchboard/switchboard";
 *
 * // 2026-12-07T06:59:01.123Z [worker 1 pid 12345] listening on :8080
 * const labelOutput: LabelOutputOptions = { timestamps: true, pid: true };
 * const options: ClusterOptions = { worker: "./server.ts", labelOutput };
 * console.assert(options.labelOutput === labelOutput);
 * ```
 */
export interface LabelOutputOptions {
  /**
   * Whether each line starts with the time, in ISO 8601, UTC, to the
   * millisecond: `2026-12-07T06:59:01.123Z [worker 1] …` (default
   * `false`). It is when the manager read the line's end from the child's
   * pipe, not when the child wrote it: the lines of one read share it, and
   * a line a busy manager reads late is stamped late.
   */
  timestamps?: boolean;
  /**
   * Whether the label carries the pid of the process that wrote the line:
   * `[worker 1 pid 12345] …` (default `false`). A child restarted has a new
   * pid: the lines of each of its processes tell apart, and match the pid
   * that `stats()` and `cluster.pid()` give.
   */
  pid?: boolean;
}

/** How a cluster labels its children's lines: {@linkcode LabelOutputOptions} with every value set. */
export type OutputLabels = Required<LabelOutputOptions>;

/** How one child's lines are labelled: its address as a label says it, and what the cluster adds. */
export interface ChildLabel extends OutputLabels {
  /** The child's address as a label says it: `worker 1`, `logger` (`outputLabel()`). */
  name: string;
}

const LABEL_OUTPUT_OPTIONS = {
  timestamps: true,
  pid: true,
} satisfies OptionNames<LabelOutputOptions>;

/**
 * The `labelOutput` option, checked: `false` when the lines go unlabelled
 * (`false`, or not given: null, from a JSON config, is as good); `true` is
 * the address alone; an object is labelling with what it asks.
 *
 * @param where What takes the option, for the message: `Cluster.start()`.
 * @throws {TypeError} Naming the option, when it is neither a boolean nor
 * an object, has an option it does not know, or one that is not a boolean.
 */
export function outputLabels(value: unknown, where: string): OutputLabels | false {
  if (value == null || value === false) return false;
  if (value === true) return { timestamps: false, pid: false };
  // The string "false", from a config, would be labelling.
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new TypeError(
      `${where}: "labelOutput" must be true, false or { timestamps?, pid? }, got ${
        Array.isArray(value) ? "an array" : shown(value)
      }`,
    );
  }
  checkOptionNames(value, LABEL_OUTPUT_OPTIONS, `${where}: "labelOutput"`);
  const { timestamps, pid } = value as LabelOutputOptions;
  checkBoolean(timestamps, "labelOutput.timestamps", where);
  checkBoolean(pid, "labelOutput.pid", where);
  return { timestamps: timestamps ?? false, pid: pid ?? false };
}

/**
 * The text of a label, in its brackets: `worker 1`, or `worker 1 pid 12345`
 * with `pid` given.
 *
 * @param name The child's address as a label says it (`outputLabel()`).
 */
export function labelText(name: string, pid?: number): string {
  return pid === undefined ? name : `${name} pid ${pid}`;
}
