var __defProp = Object.defineProperty;
var __name = (target, value) => __defProp(target, "name", { value, configurable: true });

// src/address.ts
var MANAGER = "manager";
function describe(address) {
  if (typeof address === "number") return `worker ${address}`;
  if (address === MANAGER) return "the manager";
  return `service ${JSON.stringify(address)}`;
}
__name(describe, "describe");
function isAddress(value) {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 || typeof value === "string" && value.length > 0;
}
__name(isAddress, "isAddress");
function targetsOf(to, action) {
  const list = Array.isArray(to) ? to : [
    to
  ];
  for (const address of list) {
    if (!isAddress(address)) {
      throw new TypeError(`Cannot send "${action}" to ${JSON.stringify(address) ?? String(address)}: a target is a worker id (integer >= 0), a service name or MANAGER`);
    }
  }
  return list;
}
__name(targetsOf, "targetsOf");
function describeTarget(to) {
  if (to === void 0) return "every worker";
  if (!Array.isArray(to)) return describe(to);
  return to.length === 0 ? "nobody" : to.map(describe).join(", ");
}
__name(describeTarget, "describeTarget");

// src/action.ts
var REQUEST_SUFFIX = "Request";
function responseAction(action) {
  let response = responses.get(action);
  if (response === void 0) {
    const base = action.endsWith(REQUEST_SUFFIX) ? action.slice(0, -REQUEST_SUFFIX.length) : action;
    response = `${base}Response`;
    if (responses.size < RESPONSE_CACHE_LIMIT) responses.set(action, response);
  }
  return response;
}
__name(responseAction, "responseAction");
var RESPONSE_CACHE_LIMIT = 1024;
var responses = /* @__PURE__ */ new Map();
var CONTROL_PREFIX = "$";
function assertUserAction(action) {
  if (typeof action !== "string" || action.length === 0) {
    throw new TypeError(`An action is a non-empty string, got ${JSON.stringify(action) ?? String(action)}`);
  }
  if (action.startsWith(CONTROL_PREFIX)) {
    throw new TypeError(`Action "${action}" is reserved: names starting with "${CONTROL_PREFIX}" are Switchboard's own`);
  }
}
__name(assertUserAction, "assertUserAction");

// src/errors.ts
var SwitchboardError = class extends Error {
  static {
    __name(this, "SwitchboardError");
  }
  /**
   * Creates the error.
   *
   * @param message What went wrong, naming the action and the peer.
   * @param options `cause`, when another error led to this one.
   */
  constructor(message, options) {
    super(message, options);
    this.name = new.target.name;
  }
};
var TimeoutError = class extends SwitchboardError {
  static {
    __name(this, "TimeoutError");
  }
};
var RemoteError = class extends SwitchboardError {
  static {
    __name(this, "RemoteError");
  }
  /** The `name` of the error thrown on the remote side, e.g. `"TypeError"`. */
  remoteName;
  /** The `message` of the error thrown on the remote side. */
  remoteMessage;
  /** The stack of the error on the remote side, when it had one. */
  remoteStack;
  /**
   * Creates the error.
   *
   * @param message What failed, naming the action and the peer.
   * @param remote The name, message and stack of the remote error.
   * @param options `cause`, when another error led to this one.
   */
  constructor(message, remote, options) {
    super(message, options);
    this.remoteName = remote.name;
    this.remoteMessage = remote.message;
    if (remote.stack !== void 0) this.remoteStack = remote.stack;
  }
};
var NoHandlerError = class extends SwitchboardError {
  static {
    __name(this, "NoHandlerError");
  }
};
var UnreachableError = class extends SwitchboardError {
  static {
    __name(this, "UnreachableError");
  }
};
var FrameError = class extends SwitchboardError {
  static {
    __name(this, "FrameError");
  }
};
var ClosedError = class extends SwitchboardError {
  static {
    __name(this, "ClosedError");
  }
};
var QueueFullError = class extends SwitchboardError {
  static {
    __name(this, "QueueFullError");
  }
};

