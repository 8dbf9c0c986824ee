import assert from "node:assert/strict";
import { permissionFlags } from "../src/permissions.ts";

const SOCKETS = ["/tmp/sb/m.sock", "/tmp/sb/w0.sock"];
/** What the Unix transport needs, as `UnixHost.childPermissions` says it. */
const BASE = { read: SOCKETS, write: SOCKETS, net: SOCKETS.map((path) => `unix:${path}`) };

Deno.test("permissionFlags grants only the sockets by default", () => {
  assert.deepEqual(permissionFlags(BASE), [
    "--allow-read=/tmp/sb/m.sock,/tmp/sb/w0.sock",
    "--allow-write=/tmp/sb/m.sock,/tmp/sb/w0.sock",
    "--allow-net=unix:/tmp/sb/m.sock,unix:/tmp/sb/w0.sock",
  ]);
});

Deno.test("permissionFlags adds what is granted", () => {
  assert.deepEqual(
    permissionFlags(BASE, {
      read: ["/data", new URL("file:///etc/my%20app")],
      net: true,
      env: ["HOME"],
      sys: false,
    }),
    [
      "--allow-read=/tmp/sb/m.sock,/tmp/sb/w0.sock,/data,/etc/my app",
      "--allow-write=/tmp/sb/m.sock,/tmp/sb/w0.sock",
      "--allow-net",
      "--allow-env=HOME",
    ],
  );
});

Deno.test("permissionFlags refuses entries with commas", () => {
  assert.throws(() => permissionFlags(BASE, { read: ["/a,b"] }), /contains a comma/);
});
