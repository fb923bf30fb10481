/**
 * The Redis building blocks against the real Redis, each "replica" a RedisLink of its own:
 * lease election and expiry, the cross-replica pub/sub, and the shared terminal cache.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Execution } from '../../src/domain/execution.js';
import { RedisTerminalCache } from '../../src/executions/redis-terminal-cache.js';
import { MemoryTerminalCache, TieredTerminalCache } from '../../src/executions/terminal-cache.js';
import type { LiveEvent } from '../../src/live/events.js';
import type { LeaseHolder } from '../../src/live/poll-coordinator.js';
import { RedisLink } from '../../src/live/redis-link.js';
import { RedisPollCoordinator } from '../../src/live/redis-poll-coordinator.js';
import { RedisPubSub } from '../../src/live/redis-pubsub.js';
import { createLogger } from '../../src/logger.js';
import { eventually, sleep } from '../support/subscriptions.js';
import { anExecution } from '../support/executions.js';
import { REDIS_URL, testKeyPrefix } from './redis-support.js';

const LEASE_MS = 300;
const keyPrefix = testKeyPrefix();
const disposers: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function replica(url = REDIS_URL): Promise<{ link: RedisLink; coordinator: RedisPollCoordinator }> {
  const link = await RedisLink.connect({ url, keyPrefix, commandTimeoutMs: 500 }, createLogger('silent'));
  const coordinator = new RedisPollCoordinator(link, LEASE_MS);
  disposers.push(() => link.close(), () => coordinator.close());
  return { link, coordinator };
}

/** Tracks whether a replica currently polls, as LiveExecutions would. */
function holder(): LeaseHolder & { polling: boolean } {
  return {
    polling: false,
    onGranted() {
      this.polling = true;
    },
    onLost() {
      this.polling = false;
    },
  };
}

/** Two replicas contending for one lease, once the first holds it. */
async function contending(lease: string) {
  const [a, b] = [await replica(), await replica()];
  const [onA, onB] = [holder(), holder()];
  a.coordinator.contend(lease, onA);
  await eventually(() => onA.polling);
  b.coordinator.contend(lease, onB);
  return { a, onA, onB };
}

const execution = (status: Execution['status']): Execution =>
  anExecution({ status, upstreamStatus: status.toLowerCase(), createdAt: '2026-03-17T14:35:00.000Z', startedAt: null, input: { n: 1 }, details: { steps: [], output: { answer: 42 } } });

describe('RedisPollCoordinator', () => {
  it('lets exactly one replica poll, and hands over at once when it withdraws', async () => {
    const { a, onA, onB } = await contending('polos:lease-1');
    await sleep(LEASE_MS * 2); // several renewal rounds: the owner keeps it, the other keeps trying
    expect([onA.polling, onB.polling]).toEqual([true, false]);

    const withdrawn = Date.now();
    await a.coordinator.withdraw('polos:lease-1');
    await eventually(() => onB.polling);
    expect(Date.now() - withdrawn).toBeLessThan(LEASE_MS); // the next round, not the expiry
    expect(onA.polling).toBe(true); // withdrawn: told nothing more
  });

  it('a replica that stops renewing loses the lease once it expires', async () => {
    const { a, onA, onB } = await contending('polos:lease-2');
    await sleep(LEASE_MS / 3);
    const cutOff = Date.now();
    a.link.close(); // from Redis's point of view, a crash: no renewal, no release
    await eventually(() => onB.polling, LEASE_MS * 4);
    const takeover = Date.now() - cutOff;
    console.log(`lease expiry: the other replica took over ${takeover} ms after the owner was cut off (lease ${LEASE_MS} ms)`);
    expect(takeover).toBeGreaterThan(LEASE_MS / 2);
    expect(takeover).toBeLessThan(LEASE_MS * 2);
  });

  it('shares the newest event with replicas that do not poll', async () => {
    const [a, b] = [await replica(), await replica()];
    const event: LiveEvent = { type: 'snapshot', execution: execution('RUNNING') };
    expect(await b.coordinator.latest('polos:latest-1')).toBeNull();
    await a.coordinator.record('polos:latest-1', event);
    expect(await b.coordinator.latest('polos:latest-1')).toEqual(event);
  });

  it('without Redis, every replica polls for itself', async () => {
    const { link, coordinator } = await replica('redis://127.0.0.1:1');
    const onA = holder();
    expect(link.state).toBe('degraded');
    coordinator.contend('polos:lease-3', onA);
    await eventually(() => onA.polling);
    expect(await coordinator.latest('polos:lease-3')).toBeNull();
  });
});

describe('RedisPubSub', () => {
  it('delivers a publication once to local listeners and to other replicas, until they unsubscribe', async () => {
    const [a, b] = [await replica(), await replica()];
    const [pubsubA, pubsubB] = [new RedisPubSub<{ n: number }>(a.link), new RedisPubSub<{ n: number }>(b.link)];
    disposers.push(() => pubsubA.close(), () => pubsubB.close());
    const [heardA, heardB] = [[] as number[], [] as number[]];
    await pubsubA.subscribe('topic', (message) => heardA.push(message.n));
    const unsubscribeB = await pubsubB.subscribe('topic', (message) => heardB.push(message.n));

    await pubsubA.publish('topic', { n: 1 });
    await eventually(() => heardB.length === 1);
    await unsubscribeB();
    await pubsubA.publish('topic', { n: 2 });
    await sleep(50);
    expect(heardA).toEqual([1, 2]); // not again through Redis
    expect(heardB).toEqual([1]);
    expect(pubsubB.topicCount).toBe(0);
  });
});

describe('TieredTerminalCache over Redis', () => {
  it('a terminal execution cached by one replica is a hit on another; non-terminal ones are never stored', async () => {
    const [a, b] = [await replica(), await replica()];
    const cacheOf = (link: RedisLink) =>
      new TieredTerminalCache(
        new MemoryTerminalCache({ max: 10, ttlMs: 60_000 }),
        new RedisTerminalCache(link.commands, { key: (id) => link.key(`terminal:${id}`), ttlMs: 60_000 }),
      );
    const [cacheA, cacheB] = [cacheOf(a.link), cacheOf(b.link)];
    await cacheA.set('polos:done', execution('COMPLETED'));
    await cacheA.set('polos:running', execution('RUNNING'));
    expect(await cacheB.get('polos:done')).toEqual(execution('COMPLETED'));
    expect(await cacheB.get('polos:running')).toBeUndefined();
  });

  it('a key that is not valid JSON (written by something else) is a miss, not an error', async () => {
    const { link, coordinator } = await replica();
    const cache = new RedisTerminalCache(link.commands, { key: (id) => link.key(`terminal:${id}`), ttlMs: 60_000 });
    await link.commands.set(link.key('terminal:polos:garbage'), '{not json', 'PX', 60_000);
    await link.commands.set(link.key('latest:polos:garbage'), '{not json', 'PX', 60_000);
    expect(await cache.get('polos:garbage')).toBeUndefined();
    expect(await coordinator.latest('polos:garbage')).toBeNull();
  });
});
