/**
 * Cleaning up when the manager's process ends abruptly: an uncaught
 * exception, an unhandled rejection, or `Deno.exit()`. Deno ends the
 * process right after these events, so the cleanup must be synchronous.
 *
 * @module
 */

/** The events Deno dispatches just before the process ends abruptly. */
const LAST_EVENTS = ["error", "unhandledrejection", "unload"] as const;

/**
 * Runs `cleanup` once if the process ends abruptly, until the returned
 * function is called. An error or rejection that a listener registered
 * earlier prevented (the process lives on) runs nothing.
 */
export function onAbruptExit(cleanup: () => void): () => void {
  let done = false;
  const listener = (event: Event) => {
    if (done || event.defaultPrevented) return;
    done = true;
    cleanup();
  };
  for (const type of LAST_EVENTS) globalThis.addEventListener(type, listener);
  return () => {
    for (const type of LAST_EVENTS) globalThis.removeEventListener(type, listener);
  };
}
