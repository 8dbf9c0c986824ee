/**
 * `nextTask`: wait for the next turn of the event loop.
 *
 * @module
 */

/**
 * Resolves in a new task, after every microtask queued before it however
 * long their chain. A message to a fresh MessageChannel does this in tens
 * of microseconds, where `setTimeout(0)` takes milliseconds in Deno (and
 * several more the first time a process uses a timer).
 */
export function nextTask(): Promise<void> {
  return new Promise((resolve) => {
    // Made in a microtask: the first MessageChannel costs a process a
    // millisecond or so, which should not hold up what the caller queued.
    queueMicrotask(() => {
      const { port1, port2 } = new MessageChannel();
      port1.onmessage = () => {
        port1.close();
        port2.close();
        resolve();
      };
      port2.postMessage(null);
    });
  });
}
