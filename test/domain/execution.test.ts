import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { durationMs, isTerminal, toDateTime, type Execution } from '../../src/domain/execution.js';
import { EXECUTION_STATUSES, STEP_STATUSES, isTerminalExecutionStatus, isTerminalStepStatus, type ExecutionStatus } from '../../src/domain/status.js';
import { anExecution } from '../support/executions.js';
import { POLOS_EXECUTION_ID } from '../support/payloads.js';

const execution = (overrides: Partial<Execution> = {}): Execution => anExecution({ upstreamId: POLOS_EXECUTION_ID, ...overrides });

const START = Date.parse('2026-03-17T14:35:00.000Z');

describe('isTerminal', () => {
  const terminal: readonly ExecutionStatus[] = ['COMPLETED', 'FAILED', 'CANCELLED'];
  it.each(EXECUTION_STATUSES.map((status) => [status, terminal.includes(status)] as const))('%s → %s', (status, expected) => {
    expect(isTerminal(execution({ status }))).toBe(expected);
    expect(isTerminalExecutionStatus(status)).toBe(expected);
  });

  it.each(STEP_STATUSES.map((status) => [status, ['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'].includes(status)] as const))(
    'step %s → %s',
    (status, expected) => {
      expect(isTerminalStepStatus(status)).toBe(expected);
    },
  );
});

describe('durationMs', () => {
  it('a running execution counts up to now', () => {
    expect(durationMs(execution({ status: 'RUNNING' }), START + 1_500)).toBe(1_500);
    expect(durationMs(execution({ status: 'RUNNING' }), START + 4_000)).toBe(4_000);
  });

  it.each(['PENDING', 'QUEUED', 'WAITING', 'CANCELLING'] as const)('every non-terminal status (%s) counts up to now', (status) => {
    expect(durationMs(execution({ status }), START + 250)).toBe(250);
  });

  it('defaults now to the current time', () => {
    const startedAt = new Date(Date.now() - 10_000).toISOString();
    const duration = durationMs(execution({ startedAt }));
    expect(duration).not.toBeNull();
    expect(duration!).toBeGreaterThanOrEqual(10_000);
    expect(duration!).toBeLessThan(60_000);
  });

  it('a terminal execution runs from start to completion, whatever now is', () => {
    const done = execution({ status: 'COMPLETED', completedAt: '2026-03-17T14:35:12.345Z' });
    expect(durationMs(done, START + 999_999)).toBe(12_345);
    expect(durationMs(done, 0)).toBe(12_345);
  });

  it.each(['COMPLETED', 'FAILED', 'CANCELLED'] as const)('terminal (%s) without completedAt → null, not "up to now"', (status) => {
    expect(durationMs(execution({ status, completedAt: null }), START + 5_000)).toBeNull();
  });

  it('a non-terminal execution with completedAt (e.g. Polos cancelled_at while pending_cancel) uses it', () => {
    expect(durationMs(execution({ status: 'CANCELLING', completedAt: '2026-03-17T14:35:02.000Z' }), START + 60_000)).toBe(2_000);
  });

  it('no startedAt → null', () => {
    expect(durationMs(execution({ startedAt: null }), START)).toBeNull();
    expect(durationMs(execution({ status: 'COMPLETED', startedAt: null, completedAt: '2026-03-17T14:35:12.000Z' }))).toBeNull();
  });

  it('negative durations → null (clock skew: completed before started, or now before start)', () => {
    expect(durationMs(execution({ status: 'COMPLETED', completedAt: '2026-03-17T14:34:00.000Z' }))).toBeNull();
    expect(durationMs(execution({ status: 'RUNNING' }), START - 1)).toBeNull();
  });

  it('zero is a duration, not null', () => {
    expect(durationMs(execution({ status: 'COMPLETED', completedAt: '2026-03-17T14:35:00.000Z' }))).toBe(0);
    expect(durationMs(execution({ status: 'RUNNING' }), START)).toBe(0);
  });

  it('unparseable timestamps → null, never NaN', () => {
    expect(durationMs(execution({ startedAt: 'not a date' }), START)).toBeNull();
    expect(durationMs(execution({ status: 'FAILED', completedAt: 'not a date' }), START)).toBeNull();
  });

  it('is always null or a non-negative finite number', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...EXECUTION_STATUSES),
        fc.option(fc.date({ noInvalidDate: true }).map((date) => date.toISOString())),
        fc.option(fc.oneof(fc.date({ noInvalidDate: true }).map((date) => date.toISOString()), fc.string())),
        fc.integer({ min: -8.64e15, max: 8.64e15 }),
        (status, startedAt, completedAt, now) => {
          const duration = durationMs(execution({ status, startedAt, completedAt }), now);
          if (duration !== null) {
            expect(Number.isFinite(duration)).toBe(true);
            expect(duration).toBeGreaterThanOrEqual(0);
          }
        },
      ),
    );
  });
});

describe('toDateTime', () => {
  it.each([
    ['RFC 3339 UTC', '2026-03-17T14:35:00Z', '2026-03-17T14:35:00.000Z'],
    ['with milliseconds', '2026-03-17T14:35:00.123Z', '2026-03-17T14:35:00.123Z'],
    ['with an offset (converted to UTC)', '2026-03-17T11:35:00-03:00', '2026-03-17T14:35:00.000Z'],
    ['with +00:00 and microseconds (Rust chrono / Postgres)', '2026-02-24T10:00:00.123456+00:00', '2026-02-24T10:00:00.123Z'],
    ['with nanoseconds (Go time.RFC3339Nano)', '2026-03-17T14:35:00.123456789Z', '2026-03-17T14:35:00.123Z'],
  ])('%s', (_label, input, expected) => {
    expect(toDateTime(input)).toBe(expected);
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['empty', ''],
    ['garbage', 'not a date'],
    ['placeholder from the docs', '<string>'],
  ])('%s → null', (_label, input) => {
    expect(toDateTime(input)).toBeNull();
  });

  it('output is always null or an ISO string that parses back to itself', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.date({ noInvalidDate: true }).map((date) => date.toISOString())), (input) => {
        const output = toDateTime(input);
        if (output !== null) {
          expect(new Date(output).toISOString()).toBe(output);
          expect(toDateTime(output)).toBe(output);
        }
      }),
      { numRuns: 500 },
    );
  });
});
