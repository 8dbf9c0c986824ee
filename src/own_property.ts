/**
 * Setting an own property as JSON.parse makes one: `__proto__` included,
 * which an assignment would take as the prototype instead.
 *
 * @module
 */

/** Sets `key` on `object` as an own property, enumerable or not (as an error's `stack`). */
export function setOwn(object: object, key: PropertyKey, value: unknown, enumerable = true): void {
  Object.defineProperty(object, key, { value, enumerable, writable: true, configurable: true });
}
