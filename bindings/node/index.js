'use strict';
/**
 * dlpjet for Node: find, validate and redact sensitive data at native speed.
 *
 *   const { Scanner } = require('dlpjet');
 *   const s = new Scanner();                  // every built-in detector, every finding redacted
 *   s.redact('card 4111 1111 1111 1111');     // 'card [CREDIT_CARD]'
 *   await s.scanAsync(bigBuffer);             // on the libuv thread pool
 *   req.pipe(s.createRedactStream()).pipe(upstream);
 */
const { Transform } = require('node:stream');
const native = require('./native.js');

// Codes and names come from the native module (the policy crate's one table).
const ACTIONS = native.actionNames();
const DIRECTIONS = Object.fromEntries(native.directionNames().map((name, code) => [name, code]));

const STARS = '********************';
const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF]/gu;
const CONTROL = /\p{Cc}/u;

/**
 * The masked preview of a value, as the engine makes it: of values of 12 or more characters
 * the last four stay visible, the rest are `*`, at most 20 characters; control characters show
 * as spaces, zero-width characters are dropped. (test/api.test.js compares it with the engine.)
 */
function preview(value) {
  const s = typeof value === 'string' ? value : value.toString('utf8');
  const chars = [...s.replace(ZERO_WIDTH, '')];
  const keep = chars.length >= 12 ? 4 : 0;
  const shown = chars.slice(chars.length - keep).map((c) => (CONTROL.test(c) ? ' ' : c)).join('');
  return STARS.slice(0, Math.min(chars.length - keep, 20 - keep)) + shown;
}

/**
 * One piece of sensitive data. `value` (the matched text: a string for string input, a view of
 * the Buffer for a Buffer) and `preview` are made when read; JSON leaves the value out.
 */
class Finding {
  #input;

  constructor(detector, start, end, confidence, action, input) {
    this.detector = detector;
    this.start = start;
    this.end = end;
    this.confidence = confidence;
    this.action = action;
    this.#input = input;
  }

  /** The matched text. Sensitive. */
  get value() {
    const input = this.#input;
    return typeof input === 'string' ? input.slice(this.start, this.end) : input.subarray(this.start, this.end);
  }

  /** A masked form of the value, safe to log. */
  get preview() {
    return preview(this.value);
  }

  /** Everything but the raw value (so that logging a finding does not leak it). */
  toJSON() {
    const { detector, start, end, confidence, action } = this;
    return { detector, start, end, confidence, action, preview: this.preview };
  }

  /** `console.log` and `util.inspect` show what `toJSON` gives: the preview, not the value. */
  [Symbol.for('nodejs.util.inspect.custom')](_depth, options, inspect) {
    return `Finding ${inspect(this.toJSON(), options)}`;
  }
}

/**
 * A finding the native module handed over with its value already cut out (policy decisions,
 * scan streams): the same shape and the same masking as `Finding`, so that logging a decision
 * or a 'finding' event shows the preview, never the value.
 */
class HeldFinding extends Finding {
  #value;
  #preview;

  constructor({ detector, start, end, confidence, action, preview: shown, value }) {
    super(detector, start, end, confidence, action, undefined);
    this.#value = value;
    this.#preview = shown;
  }

  /** The matched text. Sensitive. */
  get value() {
    return this.#value;
  }

  /** A masked form of the value, safe to log. */
  get preview() {
    return this.#preview;
  }
}

/** A policy decision with its findings masked like `Finding`s. */
function decision(d) {
  d.findings = d.findings.map((f) => new HeldFinding(f));
  return d;
}

/** Finding objects from the native module's packed form (see `Packed` in src/lib.rs). */
function unpack(nums, input, ids) {
  if (nums === null || nums === undefined) return [];
  const out = new Array(nums.length / 5);
  for (let i = 0, k = 0; i < out.length; i++, k += 5) {
    out[i] = new Finding(ids[nums[k + 4]], nums[k], nums[k + 1], nums[k + 2], ACTIONS[nums[k + 3]], input);
  }
  return out;
}

