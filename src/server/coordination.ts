/**
 * Part of the composition root: what this replica shares with the others, built here and handed
 * to the parts that use it: live events and who polls which execution (src/live/), the terminal
 * cache and the idempotency keys of starts (src/executions/), the PromptLayer callback tokens.
 * Through Redis when REDIS_URL is set (see docs/replicas.md); otherwise nothing is shared and each
 * part keeps its state in memory, as for a single replica.
 */
import type { Config } from '../config.js';
import { MemoryIdempotencyStore, type IdempotencyStore } from '../executions/idempotency.js';
import { RedisIdempotencyStore } from '../executions/redis-idempotency-store.js';
import { RedisTerminalCache } from '../executions/redis-terminal-cache.js';
import { releaseAll } from '../lifecycle.js';
import { MemoryTerminalCache, TieredTerminalCache, type CacheObserver, type TerminalCache } from '../executions/terminal-cache.js';
import type { Logger } from '../logger.js';
import { MemoryCallbackStore, RedisCallbackStore, type CallbackStore } from '../live/callback-store.js';
import type { LiveEvent } from '../live/events.js';
import { LocalPollCoordinator, type PollCoordinator } from '../live/poll-coordinator.js';
import { MemoryPubSub, type PubSub } from '../live/pubsub.js';
import { RedisLink, type RedisState } from '../live/redis-link.js';
import { RedisPollCoordinator } from '../live/redis-poll-coordinator.js';
import { RedisPubSub } from '../live/redis-pubsub.js';

/** For readiness and metrics: `degraded` still serves correctly, each replica on its own. */
export type RedisStatus = 'disabled' | RedisState;

export interface Coordination {
  readonly pubsub: PubSub<LiveEvent>;
  readonly pollCoordinator: PollCoordinator;
  readonly terminalCache: TerminalCache;
  readonly idempotency: IdempotencyStore;
  /** PromptLayer callback tokens (see src/live/callbacks.ts). */
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
    return coordination({
      pubsub: new MemoryPubSub(),
      pollCoordinator: new LocalPollCoordinator(),
      terminalCache: new MemoryTerminalCache(config.terminalCache, deps.cacheObserver),
      idempotency: new MemoryIdempotencyStore({ ttlMs: config.idempotency.ttlMs, max: config.idempotency.maxKeys }),
      callbackStore: new MemoryCallbackStore(),
      link: null,
    });
  }
  const link = await RedisLink.connect({ url: config.redisUrl, ...config.redis }, deps.logger);
  const shared = new RedisTerminalCache(link.commands, { key: (globalId) => link.key(`terminal:${globalId}`), ttlMs: config.terminalCache.ttlMs });
  return coordination({
    pubsub: new RedisPubSub(link),
    pollCoordinator: new RedisPollCoordinator(link, config.redis.leaseMs),
    terminalCache: new TieredTerminalCache(new MemoryTerminalCache(config.terminalCache), shared, deps.cacheObserver),
    idempotency: new RedisIdempotencyStore(link.commands, { key: (recordKey) => link.key(`idempotency:${recordKey}`), ttlMs: config.idempotency.ttlMs }),
    callbackStore: new RedisCallbackStore(link),
    link,
  });
}

type Parts = Omit<Coordination, 'redis' | 'close'> & { readonly link: RedisLink | null };

function coordination({ link, ...parts }: Parts): Coordination {
  return {
    ...parts,
    get redis(): RedisStatus {
      return link?.state ?? 'disabled';
    },
    close: () =>
      releaseAll([
        { name: 'poll leases', release: () => parts.pollCoordinator.close() },
        { name: 'pub/sub', release: () => parts.pubsub.close() },
        { name: 'redis connections', release: () => link?.close() },
      ]),
  };
}
