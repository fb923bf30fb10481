import { describe, expect, it } from 'vitest';
import { isTerminal } from '../../src/domain/execution.js';
import { parseBody } from '../../src/upstreams/http/json.js';
import { toDetails, fromFlowkerStatus } from '../../src/upstreams/flowker/mapping.js';
import { FlowkerExecutionStatusBody, FlowkerResultsBody } from '../../src/upstreams/flowker/wire.js';
import {
  FLOWKER_EXECUTION_ID,
  FLOWKER_WORKFLOW_ID,
  flowkerResults,
  flowkerStatus,
  flowkerStep,
  jsonResponse,
  type FlowkerResultsPayload,
  type FlowkerStatusPayload,
} from '../support/payloads.js';

/** Through the wire schema, as the adapter does. */
const map = (overrides: Partial<FlowkerStatusPayload> = {}) =>
  fromFlowkerStatus(FLOWKER_EXECUTION_ID, parseBody('flowker', jsonResponse(flowkerStatus(overrides)), FlowkerExecutionStatusBody, 'status'));
const details = (overrides: Partial<FlowkerResultsPayload> = {}) =>
  toDetails(parseBody('flowker', jsonResponse(flowkerResults(overrides)), FlowkerResultsBody, 'results'));

describe('Flowker execution status', () => {
  it.each([
    ['pending', 'PENDING', false],
    ['running', 'RUNNING', false],
    ['completed', 'COMPLETED', true],
    ['failed', 'FAILED', true],
  ] as const)('%s → %s (terminal: %s)', (raw, status, terminal) => {
    const execution = map({ status: raw, completedAt: terminal ? '2026-03-17T14:35:12Z' : null });
    expect(execution.status).toBe(status);
    expect(execution.upstreamStatus).toBe(raw);
    expect(isTerminal(execution)).toBe(terminal);
    expect(execution.statusReason).toBeNull();
  });

  it.each(['cancelled', 'timeout', 'COMPLETED', 'Running', '', 'skipped', ' running', 'x'.repeat(10_000)])(
    'unknown status %j → non-terminal, UNKNOWN_UPSTREAM_STATUS, raw value kept',
    (raw) => {
      const execution = map({ status: raw });
      expect(isTerminal(execution)).toBe(false);
      expect(execution.status).toBe('RUNNING');
      expect(execution.statusReason).toBe('UNKNOWN_UPSTREAM_STATUS');
      expect(execution.upstreamStatus).toBe(raw);
    },
  );

  it('maps the status body field by field', () => {
    const execution = map({ status: 'running', currentStepNumber: 2, totalSteps: 5, startedAt: '2026-03-17T11:35:00-03:00' });
    expect(execution).toEqual({
      provider: 'flowker',
      upstreamId: FLOWKER_EXECUTION_ID,
      workflowId: FLOWKER_WORKFLOW_ID,
      status: 'RUNNING',
      upstreamStatus: 'running',
      statusReason: null,
      createdAt: '2026-03-17T14:35:00.000Z',
      startedAt: '2026-03-17T14:35:00.000Z',
      completedAt: null,
      progress: { completed: 2, total: 5 },
      input: null,
      error: null,
      retryCount: null,
      nodes: [],
      parentId: null,
      rootId: null,
      details: null,
    });
  });

  it('a completed execution has its completion time; steps wait for /results', () => {
    const execution = map({ status: 'completed', currentStepNumber: 3, totalSteps: 3, completedAt: '2026-03-17T14:35:12Z' });
    expect(execution.completedAt).toBe('2026-03-17T14:35:12.000Z');
    expect(execution.details).toBeNull();
    expect(execution.error).toBeNull();
  });
});

/**
 * Regression (src/upstreams/flowker/mapping.ts, `EXECUTION_STATUS[body.status]` and
 * `STEP_STATUS[step.status]`): the lookup tables are plain object literals, so a raw status that
 * names an Object.prototype member ("constructor", "toString", "__proto__"…) is "known" and the
 * mapped status became a function or an object instead of an ExecutionStatus. The tables are
 * Maps now; these tests keep the contract: unknown raw values map to a non-terminal status.
 */
