/**
 * ExecutionPoller at its seams (reader, publish, gate) on fake timers, with the jitter pinned
 * to its midpoint: the pace (steady, slowing down, backing off, honouring Retry-After), when
 * subscribers hear of failures, and how a poll ends. The subscription tests prove the same
 * through a gateway; here each rule is checked to the millisecond.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Execution } from '../../src/domain/execution.js';
import { GatewayError } from '../../src/domain/errors.js';
import type { ExecutionReader } from '../../src/executions/reader.js';
import type { LiveEvent } from '../../src/live/events.js';
import { ExecutionPoller, type PollerOptions } from '../../src/live/poller.js';
import { anExecution } from '../support/executions.js';
import { uuid } from '../support/payloads.js';

const OPTIONS: PollerOptions = { intervalMs: 100, maxIntervalMs: 1_000, errorThreshold: 3, safetyIntervalMs: 3_000 };
const running = (overrides: Partial<Execution> = {}) => anExecution(overrides);
const completed = () => anExecution({ status: 'COMPLETED', upstreamStatus: 'completed' });
const unavailable = () => new GatewayError('UPSTREAM_UNAVAILABLE', 'Polos is down.', 'polos');

/** One answer per poll, in order (the last one repeats): an execution, null (not found), an error to throw, or one pending. */
type Answer = Execution | null | Error | Promise<Execution | null>;

function startPoller(answers: readonly Answer[], options: PollerOptions = OPTIONS) {
  /** Each poll, `at` milliseconds after the start. */
  const polls: { at: number; cached: boolean }[] = [];
  const startedAt = Date.now();
  const events: LiveEvent[] = [];
  const calls = { details: 0, gate: 0, finished: 0 };
  const answer = (cached: boolean): Promise<Execution | null> => {
    const next = answers[Math.min(polls.length, answers.length - 1)]!;
    polls.push({ at: Date.now() - startedAt, cached });
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };
  // Typed against the reader, so that a rename there fails here rather than at run time.
  const reads: Pick<ExecutionReader, 'cachedExecution' | 'freshExecution' | 'getDetails'> = {
    cachedExecution: () => answer(true),
    freshExecution: () => answer(false),
    getDetails: async () => (calls.details++, { steps: [], output: { answer: 42 } }),
  };
  const reader = reads as ExecutionReader;
  const poller = new ExecutionPoller({ provider: 'polos', upstreamId: uuid(1) }, options, {
    reader,
    publish: async (event) => void events.push(event),
    gate: async () => void calls.gate++,
    onFinished: () => void calls.finished++,
  });
  poller.start();
  /** The delays between consecutive polls. */
  const gaps = () => polls.slice(1).map((poll, index) => poll.at - polls[index]!.at);
  return { poller, polls, events, calls, gaps };
}

