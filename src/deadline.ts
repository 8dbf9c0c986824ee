/**
 * `deadline`: wait for a promise, but not forever.
 *
 * @module
 */

/**
 * Resolves or rejects as `promise` does, unless `ms` pass first; then it
 * rejects with the error `onTimeout` makes. The timer never outlives the call.
 *
 * @param promise What to wait for.
 * @param ms How long to wait, in ms.
 * @param onTimeout Makes the error to reject with.
 */
export async function deadline<T>(
  promise: Promise<T>,
  ms: number,
  onTimeout: () => Error,
): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
