/**
 * Where schemas meet messages: the data a process sends is checked before
 * it is encoded, the data it receives before anyone sees it. The router
 * decides what a failure does to the message.
 *
 * @module
 */

import { type Address, describe, describeTarget, isAddress, type Target } from "./address.ts";
import type { ANY } from "./address.ts";
import type { WireMessage } from "./codec.ts";
import { ValidationError } from "./errors.ts";
import { checkData, type Schemas } from "./schema.ts";

/**
 * Checks data about to be sent. The data is sent as given: a schema's
 * output (a transform, say) is for the receiver, which checks it again.
 *
 * @throws {ValidationError} When it fails its action's schema.
 */
export function checkOutgoing(
  schemas: Schemas,
  action: string,
  data: unknown,
  to: Target | typeof ANY | undefined,
): void {
  const checked = checkData(schemas, action, data);
  if ("value" in checked) return;
  throw new ValidationError(
    `Data of "${action}" to ${describeTarget(to)} failed its schema: ${checked.problem}`,
    action,
    checked.issues,
    { peer: isAddress(to) ? to : undefined },
  );
}

/**
 * Checks a message that arrived; on success its data becomes the schema's
 * output. A failed answer (one with `error`) has no data to check.
 *
 * @returns The failure, or undefined when the data passed (or has no schema).
 */
export function checkIncoming(
  schemas: Schemas,
  from: Address,
  message: WireMessage,
): ValidationError | undefined {
  if (message.error !== undefined) return undefined;
  const checked = checkData(schemas, message.action, message.data);
  if ("value" in checked) {
    if (checked.value !== message.data) message.data = checked.value;
    return undefined;
  }
  return new ValidationError(
    `Data of "${message.action}" from ${describe(from)} failed its schema: ${checked.problem}`,
    message.action,
    checked.issues,
    { peer: from },
  );
}
