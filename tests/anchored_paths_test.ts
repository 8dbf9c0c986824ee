/**
 * A child with a `cwd` of its own has its module and grants anchored to
 * the manager's directory, so that each means what it meant without one.
 */

import assert from "node:assert/strict";
import { anchoredFlags, anchoredModule, anchoredPermissions } from "../src/anchored_paths.ts";

Deno.test("a relative module path is anchored to the manager's directory; URLs and specifiers are not", () => {
  assert.equal(anchoredModule("./worker.ts", "/srv/app"), "/srv/app/worker.ts");
  assert.equal(anchoredModule("lib/worker.ts", "/srv/app/"), "/srv/app/lib/worker.ts");
  assert.equal(anchoredModule("../worker.ts", "/srv/app"), "/srv/app/../worker.ts");
  assert.equal(anchoredModule("/opt/worker.ts", "/srv/app"), "/opt/worker.ts");
  for (const specifier of ["jsr:@app/worker", "npm:worker@1", "https://example.com/w.ts"]) {
    assert.equal(anchoredModule(specifier, "/srv/app"), specifier);
  }
  const url = new URL("file:///opt/worker.ts");
  assert.equal(anchoredModule(url, "/srv/app"), url);
});

Deno.test("relative paths of read, write, ffi and run grants are anchored; hosts, names and URLs are not", () => {
  const url = new URL("file:///opt/lib.so");
  assert.deepEqual(
    anchoredPermissions({
      read: ["./data", "/etc/app", url],
      write: ["logs"],
      ffi: ["./lib.so", url],
      run: ["python3", "./bin/tool", "/usr/bin/git"],
      net: ["localhost:8080"],
      env: ["PORT"],
      sys: ["hostname"],
      import: ["example.com"],
    }, "/srv/app"),
    {
      read: ["/srv/app/data", "/etc/app", url],
      write: ["/srv/app/logs"],
      ffi: ["/srv/app/lib.so", url],
      run: ["python3", "/srv/app/bin/tool", "/usr/bin/git"],
      net: ["localhost:8080"],
      env: ["PORT"],
      sys: ["hostname"],
      import: ["example.com"],
    },
  );
});

Deno.test("grants of all or nothing are as they were, and the permissions given are not changed", () => {
  const given = { read: true, write: false, run: ["./tool"] } as const;
  assert.deepEqual(anchoredPermissions(given, "/srv"), {
    read: true,
    write: false,
    run: ["/srv/tool"],
  });
  assert.deepEqual(given.run, ["./tool"]);
  assert.deepEqual(anchoredPermissions({}, "/srv"), {});
});

Deno.test("relative paths of permission flags are anchored, run's names and other flags are not", () => {
  assert.deepEqual(
    anchoredFlags([
      "--allow-read=./data,/etc/app",
      "--deny-read=secrets",
      "--deny-ffi=./lib.so",
      "--allow-run=python3,./bin/tool",
      "-R=.",
      "--allow-read",
      "--deny-env=HOME",
      "--config=./deno.json",
      "--env-file=.env",
    ], "/srv/app"),
    [
      "--allow-read=/srv/app/data,/etc/app",
      "--deny-read=/srv/app/secrets",
      "--deny-ffi=/srv/app/lib.so",
      "--allow-run=python3,/srv/app/bin/tool",
      "-R=/srv/app/.",
      "--allow-read",
      "--deny-env=HOME",
      "--config=./deno.json",
      "--env-file=.env",
    ],
  );
});

Deno.test("a permission flag anchored to a directory with a comma is refused, as a grant with one is", () => {
  assert.throws(
    () => anchoredFlags(["--deny-read=./secrets"], "/srv/a,b"),
    TypeError,
    'Cannot pass --deny-read "/srv/a,b/secrets": it contains a comma',
  );
  assert.deepEqual(anchoredFlags(["--allow-run=git", "--config=x"], "/srv/a,b"), [
    "--allow-run=git",
    "--config=x",
  ]);
});
