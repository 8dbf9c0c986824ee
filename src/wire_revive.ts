/**
 * The receiving side of `wire_values.ts`: puts back the values a message's
 * tags name, in place of their JSON stand-ins. Every tag is checked, as a
 * frame comes from another process: a tag that does not fit its place is
 * an error, never a value half revived.
 *
 * @module
 */

import { revivedErrorClass } from "./error_classes.ts";
import { setOwn } from "./own_property.ts";
import { copyReceived, keepReceived } from "./received_bytes.ts";
import type { Tag, TagType } from "./wire_values.ts";

/**
 * Revives the tagged values of `data`.
 *
 * @param data The parsed `data`; changed in place where it can be.
 * @param tags The message's tags, unchecked.
 * @param attachments The bytes the `"bytes"` tags take, in order; copied,
 * unless they are in memory of their own and one tag takes them all.
 * @param own Whether `attachments` is in memory of its own, to hand on.
 * @returns The revived `data`; or, when a tag is malformed or does not fit,
 * a sentence saying so.
 */
export function reviveData(
  data: unknown,
  tags: unknown,
  attachments: Uint8Array,
  own = false,
): { data: unknown } | string {
  if (!Array.isArray(tags)) return 'its "tags" is not an array';
  // Where each tag's bytes start, and how many, in tag order.
  const offsets: number[] = [];
  const sizes: number[] = [];
  let offset = 0;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (!isTag(tag)) return `its tag ${i} is not [type, ...path]`;
    if (tag[0] !== "bytes") continue;
    offsets[i] = offset;
    sizes[i] = sizeAt(data, tag);
    offset += sizes[i];
    if (!Number.isSafeInteger(offset)) return `its tag ${i} ("bytes") has no byte length`;
  }
  if (offset !== attachments.length) {
    return `its tags take ${offset} bytes, and ${attachments.length} follow its JSON`;
  }
  // Inner values first, so that each container is revived with its contents.
  // A tag out of order (reaching into a value revived already) or a second
  // tag for one place (finding a value where its stand-in was) makes the
  // frame bad, never a value half revived.
  const root = { data };
  for (let i = tags.length - 1; i >= 0; i--) {
    const tag = tags[i] as Tag;
    const place = find(root, tag);
    if (place === undefined) return `its tag ${i} ("${tag[0]}") points at nothing`;
    const [container, key] = place;
    const stand = container[key];
    const value = tag[0] !== "bytes"
      ? revive(tag[0], stand)
      : stand !== sizes[i]
      ? BAD
      : own && sizes[i] === attachments.length
      ? keepReceived(attachments)
      : copyReceived(attachments, offsets[i], sizes[i]);
    if (value === BAD) return `its tag ${i} ("${tag[0]}") does not fit its value`;
    setOwn(container, key, value);
  }
  return { data: root.data };
}

const BAD = Symbol("bad");
/** What `toISOString()` writes: the only form a date's stand-in may take, besides null. */
const ISO_DATE = /^(?:\d{4}|[+-]\d{6})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** A date from its stand-in: null for an invalid date, else its ISO string, which must be one. */
function reviveDate(stand: unknown): Date | typeof BAD {
  if (stand === null) return new Date(NaN);
  if (typeof stand !== "string" || !ISO_DATE.test(stand)) return BAD;
  const date = new Date(stand);
  // A day the month does not have, or hour 24, parses as a later date:
  // only the string that date would write is one.
  return Number.isNaN(date.getTime()) || date.toISOString() !== stand ? BAD : date;
}

function revive(type: TagType, stand: unknown): unknown {
  switch (type) {
    case "date":
      return reviveDate(stand);
    case "error":
      return isRecord(stand) ? reviveError(stand) : BAD;
    case "regexp":
      if (!Array.isArray(stand) || typeof stand[0] !== "string" || typeof stand[1] !== "string") {
        return BAD;
      }
      try {
        return new RegExp(stand[0], stand[1]);
      } catch {
        return BAD;
      }
    case "number":
      // -0, the one number JSON changes that is carried.
      return stand === "-0" ? -0 : BAD;
    case "undefined":
      return stand === null ? undefined : BAD;
    default:
      return BAD;
  }
}

function reviveError(stand: Record<string, unknown>): Error | typeof BAD {
  const { name, message, stack, cause, errors, ...extra } = stand;
  if (typeof name !== "string" || typeof message !== "string") return BAD;
  if (stack !== undefined && typeof stack !== "string") return BAD;
  const options = Object.hasOwn(stand, "cause") ? { cause } : undefined;
  let error: Error;
  const Class = revivedErrorClass(name, errors);
  if (Class === AggregateError) {
    error = new AggregateError(errors as unknown[], message, options);
  } else if (Class === SuppressedError) {
    const { error: held, suppressed } = extra;
    delete extra.error;
    delete extra.suppressed;
    error = new SuppressedError(held, suppressed, message);
    if (options) setOwn(error, "cause", cause, false);
  } else {
    error = new (Class as ErrorConstructor)(message, options);
    if (error.name !== name) setOwn(error, "name", name, false);
    if (errors !== undefined) setOwn(extra, "errors", errors);
  }
  if (stack === undefined) delete error.stack;
  else setOwn(error, "stack", stack, false);
  for (const key of Object.keys(extra)) setOwn(error, key, extra[key]);
  return error;
}

function isTag(value: unknown): value is Tag {
  if (!Array.isArray(value) || typeof value[0] !== "string") return false;
  for (let i = 1; i < value.length; i++) {
    const step = value[i];
    if (typeof step !== "string" && !(Number.isInteger(step) && step >= 0)) return false;
  }
  return true;
}

/** The byte length a `"bytes"` tag's stand-in gives, or NaN. */
function sizeAt(data: unknown, tag: Tag): number {
  const place = find({ data }, tag);
  if (place === undefined) return NaN;
  const size = place[0][place[1]];
  return Number.isSafeInteger(size) && (size as number) >= 0 ? size as number : NaN;
}

/**
 * The container and key of the value a tag's path leads to, through own
 * properties of JSON's arrays and plain objects only: never into a
 * prototype, nor into a value revived already.
 */
function find(
  root: { data: unknown },
  tag: Tag,
): [Record<string | number, unknown>, string | number] | undefined {
  let container = root as Record<string | number, unknown>;
  let key: string | number = "data";
  for (let i = 1; i < tag.length; i++) {
    const next = container[key];
    if (!isStandIn(next)) return undefined;
    const step = tag[i];
    if (Array.isArray(next) !== (typeof step === "number")) return undefined;
    if (!Object.hasOwn(next, step)) return undefined;
    container = next as Record<string | number, unknown>;
    key = step;
  }
  return [container, key];
}

/** Whether `value` is an array or a plain object, as JSON.parse makes them, not a revived value. */
function isStandIn(value: unknown): value is object {
  if (typeof value !== "object" || value === null) return false;
  return Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return isStandIn(value) && !Array.isArray(value);
}