/**
 * The base class of every error dlpjet throws: `code` says what kind (DLPJET_POLICY_INVALID,
 * DLPJET_BLOCKED, ...), and the subclasses below say it in the type too.
 */
class DlpError extends Error {
  constructor(details) {
    super(details.message);
    this.name = new.target.name;
    for (const [k, v] of Object.entries(details)) {
      if (k !== 'message' && v !== undefined) this[k] = v;
    }
  }
}

/** A policy that could not be loaded: `kind`, `file`, `line`, `column`, `field`, `reason`. */
class PolicyError extends DlpError {}
/** The policy has no tenant of the requested name (code DLPJET_UNKNOWN_TENANT). */
class UnknownTenantError extends PolicyError {}
/** The policy blocks the text: `reason`, `detector` and `hits`, or `limit`. Never the value. */
class BlockedError extends DlpError {}
/** An audit log that could not be written or read (DLPJET_AUDIT), or does not verify (DLPJET_AUDIT_INVALID). */
class AuditError extends DlpError {}
/** A bug in dlpjet (a Rust panic), thrown instead of a crash. */
class InternalError extends DlpError {}

/** The class of each error code; codes not listed are plain DlpErrors. */
const ERROR_CLASSES = {
  DLPJET_POLICY_INVALID: PolicyError,
  DLPJET_UNKNOWN_TENANT: UnknownTenantError,
  DLPJET_BLOCKED: BlockedError,
  DLPJET_AUDIT: AuditError,
  DLPJET_AUDIT_INVALID: AuditError,
  DLPJET_INTERNAL: InternalError,
};

/** An invalid argument: a TypeError with code DLPJET_INVALID_ARGUMENT, as thrown here too. */
function invalid(message) {
  const e = new TypeError(message);
  e.code = 'DLPJET_INVALID_ARGUMENT';
  return e;
}

/**
 * The native module throws `Error`s with a `DLPJET_*` code and their details as properties; this
 * gives each the class of its code (the stack and properties kept). Other errors pass unchanged.
 */
function convert(e) {
  if (!(e instanceof Error) || typeof e.code !== 'string' || !e.code.startsWith('DLPJET_')) return e;
  if (e.code === 'DLPJET_INVALID_ARGUMENT') return Object.setPrototypeOf(e, TypeError.prototype);
  const cls = ERROR_CLASSES[e.code] ?? DlpError;
  Object.setPrototypeOf(e, cls.prototype);
  e.name = cls.name;
  return e;
}

function call(f) {
  try {
    return f();
  } catch (e) {
    throw convert(e);
  }
}

function checkInput(input, what) {
  if (typeof input !== 'string' && !Buffer.isBuffer(input)) {
    if (input instanceof Uint8Array) return Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    throw invalid(`${what} expects a string or a Buffer, got ${input === null ? 'null' : typeof input}`);
  }
  return input;
}

/** The native code of a direction name. */
function checkDirection(direction) {
  const code = typeof direction === 'string' ? DIRECTIONS[direction] : undefined;
  if (code === undefined || !Object.hasOwn(DIRECTIONS, direction)) {
    throw invalid(`direction must be "inbound", "outbound" or "both", not ${JSON.stringify(direction)}`);
  }
  return code;
}

