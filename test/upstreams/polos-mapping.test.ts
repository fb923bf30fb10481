import { describe, expect, it } from 'vitest';
import { isTerminal, type Execution } from '../../src/domain/execution.js';
import { parseBody } from '../../src/upstreams/http/json.js';
import { startedExecution, fromPolosExecution } from '../../src/upstreams/polos/mapping.js';
import { PolosExecutionBody, PolosRunsBody } from '../../src/upstreams/polos/wire.js';
import {
  POLOS_EXECUTION_ID,
  POLOS_PARENT_ID,
  POLOS_ROOT_ID,
  jsonResponse,
  polosExecution,
  polosRunItem,
  rawResponse,
  type PolosExecutionPayload,
} from '../support/payloads.js';

/** Through the wire schema, as the adapter does. */
const map = (overrides: Partial<PolosExecutionPayload> = {}): Execution =>
  fromPolosExecution(POLOS_EXECUTION_ID, parseBody('polos', jsonResponse(polosExecution(overrides)), PolosExecutionBody, 'execution'));

describe('Polos execution status', () => {
  it.each([
    ['pending', 'PENDING', false],
    ['queued', 'QUEUED', false],
    ['claimed', 'QUEUED', false],
    ['running', 'RUNNING', false],
    ['waiting', 'WAITING', false],
    ['pending_cancel', 'CANCELLING', false],
    ['completed', 'COMPLETED', true],
    ['failed', 'FAILED', true],
    ['cancelled', 'CANCELLED', true],
  ] as const)('%s → %s (terminal: %s)', (raw, status, terminal) => {
    const execution = map({ status: raw });
    expect(execution.status).toBe(status);
    expect(execution.upstreamStatus).toBe(raw);
    expect(isTerminal(execution)).toBe(terminal);
  });

  it.each(['suspended', 'COMPLETED', 'Cancelled', 'canceled', '', 'timed_out', 'x'.repeat(5_000)])(
    'unknown status %j → non-terminal, UNKNOWN_UPSTREAM_STATUS, raw value kept',
    (raw) => {
      const execution = map({ status: raw, error: 'boom', retry_count: 3 });
      expect(isTerminal(execution)).toBe(false);
      expect(execution.status).toBe('RUNNING');
      expect(execution.statusReason).toBe('UNKNOWN_UPSTREAM_STATUS');
      expect(execution.upstreamStatus).toBe(raw);
    },
  );

  it('maps every field of the seed body', () => {
    const execution = map({
      status: 'completed',
      result: { answer: 42 },
      completed_at: '2026-02-24T10:00:05.5+00:00',
      retry_count: 1,
    });
    expect(execution).toEqual({
      provider: 'polos',
      upstreamId: POLOS_EXECUTION_ID,
      workflowId: 'research_agent',
      status: 'COMPLETED',
      upstreamStatus: 'completed',
      statusReason: null,
      createdAt: '2026-02-24T10:00:00.000Z',
      startedAt: '2026-02-24T10:00:01.000Z',
      completedAt: '2026-02-24T10:00:05.500Z',
      progress: null,
      input: { question: 'What is 6 x 7?' },
      error: null,
      retryCount: 1,
      nodes: [],
      parentId: POLOS_PARENT_ID,
      rootId: POLOS_ROOT_ID,
      details: { steps: [], output: { answer: 42 } },
    });
  });
});

