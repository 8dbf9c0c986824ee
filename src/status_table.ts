/**
 * A manager's status as `ctl.ts status` prints it: a line for the manager,
 * a table of its children, and across hosts, a line a host.
 *
 * @module
 */

import { outputLabel } from "./address.ts";
import type { ControlStatus } from "./control_wire.ts";
import { mebibytes } from "./resident_memory.ts";

const HEADINGS = ["CHILD", "PID", "STATE", "RESTARTS", "UPTIME", "RSS"];

/** The status as lines of text: columns padded to their widest cell. */
export function statusTable(status: ControlStatus): string {
  const rows = status.children.map((child) => [
    outputLabel(child.address),
    child.pid === undefined ? "-" : String(child.pid),
    child.state,
    String(child.restarts),
    child.uptime === undefined ? "-" : duration(child.uptime),
    child.rss === undefined ? "-" : mebibytes(child.rss),
  ]);
  const widths = HEADINGS.map((heading, column) =>
    Math.max(heading.length, ...rows.map((row) => row[column].length))
  );
  const line = (cells: string[]) =>
    cells.map((cell, column) => cell.padEnd(widths[column])).join("  ").trimEnd();
  const hosts = (status.hosts ?? []).map(({ host, workers, services }) =>
    `host ${host}: workers ${workers.join(", ") || "none"}; services ${
      services.join(", ") || "none"
    }`
  );
  return [`manager pid ${status.pid}`, line(HEADINGS), ...rows.map(line), ...hosts].join("\n");
}

/** Ms as the largest two units: `45s`, `3m 20s`, `5h 2m`, `2d 4h`. */
export function duration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const units: [string, number][] = [
    ["d", Math.floor(seconds / 86_400)],
    ["h", Math.floor(seconds / 3600) % 24],
    ["m", Math.floor(seconds / 60) % 60],
    ["s", seconds % 60],
  ];
  const first = units.findIndex(([, count]) => count > 0);
  if (first < 0) return "0s";
  return units.slice(first, first + 2).filter(([, count]) => count > 0)
    .map(([unit, count]) => `${count}${unit}`).join(" ");
}