/** A string is TOML when it has a newline, `=` or `[` in it; otherwise it names a file. */
function isToml(s) {
  return /[\n=[]/.test(s);
}

class Scanner {
  /**
   * @param {object} [options]
   * @param {string|object} [options.policy] TOML text, a path to a TOML file, or a policy object;
   *   none: every built-in detector, every finding redacted.
   * @param {string} [options.tenant] the policy's tenant (its default when absent).
   * @param {string[]} [options.detectors] only these detector ids.
   */
  constructor(options = {}) {
    if (options === null || typeof options !== 'object') throw invalid('options must be an object');
    const { policy, tenant, detectors } = options;
    let text = null;
    let file = null;
    let json = null;
    if (typeof policy === 'string') {
      if (isToml(policy)) text = policy;
      else file = policy;
    } else if (policy instanceof URL) {
      file = require('node:url').fileURLToPath(policy);
    } else if (policy !== undefined && policy !== null) {
      if (typeof policy !== 'object' || Array.isArray(policy)) {
        throw invalid(`policy must be TOML text, a path or a policy object, not ${typeof policy}`);
      }
      json = JSON.stringify(policy);
    }
    if (tenant !== undefined && tenant !== null && typeof tenant !== 'string') throw invalid('tenant must be a string');
    if (detectors !== undefined && detectors !== null &&
        (!Array.isArray(detectors) || detectors.some((d) => typeof d !== 'string'))) {
      throw invalid('detectors must be an array of detector ids');
    }
    this._native = call(() => native.NativeScanner.compile(text, file, json, tenant ?? null, detectors ?? null));
    this._ids = this._native.detectors;
  }

  /** The tenant whose policy this scanner applies. */
  get tenant() {
    return this._native.tenant;
  }

  /** The ids of the detectors this scanner runs. */
  get detectors() {
    return [...this._ids];
  }

  /** Findings in `input` (string: UTF-16 offsets; Buffer: byte offsets), in order. */
  scan(input, direction = 'inbound') {
    input = checkInput(input, 'scan()');
    const d = checkDirection(direction);
    const packed = call(() => (typeof input === 'string' ? this._native.scanText(input, d) : this._native.scanBytes(input, d)));
    return unpack(packed, input, this._ids);
  }

  /** `input` with the findings the policy redacts rewritten; throws DLPJET_BLOCKED when blocked. */
  redact(input, direction = 'inbound') {
    input = checkInput(input, 'redact()');
    return call(() => this._native.redact(input, checkDirection(direction)));
  }

  /** The policy's decision: action, findings, output (null when blocked), reason. */
  evaluate(input, direction = 'inbound') {
    input = checkInput(input, 'evaluate()');
    return decision(call(() => this._native.evaluate(input, checkDirection(direction))));
  }

  /** `scan` on the libuv thread pool; the event loop keeps running. */
  async scanAsync(input, direction = 'inbound') {
    input = checkInput(input, 'scanAsync()');
    try {
      return unpack(await this._native.scanAsync(input, checkDirection(direction)), input, this._ids);
    } catch (e) {
      throw convert(e);
    }
  }

  /** `redact` on the libuv thread pool. */
  async redactAsync(input, direction = 'inbound') {
    input = checkInput(input, 'redactAsync()');
    try {
      return await this._native.redactAsync(input, checkDirection(direction));
    } catch (e) {
      throw convert(e);
    }
  }

  /**
   * A Transform that redacts what flows through it: only the bytes that could still be part of
   * a value are held back. It fails with DLPJET_BLOCKED when the policy blocks the stream;
   * nothing of the blocking value has been pushed. `finish` event: `stream.decision`.
   */
  createRedactStream(options = {}) {
    const st = call(() => this._native.redactStream(checkDirection(options.direction ?? 'inbound')));
    const t = new Transform({
      ...streamOptions(options),
      transform(chunk, encoding, cb) {
        try {
          const out = st.push(toBuffer(chunk, encoding));
          cb(null, out.length ? out : undefined);
        } catch (e) {
          cb(convert(e));
        }
      },
      flush(cb) {
        try {
          const out = st.finish();
          t.decision = st.decision;
          cb(null, out.length ? out : undefined);
        } catch (e) {
          t.decision = st.decision;
          cb(convert(e));
        }
      },
    });
    Object.defineProperty(t, 'heldBack', { get: () => st.heldBack });
    return t;
  }

  /**
   * A Transform that passes its data through unchanged and emits a 'finding' event for each
   * finding (byte offsets from the start of the stream) as soon as it is certain.
   */
  createScanStream(options = {}) {
    const st = call(() => this._native.scanStream(checkDirection(options.direction ?? 'inbound')));
    return new Transform({
      ...streamOptions(options),
      transform(chunk, encoding, cb) {
        try {
          for (const f of st.push(toBuffer(chunk, encoding))) this.emit('finding', new HeldFinding(f));
          cb(null, chunk);
        } catch (e) {
          cb(convert(e));
        }
      },
      flush(cb) {
        try {
          for (const f of st.finish()) this.emit('finding', new HeldFinding(f));
          cb();
        } catch (e) {
          cb(convert(e));
        }
      },
    });
  }
}

function toBuffer(chunk, encoding) {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding === 'buffer' ? 'utf8' : encoding);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw invalid(`stream chunks must be strings or Buffers, not ${typeof chunk}`);
}