describe('Polos retries: queued with an error is not a failure', () => {
  it('queued + error + retry_count → QUEUED + RETRYING, error kept', () => {
    const execution = map({ status: 'queued', error: 'boom', retry_count: 1 });
    expect(execution.status).toBe('QUEUED');
    expect(execution.statusReason).toBe('RETRYING');
    expect(isTerminal(execution)).toBe(false);
    expect(execution.error).toEqual({ code: null, message: 'boom' });
    expect(execution.retryCount).toBe(1);
  });

  it.each([2, 3])('retry_count %d → still RETRYING', (retry_count) => {
    expect(map({ status: 'queued', error: 'again', retry_count }).statusReason).toBe('RETRYING');
  });

  it('queued without an error → no reason', () => {
    expect(map({ status: 'queued', error: null, retry_count: 0 }).statusReason).toBeNull();
    expect(map({ status: 'queued', error: null, retry_count: 2 }).statusReason).toBeNull();
  });

  it('queued with an error but retry_count 0 → QUEUED, not FAILED', () => {
    const execution = map({ status: 'queued', error: 'boom', retry_count: 0 });
    expect(execution.status).toBe('QUEUED');
    expect(isTerminal(execution)).toBe(false);
  });

  it('claimed/running with the previous attempt error stays non-terminal', () => {
    for (const status of ['claimed', 'running']) {
      const execution = map({ status, error: 'previous attempt', retry_count: 1 });
      expect(isTerminal(execution)).toBe(false);
      expect(execution.error?.message).toBe('previous attempt');
    }
  });

  it('failed after retries ran out → FAILED with the error', () => {
    const execution = map({ status: 'failed', error: 'boom', retry_count: 3, completed_at: '2026-02-24T10:01:00Z' });
    expect(execution.status).toBe('FAILED');
    expect(execution.statusReason).toBeNull();
    expect(execution.error).toEqual({ code: null, message: 'boom' });
  });

  it('an empty error string is no error', () => {
    expect(map({ status: 'failed', error: '' }).error).toBeNull();
  });
});

describe('Polos cancellation', () => {
  it.each([
    ['timeout', 'TIMEOUT'],
    ['manual', 'MANUAL_CANCEL'],
    [null, null],
    ['someone-else', null],
  ] as const)('cancelled_by %j → reason %j', (cancelled_by, reason) => {
    const execution = map({ status: 'cancelled', cancelled_by, cancelled_at: '2026-02-24T10:02:00Z' });
    expect(execution.status).toBe('CANCELLED');
    expect(execution.statusReason).toBe(reason);
    expect(isTerminal(execution)).toBe(true);
  });

  it('a timeout ends as CANCELLED (not FAILED)', () => {
    expect(map({ status: 'cancelled', cancelled_by: 'timeout', cancelled_at: '2026-02-24T11:00:01Z' }).status).toBe('CANCELLED');
  });

  it('cancelled_by only matters for cancelled executions', () => {
    expect(map({ status: 'pending_cancel', cancelled_by: 'manual' }).statusReason).toBeNull();
    expect(map({ status: 'failed', cancelled_by: 'timeout' }).statusReason).toBeNull();
  });

  it('completedAt falls back to cancelled_at', () => {
    const execution = map({ status: 'cancelled', cancelled_by: 'manual', cancelled_at: '2026-02-24T10:02:00Z', completed_at: null });
    expect(execution.completedAt).toBe('2026-02-24T10:02:00.000Z');
  });

  it('completed_at wins over cancelled_at', () => {
    const execution = map({ status: 'cancelled', cancelled_at: '2026-02-24T10:02:00Z', completed_at: '2026-02-24T10:02:03Z' });
    expect(execution.completedAt).toBe('2026-02-24T10:02:03.000Z');
  });
});

