/**
 * The terminal cache the replicas share: one Redis key per terminal execution, its normalized
 * snapshot as JSON, expiring after the terminal cache TTL. A failure is a miss (reads) or a
 * no-op (writes): the cache saves upstream calls, and the upstream still answers while Redis is away.
 */
import type { Redis } from 'ioredis';
import type { Execution } from '../domain/execution.js';
import { isTerminal } from '../domain/execution.js';
import type { TerminalCache } from './terminal-cache.js';

/**
 * A value this project stored as JSON, or undefined when there is none or it does not parse (a
 * key written by something else under the prefix): a miss, never an exception in a caller.
 */
export function parseStored<T>(json: string | null): T | undefined {
  if (json === null) return undefined;
  try {
    return JSON.parse(json) as T;
  } catch {
    return undefined;
  }
}

export interface RedisTerminalCacheOptions {
  /** Maps a global id to its Redis key (prefixed). */
  readonly key: (globalId: string) => string;
  readonly ttlMs: number;
}

export class RedisTerminalCache implements TerminalCache {
  constructor(
    private readonly redis: Redis,
    private readonly options: RedisTerminalCacheOptions,
  ) {}

  async get(globalId: string): Promise<Execution | undefined> {
    const json = await this.redis.get(this.options.key(globalId)).catch(() => null);
    return parseStored<Execution>(json);
  }

  async set(globalId: string, execution: Execution): Promise<void> {
    if (!isTerminal(execution)) return;
    await this.redis.set(this.options.key(globalId), JSON.stringify(execution), 'PX', this.options.ttlMs).catch(() => {});
  }
}
