/**
 * The machine a run happened on. Deno tells its own versions; the CPU,
 * memory and kernel come from the Node driver's report, since Deno would
 * need `--allow-sys` and `--allow-all` (for /proc) to read them.
 *
 * @module
 */

import type { NodeReport } from "./node_contender.ts";

/** Where the figures come from. */
export interface Machine {
  /** Deno, V8 and TypeScript versions. */
  deno: string;
  v8: string;
  typescript: string;
  /** Node's version. */
  node: string;
  /** `linux x86_64 6.1.0`. */
  os: string;
  /** The CPU model, when known. */
  cpu: string | undefined;
  /** Logical cores of the machine. */
  cores: number;
  /**
   * Cores the bench could use: fewer than `cores` when it was pinned, e.g.
   * `taskset -c 0 deno task bench` (children inherit the pinning).
   */
  usableCores: number;
  /** Total memory in GiB. */
  memoryGiB: number;
}

/** Describes this machine. */
export function describeMachine(node: NodeReport): Machine {
  return {
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    typescript: Deno.version.typescript,
    node: node.node,
    os: `${Deno.build.os} ${Deno.build.arch} ${node.release}`,
    cpu: node.cpu,
    cores: node.cores,
    usableCores: navigator.hardwareConcurrency,
    memoryGiB: Math.round(node.memory / 2 ** 30),
  };
}

/** One line: `AMD EPYC, 2 cores, 24 GiB, linux x86_64 6.1, Deno 2.9.6 (V8 …), Node v20`. */
export function machineLine(machine: Machine): string {
  return [
    machine.cpu,
    machine.usableCores === machine.cores
      ? `${machine.cores} cores`
      : `${machine.cores} cores (the bench pinned to ${machine.usableCores})`,
    `${machine.memoryGiB} GiB`,
    machine.os,
    `Deno ${machine.deno} (V8 ${machine.v8})`,
    `Node ${machine.node}`,
  ].filter((part) => part !== undefined).join(", ");
}
