/** Callback tokens, in memory and in real Redis: known, bound, applied exactly once. */
import { afterAll, describe, expect, it } from 'vitest';
import { MemoryCallbackStore, RedisCallbackStore, type CallbackStore } from '../../src/live/callback-store.js';
import { RedisLink } from '../../src/live/redis-link.js';
import { createLogger } from '../../src/logger.js';
import { REDIS_URL, testKeyPrefix } from './redis-support.js';

const links: RedisLink[] = [];
afterAll(() => links.forEach((link) => link.close()));

async function redisStores(): Promise<[CallbackStore, CallbackStore]> {
  const options = { url: REDIS_URL, keyPrefix: testKeyPrefix(), commandTimeoutMs: 500 };
  const [a, b] = await Promise.all([RedisLink.connect(options, createLogger('silent')), RedisLink.connect(options, createLogger('silent'))]);
  links.push(a, b);
  return [new RedisCallbackStore(a), new RedisCallbackStore(b)];
}

describe.each([
  ['memory', async (): Promise<[CallbackStore, CallbackStore]> => { const store = new MemoryCallbackStore(); return [store, store]; }],
  ['Redis, two replicas', redisStores],
])('callback store (%s)', (_name, stores) => {
  it('a token is applied once, wherever the callback lands', async () => {
    const [started, other] = await stores();
    await started.reserve('t1');
    await started.bind('t1', 'promptlayer:1');
    expect(await other.peek('t1')).toEqual({ state: 'pending', globalId: 'promptlayer:1' });
    expect(await other.expecting('promptlayer:1')).toBe(true);
    const claims = await Promise.all([other.claim('t1'), other.claim('t1'), started.claim('t1')]);
    expect(claims.filter((claim) => claim.outcome === 'accepted')).toEqual([{ outcome: 'accepted', globalId: 'promptlayer:1' }]);
    expect(await other.peek('t1')).toMatchObject({ state: 'applied' });
    expect(await other.expecting('promptlayer:1')).toBe(false);
    expect(await other.claim('t1')).toEqual({ outcome: 'replayed' });
  });

  it('unknown and discarded tokens are unknown; a reserved one is pending, bound to nothing yet', async () => {
    const [started, other] = await stores();
    expect(await other.claim('nope')).toEqual({ outcome: 'unknown' });
    await started.reserve('t2');
    expect(await other.peek('t2')).toEqual({ state: 'pending', globalId: null });
    await started.discard('t2');
    expect(await other.peek('t2')).toEqual({ state: 'unknown', globalId: null });
  });
});
