/**
 * ExecutionReader and the terminal caches at their seams: a fake adapter that counts its calls
 * and answers when the test says so, and real caches. What the end-to-end tests prove through the
 * gateway (single-flight, cache first, details once), here on each path by itself.
 */
import { describe, expect, it } from 'vitest';
import type { Execution, ExecutionDetails } from '../../src/domain/execution.js';
import type { ExecutionRef } from '../../src/domain/ids.js';
import { ExecutionReader } from '../../src/executions/reader.js';
import { MemoryTerminalCache, TieredTerminalCache, type TerminalCache } from '../../src/executions/terminal-cache.js';
import { capabilities, type ExecutionAdapter, type ListPage } from '../../src/upstreams/adapter.js';
import { anExecution } from '../support/executions.js';
import { uuid } from '../support/payloads.js';

const REF: ExecutionRef = { provider: 'polos', upstreamId: uuid(1) };
const DETAILS: ExecutionDetails = { steps: [], output: { answer: 42 } };
const completed = (overrides: Partial<Execution> = {}) => anExecution({ status: 'COMPLETED', upstreamStatus: 'completed', ...overrides });

/** A promise the test settles by hand: calls stay in flight until it does. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A Polos adapter that counts its calls; each call answers `answer()` (a value or a pending promise). */
class FakeAdapter {
  readonly provider = 'polos' as const;
  capabilities = capabilities({ list: true, listByStatus: true, partialListItems: true });
  readonly calls = { execution: 0, details: 0, list: 0 };
  answer: () => Promise<Execution | null> = async () => anExecution();
  details: () => Promise<ExecutionDetails | null> = async () => DETAILS;
  page: ListPage = { executions: [], next: null };

  async fetchExecution(upstreamId: string): Promise<Execution | null> {
    this.calls.execution++;
    const execution = await this.answer();
    return execution && { ...execution, upstreamId };
  }

  fetchDetails(): Promise<ExecutionDetails | null> {
    this.calls.details++;
    return this.details();
  }

  async listExecutions(): Promise<ListPage> {
    this.calls.list++;
    return this.page;
  }

  async close(): Promise<void> {}
}

function setup(cache: TerminalCache = new MemoryTerminalCache({ max: 100, ttlMs: 60_000 })) {
  const adapter = new FakeAdapter();
  const reader = new ExecutionReader([adapter as unknown as ExecutionAdapter], cache);
  return { adapter, reader, cache };
}

describe('ExecutionReader: single-flight', () => {
  it('concurrent reads of one execution share one upstream call, and the next read after it settles makes another', async () => {
    const { adapter, reader } = setup();
    const pending = deferred<Execution | null>();
    adapter.answer = () => pending.promise;
    const reads = [reader.freshExecution(REF), reader.freshExecution(REF), reader.cachedExecution(REF)];
    await Promise.resolve();
    pending.resolve(anExecution());
    const results = await Promise.all(reads);
    expect(results.map((execution) => execution?.status)).toEqual(['RUNNING', 'RUNNING', 'RUNNING']);
    expect(adapter.calls.execution).toBe(1);

    adapter.answer = async () => anExecution();
    await reader.freshExecution(REF);
    expect(adapter.calls.execution).toBe(2);
  });

  it('different executions are not shared', async () => {
    const { adapter, reader } = setup();
    await Promise.all([reader.freshExecution(REF), reader.freshExecution({ provider: 'polos', upstreamId: uuid(2) })]);
    expect(adapter.calls.execution).toBe(2);
  });

  it('a failed call fails every caller that shared it, and is not remembered', async () => {
    const { adapter, reader } = setup();
    const pending = deferred<Execution | null>();
    adapter.answer = () => pending.promise;
    const reads = [reader.freshExecution(REF), reader.freshExecution(REF)];
    pending.reject(new Error('upstream down'));
    for (const read of reads) await expect(read).rejects.toThrow('upstream down');
    adapter.answer = async () => anExecution();
    await expect(reader.freshExecution(REF)).resolves.toMatchObject({ status: 'RUNNING' });
    expect(adapter.calls.execution).toBe(2);
  });
});

