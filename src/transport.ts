/**
 * The transport boundary: everything above it sees connections that carry
 * whole payloads; everything below it (sockets, framing, a message broker
 * one day) stays here. A transport knows nothing of actions or addresses.
 *
 * @module
 */

/** One two-way channel to another process, carrying whole payloads. */
export interface Connection extends AsyncIterable<readonly Uint8Array[]> {
  /**
   * Queues one payload, copying it. Payloads queued in the same tick leave
   * together.
   *
   * @returns `false` if the connection is closing or closed (nothing queued).
   */
  send(payload: Uint8Array): boolean;
  /**
   * Payloads as they arrive, in order, in batches; a payload is valid until
   * the next batch is requested. Ends when the connection closes; iterate
   * once.
   */
  [Symbol.asyncIterator](): AsyncIterator<readonly Uint8Array[]>;
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
  /** Settles when the connection is closed, with the error that closed it. */
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
   * Connects to the process listening at `endpoint`.
   *
   * @param endpoint The name the other process listens at.
   * @param maxFrameSize The largest payload to accept on the connection.
   */
  connect(endpoint: string, maxFrameSize: number): Promise<Connection>;
}
