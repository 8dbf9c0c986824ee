import assert from "node:assert/strict";
import { MANAGER } from "../../src/address.ts";
import { isUnixConfig, Sockets } from "../../src/unix/sockets.ts";

const config = {
  dir: "/tmp/sb",
  token: "t",
  workers: [0, 1, 2],
  services: ["logger", "a name with spaces/and slashes"],
};

Deno.test("Sockets maps addresses to short socket files", () => {
  const sockets = new Sockets(config);
  assert.equal(sockets.path(0), "/tmp/sb/w0.sock");
  assert.equal(sockets.path(2), "/tmp/sb/w2.sock");
  assert.equal(sockets.path("logger"), "/tmp/sb/s0.sock");
  assert.equal(sockets.path("a name with spaces/and slashes"), "/tmp/sb/s1.sock");
  assert.equal(sockets.path(MANAGER), "/tmp/sb/m.sock");
  assert.deepEqual(sockets.all(), [
    "/tmp/sb/m.sock",
    "/tmp/sb/w0.sock",
    "/tmp/sb/w1.sock",
    "/tmp/sb/w2.sock",
    "/tmp/sb/s0.sock",
    "/tmp/sb/s1.sock",
  ]);
  assert.throws(() => sockets.path(3), /worker 3 is not on this host/);
  assert.ok(sockets.has(MANAGER) && sockets.has(1) && !sockets.has(3) && !sockets.has("db"));
});

Deno.test("isUnixConfig accepts only a whole configuration", () => {
  assert.ok(isUnixConfig(config));
  for (
    const bad of [null, "x", { ...config, dir: 1 }, { ...config, workers: [-1] }, {
      ...config,
      services: [""],
    }]
  ) {
    assert.ok(!isUnixConfig(bad), JSON.stringify(bad));
  }
});
