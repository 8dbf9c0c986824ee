import assert from "node:assert/strict";
import type { Link } from "../../src/unix/link.ts";
import { LinkTable } from "../../src/unix/link_table.ts";

/** A link as the table sees it: only its address matters here. */
function link(address?: number | string): Link {
  return { address } as unknown as Link;
}

Deno.test("LinkTable keeps a second link to a peer as a spare, which takes over when the first closes", () => {
  const table = new LinkTable();
  const dialed = link(1);
  const accepted = link();
  table.dialed(1, dialed);
  table.greeted(accepted);
  assert.deepEqual(
    table.all(),
    [dialed, accepted],
    "a stranger is kept, to be closed with the rest",
  );
  assert.deepEqual(table.named(), [dialed], "but is not named yet");
  (accepted as { address?: number }).address = 1;
  table.admit(accepted);
  assert.equal(table.get(1), dialed, "what is sent goes on the link dialed");
  assert.deepEqual(table.to(1), [dialed, accepted]);
  assert.equal(table.remove(dialed), "sent on");
  assert.equal(table.promoteSpare(1), accepted);
  assert.equal(table.get(1), accepted);
  assert.deepEqual(table.peers(), [1]);
  assert.equal(table.promoteSpare(1), undefined, "no spare left");
});

Deno.test("LinkTable tells a spare's close from the sent-on link's, and from a replaced one's", () => {
  const table = new LinkTable();
  const [first, spare] = [link("logger"), link("logger")];
  table.admit(first);
  table.admit(spare);
  assert.equal(table.remove(spare), "spare");
  assert.equal(table.remove(first), "sent on");
  assert.equal(table.remove(first), undefined, "already gone");
  assert.equal(table.has("logger"), false);
  const stranger = link();
  table.greeted(stranger);
  table.forgetStranger(stranger);
  assert.deepEqual(table.all(), []);
});