describe('Polos fields', () => {
  it.each([
    ['a valid uuid', POLOS_PARENT_ID, POLOS_PARENT_ID],
    ['an upper-case uuid', POLOS_PARENT_ID.toUpperCase(), POLOS_PARENT_ID],
    ['null', null, null],
    ['empty', '', null],
    ['not a uuid', 'parent-1', null],
  ] as const)('parent/root id %s → %j', (_label, raw, expected) => {
    const execution = map({ parent_execution_id: raw, root_execution_id: raw });
    expect(execution.parentId).toBe(expected);
    expect(execution.rootId).toBe(expected);
  });

  it.each(['text', 0, true, null, [1, 2], { a: { b: [null] } }])('payload and result %j pass through', (value) => {
    const execution = map({ payload: value, result: value, status: 'completed' });
    expect(execution.input).toEqual(value);
    expect(execution.details?.output).toEqual(value);
  });

  it('missing payload and result → null', () => {
    const { payload: _p, result: _r, ...body } = polosExecution();
    const execution = fromPolosExecution(POLOS_EXECUTION_ID, parseBody('polos', jsonResponse(body), PolosExecutionBody, 'execution'));
    expect(execution.input).toBeNull();
    expect(execution.details).toEqual({ steps: [], output: null });
  });

  it('big integers inside payload/result stay exact', () => {
    const text = JSON.stringify(polosExecution({ status: 'completed' })).replace('"result":null', '"result":{"id":12345678901234567890}');
    const execution = fromPolosExecution(POLOS_EXECUTION_ID, parseBody('polos', rawResponse(text), PolosExecutionBody, 'execution'));
    expect(execution.details?.output).toEqual({ id: '12345678901234567890' });
  });

  it.each([null, '', 'not a date'])('unparseable timestamps (%j) → null', (value) => {
    const execution = map({ started_at: value, completed_at: value, cancelled_at: value });
    expect(execution.startedAt).toBeNull();
    expect(execution.completedAt).toBeNull();
  });

  it('the placeholder strings of seed 002 do not crash the mapping', () => {
    const seed = {
      created_at: '<string>', id: '<string>', payload: '<unknown>', retry_count: 123, status: '<string>', workflow_id: '<string>',
      assigned_to_worker: '<string>', batch_id: '<string>', cancelled_at: '<string>', cancelled_by: '<string>', completed_at: '<string>',
      concurrency_key: '<string>', deployment_id: '<string>', error: '<string>', output_schema_name: '<string>', parent_execution_id: '<string>',
      queue_name: '<string>', result: '<unknown>', root_execution_id: '<string>', run_timeout_seconds: 123, session_id: '<string>',
      started_at: '<string>', step_key: '<string>', user_id: '<string>',
    };
    const execution = fromPolosExecution(POLOS_EXECUTION_ID, parseBody('polos', jsonResponse(seed), PolosExecutionBody, 'execution'));
    expect(execution).toMatchObject({
      status: 'RUNNING',
      statusReason: 'UNKNOWN_UPSTREAM_STATUS',
      upstreamStatus: '<string>',
      createdAt: null,
      parentId: null,
      rootId: null,
      retryCount: 123,
    });
  });
});

describe('Polos list items and startedExecution', () => {
  it('a list item (no retry_count, started_at or parent) maps with those unknown', () => {
    const [item] = parseBody('polos', jsonResponse([polosRunItem({ status: 'completed', result: 'done' })]), PolosRunsBody, 'list');
    const execution = fromPolosExecution(POLOS_EXECUTION_ID, item!);
    expect(execution).toMatchObject({
      status: 'COMPLETED',
      retryCount: null,
      startedAt: null,
      parentId: null,
      rootId: POLOS_ROOT_ID,
      details: { steps: [], output: 'done' },
    });
  });

  it('a just-started execution is QUEUED with no upstream status yet', () => {
    const execution = startedExecution(POLOS_EXECUTION_ID, 'research_agent', '2026-02-24T10:00:00Z');
    expect(execution).toMatchObject({
      provider: 'polos',
      upstreamId: POLOS_EXECUTION_ID,
      workflowId: 'research_agent',
      status: 'QUEUED',
      upstreamStatus: null,
      statusReason: null,
      createdAt: '2026-02-24T10:00:00.000Z',
    });
    expect(startedExecution(POLOS_EXECUTION_ID, 'wf', null).createdAt).toBeNull();
    expect(startedExecution(POLOS_EXECUTION_ID, 'wf', undefined).createdAt).toBeNull();
  });
});

/** Regression, as in flowker-mapping.test.ts: `EXECUTION_STATUS[body.status]` in polos/mapping.ts has the same flaw. */
describe('Polos statuses named like Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__'])('status %j is unknown', (raw) => {
    const execution = map({ status: raw });
    expect(execution.status).toBe('RUNNING');
    expect(execution.statusReason).toBe('UNKNOWN_UPSTREAM_STATUS');
  });
});
