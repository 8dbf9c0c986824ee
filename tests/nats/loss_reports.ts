/**
 * Counting what reports say was lost between hosts, for the tests that
 * check nothing is lost in silence. A loss is told to its sender by target
 * ("3 messages from worker 1 to worker 0 were not delivered: lost on the
 * way to host "b""), or, where the sender is not known any more, to the
 * manager as a count ("3 messages to host "b" were lost on the way").
 */

/** How many messages to `host` the reports among `messages` say were lost, either way. */
export function lostTo(host: string, messages: string[]): number {
  const name = JSON.stringify(host);
  const asCount = new RegExp(`^(\\d+) messages? to host ${name} (?:was|were) lost on the way$`);
  let lost = 0;
  for (const message of messages) {
    const count = asCount.exec(message);
    if (count) lost += Number(count[1]);
    else if (message.endsWith(`not delivered: lost on the way to host ${name}`)) {
      lost += messagesIn(message);
    }
  }
  return lost;
}

/** How many messages the reports among `messages` say were not delivered, for whatever reason. */
export function notDelivered(messages: string[]): number {
  return messages.filter((message) => / not delivered: /.test(message))
    .reduce((sum, message) => sum + messagesIn(message), 0);
}

/** How many messages one report speaks of: "3 messages from …", else one. */
function messagesIn(message: string): number {
  return Number(/^(\d+) messages /.exec(message)?.[1] ?? 1);
}
