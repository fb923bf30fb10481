/**
 * Numbers GraphQL's 32-bit `Int` cannot hold: a Flowker run started 300 days ago and still
 * RUNNING (durationMs saturates, durationSeconds holds it whole, over HTTP and WebSocket), a
 * Flowker step that took longer than 2^31 ms, and upstream counts out of the Int range, which are
 * UPSTREAM_BAD_RESPONSE on the field that read them while their siblings still resolve.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, startTestGateway } from '../support/gateway.js';
import { polosIdOf } from '../support/server-helpers.js';
import { record, wsClient } from '../support/subscriptions.js';
import { polosBody, uuid } from '../support/payloads.js';

const DAY_MS = 86_400_000;
const INT_MAX = 2_147_483_647;
const OLD_RUN = uuid(300);
const OLD_FINISHED = uuid(301);
const HUGE_PROGRESS = uuid(302);
const HUGE_RETRIES = uuid(303);
const HEALTHY = uuid(304);
const startedAt = new Date(Date.now() - 300 * DAY_MS).toISOString();
const completedAt = new Date(Date.parse(startedAt) + 40 * DAY_MS).toISOString();

let flowker: FakeUpstream;
let polos: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  flowker = await startFakeUpstream((request) => {
    const id = /^\/v1\/executions\/([^/]+)/.exec(request.path)?.[1];
    if (request.path.endsWith('/results')) {
      const step = { stepNumber: 1, stepName: 'approval', nodeId: 'n1', status: 'completed', executedAt: startedAt, durationMs: 40 * DAY_MS };
      return { body: { executionId: id, status: 'completed', stepResults: [step], finalOutput: { approved: true } } };
    }
    const base = { executionId: id, workflowId: uuid(999), startedAt, currentStepNumber: 1, totalSteps: 2 };
    if (id === OLD_FINISHED) return { body: { ...base, status: 'completed', completedAt } };
    if (id === HUGE_PROGRESS) return { body: { ...base, status: 'running', totalSteps: 2 ** 31 } };
    return { body: { ...base, status: 'running' } };
  });
  polos = await startFakeUpstream((request) => {
    const id = polosIdOf(request.path);
    return { body: polosBody(id, 'queued', id === HUGE_RETRIES ? { retry_count: 22_351_557_705, error: 'boom' } : {}) };
  });
  gateway = await startTestGateway({ flowker: flowker.baseUrl, polos: polos.baseUrl }, { POLL_INTERVAL_MS: '50' });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([flowker.close(), polos.close()]);
});

/** 300 days in seconds, give or take the test's own run time. */
function expectAbout300Days(seconds: unknown): void {
  expect(typeof seconds).toBe('number');
  expect(seconds as number).toBeGreaterThanOrEqual((300 * DAY_MS) / 1000);
  expect(seconds as number).toBeLessThan((300 * DAY_MS) / 1000 + 60);
}

describe('durations beyond the GraphQL Int range', () => {
  it('a run started 300 days ago and still RUNNING: durationMs saturates, durationSeconds is whole (HTTP)', async () => {
    const response = await graphql(gateway.url, `{ execution(id: "flowker:${OLD_RUN}") { status durationMs durationSeconds } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data!.execution).toMatchObject({ status: 'RUNNING', durationMs: INT_MAX });
    expectAbout300Days(response.data!.execution.durationSeconds);
  });

  it('a finished run of 40 days and its 40-day step: exact seconds, saturated milliseconds', async () => {
    const response = await graphql(
      gateway.url,
      `{ execution(id: "flowker:${OLD_FINISHED}") { status durationMs durationSeconds steps { name durationMs durationSeconds } } }`,
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.execution).toEqual({
      status: 'COMPLETED',
      durationMs: INT_MAX,
      durationSeconds: 40 * 86_400,
      steps: [{ name: 'approval', durationMs: INT_MAX, durationSeconds: 40 * 86_400 }],
    });
  });

  it('the same over a WebSocket subscription: an event, not a serialization error', async () => {
    const client = wsClient(gateway.url);
    try {
      const stream = record(client, `subscription { executionUpdated(id: "flowker:${OLD_RUN}") { status durationMs durationSeconds } }`);
      await expect.poll(() => stream.events.length).toBeGreaterThan(0);
      const [first] = stream.events;
      expect(first!.errors).toBeUndefined();
      expect(first!.data!.executionUpdated).toMatchObject({ status: 'RUNNING', durationMs: INT_MAX });
      expectAbout300Days(first!.data!.executionUpdated.durationSeconds);
      stream.unsubscribe();
    } finally {
      await client.dispose();
    }
  });
});

describe('upstream counts beyond the GraphQL Int range', () => {
  it('are UPSTREAM_BAD_RESPONSE on the field that read them; siblings still resolve', async () => {
    const response = await graphql(
      gateway.url,
      `{
        progress: execution(id: "flowker:${HUGE_PROGRESS}") { progress { completed total } }
        retries: execution(id: "polos:${HUGE_RETRIES}") { retryCount }
        healthy: execution(id: "polos:${HEALTHY}") { status retryCount }
      }`,
    );
    expect(response.data).toEqual({ progress: null, retries: null, healthy: { status: 'QUEUED', retryCount: 0 } });
    const byPath = Object.fromEntries(response.errors!.map((error) => [error.path!.join('.'), error]));
    expect(Object.keys(byPath).sort()).toEqual(['progress', 'retries']);
    expect(byPath.progress!.extensions).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'FLOWKER' });
    expect(byPath.progress!.message).toContain('totalSteps');
    expect(byPath.retries!.extensions).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'POLOS' });
    expect(byPath.retries!.message).toContain('retry_count');
  });
});
