/**
 * The bodies of the envelopes that carry no message (see `envelope.ts`):
 * the message number an ack or a bye confirms, the count a resume gives,
 * the reason and action a bounce gives, what an ENDED says. Each reader returns undefined for
 * a body of the wrong shape: it came from the broker, and is checked.
 *
 * @module
 */

import type { BounceDetails } from "../broker.ts";

const utf8 = new TextEncoder();

/** An ack's or a bye's body: the highest message number had, an `f64`. */
export function highestBody(seq: number): Uint8Array {
  const body = new Uint8Array(8);
  new DataView(body.buffer).setFloat64(0, seq);
  return body;
}

export function readHighest(body: Uint8Array): number | undefined {
  if (body.length !== 8) return undefined;
  return new DataView(body.buffer, body.byteOffset, 8).getFloat64(0);
}

/** A resume's body: how many messages the sender sent in `epoch` (`u32`, `f64`). */
export function resumeBody(epoch: number, sent: number): Uint8Array {
  const body = new Uint8Array(12);
  const view = new DataView(body.buffer);
  view.setUint32(0, epoch);
  view.setFloat64(4, sent);
  return body;
}

export function readResume(body: Uint8Array): { epoch: number; sent: number } | undefined {
  if (body.length !== 12) return undefined;
  const view = new DataView(body.buffer, body.byteOffset, 12);
  const sent = view.getFloat64(4);
  if (!Number.isSafeInteger(sent) || sent < 0) return undefined;
  return { epoch: view.getUint32(0), sent };
}

/**
 * A gap's body: the epoch its messages were numbered in (`u32`) and the
 * first number lost (`f64`), so that their sender can tell who sent them.
 * Empty for messages numbered before their sender forgot the receiver.
 */
export function gapBody(epoch: number, first: number): Uint8Array {
  return resumeBody(epoch, first);
}

export function readGap(body: Uint8Array): { epoch: number; first: number } | undefined {
  const read = readResume(body);
  return read && { epoch: read.epoch, first: read.sent };
}

/**
 * A bounce's body: JSON `{reason, action?, count?, away?, ended?}`; the
 * count only when it is not 1, `away` and `ended` only when true.
 */
export function bounceBody(reason: string, details: BounceDetails = {}): Uint8Array {
  const { action, count = 1, away, ended } = details;
  return utf8.encode(
    JSON.stringify({
      reason,
      action,
      count: count === 1 ? undefined : count,
      away: away || undefined,
      ended: ended || undefined,
    }),
  );
}

/**
 * A bounce's reason, action, count (when it stands for more than one
 * message), and whether its process was away, or ended; from a host
 * before actions were named, the reason as text.
 */
export function readBounce(body: Uint8Array): BounceDetails & { reason: string } {
  const text = new TextDecoder().decode(body);
  try {
    const { reason, action, count, away, ended } = JSON.parse(text);
    if (typeof reason === "string") {
      const read: BounceDetails & { reason: string } = {
        reason,
        action: typeof action === "string" ? action : undefined,
      };
      if (Number.isSafeInteger(count) && count > 1) read.count = count;
      if (away === true) read.away = true;
      if (ended === true) read.ended = true;
      return read;
    }
  } catch {
    // Text.
  }
  return { reason: text };
}

/**
 * An ENDED's body: JSON `{reason?, had?}`: why the process ended, when it
 * crashed; and the highest message number its host had had of the
 * receiver's (in the epoch in the envelope's `seq`), when it had any.
 */
export function endedBody(reason?: string, had?: number): Uint8Array {
  return utf8.encode(JSON.stringify({ reason, had }));
}

export function readEnded(body: Uint8Array): { reason?: string; had?: number } | undefined {
  try {
    const { reason, had } = JSON.parse(new TextDecoder().decode(body));
    if (reason !== undefined && typeof reason !== "string") return undefined;
    if (had !== undefined && !(Number.isSafeInteger(had) && had >= 0)) return undefined;
    return { reason, had };
  } catch {
    return undefined;
  }
}
