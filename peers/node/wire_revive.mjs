/**
 * The receiving side of `wire_values.mjs`, as Switchboard's
 * `src/wire_revive.ts` reads it: puts back the values a message's tags
 * name, in place of their JSON stand-ins, last tag first, so that each
 * container is revived with its contents. Every tag is checked, as a frame
 * comes from another process: a tag that does not fit its place makes the
 * frame bad, never a value half revived.
 *
 * @module
 */

import { revivedErrorClass, suppressedError } from "./error_classes.mjs";
import { defineOwn } from "./wire_values.mjs";

const BAD = Symbol("bad");
/** What `toISOString()` writes: the only form a date's stand-in may take, besides null. */
const ISO_DATE = /^(?:\d{4}|[+-]\d{6})-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/**
 * A date from its stand-in: null for an invalid date, else its ISO string, which must be one.
 *
 * @param {unknown} stand
 * @returns {Date | typeof BAD}
 */
function reviveDate(stand) {
  if (stand === null) return new Date(NaN);
  if (typeof stand !== "string" || !ISO_DATE.test(stand)) return BAD;
  const date = new Date(stand);
  // A day the month does not have, or hour 24, parses as a later date:
  // only the string that date would write is one.
  return Number.isNaN(date.getTime()) || date.toISOString() !== stand ? BAD : date;
}

/**
 * Revives the tagged values of `data`.
 *
 * @param {unknown} data The parsed `data`; changed in place.
 * @param {unknown} tags The message's tags, unchecked.
 * @param {Uint8Array} attachments The bytes the `"bytes"` tags take, in tag order.
 * @returns {{ data: unknown } | string} The revived `data`; or, when a tag
 * is malformed or does not fit, a sentence saying so.
 */
export function reviveData(data, tags, attachments) {
  if (!Array.isArray(tags)) return 'its "tags" is not an array';
  // Where each tag's bytes start, and how many it takes, in tag order.
  const offsets = [];
  const sizes = [];
  let offset = 0;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i];
    if (!isTag(tag)) return `its tag ${i} is not [type, ...path]`;
    if (tag[0] !== "bytes") continue;
    const place = find({ data }, tag);
    const size = place === undefined ? NaN : place[0][place[1]];
    if (!Number.isSafeInteger(size) || size < 0) return `its tag ${i} ("bytes") has no byte length`;
    offsets[i] = offset;
    sizes[i] = size;
    offset += size;
    if (!Number.isSafeInteger(offset)) return `its tag ${i} ("bytes") has no byte length`;
  }
  if (offset !== attachments.length) {
    return `its tags take ${offset} bytes, and ${attachments.length} follow its JSON`;
  }
  const root = { data };
  for (let i = tags.length - 1; i >= 0; i--) {
    const tag = tags[i];
    const place = find(root, tag);
    if (place === undefined) return `its tag ${i} ("${tag[0]}") points at nothing`;
    const [container, key] = place;
    const stand = container[key];
    const value = tag[0] !== "bytes"
      ? revive(tag[0], stand)
      // Still the length counted above: two tags at one place would find a
      // Uint8Array here. A copy, as a plain Uint8Array, so the frame need not stay alive.
      : stand === sizes[i]
      ? new Uint8Array(attachments.subarray(offsets[i], offsets[i] + stand))
      : BAD;
    if (value === BAD) return `its tag ${i} ("${tag[0]}") does not fit its value`;
    defineOwn(container, key, value);
  }
  return { data: root.data };
}

/**
 * @param {string} type
 * @param {unknown} stand
 */
function revive(type, stand) {
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
      // README: a tag of an unknown type makes the frame bad, as a value half revived would be.
      return BAD;
  }
}

/** @param {Record<string, unknown>} stand */
function reviveError(stand) {
  const { name, message, stack, cause, errors, ...extra } = stand;
  if (typeof name !== "string" || typeof message !== "string") return BAD;
  if (stack !== undefined && typeof stack !== "string") return BAD;
  // `cause` may be there and undefined (an "undefined" tag): then it is kept, as sent.
  const options = Object.hasOwn(stand, "cause") ? { cause } : undefined;
  let error;
  const Class = revivedErrorClass(name, errors);
  if (Class === AggregateError) {
    error = new AggregateError(errors, message, options);
  } else if (name === "SuppressedError") {
    const { error: held, suppressed } = extra;
    delete extra.error;
    delete extra.suppressed;
    error = suppressedError(held, suppressed, message);
    if (options) hide(error, "cause", cause);
  } else {
    error = new Class(message, options);
    if (error.name !== name) hide(error, "name", name);
    if (errors !== undefined) defineOwn(extra, "errors", errors);
  }
  // Without a stack it has none: the reader's own would point at the reader.
  if (stack === undefined) delete error.stack;
  else hide(error, "stack", stack);
  // Defined, not assigned: a `__proto__` key must not become the error's prototype.
  for (const key of Object.keys(extra)) defineOwn(error, key, extra[key]);
  return error;
}

/** @param {unknown} value */
function isTag(value) {
  if (!Array.isArray(value) || typeof value[0] !== "string") return false;
  for (let i = 1; i < value.length; i++) {
    const step = value[i];
    if (typeof step !== "string" && !(Number.isInteger(step) && step >= 0)) return false;
  }
  return true;
}

/**
 * The container and key of the value a tag's path leads to, through own
 * properties of stand-ins only (a path must not reach into a prototype, nor
 * into a value revived already).
 *
 * @param {{ data: unknown }} root
 * @param {(string | number)[]} tag
 * @returns {[any, string | number] | undefined}
 */
function find(root, tag) {
  let container = root;
  let key = "data";
  for (let i = 1; i < tag.length; i++) {
    const next = container[key];
    if (!isStandIn(next)) return undefined;
    const step = tag[i];
    if (Array.isArray(next) !== (typeof step === "number")) return undefined;
    if (!Object.hasOwn(next, step)) return undefined;
    container = next;
    key = step;
  }
  return [container, key];
}

/**
 * Whether a path may go through `value`: JSON's arrays and objects, as
 * parsed, not a value a later tag revived already (an inner tag listed
 * after its container's is out of order).
 *
 * @param {unknown} value
 */
function isStandIn(value) {
  if (typeof value !== "object" || value === null) return false;
  return Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype;
}

/**
 * Whether `value` is an object's stand-in, as JSON.parse makes one: not an
 * error a second tag for the same place revived already.
 *
 * @param {unknown} value
 */
function isRecord(value) {
  return isStandIn(value) && !Array.isArray(value);
}

/** Sets an own property that is not enumerable, as an error's `name` and `stack` are. */
function hide(object, key, value) {
  Object.defineProperty(object, key, {
    value,
    enumerable: false,
    writable: true,
    configurable: true,
  });
}
