import assert from "node:assert/strict";
import { RestartBudget } from "../src/restart_policy.ts";

const policy = { maxRestarts: 3, period: 1000, backoff: 100, maxBackoff: 250 };

Deno.test("RestartBudget doubles the back-off, up to its maximum", () => {
  const budget = new RestartBudget(policy);
  assert.equal(budget.onExit(0), 100);
  assert.equal(budget.onExit(10), 200);
  assert.equal(budget.onExit(20), 250);
});

Deno.test("RestartBudget gives up after maxRestarts within the period", () => {
  const budget = new RestartBudget(policy);
  budget.onExit(0);
  budget.onExit(10);
  budget.onExit(20);
  assert.equal(budget.onExit(30), undefined);
  assert.equal(budget.onExit(999), undefined);
});

Deno.test("RestartBudget forgets restarts older than the period", () => {
  const budget = new RestartBudget(policy);
  budget.onExit(0);
  budget.onExit(10);
  budget.onExit(20);
  assert.equal(budget.onExit(1005), 250, "the first left the window: a third restart is allowed");
  assert.equal(budget.onExit(5000), 100, "all left the window");
});

Deno.test("RestartBudget doubles the back-off after clean exits too, but never gives up for them", () => {
  const budget = new RestartBudget(policy);
  assert.equal(budget.onCleanExit(0), 100);
  assert.equal(budget.onCleanExit(10), 200);
  for (let at = 20; at < 100; at += 10) assert.equal(budget.onCleanExit(at), 250);
  assert.equal(budget.onCleanExit(5000), 100, "all left the window");
});

Deno.test("RestartBudget counts clean exits in the back-off, crashes alone in maxRestarts", () => {
  const budget = new RestartBudget(policy);
  budget.onCleanExit(0);
  budget.onCleanExit(10);
  assert.equal(budget.onExit(20), 250, "the third restart within the period");
  budget.onExit(30);
  budget.onExit(40);
  assert.equal(budget.onExit(50), undefined, "the fourth crash");
});

Deno.test("RestartBudget waits the first back-off after a clean exit of a child that ran maxBackoff or more", () => {
  const budget = new RestartBudget(policy);
  assert.equal(budget.onCleanExit(0), 100);
  assert.equal(budget.onCleanExit(10), 200);
  assert.equal(budget.onCleanExit(300, 250), 100, "it ran maxBackoff: it recycled itself");
  assert.equal(budget.onCleanExit(310), 200, "at once again: the doubling starts afresh");
  assert.equal(budget.onCleanExit(320, 249), 250, "it ran less than maxBackoff");
});

Deno.test("RestartBudget never waits more than maxBackoff after a clean exit", () => {
  const budget = new RestartBudget({ ...policy, backoff: 100, maxBackoff: 0 });
  assert.equal(budget.onCleanExit(0, 10), 0);
  assert.equal(budget.onCleanExit(10), 0);
});
