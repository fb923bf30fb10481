/**
 * What this replica shares with the others: live events, who polls which execution, the
 * terminal cache and the PromptLayer callback tokens. Through Redis when REDIS_URL is set (see docs/replicas.md); otherwise nothing
 * is shared and everything stays in-process, as for a single replica.
 */
import type { Config } from '../config.js';
import { RedisTerminalCache } from '../executions/redis-terminal-cache.js';
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
    return coordination(new MemoryPubSub(), new LocalPollCoordinator(), new MemoryTerminalCache(config.terminalCache, deps.cacheObserver), new MemoryCallbackStore());
  }
  const link = await RedisLink.connect({ url: config.redisUrl, ...config.redis }, deps.logger);
  const shared = new RedisTerminalCache(link.commands, { key: (globalId) => link.key(`terminal:${globalId}`), ttlMs: config.terminalCache.ttlMs });
  const terminalCache = new TieredTerminalCache(new MemoryTerminalCache(config.terminalCache), shared, deps.cacheObserver);
  return coordination(new RedisPubSub(link), new RedisPollCoordinator(link, config.redis.leaseMs), terminalCache, new RedisCallbackStore(link), link);
}

function coordination(
  pubsub: PubSub<LiveEvent>,
  pollCoordinator: PollCoordinator,
  terminalCache: TerminalCache,
  callbackStore: CallbackStore,
  link: RedisLink | null = null,
): Coordination {
  return {
    pubsub,
    pollCoordinator,
    terminalCache,
    callbackStore,
    get redis(): RedisStatus {
      return link?.state ?? 'disabled';
    },
    async close() {
      await pollCoordinator.close();
      await pubsub.close();
      link?.close();
    },
  };
}
