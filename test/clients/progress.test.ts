/**
 * The progress model both clients share (the page and `execution-gateway watch`), without a
 * gateway: each subscription message → the next view state, the progress fraction, and how
 * each problem reads. The end-to-end behaviour is in test/ui/progress-page.test.ts and
 * test/cli/watch.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  describeError,
  errorText,
  formatDuration,
  fraction,
  initialState,
  isRefusal,
  onClosed,
  onComplete,
  onConnected,
  onFailure,
  onResult,
  progressRequest,
  type ExecutionView,
  type ViewState,
} from '../../src/clients/progress.js';
import type { StepStatus } from '../../src/generated/clients/graphql.js';

const ID = 'polos:3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f';
const GATEWAY = 'http://127.0.0.1:4321/graphql';

function execution(overrides: Partial<ExecutionView> = {}): ExecutionView {
  return {
    id: ID,
    provider: 'POLOS',
    upstreamId: '3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f',
    workflowId: 'generate_report',
    status: 'RUNNING',
    statusReason: null,
    upstreamStatus: 'running',
    terminal: false,
    startedAt: '2026-03-17T14:35:00.000Z',
    completedAt: null,
    durationSeconds: null,
    retryCount: null,
    progress: null,
    steps: [],
    nodes: [],
    output: null,
    error: null,
    ...overrides,
  };
}

const steps = (...statuses: StepStatus[]) => statuses.map((status, index) => ({ number: index + 1, name: `step ${index + 1}`, status, error: null, durationSeconds: null }));
const nodes = (...statuses: StepStatus[]) => statuses.map((status, index) => ({ name: `node ${index + 1}`, status, error: null, isOutput: false }));
const error = (code: string | undefined, message = 'upstream said no') => (code ? { message, extensions: { code } } : { message });

const start = initialState(ID, GATEWAY);
const following = onResult(start, { data: { executionUpdated: execution() } });

describe('onResult', () => {
  it('a snapshot makes the view live, and done once terminal', () => {
    expect(following).toMatchObject({ phase: 'live', execution: { status: 'RUNNING' } });
    expect(following.updatedAt).toBeInstanceOf(Date);
    const done = onResult(following, { data: { executionUpdated: execution({ status: 'COMPLETED', terminal: true }) } });
    expect(done).toMatchObject({ phase: 'done', execution: { status: 'COMPLETED' } });
  });

  it('an upstream failure while following is a warning: the snapshot stays, the next one clears it', () => {
    const warned = onResult(following, { data: null, errors: [error('UPSTREAM_UNAVAILABLE', 'Polos answered 503')] });
    expect(warned.phase).toBe('live');
    expect(warned.execution).toBe(following.execution);
    expect(warned.warning).toBe('Upstream trouble: Polos answered 503 (UPSTREAM_UNAVAILABLE); the gateway keeps trying.');
    expect(warned.problem).toBeUndefined();
    const next = onResult(warned, { data: { executionUpdated: execution({ status: 'WAITING' }) } });
    expect(next).not.toHaveProperty('warning');
    expect(next.execution?.status).toBe('WAITING');
  });

  it('an upstream failure before the first snapshot is a problem: there is nothing to show', () => {
    const failed = onResult(start, { errors: [error('UPSTREAM_UNAVAILABLE', 'Polos answered 503')] });
    expect(failed.phase).toBe('problem');
    expect(failed.problem).toMatchObject({ title: 'The gateway answered with an error', detail: 'Polos answered 503', line: 'Polos answered 503 (UPSTREAM_UNAVAILABLE)', code: 'UPSTREAM_UNAVAILABLE' });
  });
});

describe('describeError: one description per error, for the page and the terminal', () => {
  it('BAD_USER_INPUT names the id, the reason and the formats', () => {
    const problem = describeError(start, error('BAD_USER_INPUT', 'Invalid polos id "polos:nope": expected a UUID.'));
    expect(problem.title).toBe('Not a valid execution id');
    expect(problem.line).toBe(`${ID} is not an execution id this gateway can look up: Invalid polos id "polos:nope": expected a UUID. (ids look like flowker:<uuid>, promptlayer:<number> or polos:<uuid>, of a configured provider)`);
    expect(problem.detail).toBe(problem.line);
    expect(problem.code).toBe('BAD_USER_INPUT');
  });

  it('NOT_FOUND', () => {
    expect(describeError(start, error('NOT_FOUND'))).toEqual({ title: 'Execution not found', detail: `The upstream has no execution ${ID}.`, line: `no execution ${ID} (NOT_FOUND)`, code: 'NOT_FOUND' });
  });

  it('UNAUTHENTICATED says how to give a key, on either client', () => {
    const problem = describeError(start, error('UNAUTHENTICATED', 'API key required'));
    expect(problem).toMatchObject({ title: 'API key required', code: 'UNAUTHENTICATED' });
    expect(problem.detail).toContain('#key=<your key>');
    expect(problem.line).toBe(`the gateway at ${GATEWAY} refused the API key (pass --key or GATEWAY_API_KEY)`);
  });

  it("any other error is the server's message, with its code when it has one", () => {
    expect(describeError(start, error('INTERNAL_SERVER_ERROR', 'Unexpected error (id 7f3a)'))).toMatchObject({ detail: 'Unexpected error (id 7f3a)', line: 'Unexpected error (id 7f3a) (INTERNAL_SERVER_ERROR)' });
    const plain = describeError(start, error(undefined, 'Something broke'));
    expect(plain).toEqual({ title: 'The gateway answered with an error', detail: 'Something broke', line: 'Something broke' });
    expect(describeError(start, undefined)).toMatchObject({ detail: 'Unknown error.', line: 'unknown error' });
  });
});

describe('onComplete', () => {
  it('after the terminal event the view is done', () => {
    const done = onResult(following, { data: { executionUpdated: execution({ status: 'FAILED', terminal: true }) } });
    expect(onComplete(done)).toBe(done);
  });

  it('before it, the stream ended early', () => {
    const ended = onComplete(following);
    expect(ended.phase).toBe('problem');
    expect(ended.problem).toMatchObject({ title: 'The stream ended early', line: `the gateway ended the stream before ${ID} finished` });
    expect(ended.problem).not.toHaveProperty('code');
  });

  it('a problem stays the problem', () => {
    const failed = onResult(start, { errors: [error('NOT_FOUND')] });
    expect(onComplete(failed)).toBe(failed);
  });
});

describe('onFailure', () => {
  it('errors the server sent instead of subscribing: the first one is described', () => {
    const failed = onFailure(start, [error('NOT_FOUND'), error('BAD_USER_INPUT')]);
    expect(failed.problem?.code).toBe('NOT_FOUND');
  });

  it('close code 4403 is a refused API key (and is never retried)', () => {
    const refusal = { code: 4403, reason: 'Forbidden' };
    expect(isRefusal(refusal)).toBe(true);
    expect(isRefusal({ code: 1006 })).toBe(false);
    expect(isRefusal(null)).toBe(false);
    expect(onFailure(start, refusal).problem).toMatchObject({ title: 'API key required', code: 'UNAUTHENTICATED' });
  });

  it.each([
    ['a socket error (ws in Node)', { message: 'connect ECONNREFUSED 127.0.0.1:4321', error: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED' } }, ' (ECONNREFUSED)'],
    ['an error without a code', { error: { message: 'socket hang up' } }, ' (socket hang up)'],
    ['a close event', { code: 1011, reason: 'Internal Error' }, ' (closed with 1011 Internal Error)'],
    ['a close event without a reason', { code: 1006, reason: '' }, ' (closed with 1006)'],
    ['an event that says nothing (a browser error Event)', {}, ''],
  ])('the gateway cannot be reached: %s', (_case, failure, cause) => {
    const failed = onFailure(following, failure);
    expect(failed.phase).toBe('problem');
    expect(failed.problem?.title).toBe('Cannot reach the gateway');
    expect(failed.problem?.line).toBe(`cannot reach the gateway at ${GATEWAY}${cause}`);
    expect(failed.problem?.detail).toBe(`The live connection to the gateway failed${cause}. Check that it is running, then reload.`);
  });
});

describe('the connection coming and going', () => {
  it('live or connecting → reconnecting → back to where it was', () => {
    expect(onClosed(following).phase).toBe('reconnecting');
    expect(onConnected(onClosed(following)).phase).toBe('live');
    expect(onConnected(onClosed(start)).phase).toBe('connecting');
  });

  it('a finished or failed view stays as it is', () => {
    const done: ViewState = { ...following, phase: 'done' };
    expect(onClosed(done)).toBe(done);
    expect(onConnected(done)).toBe(done);
    const failed = onFailure(start, {});
    expect(onClosed(failed)).toBe(failed);
  });
});

describe('fraction', () => {
  it('is unknown without an execution, or while a Polos execution runs (no progress, no steps)', () => {
    expect(fraction(undefined)).toBeNull();
    expect(fraction(execution())).toBeNull();
  });

  it('is whole once COMPLETED or terminal', () => {
    expect(fraction(execution({ status: 'COMPLETED', terminal: true, progress: { completed: 3, total: 4 } }))).toBe(1);
    expect(fraction(execution({ status: 'FAILED', terminal: true }))).toBe(1);
  });

  it('follows progress, within 0..1 (Flowker counts untaken branches in its total)', () => {
    expect(fraction(execution({ progress: { completed: 3, total: 5 } }))).toBe(0.6);
    expect(fraction(execution({ progress: { completed: 7, total: 5 } }))).toBe(1);
  });

  it('otherwise counts the steps or nodes that are over: completed, failed, skipped or cancelled', () => {
    expect(fraction(execution({ progress: { completed: 0, total: 0 }, steps: steps('COMPLETED', 'FAILED', 'RUNNING', 'PENDING') }))).toBe(0.5);
    expect(fraction(execution({ nodes: nodes('SKIPPED', 'CANCELLED', 'QUEUED', 'RUNNING') }))).toBe(0.5);
  });

  it('is always null or within 0..1', () => {
    const status = fc.constantFrom<StepStatus>('PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED');
    fc.assert(
      fc.property(fc.option(fc.record({ completed: fc.integer({ min: -5, max: 50 }), total: fc.integer({ min: -5, max: 50 }) })), fc.array(status, { maxLength: 8 }), (progress, items) => {
        const value = fraction(execution({ progress, nodes: nodes(...items) }));
        return value === null || (value >= 0 && value <= 1);
      }),
    );
  });
});

describe('formatting', () => {
  it.each([
    [0.85, '850 ms'],
    [12.5, '12.5 s'],
    [200, '3 min 20 s'],
    [5 * 3_600 + 12 * 60 + 7, '5 h 12 min'],
    [300 * 86_400 + 4 * 3_600 + 59, '300 d 4 h'], // past what the 32-bit durationMs holds
  ])('formatDuration(%s s) = %s', (seconds, text) => expect(formatDuration(seconds)).toBe(text));

  it('formatDuration(null) is null', () => expect(formatDuration(null)).toBeNull());

  it('errorText puts the code in front, unless the message starts with it', () => {
    expect(errorText({ code: 'FLK-0504', message: 'charge-card failed' })).toBe('FLK-0504: charge-card failed');
    expect(errorText({ code: 'FLK-0504', message: 'FLK-0504 charge-card failed' })).toBe('FLK-0504 charge-card failed');
    expect(errorText({ code: null, message: 'PaymentGatewayError: 503' })).toBe('PaymentGatewayError: 503');
  });
});

it('progressRequest subscribes with the generated document', () => {
  const request = progressRequest(ID);
  expect(request.variables).toEqual({ id: ID });
  expect(request.query).toMatch(/^\s*subscription ExecutionProgress\(\$id: ID!\) \{\s+executionUpdated\(id: \$id\)/);
});