function streamOptions(options) {
  const o = {};
  if (options.highWaterMark !== undefined) o.highWaterMark = options.highWaterMark;
  return o;
}

/**
 * An audit log open for appending (one process at a time). `salt` (a Buffer of 16 bytes or
 * more, kept secret) keys the fingerprints of found values — values are never written;
 * `keyFile` (from `auditKeygen`) signs checkpoints. Call `close()` when done.
 */
class AuditLog {
  constructor(path, { durability = 'group', keyFile, salt, checkpointEvery } = {}) {
    if (typeof path !== 'string') throw invalid('path must be a string');
    if (salt !== undefined && !Buffer.isBuffer(salt)) throw invalid('salt must be a Buffer');
    this._native = call(() => native.NativeAuditLog.open(path, durability, keyFile ?? null, salt ?? null, checkpointEvery ?? null));
  }

  /** Applies `scanner`'s policy to `input`, records the decision and returns it. */
  evaluate(scanner, input, direction = 'inbound', fields = {}) {
    if (!(scanner instanceof Scanner)) throw invalid('evaluate() needs a Scanner');
    input = checkInput(input, 'evaluate()');
    return decision(call(() => this._native.evaluate(scanner._native, input, checkDirection(direction), fields)));
  }

  /** Records an administrative event (`'policy_change'`, `'login'`, ...); returns its sequence number. */
  append(tenant, action, fields = {}) {
    return call(() => this._native.append(tenant, action, fields));
  }

  /** A signed checkpoint of everything so far (needs `keyFile`): keep it somewhere else. */
  checkpoint() {
    return JSON.parse(call(() => this._native.checkpoint()));
  }

  get length() {
    return this._native.length;
  }

  close() {
    call(() => this._native.close());
  }
}

let defaultScanner = null;

/** The scanner the module-level functions use: every built-in detector, every finding redacted. */
function getDefaultScanner() {
  if (defaultScanner === null) defaultScanner = new Scanner();
  return defaultScanner;
}

function scannerOf(options) {
  if (options.scanner) return options.scanner;
  if (options.policy !== undefined || options.tenant !== undefined || options.detectors !== undefined) {
    return new Scanner(options);
  }
  return getDefaultScanner();
}

module.exports = {
  Scanner,
  DlpError,
  PolicyError,
  UnknownTenantError,
  BlockedError,
  AuditError,
  InternalError,
  scan: (input, direction) => getDefaultScanner().scan(input, direction),
  redact: (input, direction) => getDefaultScanner().redact(input, direction),
  createRedactStream: (options = {}) => scannerOf(options).createRedactStream(options),
  createScanStream: (options = {}) => scannerOf(options).createScanStream(options),
  Finding,
  preview,
  AuditLog,
  /** Verifies an audit log: the report, or an Error with code DLPJET_AUDIT_INVALID naming the first bad record. */
  auditVerify: (path, { publicKey, checkpoints, allowUnsignedTail } = {}) =>
    JSON.parse(call(() => native.auditVerify(path, publicKey ?? null, checkpoints ? checkpoints.map((c) => JSON.stringify(c)) : null, allowUnsignedTail ?? false))),
  /** The events matching every filter given, oldest first: [{ seq, event }]. */
  auditQuery: (path, filter = {}) =>
    call(() => native.auditQuery(path, filter)).split('\n').filter((l) => l).map((l) => JSON.parse(l)),
  /** Makes a checkpoint key pair (`path`, `path.pub`); returns the key id. */
  auditKeygen: (path) => call(() => native.auditKeygen(path)),
  catalog: () => native.catalog(),
  version: native.version(),
  _raiseInternalErrorForTests: () => call(() => native.raiseInternalErrorForTests()),
};
