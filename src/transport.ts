/**
 * The transport boundary: everything above it sees connections that carry
 * whole payloads; everything below it (sockets, framing, a message broker
 * one day) stays here. A transport knows nothing of actions or addresses.
 *
 * @module
 */

/**
 * A payload as the layer above hands it over: UTF-8 bytes, or text that the
 * transport encodes to UTF-8 itself (straight into its send buffer, which
 * saves a copy of every large message).
 */
export type Payload = Uint8Array | string;

/** What `send` returns when the connection is closing or closed. */
export const CLOSED = -1;
/** What `send` returns when the payload would overfill the queue. */
export const FULL = -2;

/**
 * One two-way channel to another process, carrying whole payloads.
 *
 * Incoming payloads are pushed to one receiver rather than pulled: a read
 * loop that calls back costs no promise per batch.
 */
export interface Connection {
  /**
   * Queues one payload (bytes are copied). Payloads queued in the same tick
   * leave together.
   *
   * @param limit Refuse it if the queue would then hold more bytes than this.
   * @returns Its size in bytes; {@linkcode CLOSED} if the connection is
   * closing or closed, {@linkcode FULL} if over `limit` (nothing queued).
   */
  send(payload: Payload, limit?: number): number;
  /**
   * Starts delivering payloads, in order, in batches, to `receiver`; call
   * once. A payload is valid only during the call that delivers it. If the
   * receiver throws, the connection closes with that error.
   */
  receive(receiver: (payloads: readonly Uint8Array[]) => void): void;
  /** The largest payload accepted; a peer declaring more is cut off. */
  maxFrameSize: number;
  /** Bytes queued by `send` and not yet handed to the operating system. */
  readonly bufferedBytes: number;
  /**
   * Resolves once at most `limit` bytes are queued, or the connection
   * closed; at once if that is so now.
   */
  drained(limit: number): Promise<void>;
  /**
   * Closes the connection: at once when `reason` is given, else after the
   * queued payloads are written. Idempotent.
   */
  close(reason?: Error): void;
  /**
   * Settles once the connection is closed and its receiver has had every
   * payload, with the error that closed it, if any.
   */
  readonly closed: Promise<Error | undefined>;
}

/**
 * Accepts connections at one endpoint until closed. Failures to accept
 * (e.g. out of file descriptors) are passed to the `onError` given to
 * `listen`, and accepting goes on after a pause.
 */
export interface Acceptor extends AsyncIterable<Connection> {
  /** Stops accepting and frees the endpoint. Idempotent. */
  close(): void;
}

/**
 * A connection opened with {@linkcode Transport.dial}: it opens in the
 * background and writes its greeting first; what is sent meanwhile waits in
 * its queue (and counts against its limits) until {@linkcode admitted}.
 */
export interface DialedConnection extends Connection {
  /** Lets the waiting payloads go: call once the far end accepted the greeting. */
  admitted(): void;
}

/** Opens listeners and connections by endpoint name, e.g. `"w1"`. */
export interface Transport {
  /**
   * Starts accepting connections at `endpoint`.
   *
   * @param endpoint A short name unique in the cluster.
   * @param maxFrameSize The limit accepted connections start with.
   * @param onError Told of failures to accept; accepting goes on.
   */
  listen(
    endpoint: string,
    maxFrameSize: number,
    onError: (error: Error) => void,
  ): Promise<Acceptor>;
  /**
   * Connects to `endpoint` without waiting: the connection is usable at
   * once, and sends queue until it is open and admitted. If it cannot be
   * opened, it closes with the reason.
   *
   * @param endpoint The name the other process listens at.
   * @param maxFrameSize The largest payload to accept on the connection.
   * @param greeting The first payload, written as soon as the connection is open.
   */
  dial(endpoint: string, maxFrameSize: number, greeting: Payload): DialedConnection;
}
