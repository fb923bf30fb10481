/**
 * IdempotentStarts over both stores (in memory, and the real Redis the replicas share), without
 * HTTP: what a key remembers, for how long, and what happens to a start whose replica stopped
 * half-way (its `pending` record is left behind) or whose outcome is unknown.
 */
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import { IdempotentStarts, MemoryIdempotencyStore, type IdempotencyStore, type IdempotentStart } from '../../src/executions/idempotency.js';
import { RedisIdempotencyStore } from '../../src/executions/redis-idempotency-store.js';
import type { StartResult } from '../../src/upstreams/adapter.js';
import { startedExecution } from '../../src/upstreams/polos/mapping.js';
import { REDIS_URL, testKeyPrefix } from '../live/redis-support.js';
import { sleep } from '../support/subscriptions.js';
import { uuid } from '../support/payloads.js';

const redis = new Redis(REDIS_URL, { lazyConnect: true });
const prefix = testKeyPrefix();
afterAll(() => redis.disconnect());

const TTL_MS = 60_000;
const STORES: Record<string, () => IdempotencyStore> = {
  memory: () => new MemoryIdempotencyStore({ ttlMs: TTL_MS, max: 100 }),
  redis: () => new RedisIdempotencyStore(redis, { key: (key) => `${prefix}idempotency:${key}`, ttlMs: TTL_MS }),
};

let counter = 0;
const request = (overrides: Partial<IdempotentStart> = {}): IdempotentStart => ({
  provider: 'polos',
  workflowId: 'wf',
  key: `key-${process.pid}-${++counter}`,
  input: { a: 1, b: [1, 2] },
  nativeKey: false,
  ...overrides,
});

/** A start that counts its calls and answers a new Polos execution (or fails, waits, or never ends). */
function upstream(behaviour: { fail?: GatewayError; delayMs?: number; never?: true } = {}) {
  let calls = 0;
  const start = async (): Promise<StartResult> => {
    calls++;
    if (behaviour.never) await new Promise(() => {});
    if (behaviour.delayMs) await sleep(behaviour.delayMs);
    if (behaviour.fail) throw behaviour.fail;
    return { execution: startedExecution(uuid(calls), 'wf', null), idempotencyKey: null, replayed: false };
  };
  return { start, calls: () => calls };
}