// src/frame.ts
var HEADER_SIZE = 4;
var MAX_LENGTH = 4294967295;
var BUFFER_SIZE = 64 * 1024;
var MAX_BUFFER_SIZE = 16 * 1024 * 1024 + HEADER_SIZE;
var SHRINK_AFTER_FRAMES = 16;
var KEEP_BUFFER_SIZE = 8 * 1024 * 1024;
var MIN_READ = 16 * 1024;
var NO_FRAMES = Object.freeze([]);
var EMPTY = new Uint8Array(0);
var FrameDecoder = class {
  static {
    __name(this, "FrameDecoder");
  }
  /** The largest payload accepted; a longer declared length is an error. */
  maxFrameSize;
  #buffer = EMPTY;
  #start = 0;
  #end = 0;
  /** A frame too large for any buffer we keep, being filled by reads. */
  #large = null;
  #largeFilled = 0;
  /** An error found after frames that were returned first. */
  #error;
  /** Frames in a row under a quarter of a grown buffer. */
  #smallFrames = 0;
  #frames = [];
  constructor(maxFrameSize) {
    this.maxFrameSize = maxFrameSize;
  }
  /** Bytes received but not yet returned as a frame. */
  get buffered() {
    return this.#large ? this.#largeFilled : this.#end - this.#start;
  }
  /**
   * Where the next read should write. Invalidates views returned earlier.
   *
   * @throws {FrameError} When the stream broke the limit after the frames
   * last returned.
   */
  space() {
    if (this.#error) throw this.#error;
    if (this.#large) return this.#large.subarray(this.#largeFilled);
    const size = Math.min(BUFFER_SIZE, HEADER_SIZE + this.maxFrameSize);
    if (this.#buffer.length < size) this.#moveTo(new Uint8Array(size));
    if (this.#start === this.#end) {
      const large = this.#buffer.length > KEEP_BUFFER_SIZE;
      if ((large || this.#smallFrames >= SHRINK_AFTER_FRAMES) && this.#buffer.length > size) {
        this.#buffer = new Uint8Array(size);
        this.#smallFrames = 0;
      }
      this.#start = this.#end = 0;
    } else if (this.#buffer.length - this.#end < Math.min(MIN_READ, this.#buffer.length / 4)) {
      this.#moveTo(this.#buffer);
    }
    return this.#buffer.subarray(this.#end);
  }
  /**
   * Records `count` bytes written into the last {@linkcode space} and
   * returns the frames they completed, in order. The list, like the views
   * in it, is valid until the next `space()`.
   *
   * @throws {FrameError} When a frame declares a length over
   * `maxFrameSize` and no frame came before it in these bytes (else the
   * frames are returned, and the next `space()` throws).
   */
  commit(count) {
    if (this.#large) {
      this.#largeFilled += count;
      if (this.#largeFilled < this.#large.length) return NO_FRAMES;
      const frame = this.#large;
      this.#large = null;
      return [
        frame
      ];
    }
    this.#end += count;
    return this.#collect();
  }
  #collect() {
    const buffer = this.#buffer;
    const frames = this.#frames;
    frames.length = 0;
    while (this.#end - this.#start >= HEADER_SIZE) {
      const start = this.#start;
      const length = readLength(buffer, start);
      if (length > this.maxFrameSize) {
        const error = new FrameError(`Frame of ${length} bytes is over the ${this.maxFrameSize}-byte limit`);
        if (frames.length === 0) throw error;
        this.#error = error;
        break;
      }
      const end = start + HEADER_SIZE + length;
      if (end <= this.#end) {
        frames.push(buffer.subarray(start + HEADER_SIZE, end));
        this.#start = end;
        if (HEADER_SIZE + length < buffer.length / 4) this.#smallFrames++;
        else this.#smallFrames = 0;
        continue;
      }
      const size = HEADER_SIZE + length;
      if (size > MAX_BUFFER_SIZE) this.#beginLarge(length);
      else if (size > buffer.length) {
        this.#moveTo(new Uint8Array(Math.max(size, buffer.length * 2)));
      }
      break;
    }
    return frames;
  }
  /** Moves the unread bytes to the front of `target`, which becomes the buffer. */
  #moveTo(target) {
    if (target === this.#buffer) target.copyWithin(0, this.#start, this.#end);
    else target.set(this.#buffer.subarray(this.#start, this.#end));
    this.#end -= this.#start;
    this.#start = 0;
    this.#buffer = target;
  }
  /** Moves the start of a frame that cannot fit the buffer into its own. */
  #beginLarge(length) {
    const bodyStart = this.#start + HEADER_SIZE;
    this.#large = new Uint8Array(length);
    this.#large.set(this.#buffer.subarray(bodyStart, this.#end));
    this.#largeFilled = this.#end - bodyStart;
    this.#start = this.#end = 0;
  }
};
function encodeFrame(payload) {
  const frame = new Uint8Array(HEADER_SIZE + payload.length);
  writeLength(frame, 0, payload.length);
  frame.set(payload, HEADER_SIZE);
  return frame;
}
__name(encodeFrame, "encodeFrame");
function writeLength(bytes, at, length) {
  bytes[at] = length >>> 24;
  bytes[at + 1] = length >>> 16;
  bytes[at + 2] = length >>> 8;
  bytes[at + 3] = length;
}
__name(writeLength, "writeLength");
function readLength(bytes, at) {
  return bytes[at] * 16777216 + (bytes[at + 1] << 16 | bytes[at + 2] << 8 | bytes[at + 3]);
}
__name(readLength, "readLength");

// src/layout.ts
var Layout = class {
  static {
    __name(this, "Layout");
  }
  /** How many workers: their ids are `0` to `workers - 1`. */
  workers;
  /** The service names, in the order their endpoints are numbered. */
  services;
  /** Every worker id, the default target. */
  workerIds;
  #serviceIndex;
  /**
   * @throws {TypeError} When the counts or names are invalid.
   */
  constructor(workers, services) {
    if (!Number.isInteger(workers) || workers < 0) {
      throw new TypeError(`"workers" must be an integer >= 0, got ${workers}`);
    }
    const index = /* @__PURE__ */ new Map();
    for (const name of services) {
      if (typeof name !== "string" || name.length === 0) {
        throw new TypeError(`A service name is a non-empty string, got ${JSON.stringify(name)}`);
      }
      if (name === MANAGER) {
        throw new TypeError(`A service cannot be named "${MANAGER}": that is the manager's address`);
      }
      if (index.has(name)) throw new TypeError(`Service "${name}" is listed twice`);
      index.set(name, index.size);
    }
    this.workers = workers;
    this.services = [
      ...index.keys()
    ];
    this.workerIds = Array.from({
      length: workers
    }, (_, id) => id);
    this.#serviceIndex = index;
  }
  /** Whether `address` names a process of this cluster. */
  has(address) {
    return typeof address === "number" ? Number.isInteger(address) && address >= 0 && address < this.workers : address === MANAGER || this.#serviceIndex.has(address);
  }
  /** Every child: the workers, then the services. */
  children() {
    return [
      ...this.workerIds,
      ...this.services
    ];
  }
  /**
   * The endpoint `address` listens at: `m`, `w<id>` or `s<index>`. Short and
   * free of the name's characters, so socket paths stay valid and short.
   *
   * @throws {RangeError} When the address is not in the layout.
   */
  endpoint(address) {
    if (!this.has(address)) throw new RangeError(`${describe(address)} is not in this cluster`);
    if (typeof address === "number") return `w${address}`;
    return address === MANAGER ? "m" : `s${this.#serviceIndex.get(address)}`;
  }
  /** Lists the members, for errors: `workers 0-2, services "logger", the manager`. */
  toString() {
    const parts = [
      this.workers === 0 ? "no workers" : this.workers === 1 ? "worker 0" : `workers 0-${this.workers - 1}`
    ];
    if (this.services.length > 0) {
      parts.push(`services ${this.services.map((name) => JSON.stringify(name)).join(", ")}`);
    }
    parts.push("the manager");
    return parts.join(", ");
  }
};

// src/next_task.ts
function nextTask() {
  return new Promise((resolve) => {
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
__name(nextTask, "nextTask");

// src/bootstrap.ts
var BOOTSTRAP_VERSION = 1;
var MAX_BOOTSTRAP_BYTES = 1024 * 1024;
var NEWLINE = 10;
var GO_AHEAD = new Uint8Array([
  46
]);
function encodeBootstrap(bootstrap) {
  return new TextEncoder().encode(`${JSON.stringify(bootstrap)}
`);
}
__name(encodeBootstrap, "encodeBootstrap");
async function readBootstrap(input = Deno.stdin) {
  if (input.isTerminal()) throw notAChild("stdin is a terminal");
  const buffer = new Uint8Array(MAX_BOOTSTRAP_BYTES);
  let length = 0;
  while (!buffer.subarray(0, length).includes(NEWLINE)) {
    if (length === buffer.length) throw notAChild("the first line of stdin is too long");
    const count = await input.read(buffer.subarray(length));
    if (count === null) throw notAChild("stdin ended without one");
    length += count;
  }
  const line = new TextDecoder().decode(buffer.subarray(0, buffer.indexOf(NEWLINE)));
  let bootstrap;
  try {
    bootstrap = JSON.parse(line);
  } catch (error) {
    throw notAChild("the first line of stdin is not JSON", error);
  }
  if (!isBootstrap(bootstrap)) {
    throw notAChild("the first line of stdin is not a Switchboard bootstrap of this version");
  }
  return bootstrap;
}
__name(readBootstrap, "readBootstrap");
async function readGoAhead(input = Deno.stdin) {
  const count = await input.read(new Uint8Array(1)).catch(() => null);
  if (count === null) await nextTask();
}
__name(readGoAhead, "readGoAhead");
function isBootstrap(value) {
  const b = value;
  return typeof b === "object" && b !== null && b.version === BOOTSTRAP_VERSION && typeof b.dir === "string" && isAddress(b.self) && typeof b.token === "string" && Number.isInteger(b.workers) && Array.isArray(b.services) && b.services.every((name) => typeof name === "string") && typeof b.maxFrameSize === "number" && typeof b.requestTimeout === "number" && typeof b.highWaterMark === "number" && typeof b.maxQueuedBytes === "number";
}
__name(isBootstrap, "isBootstrap");
function notAChild(why, cause) {
  return new SwitchboardError(`connect() found no bootstrap (${why}): run this module through Cluster.start()`, cause === void 0 ? void 0 : {
    cause
  });
}
__name(notAChild, "notAChild");

// src/deadline.ts
async function deadline(promise, ms, onTimeout) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([
      promise,
      expired
    ]);
  } finally {
    clearTimeout(timer);
  }
}
__name(deadline, "deadline");

// src/random.ts
function randomBase64url(bytes) {
  const random = crypto.getRandomValues(new Uint8Array(bytes));
  return btoa(String.fromCharCode(...random)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
__name(randomBase64url, "randomBase64url");

// src/handshake.ts
var HELLO = "$hello";
var WELCOME = "$welcome";
var READY = "$ready";
var STOP = "$stop";
var EVENT = "$event";
var HANDSHAKE_FRAME_LIMIT = 4096;
var HANDSHAKE_TIMEOUT = 1e4;
function readHello(message) {
  if (message.action !== HELLO) return void 0;
  const data = message.data;
  if (typeof data !== "object" || data === null) return void 0;
  if (!isAddress(data.from) || typeof data.token !== "string") return void 0;
  return {
    from: data.from,
    token: data.token
  };
}
__name(readHello, "readHello");
function newToken() {
  return randomBase64url(32);
}
__name(newToken, "newToken");
function tokensMatch(given, expected) {
  if (given.length !== expected.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i++) {
    difference |= given.charCodeAt(i) ^ expected.charCodeAt(i);
  }
  return difference === 0;
}
__name(tokensMatch, "tokensMatch");

// src/gate.ts
var MAX_HANDSHAKES = 64;
var REPORTS_PER_WINDOW = 10;
var REPORT_WINDOW = 1e4;
var Gate = class {
  static {
    __name(this, "Gate");
  }
  #router;
  #token;
  #refusal;
  /** Connections in their handshake, with their timer once timing started. */
  #waiting = /* @__PURE__ */ new Map();
  #timing = false;
  #windowStart = -Infinity;
  #reportedInWindow = 0;
  #unreported = 0;
  constructor(router, token, refusal) {
    this.#router = router;
    this.#token = token;
    this.#refusal = refusal;
  }
  /** Accepts connections until the acceptor closes. */
  async serve(acceptor) {
    for await (const connection of acceptor) this.#greet(connection);
  }
  /** Handles the first frame of a connection not yet admitted. */
  admit(link, message) {
    this.#clearTimer(link);
    const hello = readHello(message);
    if (!hello) return this.refuse(link, `it opened with "${message.action}", not a valid hello`);
    if (!tokensMatch(hello.token, this.#token)) return this.refuse(link, "its token is wrong");
    const problem = this.#refusal(hello.from);
    if (problem) return this.refuse(link, problem);
    this.#router.bind(link, hello.from);
    this.#router.sendControl(link, WELCOME, {});
  }
  /**
   * Starts timing handshakes out, those under way included. A child calls
   * this once it has joined: the first timer a Deno process makes costs it
   * milliseconds, which start-up should not pay.
   */
  startTiming() {
    if (this.#timing) return;
    this.#timing = true;
    for (const link of this.#waiting.keys()) this.#waiting.set(link, this.#timer(link));
  }
  /** Stops the handshake timers of connections still unadmitted. */
  close() {
    for (const timer of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
  }
  #greet(connection) {
    if (this.#waiting.size >= MAX_HANDSHAKES) {
      connection.close();
      this.#report(`${MAX_HANDSHAKES} connections are in their handshake already`);
      return;
    }
    const link = this.#router.attach(connection);
    this.#waiting.set(link, this.#timing ? this.#timer(link) : void 0);
    connection.closed.then(() => this.#clearTimer(link));
  }
  #timer(link) {
    return setTimeout(() => this.refuse(link, `no hello within ${HANDSHAKE_TIMEOUT} ms`), HANDSHAKE_TIMEOUT);
  }
  /** Closes a connection that has not been admitted, and reports why. */
  refuse(link, why) {
    this.#clearTimer(link);
    this.#router.drop(link);
    this.#report(why);
  }
  /** Reports a refusal; past the rate limit, counts it for a later report. */
  #report(why) {
    const now = performance.now();
    if (now - this.#windowStart > REPORT_WINDOW) {
      this.#windowStart = now;
      this.#reportedInWindow = 0;
    }
    if (this.#reportedInWindow >= REPORTS_PER_WINDOW) {
      this.#unreported++;
      return;
    }
    this.#reportedInWindow++;
    const more = this.#unreported > 0 ? ` (and ${this.#unreported} refusals before it, not reported one by one)` : "";
    this.#unreported = 0;
    this.#router.listeners.report(new FrameError(`Refused a connection to ${describe(this.#router.self)}: ${why}${more}`));
  }
  #clearTimer(link) {
    clearTimeout(this.#waiting.get(link));
    this.#waiting.delete(link);
  }
};

// src/permissions.ts
var KINDS = [
  "read",
  "write",
  "net",
  "env",
  "run",
  "sys",
  "ffi",
  "import"
];
function permissionFlags(sockets, granted = {}) {
  const flags = [];
  for (const kind of KINDS) {
    const base = kind === "read" || kind === "write" ? sockets : kind === "net" ? sockets.map((path) => `unix:${path}`) : [];
    const grant = granted[kind];
    if (grant === true) {
      flags.push(`--allow-${kind}`);
      continue;
    }
    const entries = [
      ...base,
      ...(grant || []).map(toFlagValue)
    ];
    for (const entry of entries) {
      if (entry.includes(",")) {
        throw new TypeError(`Cannot grant ${kind} access to "${entry}": it contains a comma`);
      }
    }
    if (entries.length > 0) flags.push(`--allow-${kind}=${entries.join(",")}`);
  }
  return flags;
}
__name(permissionFlags, "permissionFlags");
function toFlagValue(entry) {
  if (!(entry instanceof URL)) return entry;
  return entry.protocol === "file:" ? decodeURIComponent(entry.pathname) : entry.href;
}
__name(toFlagValue, "toFlagValue");

// src/restart_policy.ts
var DEFAULT_RESTART = {
  maxRestarts: 5,
  period: 6e4,
  backoff: 100,
  maxBackoff: 5e3
};
var RestartBudget = class {
  static {
    __name(this, "RestartBudget");
  }
  #policy;
  /** When recent restarts happened, oldest first. */
  #times = [];
  constructor(policy) {
    this.#policy = policy;
  }
  /**
   * Records that the child exited at `now` (ms) and decides.
   *
   * @returns The delay before restarting it, or undefined when it has been
   * restarted `maxRestarts` times within `period` and must stay down.
   */
  onExit(now) {
    const { maxRestarts, period, backoff, maxBackoff } = this.#policy;
    this.#times = this.#times.filter((time) => now - time < period);
    if (this.#times.length >= maxRestarts) return void 0;
    this.#times.push(now);
    return Math.min(maxBackoff, backoff * 2 ** (this.#times.length - 1));
  }
};

// src/json_check.ts
var FAST_DEPTH = 64;
var TOO_DEEP = Symbol("too deep");
function findUnencodable(data) {
  let found = walk(data, 0, void 0);
  if (found === TOO_DEEP) found = walk(data, 0, /* @__PURE__ */ new Set());
  if (found === void 0 || found === TOO_DEEP) return void 0;
  return `${formatPath(found.path.reverse())} is ${found.what}`;
}
__name(findUnencodable, "findUnencodable");
function walk(value, depth, ancestors) {
  switch (typeof value) {
    case "function":
      return {
        path: [],
        what: "a function"
      };
    case "symbol":
      return {
        path: [],
        what: "a symbol"
      };
    case "bigint":
      return {
        path: [],
        what: "a BigInt"
      };
    case "number":
      return Number.isFinite(value) ? void 0 : {
        path: [],
        what: String(value)
      };
    case "object":
      return value === null ? void 0 : walkObject(value, depth, ancestors);
    default:
      return void 0;
  }
}
__name(walk, "walk");
function walkObject(object, depth, ancestors) {
  if (ancestors === void 0) {
    if (depth >= FAST_DEPTH) return TOO_DEEP;
  } else if (ancestors.has(object)) {
    return {
      path: [],
      what: "circular (it contains itself)"
    };
  }
  if (!Array.isArray(object)) {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const special = describeSpecial(object);
      if (special !== void 0) return special ? {
        path: [],
        what: special
      } : void 0;
    }
  }
  ancestors?.add(object);
  try {
    if (Array.isArray(object)) {
      for (let i = 0; i < object.length; i++) {
        const found = walk(object[i], depth + 1, ancestors);
        if (found === void 0) continue;
        if (found !== TOO_DEEP) found.path.push(i);
        return found;
      }
      return void 0;
    }
    const record = object;
    for (const key in record) {
      const found = walk(record[key], depth + 1, ancestors);
      if (found === void 0 || !Object.hasOwn(record, key)) continue;
      if (found !== TOO_DEEP) found.path.push(key);
      return found;
    }
    return void 0;
  } finally {
    ancestors?.delete(object);
  }
}
__name(walkObject, "walkObject");
function describeSpecial(object) {
  if (typeof object.toJSON === "function") return "";
  if (object instanceof Map) return "a Map";
  if (object instanceof Set) return "a Set";
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer) {
    return `a ${object.constructor.name} (use Array.from or base64)`;
  }
  return void 0;
}
__name(describeSpecial, "describeSpecial");
function formatPath(path) {
  let text = "data";
  for (const step of path) {
    text += typeof step === "number" ? `[${step}]` : /^[A-Za-z_$][\w$]*$/.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return text;
}
__name(formatPath, "formatPath");

// src/codec.ts
var SCRATCH_SIZE = 64 * 1024;
var SCRATCH_LIMIT = 1024 * 1024;
var utf8 = new TextEncoder();
var lenient = new TextDecoder();
var strict = new TextDecoder("utf-8", {
  fatal: true
});
var scratch = new Uint8Array(SCRATCH_SIZE);
function encodeMessage(message, maxFrameSize, to) {
  const problem = findUnencodable(message.data);
  if (problem) throw cannotSend(message.action, to, problem);
  let text;
  try {
    text = JSON.stringify(message);
  } catch (error) {
    throw cannotSend(message.action, to, describeJsonError(error), error);
  }
  if (text.length * 3 <= maxFrameSize) return text;
  const bytes = toUtf8(text);
  if (bytes.length > maxFrameSize) {
    throw new FrameError(`Cannot send "${message.action}" to ${describeTarget(to)}: the message is ${bytes.length} bytes, over the ${maxFrameSize}-byte limit (maxFrameSize)`);
  }
  return bytes;
}
__name(encodeMessage, "encodeMessage");
function toBytes(payload) {
  return typeof payload === "string" ? toUtf8(payload) : payload;
}
__name(toBytes, "toBytes");
function decodeMessage(payload, from) {
  let text = lenient.decode(payload);
  if (text.includes("\uFFFD")) {
    try {
      text = strict.decode(payload);
    } catch (error) {
      throw badFrame(from, "it is not valid UTF-8", error);
    }
  }
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw badFrame(from, "it is not valid JSON", error);
  }
  const shapeProblem = checkShape(value);
  if (shapeProblem) throw badFrame(from, shapeProblem);
  return value;
}
__name(decodeMessage, "decodeMessage");
function toWireError(thrown) {
  try {
    if (!(thrown instanceof Error)) return {
      name: "Error",
      message: String(thrown)
    };
    const wire = {
      name: String(thrown.name),
      message: String(thrown.message)
    };
    const stack = thrown.stack;
    if (typeof stack === "string") wire.stack = stack;
    return wire;
  } catch {
    return {
      name: "Error",
      message: "an error that cannot be read"
    };
  }
}
__name(toWireError, "toWireError");
function toUtf8(text) {
  if (text.length * 3 <= scratch.length) {
    return scratch.subarray(0, utf8.encodeInto(text, scratch).written);
  }
  if (text.length * 3 <= SCRATCH_LIMIT * 3) {
    scratch = new Uint8Array(text.length * 3);
    return scratch.subarray(0, utf8.encodeInto(text, scratch).written);
  }
  const exact = new Uint8Array(text.length);
  const { read, written } = utf8.encodeInto(text, exact);
  if (read === text.length) return exact.subarray(0, written);
  const roomy = new Uint8Array(text.length * 3);
  return roomy.subarray(0, utf8.encodeInto(text, roomy).written);
}
__name(toUtf8, "toUtf8");
function describeJsonError(error) {
  const message = error instanceof Error ? error.message : String(error);
  if (/bigint/i.test(message)) return "data holds a BigInt";
  if (/circular/i.test(message)) return "data holds a cycle";
  return message;
}
__name(describeJsonError, "describeJsonError");
function cannotSend(action, to, problem, cause) {
  return new FrameError(`Cannot send "${action}" to ${describeTarget(to)}: ${problem}, which JSON cannot carry`, cause === void 0 ? void 0 : {
    cause
  });
}
__name(cannotSend, "cannotSend");
function badFrame(from, problem, cause) {
  return new FrameError(`Bad frame from ${typeof from === "string" ? from : from.name}: ${problem}`, cause === void 0 ? void 0 : {
    cause
  });
}
__name(badFrame, "badFrame");
function checkShape(value) {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return "it is not a JSON object";
  }
  const message = value;
  if (typeof message.action !== "string" || message.action.length === 0) {
    return 'its "action" is not a non-empty string';
  }
  if (message.messageId !== void 0 && typeof message.messageId !== "string") {
    return 'its "messageId" is not a string';
  }
  if (message.re !== void 0 && message.re !== true) {
    return 'its "re" is not true';
  }
  if (message.error !== void 0) {
    const error = message.error;
    if (typeof error !== "object" || error === null || typeof error.name !== "string" || typeof error.message !== "string" || error.stack !== void 0 && typeof error.stack !== "string") {
      return 'its "error" is not an object with string "name" and "message"';
    }
  }
  return void 0;
}
__name(checkShape, "checkShape");

// src/link.ts
var Link = class {
  static {
    __name(this, "Link");
  }
  /** Who is at the other end; undefined until the handshake names them. */
  address;
  /** Set when the link was closed for breaking the protocol. */
  dropped = false;
  /** The transport connection. */
  connection;
  #messagesIn = 0;
  #messagesOut = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  constructor(connection, address) {
    this.connection = connection;
    this.address = address;
  }
  /** Names the other end for messages. */
  get name() {
    return this.address === void 0 ? "an unidentified peer" : describe(this.address);
  }
  /**
   * Sends one payload, unless the queue would then hold more than `limit`
   * bytes.
   *
   * @returns Its size in bytes, or the connection's `CLOSED` or `FULL`.
   */
  send(payload, limit) {
    const size = this.connection.send(payload, limit);
    if (size < 0) return size;
    this.#messagesOut++;
    this.#bytesOut += HEADER_SIZE + size;
    return size;
  }
  /** Counts one payload received. */
  received(payload) {
    this.#messagesIn++;
    this.#bytesIn += HEADER_SIZE + payload.length;
  }
  /** The traffic so far. */
  stats() {
    return {
      peer: this.address,
      messagesIn: this.#messagesIn,
      messagesOut: this.#messagesOut,
      bytesIn: this.#bytesIn,
      bytesOut: this.#bytesOut,
      bytesQueued: this.connection.bufferedBytes
    };
  }
};

// src/callbacks.ts
var Callbacks = class {
  static {
    __name(this, "Callbacks");
  }
  #list = [];
  /** The listeners now, in order. */
  get list() {
    return this.#list;
  }
  /** How many listeners there are. */
  get size() {
    return this.#list.length;
  }
  /** Adds a listener; returns the function that removes it, once. */
  add(listener) {
    this.#list = [
      ...this.#list,
      listener
    ];
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      const index = this.#list.indexOf(listener);
      if (index !== -1) this.#list = this.#list.toSpliced(index, 1);
    };
  }
};

// src/listeners.ts
var Listeners = class {
  static {
    __name(this, "Listeners");
  }
  #self;
  #byAction = /* @__PURE__ */ new Map();
  #handlers = /* @__PURE__ */ new Map();
  #any = new Callbacks();
  #errors = new Callbacks();
  #lifecycle = new Callbacks();
  #stop = new Callbacks();
  constructor(self) {
    this.#self = self;
  }
  /** The listeners for `action`, if it has any. */
  forAction(action) {
    return this.#byAction.get(action)?.list;
  }
  /** The handler for `action`, if it has one. */
  handlerFor(action) {
    return this.#handlers.get(action);
  }
  /** The catch-all listeners. */
  get any() {
    return this.#any.list;
  }
  /** Adds a listener for one action; returns its remover. */
  on(action, listener) {
    assertUserAction(action);
    assertFunction(listener, `on("${action}")`);
    let callbacks = this.#byAction.get(action);
    if (!callbacks) this.#byAction.set(action, callbacks = new Callbacks());
    const remove = callbacks.add(listener);
    return () => {
      remove();
      if (callbacks.size === 0 && this.#byAction.get(action) === callbacks) {
        this.#byAction.delete(action);
      }
    };
  }
  /**
   * Sets the handler for one action; returns its remover.
   *
   * @throws {Error} When the action has a handler already.
   */
  handle(action, handler) {
    assertUserAction(action);
    assertFunction(handler, `handle("${action}")`);
    if (this.#handlers.has(action)) {
      throw new Error(`"${action}" already has a handler in ${describe(this.#self)}; remove it first`);
    }
    this.#handlers.set(action, handler);
    return () => {
      if (this.#handlers.get(action) === handler) this.#handlers.delete(action);
    };
  }
  /** Adds a catch-all listener; returns its remover. */
  onAny(listener) {
    assertFunction(listener, "onAny()");
    return this.#any.add(listener);
  }
  /** Adds an error listener; returns its remover. */
  onError(listener) {
    assertFunction(listener, "onError()");
    return this.#errors.add(listener);
  }
  /** Adds a lifecycle listener; returns its remover. */
  onLifecycle(listener) {
    assertFunction(listener, "onLifecycle()");
    return this.#lifecycle.add(listener);
  }
  /** Adds a stop handler; returns its remover. */
  onStop(handler) {
    assertFunction(handler, "onStop()");
    return this.#stop.add(handler);
  }
  /**
   * Reports an error no caller can be given: to the error listeners, or to
   * the console when there are none, so that it is never lost.
   */
  report(error) {
    if (this.#errors.size === 0) {
      console.error(error);
      return;
    }
    for (const listener of this.#errors.list) {
      try {
        listener(error);
      } catch (thrown) {
        console.error(thrown);
      }
    }
  }
  /** Tells the lifecycle listeners; what they throw is reported. */
  lifecycle(event) {
    for (const listener of this.#lifecycle.list) {
      try {
        listener(event);
      } catch (thrown) {
        this.report(asError(thrown, `A lifecycle listener threw on "${event.type}"`));
      }
    }
  }
  /** Runs the stop handlers together and waits for them; failures are reported. */
  async stopping() {
    await Promise.all(this.#stop.list.map(async (handler) => {
      try {
        await handler();
      } catch (thrown) {
        this.report(asError(thrown, "A stop handler failed"));
      }
    }));
  }
};
function assertFunction(value, where) {
  if (typeof value !== "function") {
    throw new TypeError(`${where} needs a function, got ${typeof value}`);
  }
}
__name(assertFunction, "assertFunction");
function asError(thrown, context) {
  const error = thrown instanceof Error ? thrown : new Error(String(thrown));
  return new SwitchboardError(`${context}: ${error.message}`, {
    cause: error
  });
}
__name(asError, "asError");

// src/drain_waiters.ts
var DrainWaiters = class {
  static {
    __name(this, "DrainWaiters");
  }
  #waiters = [];
  /** Resolves once the queue holds at most `limit` bytes; at once if it does now. */
  wait(queued, limit) {
    if (queued <= limit) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers();
    this.#waiters.push({
      limit,
      resolve
    });
    return promise;
  }
  /** Tells the waiters the queue now holds `queued` bytes. */
  update(queued) {
    if (this.#waiters.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => {
      if (queued > waiter.limit) return true;
      waiter.resolve();
      return false;
    });
  }
  /** Resolves every waiter: the queue will never drain, it is gone. */
  releaseAll() {
    this.update(0);
  }
};

// src/transport.ts
var CLOSED = -1;
var FULL = -2;

// src/loopback.ts
var utf82 = new TextEncoder();
var LoopbackConnection = class {
  static {
    __name(this, "LoopbackConnection");
  }
  maxFrameSize = Infinity;
  #queue = [];
  #queuedBytes = 0;
  #wake;
  #drainWaiters = new DrainWaiters();
  #open = true;
  #closed = Promise.withResolvers();
  get bufferedBytes() {
    return this.#queuedBytes;
  }
  get closed() {
    return this.#closed.promise;
  }
  drained(limit) {
    return this.#drainWaiters.wait(this.#queuedBytes, limit);
  }
  send(payload, limit = Infinity) {
    if (!this.#open) return CLOSED;
    const bytes = typeof payload === "string" ? utf82.encode(payload) : payload.slice();
    if (this.#queuedBytes + HEADER_SIZE + bytes.length > limit) return FULL;
    this.#queue.push(bytes);
    this.#queuedBytes += HEADER_SIZE + bytes.length;
    this.#wake?.();
    return bytes.length;
  }
  close() {
    this.#open = false;
    this.#wake?.();
  }
  receive(receiver) {
    this.#deliver(receiver);
  }
  async #deliver(receiver) {
    try {
      while (this.#open || this.#queue.length > 0) {
        if (this.#queue.length === 0) {
          await new Promise((resolve) => this.#wake = resolve);
          this.#wake = void 0;
          continue;
        }
        const batch = this.#queue;
        this.#queue = [];
        this.#queuedBytes = 0;
        this.#drainWaiters.update(0);
        receiver(batch);
      }
    } finally {
      this.#open = false;
      this.#drainWaiters.releaseAll();
      this.#closed.resolve(void 0);
    }
  }
};

// src/message.ts
var linkOf;
var ReceivedMessage = class {
  static {
    __name(this, "ReceivedMessage");
  }
  /** The action. */
  action;
  /** The data. */
  data;
  /** The sender's address. */
  from;
  /** The request's id, when the message is a request or a response. */
  messageId;
  #replier;
  #link;
  #isRequest;
  constructor(replier, link, message, isRequest) {
    this.action = message.action;
    this.data = message.data;
    this.from = link.address;
    this.messageId = message.messageId;
    this.#replier = replier;
    this.#link = link;
    this.#isRequest = isRequest;
  }
  static {
    linkOf = /* @__PURE__ */ __name((message) => message.#link, "linkOf");
  }
  /** Whether the sender waits for a response (it sent a messageId). */
  get isRequest() {
    return this.#isRequest;
  }
  /**
   * Answers the sender (see {@linkcode Replier.replyTo}); to a request, the
   * answer carries its messageId back.
   */
  reply(action, data) {
    assertUserAction(action);
    return this.#replier.replyTo(this.#link, this, {
      action,
      data
    });
  }
};

// src/pending.ts
var MAX_DELAY = 2 ** 31 - 1;
var TIMED_OUT = Symbol("timed out");
var PendingRequests = class {
  static {
    __name(this, "PendingRequests");
  }
  #entries = /* @__PURE__ */ new Map();
  #timer;
  /** When the armed timer fires; Infinity when none is armed. */
  #timerAt = Infinity;
  /** How many requests wait for an answer. */
  get size() {
    return this.#entries.size;
  }
  /**
   * Waits for the answer to the request sent with `messageId`.
   *
   * @returns The data of the response.
   */
  open(messageId, spec) {
    const { promise, resolve, reject } = Promise.withResolvers();
    const deadline2 = performance.now() + spec.timeout;
    const entry = {
      action: spec.action,
      responseAction: spec.responseAction,
      target: spec.target,
      timeout: spec.timeout,
      signal: spec.signal,
      resolve,
      reject,
      deadline: deadline2,
      onAbort: void 0
    };
    this.#entries.set(messageId, entry);
    if (deadline2 < this.#timerAt) this.#arm(deadline2);
    if (spec.signal) {
      const signal = spec.signal;
      entry.onAbort = () => this.#settle(messageId, entry, signal.reason);
      signal.addEventListener("abort", entry.onAbort, {
        once: true
      });
    }
    return promise;
  }
  /**
   * Settles the request `message` answers, if any: a message from the
   * request's target, of the response action, whose messageId (or
   * `data.messageId`, for responses written by hand) names the request.
   *
   * @returns Whether a request was settled.
   */
  answer(message, from) {
    const messageId = message.messageId ?? messageIdInData(message.data);
    if (messageId === void 0) return false;
    const entry = this.#entries.get(messageId);
    if (!entry || entry.responseAction !== message.action || entry.target !== from) return false;
    const error = message.error;
    if (error === void 0) {
      this.#settle(messageId, entry, void 0, message.data);
    } else if (error.name === NoHandlerError.name) {
      this.#settle(messageId, entry, new NoHandlerError(`Request "${entry.action}" to ${describe(from)} failed: it has no handler for "${entry.action}"`));
    } else {
      this.#settle(messageId, entry, new RemoteError(`Request "${entry.action}" to ${describe(from)} failed: ${error.name}: ${error.message}`, error));
    }
    return true;
  }
  /** Rejects every request waiting on `target`, with the error `reason` makes. */
  failTarget(target, reason) {
    for (const [messageId, entry] of this.#entries) {
      if (entry.target === target) this.#settle(messageId, entry, reason(entry));
    }
  }
  /** Rejects every open request, with the error `reason` makes. */
  failAll(reason) {
    for (const [messageId, entry] of this.#entries) {
      this.#settle(messageId, entry, reason(entry));
    }
  }
  /** Stops the timer; for when the owner closes, after `failAll`. */
  close() {
    clearTimeout(this.#timer);
    this.#timer = void 0;
    this.#timerAt = Infinity;
  }
  #arm(at) {
    clearTimeout(this.#timer);
    this.#timerAt = at;
    const delay = Math.min(MAX_DELAY, Math.max(0, Math.ceil(at - performance.now())));
    this.#timer = setTimeout(() => this.#expire(), delay);
  }
  #expire() {
    this.#timer = void 0;
    this.#timerAt = Infinity;
    const now = performance.now();
    let next = Infinity;
    for (const [messageId, entry] of this.#entries) {
      if (entry.deadline <= now) this.#settle(messageId, entry, TIMED_OUT);
      else if (entry.deadline < next) next = entry.deadline;
    }
    if (next < Infinity) this.#arm(next);
  }
  #settle(messageId, entry, error, data) {
    if (this.#entries.get(messageId) !== entry) return;
    this.#entries.delete(messageId);
    if (entry.onAbort) entry.signal.removeEventListener("abort", entry.onAbort);
    if (error === void 0) entry.resolve(data);
    else entry.reject(error);
  }
};
function messageIdInData(data) {
  if (typeof data !== "object" || data === null) return void 0;
  const messageId = data.messageId;
  return typeof messageId === "string" ? messageId : void 0;
}
__name(messageIdInData, "messageIdInData");

// src/router.ts
var CLOSE_TIMEOUT = 2e3;
var Router = class {
  static {
    __name(this, "Router");
  }
  /** This process's address. */
  self;
  /** The cluster's processes. */
  layout;
  /** The largest frame to send or accept. */
  maxFrameSize;
  /** The default request timeout, in ms. */
  requestTimeout;
  /** What this process listens with. */
  listeners;
  #options;
  /** The link to send on, by address. */
  #links = /* @__PURE__ */ new Map();
  /**
   * Further links to an address that has one: when two processes dialed
   * each other at once. Each carries what its dialer sends; this process
   * reads them but sends on its link in `#links` only, and a spare takes
   * over if that one closes.
   */
  #spares = /* @__PURE__ */ new Set();
  #loopback;
  #pumps = /* @__PURE__ */ new Set();
  #unbound = /* @__PURE__ */ new Set();
  #pending = new PendingRequests();
  /** Messages that arrived before the process was ready; null once ready. */
  #held = [];
  /**
   * Makes messageIds unique across the cluster without coordination; made
   * on first use, as the random source costs a new process time to start.
   */
  #idPrefix;
  #nextId = 0;
  #handlersRunning = 0;
  #handlersSettled;
  #closing;
  #stopping = false;
  #readying = false;
  constructor(options) {
    this.self = options.self;
    this.layout = options.layout;
    this.maxFrameSize = options.maxFrameSize;
    this.requestTimeout = options.requestTimeout;
    this.listeners = new Listeners(options.self);
    this.#options = options;
    this.#loopback = new Link(new LoopbackConnection(), options.self);
    this.#pump(this.#loopback);
  }
  /** Whether {@linkcode close} was called. */
  get closing() {
    return this.#closing !== void 0;
  }
  /**
   * From now on, refuses new requests with `ClosedError`; requests already
   * sent may still be answered. For a graceful stop.
   */
  refuseNewRequests() {
    this.#stopping = true;
  }
  /** The addresses with an open link, this process not included. */
  connected() {
    return [
      ...this.#links.keys()
    ];
  }
  /** Adopts a connection and starts reading it. */
  attach(connection, address) {
    const link = new Link(connection);
    if (this.#closing) {
      connection.close();
    } else if (address === void 0) {
      this.#unbound.add(link);
    } else {
      this.bind(link, address);
    }
    this.#pump(link);
    return link;
  }
  /**
   * Names the process at the other end of `link`. If the address has a
   * link already (it dialed us as we dialed it), that one stays the link
   * to send on and this one becomes a spare.
   */
  bind(link, address) {
    this.#unbound.delete(link);
    link.address = address;
    link.connection.maxFrameSize = this.maxFrameSize;
    const current = this.#links.get(address);
    if (current === void 0) this.#links.set(address, link);
    else if (current !== link) this.#spares.add(link);
  }
  /** The link to `address`, this process's own included. */
  link(address) {
    return this.#linkTo(address);
  }
  /** Closes a link that broke the protocol, and reports `error`, if given. */
  drop(link, error) {
    link.dropped = true;
    link.connection.close(error);
    if (error) this.listeners.report(error);
  }
  /** Sends a control frame on one link. */
  sendControl(link, action, data) {
    return link.send(encodeMessage({
      action,
      data
    }, this.maxFrameSize, link.address)) >= 0;
  }
  /**
   * Marks the process ready: the owner is told at once; the messages held
   * so far are dispatched in a later task (the owner's, or the next), after
   * the caller's code that follows, and later ones as they come. Idempotent.
   */
  ready() {
    if (this.#held === null || this.#readying || this.#closing) return;
    this.#readying = true;
    (this.#options.onReady?.() ?? nextTask()).then(() => {
      const held = this.#held;
      this.#held = null;
      for (const [link, message] of held ?? []) this.#dispatch(link, message);
    });
  }
  /**
   * Sends a message; returns to how many processes it was handed.
   *
   * @throws {QueueFullError} When a target's queue is full; nothing is sent.
   */
  sendMessage(action, data, to) {
    assertUserAction(action);
    if (isAddress(to)) {
      const payload2 = encodeMessage({
        action,
        data
      }, this.maxFrameSize, to);
      const link = this.#sendLink(to);
      return link && this.#send(link, payload2, action) >= 0 ? 1 : 0;
    }
    const targets = to === void 0 ? this.layout.workerIds : [
      ...new Set(targetsOf(to, action))
    ];
    const payload = encodeMessage({
      action,
      data
    }, this.maxFrameSize, to);
    if (targets.length === 1) {
      const link = this.#sendLink(targets[0]);
      return link && this.#send(link, payload, action) >= 0 ? 1 : 0;
    }
    const bytes = toBytes(payload);
    const links = [];
    for (const target of targets) {
      const link = this.#sendLink(target);
      if (!link) continue;
      const queued = link.connection.bufferedBytes;
      if (queued + HEADER_SIZE + bytes.length > this.#options.maxQueuedBytes) {
        throw this.#queueFull(link, action, queued);
      }
      links.push(link);
    }
    let handed = 0;
    for (const link of links) if (link.send(bytes) >= 0) handed++;
    return handed;
  }
  /** Sends a request and resolves with the data of its response. */
  async request(action, data, options) {
    const timeout = options?.timeout ?? this.requestTimeout;
    assertUserAction(action);
    if (options?.to === void 0) {
      throw new TypeError(`Request "${action}" needs a target: pass { to }`);
    }
    const { to, signal } = options;
    if (Array.isArray(to)) {
      throw new TypeError(`Request "${action}" takes one target; use requestAll() for several`);
    }
    if (!isAddress(to)) targetsOf(to, action);
    if (typeof timeout !== "number" || !(timeout >= 0)) {
      throw new TypeError(`Request "${action}" has an invalid timeout: ${timeout}`);
    }
    if (signal?.aborted) throw signal.reason;
    if (this.#closing) throw this.#closedError(action, to, void 0);
    if (this.#stopping) throw this.#closedError(action, to, void 0, "is stopping");
    this.#idPrefix ??= `${randomBase64url(6)}.`;
    const messageId = `${this.#idPrefix}${(this.#nextId++).toString(36)}`;
    const payload = encodeMessage({
      action,
      data,
      messageId
    }, this.maxFrameSize, to);
    const link = this.#sendLink(to);
    if (!link || this.#send(link, payload, action) < 0) throw this.#unreachable(action, to);
    const answer = this.#pending.open(messageId, {
      action,
      responseAction: responseAction(action),
      target: to,
      timeout,
      signal
    });
    try {
      return await answer;
    } catch (error) {
      if (error === TIMED_OUT) {
        throw new TimeoutError(`Request "${action}" to ${describe(to)} timed out after ${timeout} ms`);
      }
      throw error;
    }
  }
  /** Asks many targets; resolves with each one's answer or error, in order. */
  requestAll(action, data, options = {}) {
    let targets;
    try {
      assertUserAction(action);
      targets = options.to === void 0 ? this.layout.workerIds : targetsOf(options.to, action);
    } catch (error) {
      return Promise.reject(error);
    }
    const { timeout, signal } = options;
    return Promise.all(targets.map((to) => this.request(action, data, {
      to,
      timeout,
      signal
    }).then((data2) => ({
      from: to,
      data: data2
    }), (error) => ({
      from: to,
      error
    }))));
  }
  /** Resolves once the queues to `to` (default: every peer) are at most the high-water mark. */
  async drain(to) {
    const links = to === void 0 ? [
      ...this.#links.values(),
      ...this.#spares,
      this.#loopback
    ] : targetsOf(to, "drain").map((target) => this.#linkTo(target));
    await Promise.all(links.map((link) => link?.connection.drained(this.#options.highWaterMark)));
  }
  /** The traffic and the open work, for `stats()`. */
  stats() {
    return {
      id: this.self,
      pendingRequests: this.#pending.size,
      handlersRunning: this.#handlersRunning,
      connections: [
        ...this.#links.values(),
        ...this.#spares
      ].map((link) => link.stats())
    };
  }
  /** Resolves once no handler's promise is still running. */
  handlersSettled() {
    if (this.#handlersRunning === 0) return Promise.resolve();
    this.#handlersSettled ??= Promise.withResolvers();
    return this.#handlersSettled.promise;
  }
  /**
   * Answers a received message (see {@linkcode ReceivedMessage.reply}): on
   * the link this process sends to the sender on, so that everything it
   * sends to one process stays in order even when two links join them; on
   * the link the message came on when it has no other.
   */
  replyTo(link, to, reply) {
    if (to.isRequest) {
      reply.messageId = to.messageId;
      reply.re = true;
    }
    const payload = encodeMessage(reply, this.maxFrameSize, link.address);
    const via = link.address !== void 0 && this.#linkTo(link.address) || link;
    return this.#send(via, payload, reply.action) >= 0;
  }
  /** How many links join this process to `address`: 0, 1, or 2 when both dialed. */
  linkCount(address) {
    let count = this.#links.has(address) ? 1 : 0;
    for (const spare of this.#spares) if (spare.address === address) count++;
    return count;
  }
  /**
   * Closes every link and rejects every open request; `reason` becomes
   * their `cause`. Queued frames are still written. Idempotent.
   */
  close(reason) {
    this.#closing ??= this.#shutDown(reason);
    return this.#closing;
  }
  async #shutDown(reason) {
    this.#held = null;
    this.#pending.failAll((spec) => this.#closedError(spec.action, spec.target, reason));
    this.#pending.close();
    const links = [
      this.#loopback,
      ...this.#links.values(),
      ...this.#spares,
      ...this.#unbound
    ];
    for (const link of links) link.connection.close();
    const giveUp = setTimeout(() => {
      for (const link of links) {
        link.connection.close(new ClosedError(`Closed the connection to ${link.name} with ${link.connection.bufferedBytes} bytes unsent: it stopped reading`));
      }
    }, CLOSE_TIMEOUT);
    while (this.#pumps.size > 0) await Promise.all(this.#pumps);
    clearTimeout(giveUp);
  }
  #pump(link) {
    const pump = this.#read(link).finally(() => this.#pumps.delete(pump));
    this.#pumps.add(pump);
  }
  async #read(link) {
    link.connection.receive((frames) => {
      for (const frame of frames) {
        link.received(frame);
        try {
          this.#receive(link, frame);
        } catch (error) {
          this.listeners.report(error instanceof Error ? error : new Error(String(error)));
          link.dropped = true;
          link.connection.close(error instanceof Error ? error : void 0);
        }
        if (link.dropped) return;
      }
    });
    const reason = await link.connection.closed;
    if (reason instanceof FrameError && !link.dropped) {
      this.#badFrame(link, new FrameError(`Bad frame from ${link.name}: ${reason.message}`, {
        cause: reason
      }));
    }
    this.#unbound.delete(link);
    const address = link.address;
    if (address === void 0) return;
    if (this.#spares.delete(link)) return this.#failRequestsTo(address, reason);
    if (this.#links.get(address) !== link) return;
    this.#links.delete(address);
    this.#failRequestsTo(address, reason);
    const spare = [
      ...this.#spares
    ].find((other) => other.address === address);
    if (spare) {
      this.#spares.delete(spare);
      this.#links.set(address, spare);
      return;
    }
    this.#options.onLinkClosed?.(address, reason);
  }
  #receive(link, frame) {
    let message;
    try {
      message = decodeMessage(frame, link);
    } catch (error) {
      this.#badFrame(link, error);
      return;
    }
    if (link.address === void 0 || message.action.startsWith(CONTROL_PREFIX)) {
      this.#options.onControl(link, message);
      return;
    }
    if (this.#closing) return;
    if (this.#pending.size > 0) this.#pending.answer(message, link.address);
    if (this.#held) this.#held.push([
      link,
      message
    ]);
    else this.#dispatch(link, message);
  }
  #badFrame(link, error) {
    if (link.address === void 0 && this.#options.onStrangerError) {
      this.#options.onStrangerError(link, error);
    } else {
      this.drop(link, error);
    }
  }
  #dispatch(link, message) {
    if (message.error !== void 0) return;
    const isRequest = message.messageId !== void 0 && message.re !== true;
    const handler = this.listeners.handlerFor(message.action);
    const listeners = this.listeners.forAction(message.action);
    const anyListeners = this.listeners.any;
    if (!handler && !listeners && anyListeners.length === 0 && !isRequest) return;
    const received = new ReceivedMessage(this, link, message, isRequest);
    if (handler) this.#runHandler(handler, received);
    if (listeners) {
      for (const listener of listeners) {
        try {
          listener(received.data, received);
        } catch (error) {
          this.#reportListenerError(received, error);
        }
      }
    }
    for (const listener of anyListeners) {
      try {
        listener(received);
      } catch (error) {
        this.#reportListenerError(received, error);
      }
    }
    if (isRequest && !handler && !listeners && anyListeners.length === 0) {
      this.#replyError(received, {
        name: NoHandlerError.name,
        message: `${describe(this.self)} has no handler for "${message.action}"`
      });
    }
  }
  #runHandler(handler, message) {
    let result;
    try {
      result = handler(message.data, message);
    } catch (error) {
      this.#handlerFailed(message, error);
      return;
    }
    if (!isPromiseLike(result)) {
      this.#respond(message, result);
      return;
    }
    this.#handlersRunning++;
    result.then((value) => this.#respond(message, value), (error) => this.#handlerFailed(message, error)).then(() => {
      if (--this.#handlersRunning > 0) return;
      this.#handlersSettled?.resolve();
      this.#handlersSettled = void 0;
    });
  }
  #respond(message, value) {
    if (!message.isRequest) return;
    try {
      message.reply(responseAction(message.action), value);
    } catch (error) {
      this.#handlerFailed(message, error);
    }
  }
  #handlerFailed(message, error) {
    if (message.isRequest) this.#replyError(message, toWireError(error));
    else this.#reportListenerError(message, error);
  }
  #replyError(to, error) {
    try {
      this.replyTo(linkOf(to), to, {
        action: responseAction(to.action),
        error
      });
    } catch (thrown) {
      this.listeners.report(thrown);
    }
  }
  #reportListenerError(message, thrown) {
    const { message: text } = toWireError(thrown);
    this.listeners.report(new SwitchboardError(`A listener for "${message.action}" from ${describe(message.from)} threw: ${text}`, {
      cause: thrown
    }));
  }
  /**
   * Sends on one link, within `maxQueuedBytes`.
   *
   * @returns The payload's size, or `CLOSED`.
   * @throws {QueueFullError} When the link's queue has no room for it.
   */
  #send(link, payload, action) {
    const size = link.send(payload, this.#options.maxQueuedBytes);
    if (size === FULL) throw this.#queueFull(link, action, link.connection.bufferedBytes);
    return size;
  }
  #queueFull(link, action, queued) {
    return new QueueFullError(`Cannot send "${action}" to ${link.name}: ${queued} bytes are queued for it already, and the limit is ${this.#options.maxQueuedBytes} (maxQueuedBytes); await drain() first`);
  }
  #linkTo(address) {
    return address === this.self ? this.#loopback : this.#links.get(address);
  }
  /** The link to send to `address` on, dialed now if there is none. */
  #sendLink(address) {
    return this.#linkTo(address) ?? (this.#closing || !this.layout.has(address) ? void 0 : this.#options.dial?.(address));
  }
  #failRequestsTo(address, reason) {
    this.#pending.failTarget(address, (spec) => new UnreachableError(`Request "${spec.action}" to ${describe(address)} failed: the connection closed before it answered`, reason === void 0 ? void 0 : {
      cause: reason
    }));
  }
  #unreachable(action, to) {
    const why = this.layout.has(to) ? "it is not connected" : `no such process (the cluster has ${this.layout})`;
    return new UnreachableError(`Request "${action}" to ${describe(to)} failed: ${why}`);
  }
  #closedError(action, to, reason, why = "closed") {
    return new ClosedError(`Request "${action}" to ${describe(to)} was cancelled: ${describe(this.self)} ${why}`, reason === void 0 ? void 0 : {
      cause: reason
    });
  }
};
function isPromiseLike(value) {
  return typeof value?.then === "function";
}
__name(isPromiseLike, "isPromiseLike");

