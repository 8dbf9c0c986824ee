/**
 * Naming a place in a message's data for an error, as JavaScript would
 * write it: `data.files[2].name`, `data["odd key"]`.
 *
 * @module
 */

/** `text` followed by the step to `key`: `.name`, `[2]`, `["odd key"]`. */
export function appendKey(text: string, key: PropertyKey): string {
  if (typeof key === "number") return `${text}[${key}]`;
  if (typeof key === "symbol") return `${text}[${String(key)}]`;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${text}.${key}` : `${text}[${JSON.stringify(key)}]`;
}

/** The place `path` leads to from `data`, e.g. `data.files[2].name`. */
export function formatDataPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(appendKey, "data");
}
