/**
 * Idempotency keys through the gateway, for each provider, against fake upstreams that count the
 * runs they start: the same key twice, and concurrently, starts one run (`replayed: true` for the
 * others); a different key starts another; the same key with another input is BAD_USER_INPUT; a
 * start with an unknown outcome is never repeated; one that certainly started nothing forgets the
 * key. With Redis, a second replica honours a key the first one recorded, also when they race.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { REDIS_URL, testKeyPrefix } from '../live/redis-support.js';
import { startFakeUpstream, type FakeResponse, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.js';
import { graphql, startTestGateway, type TestUpstreams } from '../support/gateway.js';
import { flowkerStatus, polosRun, PROMPTLAYER_ID_ABOVE_2_53, promptLayerRunText } from '../support/payloads.js';

const FLOWKER_WORKFLOW = '0a000000-0000-4000-8000-000000000001';
const START = `mutation($input: StartExecutionInput!) {
  startExecution(input: $input) { idempotencyKey replayed execution { id provider } }
}`;

/** How each fake answers a run of a workflow: named after what the test needs from it. */
function behaviour(workflow: string): FakeResponse | null {
  if (workflow.startsWith('slow')) return { delayMs: 100 };
  if (workflow.startsWith('hang')) return { hang: true };
  if (workflow.startsWith('busy')) return { status: 429, body: { message: 'slow down' } };
  return null;
}

const flowkerKeys = new Map<string, string>();
const flowkerWorkflows = new Map<string, string>(); // Flowker ids are UUIDs: behaviour by UUID
const flowkerWorkflowFor = (name: string) => {
  if (!flowkerWorkflows.has(name)) flowkerWorkflows.set(name, randomUUID());
  return flowkerWorkflows.get(name)!;
};

function flowkerHandler(request: RecordedRequest): FakeResponse {
  const workflow = /^\/v1\/workflows\/([^/]+)\/executions$/.exec(request.path)?.[1] ?? '';
  const name = [...flowkerWorkflows].find(([, id]) => id === workflow)?.[0] ?? '';
  const special = behaviour(name);
  if (special?.hang || special?.status) return special;
  const key = request.headers['idempotency-key'] as string;
  const existing = flowkerKeys.get(key);
  const executionId = existing ?? randomUUID();
  flowkerKeys.set(key, executionId);
  return { ...special, status: existing ? 200 : 201, body: flowkerStatus({ executionId, workflowId: workflow }) };
}

function polosHandler(request: RecordedRequest): FakeResponse {
  const workflow = /^\/api\/v1\/workflows\/([^/]+)\/run$/.exec(request.path)?.[1] ?? '';
  const special = behaviour(decodeURIComponent(workflow));
  if (special?.hang || special?.status) return special;
  return { ...special, body: polosRun({ execution_id: randomUUID() }) };
}

let promptLayerRuns = 0;
function promptLayerHandler(request: RecordedRequest): FakeResponse {
  const workflow = /^\/workflows\/([^/]+)\/run$/.exec(request.path)?.[1] ?? '';
  const special = behaviour(decodeURIComponent(workflow));
  if (special?.hang || special?.status) return special;
  return { ...special, status: 201, body: promptLayerRunText(String(BigInt(PROMPTLAYER_ID_ABOVE_2_53) + BigInt(promptLayerRuns++))) };
}

let flowker: FakeUpstream;
let polos: FakeUpstream;
let promptlayer: FakeUpstream;
let upstreams: TestUpstreams;
let gateway: Gateway;

beforeAll(async () => {
  [flowker, polos, promptlayer] = await Promise.all([startFakeUpstream(flowkerHandler), startFakeUpstream(polosHandler), startFakeUpstream(promptLayerHandler)]);
  upstreams = { flowker: flowker.baseUrl, polos: polos.baseUrl, promptlayer: promptlayer.baseUrl };
  // A hung start costs a deadline: short ones keep the file quick ('slow' upstreams answer well within them).
  gateway = await startTestGateway(upstreams, { UPSTREAM_ATTEMPT_TIMEOUT_MS: '400', UPSTREAM_DEADLINE_MS: '500' });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([flowker.close(), polos.close(), promptlayer.close()]);
});

