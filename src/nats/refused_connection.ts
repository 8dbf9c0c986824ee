/**
 * A workaround for the NATS client under Deno's Node compatibility. When a
 * server refuses a connection (wrong credentials, say), the client rejects
 * `connect()` with the true reason and discards its socket, removing every
 * listener first; Deno then still emits that socket's `ECONNRESET` read
 * error, which, with no listener, is an uncaught error that ends the
 * process. So a refusal is passed on only once that reset has come and
 * been taken as handled (within a bound): the caller has the reason.
 *
 * @module
 */

/** How long after a refusal its stray reset may take to come, at most, in ms. */
const STRAY_RESET_WAIT = 1_000;

/** Awaits `connecting`; if the server refused, keeps the failed socket's stray reset from ending the process. */
export async function connectWithoutStrayReset<T>(connecting: () => Promise<T>): Promise<T> {
  const reset = Promise.withResolvers<void>();
  const swallow = (event: ErrorEvent) => {
    const error = event.error as { code?: unknown; syscall?: unknown } | null;
    if (error?.code !== "ECONNRESET" || error.syscall !== "read") return;
    event.preventDefault();
    reset.resolve();
  };
  globalThis.addEventListener("error", swallow);
  try {
    return await connecting();
  } catch (error) {
    if (refused(error)) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => timer = setTimeout(resolve, STRAY_RESET_WAIT));
      await Promise.race([reset.promise, late]);
      clearTimeout(timer);
    }
    throw error;
  } finally {
    globalThis.removeEventListener("error", swallow);
  }
}

/** Whether the server answered, and said no. */
function refused(error: unknown): boolean {
  return /authori[sz]|authenticat|permission/i.test(`${(error as Error)?.name} ${error}`);
}