async function rejection(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(() => null, (caught: unknown) => caught);
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe.each(Object.keys(STORES))('IdempotentStarts with the %s store', (storeName) => {
  const starts = (waitMs = 300) => new IdempotentStarts(STORES[storeName]!(), { waitMs });

  it('replays a key, returns the key, and fingerprints the input canonically (key order does not matter)', async () => {
    const idempotency = starts();
    const { start, calls } = upstream();
    const base = request();
    const first = await idempotency.start(base, start);
    expect(first).toMatchObject({ idempotencyKey: base.key, replayed: false });
    const again = await idempotency.start({ ...base, input: { b: [1, 2], a: 1 } }, start);
    expect(again).toEqual({ ...first, replayed: true });
    const otherInput = await rejection(idempotency.start({ ...base, input: { a: 1, b: [2, 1] } }, start));
    expect(otherInput.code).toBe('BAD_USER_INPUT');
    expect(calls()).toBe(1);
  });

  it('scopes a key to provider and workflow', async () => {
    const idempotency = starts();
    const { start, calls } = upstream();
    const base = request();
    await idempotency.start(base, start);
    await idempotency.start({ ...base, workflowId: 'another' }, start);
    await idempotency.start({ ...base, provider: 'promptlayer' }, start);
    expect(calls()).toBe(3);
  });

  it('rejects keys that are empty, too long or not printable ASCII, before starting anything', async () => {
    const idempotency = starts();
    const { start, calls } = upstream();
    for (const key of ['', 'k'.repeat(256), 'line\nbreak', 'clé']) {
      expect((await rejection(idempotency.start(request({ key }), start))).code).toBe('BAD_USER_INPUT');
    }
    expect(calls()).toBe(0);
  });

  it('a start that was never sent (circuit open) forgets the key; an unknown outcome keeps it, for good', async () => {
    const idempotency = starts();
    const refused = upstream({ fail: new GatewayError('UPSTREAM_UNAVAILABLE', 'circuit open', 'polos', { notSent: true }) });
    const unsent = request();
    await rejection(idempotency.start(unsent, refused.start));
    await rejection(idempotency.start(unsent, refused.start));
    expect(refused.calls()).toBe(2);

    const lost = upstream({ fail: new GatewayError('UPSTREAM_UNAVAILABLE', 'Polos failed (HTTP 502).', 'polos') });
    const unknown = request();
    expect((await rejection(idempotency.start(unknown, lost.start))).message).toBe('Polos failed (HTTP 502).');
    const repeat = await rejection(idempotency.start(unknown, lost.start));
    expect(repeat.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(repeat.message).toContain('without a known outcome (Polos failed (HTTP 502).)');
    expect(lost.calls()).toBe(1);
  });

  it('a native key (Flowker) is always passed on again after a failure', async () => {
    const idempotency = starts();
    const lost = upstream({ fail: new GatewayError('UPSTREAM_TIMEOUT', 'Flowker did not answer in time.', 'flowker') });
    const flowker = request({ provider: 'flowker', nativeKey: true });
    await rejection(idempotency.start(flowker, lost.start));
    await rejection(idempotency.start(flowker, lost.start));
    expect(lost.calls()).toBe(2);
  });
});

describe('with Redis, a replica that stopped half-way', () => {
  it('leaves its pending record: another replica waits (bounded), then reports the key in use, and starts nothing', async () => {
    const store = STORES.redis!();
    const crashed = new IdempotentStarts(store, { waitMs: 300 });
    const survivor = new IdempotentStarts(store, { waitMs: 300 });
    const stopped = upstream({ never: true }); // as if its process died mid-start
    const key = request();
    void crashed.start(key, stopped.start).catch(() => {});
    await sleep(50);

    const { start, calls } = upstream();
    const began = Date.now();
    const error = await rejection(survivor.start(key, start));
    expect(Date.now() - began).toBeGreaterThanOrEqual(250);
    expect(Date.now() - began).toBeLessThan(2_000);
    expect(error.code).toBe('IDEMPOTENCY_KEY_IN_USE');
    expect(error.message).toMatch(/began at \S+ and has no outcome yet \(still in flight, or its gateway replica stopped before recording it\)/);
    expect(calls()).toBe(0);
  });

  it('a duplicate on another replica gets the outcome once the first start records it', async () => {
    const store = STORES.redis!();
    const first = new IdempotentStarts(store, { waitMs: 2_000 });
    const second = new IdempotentStarts(store, { waitMs: 2_000 });
    const slow = upstream({ delayMs: 150 });
    const key = request();
    const original = first.start(key, slow.start);
    await sleep(20);
    const duplicate = await second.start(key, slow.start);
    expect(duplicate).toEqual({ ...(await original), replayed: true });
    expect(slow.calls()).toBe(1);
  });

  it('keeps records for IDEMPOTENCY_TTL_MS only', async () => {
    const store = new RedisIdempotencyStore(redis, { key: (key) => `${prefix}idempotency:${key}`, ttlMs: 100 });
    const idempotency = new IdempotentStarts(store, { waitMs: 300 });
    const { start, calls } = upstream();
    const key = request();
    await idempotency.start(key, start);
    await sleep(200);
    expect((await idempotency.start(key, start)).replayed).toBe(false);
    expect(calls()).toBe(2);
  });

  it('while Redis is unavailable, refuses starts with a key (UPSTREAM_UNAVAILABLE) except where the upstream checks keys itself', async () => {
    const away = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const idempotency = new IdempotentStarts(new RedisIdempotencyStore(away, { key: (key) => key, ttlMs: TTL_MS }), { waitMs: 300 });
    const { start, calls } = upstream();
    const refused = await rejection(idempotency.start(request(), start));
    expect(refused.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(refused.message).toContain('Redis is unavailable');
    await idempotency.start(request({ provider: 'flowker', nativeKey: true }), start);
    expect(calls()).toBe(1);
    away.disconnect();
  });
});