describe('ExecutionReader: the terminal cache', () => {
  it('serves a terminal execution from the cache after the first read, fresh reads still go upstream', async () => {
    const { adapter, reader } = setup();
    adapter.answer = async () => completed();
    await reader.cachedExecution(REF);
    await reader.cachedExecution(REF);
    expect(adapter.calls.execution).toBe(1);
    await reader.freshExecution(REF);
    expect(adapter.calls.execution).toBe(2);
  });

  it('never caches a non-terminal execution, nor a missing one', async () => {
    const { adapter, reader } = setup();
    await reader.cachedExecution(REF);
    await reader.cachedExecution(REF);
    adapter.answer = async () => null;
    await expect(reader.cachedExecution(REF)).resolves.toBeNull();
    await expect(reader.cachedExecution(REF)).resolves.toBeNull();
    expect(adapter.calls.execution).toBe(4);
  });

  it('details: free when the snapshot has them, none before terminal, else fetched once and kept with the cached snapshot', async () => {
    const { adapter, reader } = setup();
    await expect(reader.getDetails(anExecution({ details: DETAILS }))).resolves.toBe(DETAILS);
    await expect(reader.getDetails(anExecution())).resolves.toBeNull();
    expect(adapter.calls.details).toBe(0);

    const snapshot = completed();
    const [first, second] = await Promise.all([reader.getDetails(snapshot), reader.getDetails(snapshot)]);
    expect([first, second]).toEqual([DETAILS, DETAILS]);
    await reader.getDetails(snapshot);
    expect(adapter.calls.details).toBe(1);
    await expect(reader.cachedExecution(REF)).resolves.toMatchObject({ status: 'COMPLETED', details: DETAILS });
    expect(adapter.calls.execution).toBe(0);
  });

  it('details not available yet are asked for again next time', async () => {
    const { adapter, reader } = setup();
    adapter.details = async () => null;
    await reader.getDetails(completed());
    await reader.getDetails(completed());
    expect(adapter.calls.details).toBe(2);
  });
});

describe('ExecutionReader: lists and configuration', () => {
  it('completes a partial page by reading each item (cached ones free) and leaves out those deleted since', async () => {
    const { adapter, reader, cache } = setup();
    const [one, two, three] = [uuid(11), uuid(12), uuid(13)];
    await cache.set(`polos:${one}`, completed({ upstreamId: one, retryCount: 3 }));
    adapter.page = { executions: [one, two, three].map((upstreamId) => anExecution({ upstreamId, retryCount: null })), next: '3' };
    let reads = 0; // the second upstream read finds the execution gone
    adapter.fetchExecution = async (upstreamId) => {
      adapter.calls.execution++;
      return ++reads === 2 ? null : anExecution({ upstreamId, retryCount: 0 });
    };
    const page = await reader.listExecutions('polos', { workflowId: null, status: null, first: 3, after: null });
    expect(page.next).toBe('3');
    expect(page.executions.map((execution) => [execution.upstreamId, execution.retryCount])).toEqual([
      [one, 3],
      [two, 0],
    ]);
    expect(adapter.calls.execution).toBe(2);
  });

  it('a page of full items (no partialListItems capability) is passed on without reads', async () => {
    const { adapter, reader } = setup();
    adapter.capabilities = capabilities({ list: true });
    adapter.page = { executions: [anExecution()], next: null };
    await expect(reader.listExecutions('polos', { workflowId: null, status: null, first: 1, after: null })).resolves.toBe(adapter.page);
    expect(adapter.calls.execution).toBe(0);
  });

  it('NOT_SUPPORTED where the adapter cannot list (by status); no children where it knows of none; no upstream call either way', async () => {
    const { adapter, reader } = setup();
    adapter.capabilities = capabilities({ list: true });
    await expect(reader.listExecutions('polos', { workflowId: null, status: 'RUNNING', first: 1, after: null })).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
    await expect(reader.children(anExecution(), 10)).resolves.toEqual([]);
    expect(adapter.calls.list).toBe(0);
  });

  it('a provider without configuration is BAD_USER_INPUT naming it', () => {
    const { reader } = setup();
    expect(reader.providers).toEqual(['polos']);
    expect(() => reader.assertConfigured({ provider: 'flowker', upstreamId: uuid(1) })).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', message: expect.stringContaining('"flowker"') }),
    );
  });
});