type ProviderName = 'FLOWKER' | 'POLOS' | 'PROMPTLAYER';
const PROVIDERS: readonly ProviderName[] = ['FLOWKER', 'POLOS', 'PROMPTLAYER'];

/** A fresh workflow of the provider that behaves as its name says, and the count of runs started on it. */
function workflowOf(provider: ProviderName, name: string) {
  const unique = `${name}-${randomUUID().slice(0, 8)}`;
  const workflowId = provider === 'FLOWKER' ? flowkerWorkflowFor(unique) : unique;
  const fake = { FLOWKER: () => flowker, POLOS: () => polos, PROMPTLAYER: () => promptlayer }[provider]();
  const path = { FLOWKER: `/v1/workflows/${workflowId}/executions`, POLOS: `/api/v1/workflows/${workflowId}/run`, PROMPTLAYER: `/workflows/${workflowId}/run` }[provider];
  const runs = () => fake.requests.filter((request) => request.method === 'POST' && decodeURIComponent(request.path) === path).length;
  return { workflowId, runs };
}

const start = (target: Gateway, provider: ProviderName, workflowId: string, idempotencyKey: string, input: unknown = { amount: 1 }) =>
  graphql(target.url, START, { input: { provider, workflowId, input, idempotencyKey } });

describe.each(PROVIDERS)('%s with an idempotency key', (provider) => {
  it('the same key twice: one upstream run, the same execution, replayed: true the second time', async () => {
    const { workflowId, runs } = workflowOf(provider, 'plain');
    const key = `key-${randomUUID()}`;
    const first = await start(gateway, provider, workflowId, key);
    const second = await start(gateway, provider, workflowId, key);
    expect(first.errors).toBeUndefined();
    expect(first.data!.startExecution).toMatchObject({ idempotencyKey: key, replayed: false, execution: { provider } });
    expect(second.data!.startExecution).toEqual({ ...first.data!.startExecution, replayed: true });
    expect(runs()).toBe(1);
  });

  it('the same key five times at once: one upstream run, every caller the same execution', async () => {
    const { workflowId, runs } = workflowOf(provider, 'slow');
    const key = `key-${randomUUID()}`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => start(gateway, provider, workflowId, key)));
    expect(answers.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined, undefined]);
    const ids = new Set(answers.map((answer) => answer.data!.startExecution.execution.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.data!.startExecution.replayed === false)).toHaveLength(1);
    expect(runs()).toBe(1);
  });

  it('a different key starts another run', async () => {
    const { workflowId, runs } = workflowOf(provider, 'plain');
    const first = await start(gateway, provider, workflowId, `key-${randomUUID()}`);
    const second = await start(gateway, provider, workflowId, `key-${randomUUID()}`);
    expect(second.data!.startExecution.replayed).toBe(false);
    expect(second.data!.startExecution.execution.id).not.toBe(first.data!.startExecution.execution.id);
    expect(runs()).toBe(2);
  });

  it('the same key with another input is BAD_USER_INPUT; the same input with its keys reordered is a replay', async () => {
    const { workflowId, runs } = workflowOf(provider, 'plain');
    const key = `key-${randomUUID()}`;
    await start(gateway, provider, workflowId, key, { amount: 1, currency: 'BRL' });
    const reordered = await start(gateway, provider, workflowId, key, { currency: 'BRL', amount: 1 });
    const other = await start(gateway, provider, workflowId, key, { amount: 2, currency: 'BRL' });
    expect(reordered.data!.startExecution.replayed).toBe(true);
    expect(other.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', provider });
    expect(other.errors![0]!.message).toContain('different input');
    expect(runs()).toBe(1);
  });

  it('a refused start (429) forgets the key: the same key may try again', async () => {
    const { workflowId, runs } = workflowOf(provider, 'busy');
    const key = `key-${randomUUID()}`;
    const first = await start(gateway, provider, workflowId, key);
    const again = await start(gateway, provider, workflowId, key);
    expect(first.errors![0]!.extensions!.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(again.errors![0]!.extensions!.code).toBe('UPSTREAM_RATE_LIMITED');
    expect(runs()).toBeGreaterThanOrEqual(2);
  });
});

