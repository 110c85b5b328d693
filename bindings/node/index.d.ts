/// <reference types="node" />
import { Transform } from 'node:stream';

export type Direction = 'inbound' | 'outbound' | 'both';
export type Action = 'allow' | 'warn' | 'redact' | 'block' | 'tokenize';

/** One piece of sensitive data. For string input `start`/`end` are string indices (UTF-16
 * code units: `input.slice(f.start, f.end) === f.value`); for a Buffer, byte offsets.
 * `JSON.stringify` and `util.inspect` leave the value out. Made by the scanner only. */
export class Finding {
  private constructor();
  detector: string;
  start: number;
  end: number;
  confidence: number;
  action: Action;
  /** Masked, safe to log: `'************1111'`. */
  readonly preview: string;
  /** The matched text: a string for string input, a view of the Buffer otherwise. Sensitive. */
  readonly value: string | Buffer;
  toJSON(): Omit<Finding, 'value' | 'toJSON'>;
}

/** What the policy decided about one text. */
export interface Decision {
  action: Action;
  findings: Finding[];
  /** The text to pass on; absent when blocked. */
  output?: string | Buffer | null;
  reason?: string | null;
  blockCode?: 'detector' | 'input_too_large' | null;
  truncated: boolean;
}

export interface ScannerOptions {
  /** TOML text, a path to a TOML file, or a policy object; none: every built-in detector, every finding redacted. */
  policy?: string | URL | Record<string, unknown>;
  /** The policy's tenant (its default when absent). */
  tenant?: string;
  /** Only these detector ids. */
  detectors?: string[];
}

export interface StreamOptions {
  direction?: Direction;
  highWaterMark?: number;
}

export interface RedactStream extends Transform {
  /** Bytes written but not yet pushed (they could still be part of a value). */
  readonly heldBack: number;
  /** The decision about the whole stream, once it has ended (byte offsets, empty values). */
  decision?: Decision | null;
}

export interface ScanStream extends Transform {
  on(event: 'finding', listener: (f: Finding) => void): this;
  on(event: string | symbol, listener: (...args: any[]) => void): this;
}

/** The base class of every error dlpjet throws; `code` says what kind. */
export class DlpError extends Error {
  code:
    | 'DLPJET_POLICY_INVALID'
    | 'DLPJET_UNKNOWN_TENANT'
    | 'DLPJET_BLOCKED'
    | 'DLPJET_INVALID_ARGUMENT'
    | 'DLPJET_STREAM_FINISHED'
    | 'DLPJET_AUDIT'
    | 'DLPJET_AUDIT_INVALID'
    | 'DLPJET_INTERNAL';
  /** Policy errors: what kind (`'syntax'`, `'unknown_detector'`, ...), where and why. */
  kind?: string;
  file?: string | null;
  line?: number | null;
  column?: number | null;
  field?: string;
  /** Policy errors: what was wrong; DLPJET_BLOCKED: `'detector'` or `'input_too_large'`. */
  reason?: string;
  detector?: string | null;
  hits?: number | null;
  limit?: number | null;
}
/** A policy that could not be loaded (`kind`, `file`, `line`, `column`, `field`, `reason`). */
export class PolicyError extends DlpError {
  code: 'DLPJET_POLICY_INVALID' | 'DLPJET_UNKNOWN_TENANT';
}
/** The policy has no tenant of the requested name. */
export class UnknownTenantError extends PolicyError {
  code: 'DLPJET_UNKNOWN_TENANT';
}
/** The policy blocks the text (`reason`, `detector`, `hits` or `limit`); never holds the value. */
export class BlockedError extends DlpError {
  code: 'DLPJET_BLOCKED';
}
/** An audit log that could not be written or read, or does not verify. */
export class AuditError extends DlpError {
  code: 'DLPJET_AUDIT' | 'DLPJET_AUDIT_INVALID';
}
/** A bug in dlpjet (a Rust panic), thrown instead of a crash. */
export class InternalError extends DlpError {
  code: 'DLPJET_INTERNAL';
}

export class Scanner {
  constructor(options?: ScannerOptions);
  readonly tenant: string;
  readonly detectors: string[];
  scan(input: string | Buffer | Uint8Array, direction?: Direction): Finding[];
  redact(input: string, direction?: Direction): string;
  redact(input: Buffer | Uint8Array, direction?: Direction): Buffer;
  evaluate(input: string | Buffer | Uint8Array, direction?: Direction): Decision;
  scanAsync(input: string | Buffer | Uint8Array, direction?: Direction): Promise<Finding[]>;
  redactAsync(input: string, direction?: Direction): Promise<string>;
  redactAsync(input: Buffer | Uint8Array, direction?: Direction): Promise<Buffer>;
  createRedactStream(options?: StreamOptions): RedactStream;
  createScanStream(options?: StreamOptions): ScanStream;
}

export function scan(input: string | Buffer | Uint8Array, direction?: Direction): Finding[];
export function redact(input: string, direction?: Direction): string;
export function redact(input: Buffer | Uint8Array, direction?: Direction): Buffer;
export function createRedactStream(options?: StreamOptions & ScannerOptions & { scanner?: Scanner }): RedactStream;
export function createScanStream(options?: StreamOptions & ScannerOptions & { scanner?: Scanner }): ScanStream;
/** The masked preview of a value, as findings show it. */
export function preview(value: string | Buffer): string;
export function catalog(): { id: string; description: string; validation: string; example: string }[];
export const version: string;

export interface AuditFields {
  actor?: string;
  target?: string;
  policyVersion?: string;
  details?: Record<string, string>;
}

/** An audit log open for appending (one process at a time). */
export class AuditLog {
  constructor(path: string, options?: { durability?: 'group' | 'fsync' | 'buffered'; keyFile?: string; salt?: Buffer; checkpointEvery?: number });
  evaluate(scanner: Scanner, input: string | Buffer | Uint8Array, direction?: Direction, fields?: AuditFields): Decision;
  append(tenant: string, action: string, fields?: AuditFields): number;
  checkpoint(): Record<string, unknown>;
  readonly length: number;
  close(): void;
}

export interface AuditReport {
  records: number;
  firstSeq: number;
  segments: number;
  checkpoints: number;
  root: string;
  chain: string;
  warnings: string[];
}

export function auditVerify(path: string, options?: { publicKey?: string; checkpoints?: Record<string, unknown>[]; allowUnsignedTail?: boolean }): AuditReport;
export function auditQuery(
  path: string,
  filter?: { since?: string; until?: string; tenant?: string; actor?: string; action?: string; detector?: string },
): { seq: number; event: Record<string, any> }[];
export function auditKeygen(path: string): string;
