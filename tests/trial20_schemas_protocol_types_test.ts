/**
 * README (Validation): listeners get the schema's output, and a process
 * that also has actions without a schema writes its protocol by hand
 * (`Cluster.start<SchemaProtocol<typeof schemas> & Extra>()`). Given a
 * protocol by hand, `Cluster.start<P>()` and `connect<P>()` took any
 * `schemas`: one whose output was not the protocol's type compiled, and
 * its listeners got data of another type than the one they were typed
 * with (trial 20). The functions below are checked by `deno check`, never
 * run: each `@ts-expect-error` line must be a type error.
 */

import assert from "node:assert/strict";
import { z } from "npm:zod@3.25.76";
import { Cluster, connect, MANAGER, type SchemaProtocol } from "../mod.ts";
import { nextEvent } from "./helpers.ts";

const schemas = {
  saveRequest: z.object({ name: z.string().min(1) }),
  saveResponse: z.object({ id: z.number().int() }),
};
type Extra = { note: { text: string } };
type Protocol = SchemaProtocol<typeof schemas> & Extra;

/** Schemas that say another thing than `Protocol` for `saveRequest`. */
const otherSchemas = { saveRequest: z.object({ name: z.number() }) };

/** A schema that transforms: "21" is sent, 21 is received. */
const counted = { count: z.string().transform((text) => Number(text)) };
type Counted = { count: string | number };

export async function mismatchedSchemas(): Promise<void> {
  // @ts-expect-error: saveRequest's schema gives { name: number }, the protocol says string
  await Cluster.start<Protocol>({ workers: 0, schemas: otherSchemas });
  // @ts-expect-error: likewise in a child
  await connect<Protocol>({ schemas: otherSchemas });
  // @ts-expect-error: with the service names given too
  await Cluster.start<Protocol, "logger">({ workers: 0, schemas: otherSchemas });
  // @ts-expect-error: a transform's input type is not what listeners get
  await Cluster.start<{ count: string }>({ workers: 0, schemas: counted });
  // @ts-expect-error: a schema for an action the protocol does not have
  await Cluster.start<Extra>({ workers: 0, schemas: { nope: z.string() } });
}

export async function matchingSchemas(): Promise<void> {
  await using cluster = await Cluster.start<Protocol>({ workers: 0, schemas });
  const peer = await connect<Protocol, "logger">({ schemas });
  await using counting = await Cluster.start<Counted>({ workers: 0, schemas: counted });
  // Without a protocol, any schemas, as before.
  await using untyped = await Cluster.start({ workers: 0, schemas: otherSchemas });
  void [cluster, peer, counting, untyped];
}

Deno.test("a protocol given by hand beside schemas types listeners by the schema's output", async () => {
  await using cluster = await Cluster.start<Counted>({ workers: 0, schemas: counted });
  const received = nextEvent<Counted["count"]>(
    (listener) => cluster.on("count", (data) => listener(data)),
    '"count"',
  );
  assert.equal(cluster.sendMessage("count", "21", MANAGER), 1);
  // Checked where it arrived: the listener gets the transform's output.
  assert.equal(await received, 21);
});