beforeEach(() => {
  vi.useFakeTimers();
  vi.spyOn(Math, 'random').mockReturnValue(0.5); // jitter factor exactly 1
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('ExecutionPoller: pace', () => {
  it('polls at the interval while polls show changes, then slows down by 1.5× per unchanged poll, up to the maximum', async () => {
    const changing = [1, 2, 3].map((retryCount) => running({ retryCount }));
    const { polls, gaps, events } = startPoller([...changing, running({ retryCount: 3 })]);
    await vi.advanceTimersByTimeAsync(5_000);
    // 3 changing polls, 3 unchanged ones still at the interval, then 150, 225, 338, 506, 759, 1000 (the maximum).
    expect(gaps().slice(0, 12)).toEqual([100, 100, 100, 100, 100, 100, 150, 225, 338, 506, 759, 1_000]);
    expect(events).toHaveLength(3);
    expect(polls.length).toBeLessThan(20);
  });

  it('backs off exponentially while polls fail, up to the maximum, and returns to the interval on success', async () => {
    const failing = Array.from({ length: 5 }, unavailable);
    const { gaps } = startPoller([...failing, running(), running({ retryCount: 1 })]);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(gaps().slice(0, 7)).toEqual([200, 400, 800, 1_000, 1_000, 100, 100]);
  });

  it('waits as long as Retry-After asks, even beyond its own maximum', async () => {
    const limited = new GatewayError('UPSTREAM_RATE_LIMITED', 'slow down', 'polos', { retryAfterMs: 5_000 });
    const { gaps } = startPoller([limited, running()]);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(gaps()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(gaps()).toEqual([5_000]);
  });

  it('a short Retry-After does not shorten the back-off', async () => {
    const limited = new GatewayError('UPSTREAM_RATE_LIMITED', 'slow down', 'polos', { retryAfterMs: 10 });
    const { gaps } = startPoller([limited, running()]);
    await vi.advanceTimersByTimeAsync(500);
    expect(gaps()[0]).toBe(200);
  });

  it('asks the gate before every poll; the first poll may be served by the cache, later ones see the upstream', async () => {
    const { polls, calls } = startPoller([running(), running({ retryCount: 1 }), running({ retryCount: 2 })]);
    await vi.advanceTimersByTimeAsync(250);
    expect(polls.map((poll) => poll.cached)).toEqual([true, false, false]);
    expect(calls.gate).toBe(3);
  });
});

describe('ExecutionPoller: failures reach subscribers once per streak', () => {
  it('one error event at the threshold, none for later failures; then the next snapshot even if unchanged', async () => {
    const { events } = startPoller([running(), unavailable(), unavailable(), unavailable(), unavailable(), running(), running()]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(events.map((event) => event.type)).toEqual(['snapshot', 'error', 'snapshot']);
    expect(events[1]).toEqual({ type: 'error', globalId: `polos:${uuid(1)}`, code: 'UPSTREAM_UNAVAILABLE', message: 'Polos is down.' });
  });

  it('an unexpected error is reported as UPSTREAM_UNAVAILABLE, without its message', async () => {
    const { events } = startPoller([new Error('socket hang up: secret-host:1234')], { ...OPTIONS, errorThreshold: 1 });
    await vi.advanceTimersByTimeAsync(50);
    expect(events).toEqual([{ type: 'error', globalId: `polos:${uuid(1)}`, code: 'UPSTREAM_UNAVAILABLE', message: 'Polling failed.' }]);
  });
});

describe('ExecutionPoller: the end of a poll', () => {
  it('a terminal snapshot is completed with its details once, published last, and ends polling', async () => {
    const { events, calls, polls } = startPoller([running(), completed()]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(events.map((event) => event.type === 'snapshot' && event.execution.status)).toEqual(['RUNNING', 'COMPLETED']);
    expect(events.at(-1)).toMatchObject({ execution: { details: { output: { answer: 42 } } } });
    expect(calls).toMatchObject({ details: 1, finished: 1 });
    expect(polls).toHaveLength(2);
  });

  it('not found ends the stream with not_found', async () => {
    const { events, calls, polls } = startPoller([null]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(events).toEqual([{ type: 'not_found', globalId: `polos:${uuid(1)}` }]);
    expect(calls.finished).toBe(1);
    expect(polls).toHaveLength(1);
  });

  it('stop(): no more polls, and a poll in flight publishes nothing', async () => {
    let answer!: (execution: Execution) => void;
    const inFlight = new Promise<Execution | null>((resolve) => (answer = resolve));
    const { poller, events, polls, calls } = startPoller([inFlight]);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls).toHaveLength(1);
    poller.stop();
    poller.stop();
    answer(completed());
    await vi.advanceTimersByTimeAsync(2_000);
    expect(polls).toHaveLength(1);
    expect(events).toEqual([]);
    expect(calls.finished).toBe(0);
  });

});

describe('ExecutionPoller: pushes', () => {
  it('a trigger reads at once, instead of waiting for the next poll', async () => {
    const { poller, polls } = startPoller([running(), running({ retryCount: 1 })]);
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(30);
    poller.trigger();
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.map((poll) => poll.at)).toEqual([0, 30]);
  });

  it('a trigger during a poll reads again once that poll is done (it may have read what predates the push)', async () => {
    let answer!: (execution: Execution) => void;
    const inFlight = new Promise<Execution | null>((resolve) => (answer = resolve));
    const { poller, polls } = startPoller([inFlight, running({ retryCount: 1 })]);
    await vi.advanceTimersByTimeAsync(0);
    poller.trigger();
    poller.trigger();
    expect(polls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(20);
    answer(running());
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.map((poll) => poll.at)).toEqual([0, 20]);
  });

  it('while the push channel is healthy it polls only at the safety interval; when it fails, at once and then as usual', async () => {
    const { poller, gaps, polls } = startPoller([running()]);
    poller.setPushHealthy(true);
    await vi.advanceTimersByTimeAsync(6_500);
    expect(gaps()).toEqual([3_000, 3_000]);
    poller.setPushHealthy(false);
    await vi.advanceTimersByTimeAsync(0);
    expect(polls.at(-1)!.at).toBe(6_500);
    await vi.advanceTimersByTimeAsync(100);
    expect(polls.at(-1)!.at).toBe(6_600);
  });
});
