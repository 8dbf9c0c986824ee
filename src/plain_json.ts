/**
 * The fast path of encoding: whether data is plain JSON that travels as it
 * is, with nothing to tag, copy or refuse. Most messages are; they then
 * skip the converting walk of `wire_values.ts` and what it allocates.
 * It may say no where that walk would find nothing (data nested very deep,
 * say): that only costs the slower path.
 *
 * @module
 */

/** Below this depth the check goes; deeper data takes the walk, which checks for cycles. */
const MAX_DEPTH = 64;

/** Whether `data` is JSON as it is: no tag, no `toJSON`, nothing refused. */
export function isPlainJson(data: unknown, depth = 0): boolean {
  switch (typeof data) {
    case "string":
    case "boolean":
      return true;
    case "number":
      // -0 is tagged; NaN and the infinities are refused.
      return Number.isFinite(data) && (data !== 0 || 1 / data > 0);
    case "object":
      return data === null || (depth < MAX_DEPTH && isPlainContainer(data, depth + 1));
    default:
      return false;
  }
}

/** Whether an object chooses its own JSON form, as `JSON.stringify` asks it to. */
export function hasJsonForm(object: object): boolean {
  return typeof (object as { toJSON?: unknown }).toJSON === "function";
}

function isPlainContainer(object: object, depth: number): boolean {
  // What toJSON gives is checked the slow way, for arrays too.
  if (hasJsonForm(object)) return false;
  if (Array.isArray(object)) {
    // A subclass is refused the slow way (a null prototype is no subclass).
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Array.prototype && prototype !== null) return false;
    // A hole or undefined item is tagged.
    for (let i = 0; i < object.length; i++) if (!isPlainJson(object[i], depth)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(object);
  if (prototype !== Object.prototype && prototype !== null) return false;
  const record = object as Record<string, unknown>;
  for (const key in record) {
    const value = record[key];
    // JSON leaves out an undefined property, and for…in's inherited keys.
    if (value !== undefined && Object.hasOwn(record, key) && !isPlainJson(value, depth)) {
      return false;
    }
  }
  return true;
}
