/**
 * Random identifiers.
 *
 * @module
 */

/** `bytes` random bytes from the system's secure source, as base64url. */
export function randomBase64url(bytes: number): string {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...random)).replace(/\+/g, "-").replace(/\//g, "_")
    .replace(/=+$/, "");
}