describe.each(['POLOS', 'PROMPTLAYER'] as const)('%s: a start whose outcome is unknown', (provider) => {
  it('is reported, and never repeated with the same key', async () => {
    const { workflowId, runs } = workflowOf(provider, 'hang');
    const key = `key-${randomUUID()}`;
    const first = await start(gateway, provider, workflowId, key);
    expect(first.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_TIMEOUT', provider });
    const again = await start(gateway, provider, workflowId, key);
    expect(again.errors![0]!.extensions).toEqual({ code: 'IDEMPOTENCY_KEY_IN_USE', provider });
    expect(again.errors![0]!.message).toMatch(/without a known outcome \(.*did not answer in time.*\): it may have started a run/);
    expect(runs()).toBe(1);
  });
});

describe('FLOWKER: a failed start with a key', () => {
  it('is repeated with the same key, since Flowker checks the key itself', async () => {
    const { workflowId, runs } = workflowOf('FLOWKER', 'hang');
    const key = `key-${randomUUID()}`;
    const first = await start(gateway, 'FLOWKER', workflowId, key);
    expect(first.errors![0]!.extensions!.code).toBe('UPSTREAM_TIMEOUT');
    const again = await start(gateway, 'FLOWKER', workflowId, key);
    expect(again.errors![0]!.extensions!.code).toBe('UPSTREAM_TIMEOUT');
    expect(runs()).toBeGreaterThanOrEqual(2);
    expect(flowker.requests.filter((request) => request.headers['idempotency-key'] === key).every((request) => request.method === 'POST')).toBe(true);
  });
});

describe('with Redis, across replicas', () => {
  const replicaEnv = { REDIS_URL, REDIS_KEY_PREFIX: testKeyPrefix(), SHUTDOWN_TIMEOUT_MS: '200' };
  // One pair for every case: each uses workflows and keys of its own.
  let pair: [Gateway, Gateway];

  beforeAll(async () => {
    pair = await Promise.all([startTestGateway(upstreams, replicaEnv), startTestGateway(upstreams, replicaEnv)]);
  });
  afterAll(() => Promise.all(pair.map((replica) => replica.close())));

  function replicas(): [Gateway, Gateway] {
    expect(pair.map((replica) => replica.redis)).toEqual(['connected', 'connected']);
    return pair;
  }

  it.each(PROVIDERS)('%s: a key recorded by one replica is honoured by the other', async (provider) => {
    const [a, b] = replicas();
    const { workflowId, runs } = workflowOf(provider, 'plain');
    const key = `key-${randomUUID()}`;
    const first = await start(a, provider, workflowId, key);
    const second = await start(b, provider, workflowId, key);
    expect(second.data!.startExecution).toEqual({ ...first.data!.startExecution, replayed: true });
    const other = await start(b, provider, workflowId, key, { amount: 99 });
    expect(other.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', provider });
    expect(runs()).toBe(1);
  });

  it.each(PROVIDERS)('%s: two replicas racing on one key start one run', async (provider) => {
    const [a, b] = replicas();
    const { workflowId, runs } = workflowOf(provider, 'slow');
    const key = `key-${randomUUID()}`;
    const answers = await Promise.all([start(a, provider, workflowId, key), start(b, provider, workflowId, key), start(a, provider, workflowId, key), start(b, provider, workflowId, key)]);
    expect(answers.map((answer) => answer.errors)).toEqual([undefined, undefined, undefined, undefined]);
    expect(new Set(answers.map((answer) => answer.data!.startExecution.execution.id)).size).toBe(1);
    expect(answers.filter((answer) => !answer.data!.startExecution.replayed)).toHaveLength(1);
    expect(runs()).toBe(1);
  });
});