// src/spawn.ts
function spawnChild(command, bootstrap) {
  const module = command.module instanceof URL ? command.module.href : command.module;
  const process = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--no-prompt",
      ...command.flags,
      module,
      ...command.args
    ],
    stdin: "piped",
    stdout: "inherit",
    stderr: "inherit"
  }).spawn();
  return {
    process,
    stdin: new ChildStdin(process.stdin, encodeBootstrap(bootstrap))
  };
}
__name(spawnChild, "spawnChild");
var ChildStdin = class {
  static {
    __name(this, "ChildStdin");
  }
  #writer;
  #written;
  #closed = false;
  constructor(stdin, bootstrap) {
    this.#writer = stdin.getWriter();
    this.#written = this.#writer.write(bootstrap).catch(ignore);
  }
  /** Settles once what was asked is written and stdin closed, or could not be. */
  get done() {
    return this.#written;
  }
  /** Answers the child's `$ready`, and closes. */
  goAhead() {
    this.#end(GO_AHEAD);
  }
  /** Closes without the go-ahead: the child exited, or the cluster stops. */
  close() {
    this.#end();
  }
  #end(last) {
    if (this.#closed) return;
    this.#closed = true;
    this.#written = this.#written.then(() => last && this.#writer.write(last)).then(() => this.#writer.close()).catch(ignore);
  }
};
function ignore() {
}
__name(ignore, "ignore");

