/**
 * Terminal executions never change, so once seen they are kept and served without an upstream
 * call. Only terminal snapshots are ever stored: non-terminal data is never served stale.
 * The interface is async so that a shared (Redis) cache can stand behind it.
 */
import { LRUCache } from 'lru-cache';
import type { Execution } from '../domain/execution.js';
import { isTerminal } from '../domain/execution.js';

export interface TerminalCache {
  get(globalId: string): Promise<Execution | undefined>;
  /**
   * What this process itself holds, answered at once (a cache behind the network has nothing to
   * give this way). Only a hit is counted: on a miss the caller goes on to `get`, which counts.
   */
  peek?(globalId: string): Execution | undefined;
  /** Ignores non-terminal executions, so callers need not check. */
  set(globalId: string, execution: Execution): Promise<void>;
}

export interface CacheObserver {
  onLookup?(hit: boolean): void;
}

export class MemoryTerminalCache implements TerminalCache {
  private readonly lru: LRUCache<string, Execution>;

  constructor(
    options: { max: number; ttlMs: number },
    private readonly observer: CacheObserver = {},
  ) {
    if (!Number.isInteger(options.max) || options.max < 1) throw new TypeError(`Terminal cache max must be a positive integer, got ${options.max}.`);
    if (!(options.ttlMs > 0)) throw new TypeError(`Terminal cache ttlMs must be positive, got ${options.ttlMs}.`);
    this.lru = new LRUCache({ max: options.max, ttl: options.ttlMs });
  }

  async get(globalId: string): Promise<Execution | undefined> {
    const execution = this.lru.get(globalId);
    this.observer.onLookup?.(execution !== undefined);
    return execution;
  }

  peek(globalId: string): Execution | undefined {
    const execution = this.lru.get(globalId);
    if (execution) this.observer.onLookup?.(true);
    return execution;
  }

  async set(globalId: string, execution: Execution): Promise<void> {
    if (isTerminal(execution)) this.lru.set(globalId, execution);
  }
}

/**
 * A near cache in front of a far one: with replicas, this process's LRU in front of the cache
 * they share (Redis). A far hit is kept near, so each replica asks the far cache once per execution.
 */
export class TieredTerminalCache implements TerminalCache {
  constructor(
    private readonly near: TerminalCache,
    private readonly far: TerminalCache,
    private readonly observer: CacheObserver = {},
  ) {}

  async get(globalId: string): Promise<Execution | undefined> {
    let execution = await this.near.get(globalId);
    if (!execution) {
      execution = await this.far.get(globalId);
      if (execution) await this.near.set(globalId, execution);
    }
    this.observer.onLookup?.(execution !== undefined);
    return execution;
  }

  peek(globalId: string): Execution | undefined {
    const execution = this.near.peek?.(globalId);
    if (execution) this.observer.onLookup?.(true);
    return execution;
  }

  async set(globalId: string, execution: Execution): Promise<void> {
    await Promise.all([this.near.set(globalId, execution), this.far.set(globalId, execution)]);
  }
}
