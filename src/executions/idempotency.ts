/**
 * Idempotency keys for every provider, kept by the gateway (Stripe-like): a start with a key the
 * gateway has already seen, for the same provider and workflow within IDEMPOTENCY_TTL_MS,
 * returns the execution that start made (`replayed: true`) instead of starting another; the
 * same key with a different input is BAD_USER_INPUT. Each key has one record, written before the
 * upstream is called (`pending`, claimed atomically, so of two racing starts one calls the
 * upstream and the other waits for its outcome) and replaced by the outcome afterwards.
 *
 * A start whose outcome is unknown is never repeated: one that failed after its request may have
 * reached the upstream (a timeout, a reset connection, a 5xx) leaves an `unknown` record, and one
 * whose replica stopped half-way leaves `pending`; both answer IDEMPOTENCY_KEY_IN_USE for the
 * rest of the window. A start that certainly started nothing (refused before it was sent, or
 * rejected by the upstream with a 4xx) forgets the key, so the same key may try again.
 * Upstreams with keys of their own (Flowker) get the key passed through as well, and since their
 * own check makes a repeat safe, their failures always forget the gateway's record.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import canonicalize from 'canonicalize';
import { LRUCache } from 'lru-cache';
import type { JsonValue } from '../domain/execution.js';
import { GatewayError, isGatewayError, type GatewayErrorCode } from '../domain/errors.js';
import type { Provider } from '../domain/ids.js';
import type { StartResult } from '../upstreams/adapter.js';

export type IdempotencyRecord =
  /** A start is in flight (or its replica stopped before recording the outcome). */
  | { readonly state: 'pending'; readonly fingerprint: string; readonly since: string }
  | { readonly state: 'started'; readonly fingerprint: string; readonly result: StartResult }
  /** The start failed in a way that may have started a run upstream. */
  | { readonly state: 'unknown'; readonly fingerprint: string; readonly since: string; readonly failure: string };

export type PendingRecord = Extract<IdempotencyRecord, { state: 'pending' }>;
export type IdempotencyOutcome = Exclude<IdempotencyRecord, PendingRecord>;

/** Where the records live: this process (MemoryIdempotencyStore) or Redis, shared by every replica. */
export interface IdempotencyStore {
  /** Writes `pending` unless the key has a record; returns that record, or null when this call claimed the key. */
  claim(key: string, pending: PendingRecord): Promise<IdempotencyRecord | null>;
  /** Replaces the key's record with the outcome, for the rest of the retention window. */
  settle(key: string, outcome: IdempotencyOutcome): Promise<void>;
  /** Forgets the key: its start certainly started nothing. */
  release(key: string): Promise<void>;
}

export class MemoryIdempotencyStore implements IdempotencyStore {
  private readonly records: LRUCache<string, IdempotencyRecord>;

  /** `max` bounds memory: past it the least recently used keys are forgotten before their TTL. */
  constructor(options: { readonly ttlMs: number; readonly max: number }) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new TypeError(`Idempotency store max must be a positive integer, got ${options.max}.`);
    if (!(options.ttlMs > 0)) throw new TypeError(`Idempotency store ttlMs must be positive, got ${options.ttlMs}.`);
    this.records = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  async claim(key: string, pending: PendingRecord): Promise<IdempotencyRecord | null> {
    const existing = this.records.get(key);
    if (existing) return existing;
    this.records.set(key, pending);
    return null;
  }

  async settle(key: string, outcome: IdempotencyOutcome): Promise<void> {
    // The window runs from the first start, as in Redis (KEEPTTL).
    if (this.records.has(key)) this.records.set(key, outcome, { noUpdateTTL: true });
  }

  async release(key: string): Promise<void> {
    this.records.delete(key);
  }
}

export interface IdempotentStartOptions {
  /** How long a duplicate waits for a start in flight elsewhere before IDEMPOTENCY_KEY_IN_USE. */
  readonly waitMs: number;
}

export interface IdempotentStart {
  readonly provider: Provider;
  readonly workflowId: string;
  readonly key: string;
  readonly input: JsonValue | null;
  /** The upstream checks the key itself (Flowker): repeating a failed start with it is safe. */
  readonly nativeKey: boolean;
}

/** Visible ASCII and spaces, as the Idempotency-Key header allows; 255 like Stripe's. */
const KEY = /^[\x20-\x7e]{1,255}$/;
/** Failures that say the upstream started nothing: it refused the request, or never saw it. */
const NOTHING_STARTED: ReadonlySet<GatewayErrorCode> = new Set(['BAD_USER_INPUT', 'NOT_SUPPORTED', 'NOT_FOUND', 'UPSTREAM_UNAUTHORIZED', 'UPSTREAM_RATE_LIMITED']);
/** How often a duplicate looks at a record pending on another replica, at first and at most. */
const FIRST_LOOK_MS = 20;
const MAX_LOOK_MS = 250;