// src/frame_queue.ts
var CHUNK_SIZE = 64 * 1024;
var POOL_LIMIT = 64 * 1024 * 1024;
var IDLE_POOL_LIMIT = 8 * 1024 * 1024;
var utf83 = new TextEncoder();
var FrameQueue = class {
  static {
    __name(this, "FrameQueue");
  }
  /** Chunks being filled, oldest first; only the last has room left. */
  #chunks = [];
  /** Bytes used in each chunk. */
  #fills = [];
  #queued = 0;
  #pool = [];
  #pooled = 0;
  /** The state before the last append, for {@linkcode FrameQueue.undoLast}. */
  #chunksBefore = 0;
  #fillBefore = 0;
  #queuedBefore = 0;
  /** Bytes queued. */
  get length() {
    return this.#queued;
  }
  /**
   * Appends one frame carrying `payload`: bytes are copied, text is encoded
   * to UTF-8 straight behind the prefix.
   *
   * @returns The payload's size in bytes.
   * @throws {RangeError} When the payload is longer than a prefix can say.
   */
  append(payload) {
    const chunks = this.#chunks.length;
    this.#chunksBefore = chunks;
    this.#fillBefore = chunks > 0 ? this.#fills[chunks - 1] : 0;
    this.#queuedBefore = this.#queued;
    let chunk;
    let at;
    let length;
    if (typeof payload === "string") {
      [chunk, at] = this.#room(HEADER_SIZE + payload.length);
      const first = utf83.encodeInto(payload, chunk.subarray(at + HEADER_SIZE));
      if (first.read < payload.length) {
        [chunk, at] = this.#room(HEADER_SIZE + payload.length * 3);
        length = utf83.encodeInto(payload, chunk.subarray(at + HEADER_SIZE)).written;
      } else {
        length = first.written;
      }
    } else {
      [chunk, at] = this.#room(HEADER_SIZE + payload.length);
      chunk.set(payload, at + HEADER_SIZE);
      length = payload.length;
    }
    if (length > MAX_LENGTH) throw new RangeError(`Payload of ${length} bytes cannot be framed`);
    writeLength(chunk, at, length);
    this.#fills[this.#fills.length - 1] = at + HEADER_SIZE + length;
    this.#queued += HEADER_SIZE + length;
    return length;
  }
  /** Takes back the last frame appended, if nothing was taken since. */
  undoLast() {
    while (this.#chunks.length > this.#chunksBefore) {
      this.release(this.#chunks.pop());
      this.#fills.pop();
    }
    if (this.#chunksBefore > 0) this.#fills[this.#chunksBefore - 1] = this.#fillBefore;
    this.#queued = this.#queuedBefore;
  }
  /**
   * Takes every frame queued: chunks to write in order, each up to its
   * fill. Hand each chunk back with {@linkcode FrameQueue.release} once
   * written.
   */
  take() {
    const taken = {
      chunks: this.#chunks,
      fills: this.#fills
    };
    this.#chunks = [];
    this.#fills = [];
    this.#queued = 0;
    this.#chunksBefore = this.#fillBefore = this.#queuedBefore = 0;
    return taken;
  }
  /** Gives a written chunk back for reuse. */
  release(chunk) {
    if (this.#pooled + chunk.length <= POOL_LIMIT) {
      this.#pool.push(chunk);
      this.#pooled += chunk.length;
    }
    if (this.#queued === 0) this.#trim();
  }
  /** Keeps the largest chunks that fit IDLE_POOL_LIMIT: enough for the next burst to start. */
  #trim() {
    if (this.#pooled <= IDLE_POOL_LIMIT) return;
    const kept = [];
    let pooled = 0;
    for (const chunk of this.#pool.sort((a, b) => b.length - a.length)) {
      if (pooled + chunk.length > IDLE_POOL_LIMIT) continue;
      kept.push(chunk);
      pooled += chunk.length;
    }
    this.#pool = kept;
    this.#pooled = pooled;
  }
  /**
   * Room for `size` bytes: behind the frames in the last chunk if it has
   * it, else at the start of a new chunk, from the pool when one is big
   * enough. A last chunk still empty is traded in, not left behind.
   */
  #room(size) {
    const last = this.#chunks.length - 1;
    if (last >= 0) {
      const fill = this.#fills[last];
      if (this.#chunks[last].length - fill >= size) return [
        this.#chunks[last],
        fill
      ];
      if (fill === 0) {
        this.release(this.#chunks.pop());
        this.#fills.pop();
      }
    }
    let index = -1;
    for (let i = 0; i < this.#pool.length; i++) {
      const length = this.#pool[i].length;
      if (length >= size && (index === -1 || length < this.#pool[index].length)) index = i;
    }
    let chunk;
    if (index === -1) {
      chunk = new Uint8Array(Math.max(CHUNK_SIZE, size));
    } else {
      chunk = this.#pool[index];
      this.#pool.splice(index, 1);
      this.#pooled -= chunk.length;
    }
    this.#chunks.push(chunk);
    this.#fills.push(0);
    return [
      chunk,
      0
    ];
  }
};

// src/unix_transport.ts
var UnixTransport = class {
  static {
    __name(this, "UnixTransport");
  }
  /** The directory holding the socket files. */
  dir;
  constructor(dir) {
    this.dir = dir;
  }
  /** The socket file of an endpoint. */
  path(endpoint) {
    return `${this.dir}/${endpoint}.sock`;
  }
  async listen(endpoint, maxFrameSize, onError) {
    const path = this.path(endpoint);
    return new UnixAcceptor(await listenUnix(path), path, maxFrameSize, onError);
  }
  dial(endpoint, maxFrameSize, greeting) {
    const frame = encodeFrame(typeof greeting === "string" ? utf84.encode(greeting) : greeting);
    return new SocketConnection(openAndGreet(this.path(endpoint), frame), maxFrameSize);
  }
};
var utf84 = new TextEncoder();
async function openAndGreet(path, greeting) {
  const conn = await Deno.connect({
    transport: "unix",
    path
  });
  try {
    await writeAll(conn, greeting);
  } catch (error) {
    conn.close();
    throw error;
  }
  return conn;
}
__name(openAndGreet, "openAndGreet");
async function writeAll(conn, bytes) {
  for (let written = 0; written < bytes.length; ) {
    written += await conn.write(bytes.subarray(written));
  }
}
__name(writeAll, "writeAll");
var SocketConnection = class {
  static {
    __name(this, "SocketConnection");
  }
  /** The socket; undefined while it is still opening. */
  #conn;
  /** Settles once the socket is open, for a connection made while it opened. */
  #opening;
  /** Whether sends wait in the queue for `admitted()`. */
  #held;
  #decoder;
  #queue = new FrameQueue();
  /** Bytes taken from the queue and not yet written. */
  #inFlight = 0;
  #drainWaiters = new DrainWaiters();
  #writing = false;
  #reading = false;
  #received = false;
  #state = "open";
  #reason;
  #closed = Promise.withResolvers();
  /** `#flush`, bound once rather than a closure per flush. */
  #flushSoon = /* @__PURE__ */ __name(() => void this.#flush(), "#flushSoon");
  constructor(conn, maxFrameSize) {
    this.#decoder = new FrameDecoder(maxFrameSize);
    if (!(conn instanceof Promise)) {
      this.#conn = conn;
      this.#held = false;
      return;
    }
    this.#held = true;
    this.#opening = conn;
    conn.then((opened) => {
      if (this.#state === "closed") opened.close();
      else this.#conn = opened;
    }, (error) => this.#finish(asError2(error)));
  }
  admitted() {
    if (!this.#held) return;
    this.#held = false;
    if (this.#queue.length > 0 && !this.#writing && this.#state !== "closed") {
      this.#writing = true;
      queueMicrotask(this.#flushSoon);
    }
  }
  get maxFrameSize() {
    return this.#decoder.maxFrameSize;
  }
  set maxFrameSize(value) {
    this.#decoder.maxFrameSize = value;
  }
  get bufferedBytes() {
    return this.#queue.length + this.#inFlight;
  }
  get closed() {
    return this.#closed.promise;
  }
  drained(limit) {
    if (this.#state === "closed") return Promise.resolve();
    return this.#drainWaiters.wait(this.bufferedBytes, limit);
  }
  send(payload, limit = Infinity) {
    if (this.#state !== "open") return CLOSED;
    if (this.bufferedBytes + HEADER_SIZE + payload.length > limit) return FULL;
    const size = this.#queue.append(payload);
    if (this.bufferedBytes > limit) {
      this.#queue.undoLast();
      return FULL;
    }
    if (!this.#writing && !this.#held) {
      this.#writing = true;
      queueMicrotask(this.#flushSoon);
    }
    return size;
  }
  close(reason) {
    if (this.#state === "closed") return;
    if (this.#state === "open") {
      this.#state = "closing";
      this.#reason = reason;
    }
    const held = this.#held && this.#queue.length > 0;
    if (reason !== void 0 || !this.#writing && !held) this.#finish(reason);
  }
  receive(receiver) {
    if (this.#received) throw new Error("A connection has one receiver");
    this.#received = true;
    this.#reading = true;
    this.#read(receiver);
  }
  async #read(receiver) {
    try {
      const conn = this.#conn ?? await this.#opening;
      while (this.#state !== "closed") {
        const count = await conn.read(this.#decoder.space());
        if (count === null) break;
        const payloads = this.#decoder.commit(count);
        if (payloads.length > 0) receiver(payloads);
      }
    } catch (error) {
      if (this.#state !== "closed") this.#finish(asError2(error));
    } finally {
      this.#reading = false;
      this.#finish(void 0);
      this.#closed.resolve(this.#reason);
    }
  }
  async #flush() {
    try {
      const conn = this.#conn ?? await this.#opening;
      while (this.#queue.length > 0 && this.#state !== "closed") {
        this.#inFlight = this.#queue.length;
        const { chunks, fills } = this.#queue.take();
        for (let i = 0; i < chunks.length; i++) {
          for (let written = 0; written < fills[i]; ) {
            const count = await conn.write(chunks[i].subarray(written, fills[i]));
            written += count;
            this.#inFlight -= count;
          }
          this.#queue.release(chunks[i]);
        }
        this.#drainWaiters.update(this.bufferedBytes);
      }
    } catch (error) {
      if (this.#state !== "closed") this.#finish(asError2(error));
    } finally {
      this.#writing = false;
      this.#inFlight = 0;
      if (this.#state === "closing") this.#finish(this.#reason);
    }
  }
  #finish(reason) {
    if (this.#state === "closed") return;
    this.#state = "closed";
    if (reason === void 0 && this.#queue.length > 0) {
      reason = new ClosedError(`Closed with ${this.#queue.length} bytes unsent`);
    }
    this.#reason ??= reason;
    try {
      this.#conn?.close();
    } catch {
    }
    this.#queue.take();
    this.#inFlight = 0;
    this.#drainWaiters.releaseAll();
    if (!this.#reading) this.#closed.resolve(this.#reason);
  }
};
var ACCEPT_RETRY = 10;
var UnixAcceptor = class {
  static {
    __name(this, "UnixAcceptor");
  }
  #listener;
  #path;
  #maxFrameSize;
  #onError;
  #closed = false;
  #pause;
  constructor(listener, path, maxFrameSize, onError) {
    this.#listener = listener;
    this.#path = path;
    this.#maxFrameSize = maxFrameSize;
    this.#onError = onError;
  }
  async *[Symbol.asyncIterator]() {
    let retry = ACCEPT_RETRY;
    while (!this.#closed) {
      let conn;
      try {
        conn = await this.#listener.accept();
      } catch (error) {
        if (this.#closed || error instanceof Deno.errors.BadResource) return;
        this.#onError(asError2(error));
        await this.#sleep(retry);
        retry = Math.min(retry * 2, 1e3);
        continue;
      }
      retry = ACCEPT_RETRY;
      yield new SocketConnection(conn, this.#maxFrameSize);
    }
  }
  close() {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#pause) {
      clearTimeout(this.#pause.timer);
      this.#pause.resolve();
    }
    try {
      this.#listener.close();
    } catch {
    }
    try {
      Deno.removeSync(this.#path);
    } catch {
    }
  }
  #sleep(ms) {
    return new Promise((resolve) => {
      this.#pause = {
        timer: setTimeout(resolve, ms),
        resolve
      };
    }).then(() => this.#pause = void 0);
  }
};
async function listenUnix(path) {
  try {
    return Deno.listen({
      transport: "unix",
      path
    });
  } catch (error) {
    if (!(error instanceof Deno.errors.AddrInUse)) throw error;
    if (await isListening(path)) {
      throw new Deno.errors.AddrInUse(`Cannot listen at ${path}: another process is listening there`);
    }
    await Deno.remove(path);
    return Deno.listen({
      transport: "unix",
      path
    });
  }
}
__name(listenUnix, "listenUnix");
async function isListening(path) {
  try {
    (await Deno.connect({
      transport: "unix",
      path
    })).close();
    return true;
  } catch {
    return false;
  }
}
__name(isListening, "isListening");
function asError2(thrown) {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
__name(asError2, "asError");

// src/manager.ts
var MAX_SOCKET_PATH = 103;
var Manager = class _Manager {
  static {
    __name(this, "Manager");
  }
  /** The manager's router. */
  router;
  /** The private directory holding the sockets. */
  dir;
  #config;
  #transport;
  #token = newToken();
  #gate;
  #slots = /* @__PURE__ */ new Map();
  /** Every process started and not yet reaped, restarts included. */
  #processes = /* @__PURE__ */ new Set();
  #listener;
  #serving;
  #stopping;
  constructor(config, dir) {
    this.#config = config;
    this.dir = dir;
    this.#transport = new UnixTransport(dir);
    this.router = new Router({
      self: MANAGER,
      layout: config.layout,
      maxFrameSize: config.maxFrameSize,
      requestTimeout: config.requestTimeout,
      highWaterMark: config.highWaterMark,
      maxQueuedBytes: config.maxQueuedBytes,
      onControl: /* @__PURE__ */ __name((link, message) => this.#onControl(link, message), "onControl"),
      onStrangerError: /* @__PURE__ */ __name((link, error) => this.#gate.refuse(link, error.message), "onStrangerError")
    });
    this.#gate = new Gate(this.router, this.#token, (from) => this.#refuse(from));
    this.#gate.startTiming();
  }
  /**
   * Starts the children and resolves once every one is ready.
   *
   * @throws {Error} When a child exits or is late; everything started is
   * stopped again before this rejects.
   */
  static async start(config) {
    const dir = await Deno.makeTempDir({
      prefix: "switchboard-"
    });
    const manager = new _Manager(config, dir);
    try {
      await Deno.chmod(dir, 448);
      await manager.#listen();
      await manager.#startChildren();
    } catch (error) {
      await manager.stop();
      throw error;
    }
    return manager;
  }
  /** Marks the manager ready: held messages go out in the next task, after the caller's listeners are on. */
  readySoon() {
    this.router.ready();
  }
  /** The process id of a child, while it runs. */
  pid(address) {
    return this.#slots.get(address)?.process?.process.pid;
  }
  /** Each child's pid, state and restarts. */
  childStats() {
    return [
      ...this.#slots.values()
    ].map((child) => ({
      address: child.address,
      pid: child.process?.process.pid,
      state: child.state,
      restarts: child.restarts
    }));
  }
  /**
   * Stops the cluster: the manager's stop handlers, then `$stop` to each
   * child and SIGKILL to those still running after `stopTimeout`, then
   * every connection and the socket directory. Idempotent.
   */
  stop() {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }
  async #listen() {
    const longest = this.#socketPaths().reduce((a, b) => b.length > a.length ? b : a);
    if (new TextEncoder().encode(longest).length > MAX_SOCKET_PATH) {
      throw new SwitchboardError(`Socket path ${longest} is over ${MAX_SOCKET_PATH} bytes; set TMPDIR to a shorter directory`);
    }
    this.#listener = await this.#transport.listen("m", HANDSHAKE_FRAME_LIMIT, (error) => this.router.listeners.report(error));
    this.#serving = this.#gate.serve(this.#listener).catch((error) => this.router.listeners.report(error));
  }
  #socketPaths() {
    const { layout } = this.#config;
    return [
      MANAGER,
      ...layout.children()
    ].map((address) => this.#transport.path(layout.endpoint(address)));
  }
  async #startChildren() {
    const { restart, startTimeout } = this.#config;
    for (const [address, spec] of this.#config.children) {
      const child = {
        address,
        spec,
        state: "starting",
        process: void 0,
        restarts: 0,
        budget: restart ? new RestartBudget(restart) : void 0,
        backoff: void 0,
        readyTimer: void 0,
        started: Promise.withResolvers(),
        wasReady: false
      };
      child.started.promise.catch(() => {
      });
      this.#slots.set(address, child);
      this.#spawn(child);
    }
    await deadline(Promise.all([
      ...this.#slots.values()
    ].map((child) => child.started.promise)), startTimeout, () => new SwitchboardError(`Cluster did not start within ${startTimeout} ms: ${this.#late()}`));
  }
  #spawn(child) {
    const { layout } = this.#config;
    const spawned = spawnChild({
      module: child.spec.module,
      flags: [
        ...permissionFlags(this.#socketPaths(), child.spec.permissions),
        ...child.spec.flags
      ],
      args: child.spec.args
    }, {
      version: BOOTSTRAP_VERSION,
      dir: this.dir,
      self: child.address,
      token: this.#token,
      workers: layout.workers,
      services: [
        ...layout.services
      ],
      maxFrameSize: this.#config.maxFrameSize,
      requestTimeout: this.#config.requestTimeout,
      highWaterMark: this.#config.highWaterMark,
      maxQueuedBytes: this.#config.maxQueuedBytes
    });
    child.process = spawned;
    this.#processes.add(spawned);
    spawned.process.status.then((status) => {
      spawned.stdin.close();
      this.#onExit(child, spawned, status);
      return spawned.stdin.done;
    }).then(() => this.#processes.delete(spawned));
  }
  /**
   * Removes a dead child's socket file, which a killed process leaves
   * behind: the other children dial a child only while its file exists.
   */
  #removeSocket(address) {
    try {
      Deno.removeSync(this.#transport.path(this.#config.layout.endpoint(address)));
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) this.router.listeners.report(error);
    }
  }
  #late() {
    const late = [
      ...this.#slots.values()
    ].filter((child) => !child.wasReady);
    return late.map((child) => this.router.link(child.address) ? `${describe(child.address)} connected but did not become ready (did it call ready()?)` : `${describe(child.address)} did not connect (did it call connect()?)`).join("; ");
  }
  #onExit(child, spawned, status) {
    if (this.#stopping || child.process !== spawned) return;
    child.process = void 0;
    clearTimeout(child.readyTimer);
    this.#removeSocket(child.address);
    const how = status.signal ? `on signal ${status.signal}` : `with code ${status.code}`;
    const { address } = child;
    if (!child.wasReady) {
      child.state = "stopped";
      child.started.reject(new SwitchboardError(`${describe(address)} exited ${how} before it was ready`));
      return;
    }
    const delay = child.budget?.onExit(performance.now());
    this.#announce({
      type: "exit",
      address,
      code: status.code,
      signal: status.signal,
      restart: delay !== void 0
    });
    if (child.budget) {
      this.#afterFailure(child, delay, `exited ${how}`);
    } else {
      child.state = "stopped";
      this.router.listeners.report(new SwitchboardError(`${describe(address)} exited unexpectedly ${how}`));
    }
  }
  /**
   * After a child went down, or could not be started again: restart it
   * after `delay`, or, with no delay left in its budget, give it up.
   */
  #afterFailure(child, delay, what) {
    if (delay !== void 0) {
      child.state = "restarting";
      child.backoff = setTimeout(() => this.#restart(child), delay);
      return;
    }
    const { maxRestarts, period } = this.#config.restart;
    child.state = "failed";
    this.#announce({
      type: "fatal",
      address: child.address,
      restarts: maxRestarts,
      period
    });
    this.router.listeners.report(new SwitchboardError(`${describe(child.address)} ${what} after ${maxRestarts} restarts within ${period} ms; it stays down`));
  }
  #restart(child) {
    child.backoff = void 0;
    if (this.#stopping) return;
    child.restarts++;
    child.state = "starting";
    this.#announce({
      type: "restart",
      address: child.address,
      attempt: child.restarts
    });
    try {
      this.#spawn(child);
    } catch (error) {
      this.router.listeners.report(new SwitchboardError(`Could not restart ${describe(child.address)}`, {
        cause: error
      }));
      this.#afterFailure(child, child.budget.onExit(performance.now()), "could not be started");
      return;
    }
    const spawned = child.process;
    const { startTimeout } = this.#config;
    child.readyTimer = setTimeout(() => {
      if (child.process !== spawned || child.state !== "starting") return;
      this.router.listeners.report(new SwitchboardError(`${describe(child.address)} was not ready within ${startTimeout} ms after its restart`));
      spawned.process.kill("SIGKILL");
    }, startTimeout);
  }
  /** Tells the manager's lifecycle listeners and every connected child. */
  #announce(event) {
    for (const address of this.router.connected()) {
      const link = this.router.link(address);
      if (link) this.router.sendControl(link, EVENT, event);
    }
    this.router.listeners.lifecycle(event);
  }
  #refuse(from) {
    if (this.#stopping) return "the cluster is stopping";
    if (!this.#slots.has(from)) return `${describe(from)} is not a child of this cluster`;
    if (this.router.link(from)) return `${describe(from)} is connected already`;
    return void 0;
  }
  #onControl(link, message) {
    if (link.address === void 0) return this.#gate.admit(link, message);
    const child = this.#slots.get(link.address);
    if (message.action === READY && child) {
      child.process?.stdin.goAhead();
      clearTimeout(child.readyTimer);
      child.state = "ready";
      if (child.wasReady) {
        this.#announce({
          type: "ready",
          address: child.address
        });
      } else {
        child.wasReady = true;
        child.started.resolve();
      }
      return;
    }
    this.router.drop(link, new FrameError(`Bad frame from ${link.name}: unexpected "${message.action}"`));
  }
  async #stop() {
    for (const child of this.#slots.values()) clearTimeout(child.readyTimer);
    for (const child of this.#slots.values()) clearTimeout(child.backoff);
    this.router.refuseNewRequests();
    await this.router.listeners.stopping();
    const asked = /* @__PURE__ */ new Set();
    for (const child of this.#slots.values()) {
      const link = this.router.link(child.address);
      if (link && child.process && this.router.sendControl(link, STOP)) asked.add(child.process);
    }
    await Promise.all([
      ...this.#processes
    ].map((spawned) => this.#reap(spawned, asked.has(spawned))));
    for (const child of this.#slots.values()) {
      child.process = void 0;
      if (child.state !== "failed") child.state = "stopped";
    }
    this.#listener?.close();
    await this.#serving;
    this.#gate.close();
    await this.router.close();
    await Deno.remove(this.dir, {
      recursive: true
    }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
  }
  /**
   * Waits for a process asked to stop to exit, killing it when it is late;
   * one that was never asked (it had not joined) is killed at once.
   */
  async #reap(spawned, asked) {
    const { status } = spawned.process;
    const exited = asked && await deadline(status, this.#config.stopTimeout, () => new Error("stopTimeout passed")).then(() => true, () => false);
    if (!exited) {
      try {
        spawned.process.kill("SIGKILL");
      } catch {
      }
      await status;
    }
    spawned.stdin.close();
    await spawned.stdin.done;
  }
};

// src/peer.ts
var Peer = class {
  static {
    __name(this, "Peer");
  }
  #router;
  #close;
  /**
   * Not for use: peers come from `Cluster.start()` and `connect()`.
   *
   * @ignore
   */
  constructor(router, close) {
    this.#router = router;
    this.#close = close;
  }
  /** This process's address: its worker id, its service name, or `MANAGER`. */
  get id() {
    return this.#router.self;
  }
  /** This process's worker id, or undefined outside a worker. */
  get workerId() {
    return typeof this.#router.self === "number" ? this.#router.self : void 0;
  }
  /** How many workers the cluster has; their ids are `0` to `workerCount - 1`. */
  get workerCount() {
    return this.#router.layout.workers;
  }
  /**
   * Sends a message to every worker, one worker, a list of processes, or a
   * service or the manager by address. A sender among the targets gets its
   * own copy, dispatched a tick later.
   *
   * @param action The action; listeners are keyed by it.
   * @param data The data, anything JSON can carry.
   * @param to A worker id, a service name, `MANAGER`, a `msg.from`, or a
   * list of them; left out, every worker.
   * @returns How many processes it was handed to; an unknown or
   * disconnected target counts 0.
   * @throws {FrameError} When the data holds what JSON cannot carry, or is
   * over `maxFrameSize`; nothing is sent.
   * @throws {TypeError} When the action is reserved or a target is not an address.
   *
   * @example Broadcast, target one worker, target a list
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function announce(peer: Peer): number {
   *   const time = Date.now();
   *   return peer.sendMessage("test", { time }) +
   *     peer.sendMessage("test", { time }, 1) +
   *     peer.sendMessage("test", { time }, [0, 2]);
   * }
   * ```
   */
  sendMessage(action, data, to) {
    return this.#router.sendMessage(action, data, to);
  }
  /**
   * Sends a request and resolves with the data of its response: the
   * response action (`testRequest` → `testResponse`) carrying the same
   * `messageId`, whether a `handle()` handler sent it or a listener did by
   * hand with `msg.reply()` or with `data.messageId`.
   *
   * @param action The request action.
   * @param data The data; it is sent as is, the messageId travels beside it.
   * @param options `to` (required), `timeout` in ms, `signal`.
   * @returns The data of the response.
   * @throws {TimeoutError} When no response came within the timeout.
   * @throws {RemoteError} When the remote handler threw or rejected.
   * @throws {NoHandlerError} When the target has no listener for the action.
   * @throws {UnreachableError} When the target is unknown, not connected, or
   * its connection closed before it answered.
   * @throws {ClosedError} When this process closed first.
   * @throws {FrameError} When the data cannot be encoded.
   *
   * @example Ask worker 1
   * ```ts
   * import { type Peer, TimeoutError } from "@switchboard/switchboard";
   *
   * export async function ask(peer: Peer): Promise<unknown> {
   *   try {
   *     return await peer.request("testRequest", { time: Date.now() }, { to: 1, timeout: 30_000 });
   *   } catch (error) {
   *     if (error instanceof TimeoutError) return undefined;
   *     throw error;
   *   }
   * }
   * ```
   */
  request(action, data, options) {
    return this.#router.request(action, data, options);
  }
  /**
   * Sends one request to many targets and resolves once each has settled,
   * with one result per target, in target order: `{from, data}` or
   * `{from, error}`. One dead or slow target never fails the rest.
   *
   * @param action The request action.
   * @param data The data, sent to each target.
   * @param options `to` (default: every worker), `timeout` per request, `signal`.
   * @returns One settled result per target.
   * @throws {TypeError} When the action is reserved or a target is not an address.
   *
   * @example Count connections across workers
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * type Stats = { statsRequest: undefined; statsResponse: { connections: number } };
   *
   * export async function connections(peer: Peer<Stats>): Promise<number> {
   *   const results = await peer.requestAll("statsRequest", undefined, { timeout: 5_000 });
   *   return results.reduce((sum, r) => sum + ("data" in r ? r.data.connections : 0), 0);
   * }
   * ```
   */
  requestAll(action, data, options) {
    return this.#router.requestAll(action, data, options);
  }
  /**
   * Listens for one action. Messages that arrive before this process is
   * ready are held, so listeners registered right after `connect()` or
   * `Cluster.start()` miss nothing.
   *
   * @param action The action.
   * @param listener Called with the data and the message; what it throws
   * goes to the error listeners.
   * @returns A function that removes the listener.
   * @throws {TypeError} When the action is reserved.
   *
   * @example Answer whoever sent it
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function echo(peer: Peer): () => void {
   *   return peer.on("ping", (data, msg) => peer.sendMessage("pong", data, msg.from));
   * }
   * ```
   */
  on(action, listener) {
    return this.#router.listeners.on(action, listener);
  }
  /**
   * Answers requests for one action: the handler's return value, or what
   * its promise resolves to, goes back as the response action; what it
   * throws reaches the requester as a `RemoteError`. One handler per action.
   * A plain message (no messageId) for the action runs the handler too, and
   * its result is dropped.
   *
   * @param action The request action.
   * @param handler Computes the response data.
   * @returns A function that removes the handler.
   * @throws {Error} When the action already has a handler.
   *
   * @example Answer with a value
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * type P = { testRequest: { time: number }; testResponse: { time: number; pid: number } };
   *
   * export function serve(peer: Peer<P>): () => void {
   *   return peer.handle("testRequest", (data) => ({ time: data.time, pid: Deno.pid }));
   * }
   * ```
   */
  handle(action, handler) {
    return this.#router.listeners.handle(action, handler);
  }
  /**
   * Listens for every message, whatever its action, after the action's own
   * listeners.
   *
   * @param listener Called with each message.
   * @returns A function that removes the listener.
   *
   * @example Log and answer everything
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function logAll(peer: Peer): () => void {
   *   return peer.onAny((msg) => {
   *     console.log(msg.action, msg.data);
   *     msg.reply("ack", { action: msg.action });
   *   });
   * }
   * ```
   */
  onAny(listener) {
    return this.#router.listeners.onAny(listener);
  }
  /**
   * Listens for errors that no caller can be given: a listener that threw,
   * a bad frame from a peer (its connection is closed), a child that exited
   * unexpectedly. Without an error listener they go to `console.error`.
   *
   * @param listener Called with each error.
   * @returns A function that removes the listener.
   *
   * @example Collect errors
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function collect(peer: Peer, errors: Error[]): () => void {
   *   return peer.onError((error) => errors.push(error));
   * }
   * ```
   */
  onError(listener) {
    return this.#router.listeners.onError(listener);
  }
  /**
   * Listens for what happens to the cluster's children: exits, restarts,
   * readiness after a restart, and restarts given up. Every process sees
   * the same events; they never collide with user actions.
   *
   * @param listener Called with each event.
   * @returns A function that removes the listener.
   *
   * @example Notice a worker coming back
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function watch(peer: Peer): () => void {
   *   return peer.onLifecycle((event) => {
   *     if (event.type === "exit") console.log(`${event.address} exited with ${event.code}`);
   *     if (event.type === "ready") console.log(`${event.address} is back`);
   *   });
   * }
   * ```
   */
  onLifecycle(listener) {
    return this.#router.listeners.onLifecycle(listener);
  }
  /**
   * Registers work to finish when the cluster stops: in a child, `stop()`
   * runs the handlers (together, awaited) before the child closes and
   * exits; the manager kills children still running after `stopTimeout`.
   * In the manager, `stop()` runs them first. Failures go to `onError`.
   *
   * @param handler The work; may return a promise.
   * @returns A function that removes the handler.
   *
   * @example Flush before exiting
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function flushOnStop(peer: Peer, buffer: string[]): () => void {
   *   return peer.onStop(async () => {
   *     await Promise.resolve(buffer.splice(0)); // write it somewhere
   *   });
   * }
   * ```
   */
  onStop(handler) {
    return this.#router.listeners.onStop(handler);
  }
  /**
   * Waits until the messages queued for `to` (default: every peer) are down
   * to the high-water mark. A sender that outpaces a slow receiver awaits
   * this now and then; without it, sends past `maxQueuedBytes` throw
   * `QueueFullError`.
   *
   * @param to A target, or a list; default every connected process.
   * @returns Resolves when the queues have drained (at once if they have).
   *
   * @example Flood without flooding memory
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export async function flood(peer: Peer, lines: string[]): Promise<void> {
   *   for (const line of lines) {
   *     peer.getProcess("logger").send("log", { line });
   *     await peer.drain("logger");
   *   }
   * }
   * ```
   */
  drain(to) {
    return this.#router.drain(to);
  }
  /**
   * What this process is doing now: per connection, messages and bytes in
   * and out and bytes queued; open requests and running handlers; in the
   * manager, each child's pid, state and restarts.
   *
   * @returns A snapshot.
   *
   * @example Spot a slow consumer
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function slowest(peer: Peer): string | undefined {
   *   const [worst] = peer.stats().connections.sort((a, b) => b.bytesQueued - a.bytesQueued);
   *   return worst && `${worst.peer}: ${worst.bytesQueued} bytes queued`;
   * }
   * ```
   */
  stats() {
    return this.#router.stats();
  }
  /**
   * A handle on a named service process, to send to it and ask it.
   *
   * @param name The service's name, as given in `Cluster.start({processes})`.
   * @returns Its handle; an unknown name gives a handle whose `send`
   * returns false and whose `request` rejects with `UnreachableError`.
   * @throws {TypeError} When the name is not a non-empty string.
   *
   * @example Flush the logger
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export function flush(peer: Peer): boolean {
   *   return peer.getProcess("logger").send("flush", { reason: "shutdown" });
   * }
   * ```
   */
  getProcess(name) {
    if (typeof name !== "string" || name.length === 0) {
      throw new TypeError(`A process name is a non-empty string, got ${JSON.stringify(name)}`);
    }
    const router = this.#router;
    return {
      name,
      send: /* @__PURE__ */ __name((action, data) => router.sendMessage(action, data, name) > 0, "send"),
      request: /* @__PURE__ */ __name((action, data, options) => router.request(action, data, {
        ...options,
        to: name
      }), "request")
    };
  }
  /**
   * Marks this process ready: messages held since it joined are dispatched,
   * and the manager learns it may resolve `Cluster.start()`. Called for you
   * a tick after `connect()` or `Cluster.start()` resolves, unless they were
   * given `{ ready: false }` for setup that takes time. Idempotent.
   *
   * @example Finish async setup first
   * ```ts
   * import { connect } from "@switchboard/switchboard";
   *
   * if (import.meta.main) {
   *   const peer = await connect({ ready: false });
   *   const config = await Promise.resolve({ greeting: "hi" });
   *   peer.on("hello", (_data, msg) => msg.reply("greeting", config.greeting));
   *   peer.ready();
   * }
   * ```
   */
  ready() {
    this.#router.ready();
  }
  /**
   * Leaves the cluster: every open request rejects with `ClosedError`,
   * queued messages are written, connections close. For the manager it is
   * `stop()`. Idempotent.
   *
   * @returns Resolves once everything is closed.
   *
   * @example Leave when done
   * ```ts
   * import type { Peer } from "@switchboard/switchboard";
   *
   * export async function leave(peer: Peer): Promise<void> {
   *   await peer.close();
   * }
   * ```
   */
  close() {
    return this.#close();
  }
  /**
   * Closes the peer at the end of an `await using` block.
   *
   * @returns Resolves once everything is closed.
   *
   * @example Scoped use
   * ```ts
   * import { connect } from "@switchboard/switchboard";
   *
   * if (import.meta.main) {
   *   await using peer = await connect();
   *   peer.sendMessage("hello", { pid: Deno.pid });
   * }
   * ```
   */
  [Symbol.asyncDispose]() {
    return this.#close();
  }
};

// src/cluster.ts
var DEFAULTS = {
  requestTimeout: 3e4,
  maxFrameSize: 16 * 1024 * 1024,
  highWaterMark: 1024 * 1024,
  maxQueuedBytes: 64 * 1024 * 1024,
  startTimeout: 3e4,
  stopTimeout: 5e3
};
var Cluster = class _Cluster extends Peer {
  static {
    __name(this, "Cluster");
  }
  #manager;
  /**
   * Not for use: clusters come from {@linkcode Cluster.start}.
   *
   * @ignore
   */
  constructor(router, manager) {
    super(router, () => manager.stop());
    this.#manager = manager;
  }
  /**
   * Starts the workers and services and resolves once every one has
   * connected and is ready: listeners a child registers right after
   * `await connect()` miss no message sent after this resolves.
   *
   * @typeParam P The protocol: a map from action to data type.
   * @param options The modules, counts, permissions and limits.
   * @returns The running cluster.
   * @throws {TypeError} When an option is invalid.
   * @throws {Error} When a child exits before it is ready, or is not ready
   * within `startTimeout`; whatever started is stopped again first.
   *
   * @example One worker and a logger service
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * export async function run(): Promise<void> {
   *   const cluster = await Cluster.start({
   *     worker: new URL("./worker.ts", import.meta.url),
   *     workers: 1,
   *     processes: { logger: new URL("./logger.ts", import.meta.url) },
   *     permissions: { read: ["./data"] },
   *   });
   *   cluster.getProcess("logger").send("log", { line: "started" });
   *   await cluster.stop();
   * }
   * ```
   */
  static async start(options = {}) {
    const manager = await Manager.start(managerConfig(options));
    if (options.ready !== false) manager.readySoon();
    return new _Cluster(manager.router, manager);
  }
  /** The private directory of the cluster's sockets; `stop()` removes it. */
  get socketDir() {
    return this.#manager.dir;
  }
  /**
   * The process id of a worker or service.
   *
   * @param address A worker id or service name.
   * @returns Its pid, or undefined for an address that is not a child.
   *
   * @example Find a worker's pid
   * ```ts
   * import type { Cluster } from "@switchboard/switchboard";
   *
   * export function pidOfFirstWorker(cluster: Cluster): number | undefined {
   *   return cluster.pid(0);
   * }
   * ```
   */
  pid(address) {
    return this.#manager.pid(address);
  }
  /**
   * What the manager is doing now: its connections and open work, as
   * {@linkcode Peer.stats}, plus each child's pid, state and restarts.
   *
   * @returns A snapshot.
   *
   * @example See which children are down
   * ```ts
   * import type { Cluster } from "@switchboard/switchboard";
   *
   * export function down(cluster: Cluster): unknown[] {
   *   return cluster.stats().children!.filter((child) => child.state !== "ready");
   * }
   * ```
   */
  stats() {
    return {
      ...super.stats(),
      children: this.#manager.childStats()
    };
  }
  /**
   * Stops the cluster gracefully: runs the manager's `onStop` handlers,
   * asks each child to stop (its `onStop` handlers run, its running
   * handlers finish), kills any child still running after `stopTimeout`,
   * rejects the manager's open requests, closes every connection and
   * removes the socket directory. Idempotent; `close()` and `await using`
   * do the same.
   *
   * @returns Resolves once no child process and no socket file remain.
   *
   * @example Stop explicitly
   * ```ts
   * import { Cluster } from "@switchboard/switchboard";
   *
   * const cluster = await Cluster.start({ workers: 0 });
   * await cluster.stop();
   * ```
   */
  stop() {
    return this.#manager.stop();
  }
};
function managerConfig(options) {
  const workers = options.workers ?? navigator.hardwareConcurrency;
  const services = Object.entries(options.processes ?? {});
  const layout = new Layout(workers, services.map(([name]) => name));
  if (workers > 0 && options.worker === void 0) {
    throw new TypeError(`Cluster.start() needs a "worker" module for ${workers} workers`);
  }
  const shared = {
    module: options.worker ?? "",
    permissions: options.permissions ?? {},
    flags: options.flags ?? [],
    args: options.args ?? []
  };
  const children = new Map(layout.workerIds.map((id) => [
    id,
    shared
  ]));
  for (const [name, service] of services) {
    const spec = typeof service === "string" || service instanceof URL ? {
      module: service
    } : service;
    if (typeof spec?.module !== "string" && !(spec?.module instanceof URL)) {
      throw new TypeError(`Service "${name}" needs a module: a path or URL`);
    }
    children.set(name, {
      module: spec.module,
      permissions: spec.permissions ?? shared.permissions,
      flags: spec.flags ?? shared.flags,
      args: spec.args ?? shared.args
    });
  }
  const maxQueuedBytes = positive(options, "maxQueuedBytes");
  const maxFrameSize = positive(options, "maxFrameSize");
  if (maxQueuedBytes < maxFrameSize + HEADER_SIZE) {
    throw new TypeError(`"maxQueuedBytes" (${maxQueuedBytes}) must be at least "maxFrameSize" + ${HEADER_SIZE} (${maxFrameSize + HEADER_SIZE})`);
  }
  return {
    layout,
    children,
    maxFrameSize,
    requestTimeout: positive(options, "requestTimeout"),
    highWaterMark: positive(options, "highWaterMark"),
    maxQueuedBytes,
    startTimeout: positive(options, "startTimeout"),
    stopTimeout: positive(options, "stopTimeout"),
    restart: restartPolicy(options.restart)
  };
}
__name(managerConfig, "managerConfig");
function restartPolicy(restart) {
  if (restart === false) return null;
  const policy = {
    ...DEFAULT_RESTART,
    ...restart === true ? {} : restart
  };
  for (const [key, value] of Object.entries(policy)) {
    if (typeof value !== "number" || !(value >= 0) || !Number.isFinite(value)) {
      throw new TypeError(`"restart.${key}" must be a finite number >= 0, got ${value}`);
    }
  }
  return policy;
}
__name(restartPolicy, "restartPolicy");
function positive(options, key) {
  const value = options[key] ?? DEFAULTS[key];
  if (typeof value !== "number" || !(value > 0) || !Number.isFinite(value)) {
    throw new TypeError(`"${key}" must be a finite number above 0, got ${value}`);
  }
  return value;
}
__name(positive, "positive");

// src/child.ts
var ORPHAN_EXIT_CODE = 1;
var ChildSide = class {
  static {
    __name(this, "ChildSide");
  }
  /** The child's router. */
  router;
  #bootstrap;
  #layout;
  #transport;
  #gate;
  #dialing = /* @__PURE__ */ new Map();
  #listener;
  #serving;
  #closing;
  #stopping = false;
  constructor(bootstrap) {
    this.#bootstrap = bootstrap;
    this.#layout = new Layout(bootstrap.workers, bootstrap.services);
    this.#transport = new UnixTransport(bootstrap.dir);
    this.router = new Router({
      self: bootstrap.self,
      layout: this.#layout,
      maxFrameSize: bootstrap.maxFrameSize,
      requestTimeout: bootstrap.requestTimeout,
      highWaterMark: bootstrap.highWaterMark,
      maxQueuedBytes: bootstrap.maxQueuedBytes,
      onControl: /* @__PURE__ */ __name((link, message) => this.#onControl(link, message), "onControl"),
      onStrangerError: /* @__PURE__ */ __name((link, error) => this.#gate.refuse(link, error.message), "onStrangerError"),
      onLinkClosed: /* @__PURE__ */ __name((address) => this.#onLinkClosed(address), "onLinkClosed"),
      onReady: /* @__PURE__ */ __name(() => this.#sendReady(), "onReady"),
      dial: /* @__PURE__ */ __name((address) => this.#dialPeer(address), "dial")
    });
    this.#gate = new Gate(this.router, bootstrap.token, (from) => this.#refuse(from));
  }
  /**
   * Joins the cluster: listens at its own endpoint and, meanwhile, says
   * hello to the manager. Other children are dialed when first sent to.
   *
   * @throws {Error} When the manager cannot be reached or refuses.
   */
  async join() {
    const listening = this.#transport.listen(this.#layout.endpoint(this.#bootstrap.self), HANDSHAKE_FRAME_LIMIT, (error) => this.router.listeners.report(error));
    const [listened, welcomed] = await Promise.allSettled([
      listening,
      this.#dial(MANAGER).welcomed.promise
    ]);
    if (listened.status === "fulfilled") {
      this.#listener = listened.value;
      this.#serving = this.#gate.serve(this.#listener).catch((error) => this.router.listeners.report(error));
    }
    if (listened.status === "rejected") throw listened.reason;
    if (welcomed.status === "rejected") throw welcomed.reason;
  }
  /** Leaves the cluster. Idempotent. */
  close() {
    this.#closing ??= this.#close();
    return this.#closing;
  }
  /**
   * Stops as the manager asked: stop handlers, then the handlers still
   * answering requests, then the connections (queued messages are written),
   * then the process. The manager kills it if this takes too long.
   */
  async #stop() {
    if (this.#stopping) return;
    this.#stopping = true;
    await this.router.listeners.stopping();
    await this.router.handlersSettled();
    await this.close();
    Deno.exit(0);
  }
  async #close() {
    this.#listener?.close();
    await this.#serving;
    this.#gate.close();
    await this.router.close();
  }
  /**
   * Opens a link to `address` that says hello first; what is sent on it
   * waits for the `$welcome`.
   */
  #dial(address) {
    const { self, token, maxFrameSize } = this.#bootstrap;
    const hello = JSON.stringify({
      action: HELLO,
      data: {
        from: self,
        token
      }
    });
    const connection = this.#transport.dial(this.#layout.endpoint(address), maxFrameSize, hello);
    const link = this.router.attach(connection, address);
    const dialing = {
      connection,
      welcomed: Promise.withResolvers()
    };
    this.#dialing.set(link, dialing);
    connection.closed.then((reason) => {
      if (!this.#dialing.delete(link)) return;
      dialing.welcomed.reject(new UnreachableError(`${describe(address)} closed the connection before welcoming us`, {
        cause: reason
      }));
    });
    return {
      ...dialing,
      link
    };
  }
  /**
   * Dials another child the first time something is sent to it; undefined
   * (nothing is sent) when it has no socket file: still starting, or dead
   * (the manager removes a dead child's file before it tells anyone).
   */
  #dialPeer(address) {
    if (address === MANAGER || !this.#isListening(address)) return void 0;
    const { link, welcomed } = this.#dial(address);
    welcomed.promise.catch((error) => {
      if (this.router.closing && error.cause === void 0) return;
      this.router.listeners.report(new UnreachableError(`${describe(this.#bootstrap.self)} could not connect to ${describe(address)}: what was sent to it is lost`, {
        cause: error
      }));
    });
    return link;
  }
  /** Whether `address` has its socket file. */
  #isListening(address) {
    try {
      Deno.lstatSync(this.#transport.path(this.#layout.endpoint(address)));
      return true;
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return false;
      throw error;
    }
  }
  #refuse(from) {
    if (from === MANAGER) return "the manager never dials children";
    if (from === this.#bootstrap.self) return `${describe(from)} is this process`;
    if (!this.#layout.has(from)) return `${describe(from)} is not in this cluster`;
    if (this.router.linkCount(from) >= 2) return `${describe(from)} is connected twice already`;
    return void 0;
  }
  #onControl(link, message) {
    if (link.address === void 0) return this.#gate.admit(link, message);
    const dialing = this.#dialing.get(link);
    if (message.action === WELCOME && dialing) {
      this.#dialing.delete(link);
      dialing.connection.admitted();
      dialing.welcomed.resolve();
      return;
    } else if (message.action === STOP && link.address === MANAGER) {
      this.#stop();
      return;
    } else if (message.action === EVENT && link.address === MANAGER) {
      this.router.listeners.lifecycle(message.data);
      return;
    }
    this.router.drop(link, new FrameError(`Bad frame from ${link.name}: unexpected "${message.action}"`));
  }
  /**
   * Tells the manager this child is ready (the router calls it once) and
   * returns when the held messages may go: at the manager's go-ahead, in a
   * later task, after the caller's code that follows. Safe as soon as the
   * caller's listeners will be on by then: what the manager sends after
   * `$ready` arrives no earlier, and messages before it are held.
   */
  #sendReady() {
    const released = readGoAhead();
    const manager = this.router.link(MANAGER);
    if (manager) this.router.sendControl(manager, READY);
    released.then(() => this.#gate.startTiming());
    return released;
  }
  #onLinkClosed(address) {
    if (address !== MANAGER || this.router.closing) return;
    this.#listener?.close();
    Deno.exit(ORPHAN_EXIT_CODE);
  }
};

// src/connect.ts
var joined;
function connect(options = {}) {
  joined ??= join(options);
  return joined;
}
__name(connect, "connect");
async function join(options) {
  const child = new ChildSide(await readBootstrap());
  try {
    await child.join();
  } catch (error) {
    await child.close();
    throw error;
  }
  const peer = new Peer(child.router, () => child.close());
  if (options.ready !== false) peer.ready();
  return peer;
}
__name(join, "join");
export {
  ClosedError,
  Cluster,
  DEFAULTS,
  DEFAULT_RESTART,
  FrameError,
  MANAGER,
  NoHandlerError,
  Peer,
  QueueFullError,
  RemoteError,
  SwitchboardError,
  TimeoutError,
  UnreachableError,
  connect,
  responseAction
};
//# sourceMappingURL=switchboard.js.map
