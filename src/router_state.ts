/**
 * Where a process's router is in its life, one value, and what each state
 * means for the requests it makes: read by the router, which sets it, and
 * by its intake, which holds, dispatches or refuses by it.
 *
 * @module
 */

/**
 * Where a process is in its life: `holding` messages until it is ready,
 * `releasing` them (ready was called, the go-ahead is awaited), `ready`,
 * `stopping` (new requests are refused; messages still flow), `closing`
 * (open requests were cancelled; what still arrives before the endpoint has
 * closed is dispatched), `closed`.
 */
export type RouterState = "holding" | "releasing" | "ready" | "stopping" | "closing" | "closed";

/** Why no request may be made in `state`, if none may. */
export function refusalIn(state: RouterState): "closed" | "is stopping" | undefined {
  switch (state) {
    case "closing":
    case "closed":
      return "closed";
    case "stopping":
      return "is stopping";
    default:
      return undefined;
  }
}