describe('Flowker statuses named like Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('execution status %j is unknown', (raw) => {
    const execution = map({ status: raw });
    expect(execution.status).toBe('RUNNING');
    expect(execution.statusReason).toBe('UNKNOWN_UPSTREAM_STATUS');
    expect(execution.upstreamStatus).toBe(raw);
  });

  it.each(['constructor', 'toString', '__proto__'])('step status %j is unknown', (raw) => {
    expect(details({ stepResults: [flowkerStep({ status: raw })] }).steps[0]?.status).toBe('RUNNING');
  });
});

describe('Flowker timeout', () => {
  it.each(['execution timeout: context deadline exceeded', 'execution timeout', 'Execution Timeout after 5 minutes'])(
    'failed with errorMessage %j → FAILED + TIMEOUT',
    (errorMessage) => {
      const execution = map({ status: 'failed', errorMessage, completedAt: '2026-03-17T14:40:00Z' });
      expect(execution.status).toBe('FAILED');
      expect(execution.statusReason).toBe('TIMEOUT');
      expect(execution.error).toEqual({ code: null, message: errorMessage });
    },
  );

  it('other failures have no reason', () => {
    const execution = map({ status: 'failed', errorMessage: 'FLK-0504: node "charge" failed' });
    expect(execution.statusReason).toBeNull();
  });

  it('a running execution whose message mentions a timeout is not TIMEOUT', () => {
    expect(map({ status: 'running', errorMessage: 'execution timeout' }).statusReason).toBeNull();
  });
});

describe('Flowker error', () => {
  it.each([
    ['FLK-0504: node "charge" failed', 'FLK-0504'],
    ['FLK-0507 executor circuit open', 'FLK-0507'],
    ['FLK-0508', 'FLK-0508'],
    ['FLK-9999: internal error', 'FLK-9999'],
    ['node "charge" failed', null],
    ['FLK-05040: too many digits', null],
    ['flk-0504: lower case', null],
    ['workflow deleted', null],
  ])('errorMessage %j → code %j, message kept', (errorMessage, code) => {
    const execution = map({ status: 'failed', errorMessage });
    expect(execution.error).toEqual({ code, message: errorMessage });
  });

  /**
   * Regression (src/upstreams/flowker/mapping.ts, ERROR_CODE): the code was only looked for at
   * the start of errorMessage, but Flowker v1.0.2 wraps its sentinel errors with
   * `fmt.Errorf("...: %w", constant.ErrX)`, so the code comes last. These are the messages it writes.
   */
  it.each([
    ['node "charge": executor call failed after 5 attempts: FLK-0507', 'FLK-0507'],
    ['cycle detected at node "a": FLK-0508', 'FLK-0508'],
    ['node "ghost" not found in workflow: FLK-0504', 'FLK-0504'],
  ])('errorMessage %j (real Flowker format) → code %s', (errorMessage, code) => {
    expect(map({ status: 'failed', errorMessage }).error).toEqual({ code, message: errorMessage });
  });

  it.each([null, undefined, ''])('errorMessage %j → no error', (errorMessage) => {
    const body: Partial<FlowkerStatusPayload> = { status: 'failed' };
    if (errorMessage !== undefined) body.errorMessage = errorMessage;
    expect(map(body).error).toBeNull();
  });
});

