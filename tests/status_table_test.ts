/** How `ctl.ts status` prints a manager's status. */

import assert from "node:assert/strict";
import { duration, statusTable } from "../src/status_table.ts";

Deno.test("duration() shows the two largest units", () => {
  for (
    const [ms, shown] of [
      [0, "0s"],
      [999, "0s"],
      [45_000, "45s"],
      [200_000, "3m 20s"],
      [3_600_000, "1h"],
      [18_120_000, "5h 2m"],
      [187_200_000, "2d 4h"],
    ] as const
  ) {
    assert.equal(duration(ms), shown, `${ms} ms`);
  }
});

Deno.test("statusTable() pads columns and shows what is unknown as -", () => {
  const table = statusTable({
    pid: 100,
    children: [
      { address: 0, pid: 101, state: "ready", restarts: 0, uptime: 65_000, rss: 50 * 1024 ** 2 },
      { address: "mailer", pid: undefined, state: "restarting", restarts: 12 },
    ],
    hosts: [{ host: "web-1", workers: [0], services: ["mailer"] }],
  });
  assert.equal(
    table,
    [
      "manager pid 100",
      "CHILD     PID  STATE       RESTARTS  UPTIME  RSS",
      "worker 0  101  ready       0         1m 5s   50 MiB",
      "mailer    -    restarting  12        -       -",
      "host web-1: workers 0; services mailer",
    ].join("\n"),
  );
});
