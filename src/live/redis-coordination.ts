/**
 * What this replica shares with the others: live events, who polls which execution, the
 * terminal cache, the idempotency keys of starts and the PromptLayer callback tokens. Through Redis when REDIS_URL is set (see docs/replicas.md); otherwise nothing
 * is shared and everything stays in-process, as for a single replica.
 */
import type { Config } from '../config.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../executions/idempotency.js';
import { RedisIdempotencyStore } from '../executions/redis-idempotency-store.js';
import { RedisTerminalCache } from '../executions/redis-terminal-cache.js';
import { releaseAll } from '../lifecycle.js';
import { MemoryTerminalCache, TieredTerminalCache, type CacheObserver, type TerminalCache } from '../executions/terminal-cache.js';
import type { Logger } from '../logger.js';
import { MemoryCallbackStore, RedisCallbackStore, type CallbackStore } from './callback-store.js';
import type { LiveEvent } from './events.js';
import { LocalPollCoordinator, type PollCoordinator } from './poll-coordinator.js';
import { MemoryPubSub, type PubSub } from './pubsub.js';
import { RedisLink, type RedisState } from './redis-link.js';
import { RedisPollCoordinator } from './redis-poll-coordinator.js';
import { RedisPubSub } from './redis-pubsub.js';

/** For readiness and metrics: `degraded` still serves correctly, each replica on its own. */
export type RedisStatus = 'disabled' | RedisState;

export interface Coordination {
  readonly pubsub: PubSub<LiveEvent>;
  readonly pollCoordinator: PollCoordinator;
  readonly terminalCache: TerminalCache;
  readonly idempotency: IdempotencyStore;
  /** PromptLayer callback tokens (see callbacks.ts). */
  readonly callbackStore: CallbackStore;
  readonly redis: RedisStatus;
  close(): Promise<void>;
}

export interface CoordinationDeps {
  readonly logger: Logger;
  readonly cacheObserver: CacheObserver;
}

export async function startCoordination(config: Config, deps: CoordinationDeps): Promise<Coordination> {
  if (config.redisUrl === null) {
    const idempotency = new MemoryIdempotencyStore({ ttlMs: config.idempotency.ttlMs, max: config.idempotency.maxKeys });
    return coordination(new MemoryPubSub(), new LocalPollCoordinator(), new MemoryTerminalCache(config.terminalCache, deps.cacheObserver), idempotency, new MemoryCallbackStore());
  }
  const link = await RedisLink.connect({ url: config.redisUrl, ...config.redis }, deps.logger);
  const shared = new RedisTerminalCache(link.commands, { key: (globalId) => link.key(`terminal:${globalId}`), ttlMs: config.terminalCache.ttlMs });
  const terminalCache = new TieredTerminalCache(new MemoryTerminalCache(config.terminalCache), shared, deps.cacheObserver);
  const idempotency = new RedisIdempotencyStore(link.commands, { key: (recordKey) => link.key(`idempotency:${recordKey}`), ttlMs: config.idempotency.ttlMs });
  return coordination(new RedisPubSub(link), new RedisPollCoordinator(link, config.redis.leaseMs), terminalCache, idempotency, new RedisCallbackStore(link), link);
}

function coordination(
  pubsub: PubSub<LiveEvent>,
  pollCoordinator: PollCoordinator,
  terminalCache: TerminalCache,
  idempotency: IdempotencyStore,
  callbackStore: CallbackStore,
  link: RedisLink | null = null,
): Coordination {
  return {
    pubsub,
    pollCoordinator,
    terminalCache,
    idempotency,
    callbackStore,
    get redis(): RedisStatus {
      return link?.state ?? 'disabled';
    },
    close: () =>
      releaseAll([
        { name: 'poll leases', release: () => pollCoordinator.close() },
        { name: 'pub/sub', release: () => pubsub.close() },
        { name: 'redis connections', release: () => link?.close() },
      ]),
  };
}