describe('Flowker progress', () => {
  it.each([
    [{ currentStepNumber: 0, totalSteps: 4 }, { completed: 0, total: 4 }],
    [{ currentStepNumber: 2, totalSteps: 4 }, { completed: 2, total: 4 }],
    // totalSteps counts untaken branches too: a finished run may stop short of it.
    [{ currentStepNumber: 3, totalSteps: 5 }, { completed: 3, total: 5 }],
    [{ currentStepNumber: null, totalSteps: 4 }, { completed: 0, total: 4 }],
    [{ currentStepNumber: 2, totalSteps: null }, null],
    [{ currentStepNumber: null, totalSteps: null }, null],
  ])('%j → %j', (fields, progress) => {
    expect(map(fields).progress).toEqual(progress);
  });

  it('missing step fields → no progress', () => {
    const { currentStepNumber: _c, totalSteps: _t, ...body } = flowkerStatus();
    expect(fromFlowkerStatus(FLOWKER_EXECUTION_ID, parseBody('flowker', jsonResponse(body), FlowkerExecutionStatusBody, 's')).progress).toBeNull();
  });
});

describe('Flowker timestamps', () => {
  it('startedAt is both the creation and the start time, normalized to UTC', () => {
    const execution = map({ startedAt: '2026-03-17T14:35:00.123456789Z' });
    expect(execution.createdAt).toBe('2026-03-17T14:35:00.123Z');
    expect(execution.startedAt).toBe('2026-03-17T14:35:00.123Z');
  });

  it.each([null, '', 'not a date'])('startedAt %j → null', (startedAt) => {
    const execution = map({ startedAt });
    expect(execution.startedAt).toBeNull();
    expect(execution.createdAt).toBeNull();
  });
});

describe('Flowker results (toDetails)', () => {
  it('maps the seed example', () => {
    expect(details()).toEqual({
      steps: [
        {
          number: 1,
          name: 'action_log-event',
          nodeId: 'log-event',
          status: 'COMPLETED',
          output: { action: 'log' },
          error: null,
          startedAt: '2026-03-17T14:35:00.000Z',
          durationMs: 0,
        },
      ],
      output: flowkerResults().finalOutput,
    });
  });

  it.each([
    ['pending', 'PENDING'],
    ['running', 'RUNNING'],
    ['completed', 'COMPLETED'],
    ['failed', 'FAILED'],
    ['skipped', 'SKIPPED'],
    ['exploded', 'RUNNING'],
    ['SKIPPED', 'RUNNING'],
  ] as const)('step status %s → %s', (raw, status) => {
    expect(details({ stepResults: [flowkerStep({ status: raw })] }).steps[0]?.status).toBe(status);
  });

  it('keeps the step order and each step error', () => {
    const { steps } = details({
      status: 'failed',
      stepResults: [
        flowkerStep({ stepNumber: 1, stepName: 'a' }),
        flowkerStep({ stepNumber: 2, stepName: 'b', status: 'failed', output: null, errorMessage: 'FLK-0504: boom', durationMs: 12 }),
      ],
    });
    expect(steps.map((step) => [step.number, step.name, step.status, step.error, step.durationMs])).toEqual([
      [1, 'a', 'COMPLETED', null, 0],
      [2, 'b', 'FAILED', 'FLK-0504: boom', 12],
    ]);
  });

  it('optional step fields default to null', () => {
    const body = { executionId: FLOWKER_EXECUTION_ID, status: 'completed', stepResults: [{ stepName: 'x', status: 'completed' }] };
    expect(toDetails(parseBody('flowker', jsonResponse(body), FlowkerResultsBody, 'results')).steps).toEqual([
      { number: null, name: 'x', nodeId: null, status: 'COMPLETED', output: null, error: null, startedAt: null, durationMs: null },
    ]);
  });

  it.each([
    ['missing', undefined],
    ['null', null],
  ])('stepResults %s → no steps; finalOutput missing → null output', (_label, stepResults) => {
    const body: Record<string, unknown> = { executionId: FLOWKER_EXECUTION_ID, status: 'failed' };
    if (stepResults !== undefined) body.stepResults = stepResults;
    expect(toDetails(parseBody('flowker', jsonResponse(body), FlowkerResultsBody, 'results'))).toEqual({ steps: [], output: null });
  });

  it('any JSON finalOutput is passed through', () => {
    for (const finalOutput of ['text', 42, false, [1, 2], { a: { b: null } }]) {
      expect(details({ finalOutput }).output).toEqual(finalOutput);
    }
  });
});