/** A cache that counts lookups and writes, in front of a memory cache. */
function countingCache() {
  const inner = new MemoryTerminalCache({ max: 10, ttlMs: 60_000 });
  const counts = { get: 0, set: 0 };
  const cache: TerminalCache = {
    get: (key) => (counts.get++, inner.get(key)),
    set: (key, execution) => (counts.set++, inner.set(key, execution)),
  };
  return { cache, counts };
}

describe('TieredTerminalCache', () => {
  it('a near hit never asks the far cache; a far hit is kept near, so the far cache is asked once', async () => {
    const near = countingCache();
    const far = countingCache();
    const lookups: boolean[] = [];
    const tiered = new TieredTerminalCache(near.cache, far.cache, { onLookup: (hit) => lookups.push(hit) });
    await far.cache.set('polos:x', completed());
    far.counts.set = 0;

    expect(await tiered.get('polos:x')).toMatchObject({ status: 'COMPLETED' });
    expect(await tiered.get('polos:x')).toMatchObject({ status: 'COMPLETED' });
    expect(far.counts.get).toBe(1);
    expect(near.counts.get).toBe(2);
    expect(await tiered.get('polos:missing')).toBeUndefined();
    expect(lookups).toEqual([true, true, false]);
  });

  it('writes go to both tiers; non-terminal snapshots are kept by neither', async () => {
    const near = new MemoryTerminalCache({ max: 10, ttlMs: 60_000 });
    const far = new MemoryTerminalCache({ max: 10, ttlMs: 60_000 });
    const tiered = new TieredTerminalCache(near, far);
    await tiered.set('polos:done', completed());
    await tiered.set('polos:running', anExecution());
    expect(await near.get('polos:done')).toBeDefined();
    expect(await far.get('polos:done')).toBeDefined();
    expect(await near.get('polos:running')).toBeUndefined();
    expect(await far.get('polos:running')).toBeUndefined();
  });

  it('peek answers from this process only, at once: a near hit counts as a hit, a miss is left to get (which counts it)', async () => {
    const near = new MemoryTerminalCache({ max: 10, ttlMs: 60_000 });
    const far = new MemoryTerminalCache({ max: 10, ttlMs: 60_000 });
    const lookups: boolean[] = [];
    const tiered = new TieredTerminalCache(near, far, { onLookup: (hit) => lookups.push(hit) });
    await far.set('polos:far', completed());
    await near.set('polos:near', completed());
    expect(tiered.peek('polos:near')).toMatchObject({ status: 'COMPLETED' });
    expect(tiered.peek('polos:far')).toBeUndefined(); // only behind the network: get() finds it
    expect(lookups).toEqual([true]);
    expect(await tiered.get('polos:far')).toMatchObject({ status: 'COMPLETED' });
    expect(tiered.peek('polos:far')).toMatchObject({ status: 'COMPLETED' }); // now kept near
    expect(lookups).toEqual([true, true, true]);
  });

  it('MemoryTerminalCache rejects options it cannot honour, saying what to pass', () => {
    expect(() => new MemoryTerminalCache({ max: 0, ttlMs: 1 })).toThrow(/max must be a positive integer, got 0/);
    expect(() => new MemoryTerminalCache({ max: 1, ttlMs: 0 })).toThrow(/ttlMs must be positive, got 0/);
  });
});