export class IdempotentStarts {
  /** Starts this process is making, by record key: a duplicate here awaits them instead of polling. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: IdempotencyStore,
    private readonly options: IdempotentStartOptions,
  ) {}

  /** Runs `start` unless this key already started (or is starting) this workflow. */
  async start(request: IdempotentStart, start: () => Promise<StartResult>): Promise<StartResult> {
    if (!KEY.test(request.key)) throw new GatewayError('BAD_USER_INPUT', 'idempotencyKey must be 1 to 255 printable ASCII characters.', request.provider);
    const key = recordKey(request);
    const fingerprint = fingerprintOf(request.input);
    const giveUpAt = Date.now() + this.options.waitMs;
    for (let look = FIRST_LOOK_MS; ; look = Math.min(look * 2, MAX_LOOK_MS)) {
      await this.inFlight.get(key)?.catch(() => {}); // then its outcome is in the store
      const pending: PendingRecord = { state: 'pending', fingerprint, since: new Date().toISOString() };
      let existing: IdempotencyRecord | null;
      try {
        existing = await this.store.claim(key, pending);
      } catch (error) {
        // Without the store the guarantee cannot be kept across replicas; an upstream key still keeps it.
        if (request.nativeKey) return start();
        throw new GatewayError('UPSTREAM_UNAVAILABLE', 'Idempotency keys cannot be checked right now (Redis is unavailable), so nothing was started; retry with the same key.', request.provider, { cause: error });
      }
      if (existing === null) return this.track(key, this.startClaimed(key, pending, request, start));
      if (existing.fingerprint !== fingerprint) throw reusedWithOtherInput(request);
      if (existing.state === 'started') return { ...existing.result, replayed: true };
      if (existing.state === 'unknown') throw inUse(request, `began at ${existing.since} and failed without a known outcome (${existing.failure}): it may have started a run`);
      if (!this.inFlight.has(key)) {
        const patience = giveUpAt - Date.now();
        if (patience <= 0) throw inUse(request, `began at ${existing.since} and has no outcome yet (still in flight, or its gateway replica stopped before recording it)`);
        await sleep(Math.min(look, patience));
      }
    }
  }

  /** This call claimed the key: start, then record the outcome (or forget the key). */
  private async startClaimed(key: string, { fingerprint, since }: PendingRecord, request: IdempotentStart, start: () => Promise<StartResult>): Promise<StartResult> {
    try {
      const result = { ...(await start()), idempotencyKey: request.key };
      // The run exists whether or not this write succeeds; if it fails the record stays pending,
      // and repeats are refused (IDEMPOTENCY_KEY_IN_USE) rather than started again.
      await this.store.settle(key, { state: 'started', fingerprint, result }).catch(() => {});
      return result;
    } catch (error) {
      const forget = request.nativeKey || (isGatewayError(error) && (error.notSent || NOTHING_STARTED.has(error.code)));
      const failure = error instanceof Error ? error.message : String(error);
      await (forget ? this.store.release(key) : this.store.settle(key, { state: 'unknown', fingerprint, since, failure })).catch(() => {});
      throw error;
    }
  }

  private track<T>(key: string, promise: Promise<T>): Promise<T> {
    this.inFlight.set(key, promise);
    return promise.finally(() => this.inFlight.delete(key));
  }
}

/** One record per provider, workflow and key; hashed, so that any key makes a short, safe store key. */
const recordKey = ({ provider, workflowId, key }: IdempotentStart): string =>
  createHash('sha256').update(JSON.stringify([provider, workflowId, key])).digest('base64url');

/** The input in RFC 8785 canonical JSON, hashed: the same input however its keys are ordered. */
const fingerprintOf = (input: JsonValue | null): string => createHash('sha256').update(canonicalize(input) ?? 'null').digest('base64url');

const reusedWithOtherInput = ({ provider, workflowId, key }: IdempotentStart): GatewayError =>
  new GatewayError(
    'BAD_USER_INPUT',
    `Idempotency key "${key}" was already used to start workflow ${workflowId} with a different input; a key stands for one start, so use a new key for a different input.`,
    provider,
  );

const inUse = ({ provider, key }: IdempotentStart, what: string): GatewayError =>
  new GatewayError(
    'IDEMPOTENCY_KEY_IN_USE',
    `The start with idempotency key "${key}" ${what}. The gateway will not start another with this key: check the provider for the execution, or use a new key.`,
    provider,
  );
