/**
 * Idempotency records the replicas share: one Redis key each, expiring after IDEMPOTENCY_TTL_MS
 * from the first start. `SET NX GET` claims a key and reads what another start recorded in one
 * atomic round trip (Redis 7), so of two replicas racing on a key exactly one calls the upstream.
 * Unlike the terminal cache, a failing Redis is not a miss here: the error reaches the caller,
 * which refuses the start rather than risk starting it twice (see idempotency.ts).
 */
import type { Redis } from 'ioredis';
import type { IdempotencyOutcome, IdempotencyRecord, IdempotencyStore, PendingRecord } from './idempotency.js';
import { parseStored } from './redis-terminal-cache.js';

export interface RedisIdempotencyStoreOptions {
  /** Maps a record key to its Redis key (prefixed). */
  readonly key: (recordKey: string) => string;
  readonly ttlMs: number;
}

export class RedisIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisIdempotencyStoreOptions,
  ) {}

  async claim(key: string, pending: PendingRecord): Promise<IdempotencyRecord | null> {
    const previous = await this.redis.set(this.options.key(key), JSON.stringify(pending), 'PX', this.options.ttlMs, 'NX', 'GET');
    if (previous === null) return null;
    // Something unreadable under the key (not written by this gateway) counts as a start in flight.
    return parseStored<IdempotencyRecord>(previous) ?? { ...pending, since: 'an unknown time' };
  }

  async settle(key: string, outcome: IdempotencyOutcome): Promise<void> {
    await this.redis.set(this.options.key(key), JSON.stringify(outcome), 'KEEPTTL', 'XX');
  }

  async release(key: string): Promise<void> {
    await this.redis.del(this.options.key(key));
  }
}
