/**
 * The query side end to end: fake upstreams on real sockets, the gateway on a real port, GraphQL
 * over HTTP. Upstream request counts prove the batching, dedup, caching and laziness.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeHandler, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.js';
import { graphql, startTestGateway, TEST_KEYS } from '../support/gateway.js';
import { flowkerError, flowkerResults, flowkerStatus, flowkerStep, flowkerStillRunning, polosBody, promptLayerError, promptLayerNodes, uuid } from '../support/payloads.js';

const BIG_ID = '9007199254740993'; // 2^53 + 1: a JS number would round it to ...992

/** Per-id state the fake upstreams answer from; tests edit it. */
const flowkerStates = new Map<string, string>();
const polosStatus = new Map<string, { status: string; parent?: string; root?: string }>();
const promptlayerState = new Map<string, 'running' | 'done'>();

const flowkerHandler: FakeHandler = (request) => {
  const match = /^\/v1\/executions\/([^/]+)(\/results)?$/.exec(request.path);
  const status = match ? flowkerStates.get(match[1]!) : undefined;
  if (!match || status === undefined) return { status: 404, body: flowkerError() };
  if (match[2]) {
    if (status !== 'completed' && status !== 'failed') {
      return { status: 422, body: flowkerStillRunning() };
    }
    const step = flowkerStep({ stepName: 'log', output: { ok: true }, durationMs: 12 });
    return { body: flowkerResults({ executionId: match[1]!, workflowId: uuid(999), status, stepResults: [step], finalOutput: { amount: 1500 } }) };
  }
  const completedAt = status === 'completed' ? { completedAt: '2026-03-17T14:35:12Z' } : {};
  return { body: flowkerStatus({ executionId: match[1]!, workflowId: uuid(999), status, currentStepNumber: 2, totalSteps: 4, ...completedAt }) };
};

const polosHandler: FakeHandler = (request) => {
  const id = /^\/api\/v1\/executions\/([^/]+)$/.exec(request.path)?.[1];
  const state = id ? polosStatus.get(id) : undefined;
  if (!id || !state) return { status: 500, body: '' };
  return { body: polosBody(id, state.status, { workflow_id: 'demo_workflow', parent_execution_id: state.parent ?? null, root_execution_id: state.root ?? null }) };
};

const promptlayerHandler: FakeHandler = (request: RecordedRequest) => {
  const id = request.query.get('workflow_version_execution_id') ?? '';
  const state = promptlayerState.get(id);
  if (!state) return { status: 404, body: promptLayerError() };
  const done = state === 'done';
  const output = done ? { value: 'Final result' } : { status: 'RUNNING', value: null };
  return { status: done ? 200 : 202, body: promptLayerNodes({ 'Node 1': { value: 'first' }, 'Node 2': { ...output, is_output_node: true } }) };
};

let flowker: FakeUpstream;
let polos: FakeUpstream;
let promptlayer: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  [flowker, polos, promptlayer] = await Promise.all([
    startFakeUpstream(flowkerHandler),
    startFakeUpstream(polosHandler),
    startFakeUpstream(promptlayerHandler),
  ]);
  gateway = await startTestGateway({ flowker: flowker.baseUrl, polos: polos.baseUrl, promptlayer: promptlayer.baseUrl });
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([flowker.close(), polos.close(), promptlayer.close()]);
});

const resetCounts = () => {
  for (const upstream of [flowker, polos, promptlayer]) upstream.requests.length = 0;
};
afterEach(() => {
  flowkerStates.clear();
  polosStatus.clear();
  promptlayerState.clear();
  flowker.setHandler(flowkerHandler);
  polos.setHandler(polosHandler);
  promptlayer.setHandler(promptlayerHandler);
  resetCounts();
});

describe('batching and deduplication', () => {
  it('20 aliased lookups over 10 distinct ids cost exactly 10 upstream calls', async () => {
    const ids: string[] = [];
    for (let i = 1; i <= 4; i++) {
      flowkerStates.set(uuid(i), 'running');
      ids.push(`flowker:${uuid(i)}`);
    }
    for (let i = 5; i <= 7; i++) {
      polosStatus.set(uuid(i), { status: 'running' });
      ids.push(`polos:${uuid(i)}`);
    }
    for (const id of ['101', '102', BIG_ID]) {
      promptlayerState.set(id, 'running');
      ids.push(`promptlayer:${id}`);
    }
    // Each id twice, the second time upper-cased where that is the same execution.
    const aliases = [...ids, ...ids.map((id) => id.toUpperCase().replace(/^[A-Z]+/, (p) => p.toLowerCase()))]
      .map((id, i) => `e${i}: execution(id: "${id}") { id status }`)
      .join('\n');
    const response = await graphql(gateway.url, `{ ${aliases} }`);

    expect(response.errors).toBeUndefined();
    expect(Object.keys(response.data!)).toHaveLength(20);
    expect(flowker.count() + polos.count() + promptlayer.count()).toBe(10);
    expect([flowker.count(), polos.count(), promptlayer.count()]).toEqual([4, 3, 3]);
  });

  it('executions(ids) keeps order, dedups, and resolves parent/root through the same loader', async () => {
    const root = uuid(20);
    const child = uuid(21);
    polosStatus.set(root, { status: 'waiting' });
    polosStatus.set(child, { status: 'running', parent: root, root });
    const response = await graphql(
      gateway.url,
      `query($ids: [ID!]!) { executions(ids: $ids) { id status parent { id status } root { id } } }`,
      { ids: [`polos:${child}`, `polos:${root}`, `polos:${child}`] },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data!.executions).toEqual([
      { id: `polos:${child}`, status: 'RUNNING', parent: { id: `polos:${root}`, status: 'WAITING' }, root: { id: `polos:${root}` } },
      { id: `polos:${root}`, status: 'WAITING', parent: null, root: null },
      { id: `polos:${child}`, status: 'RUNNING', parent: { id: `polos:${root}`, status: 'WAITING' }, root: { id: `polos:${root}` } },
    ]);
    expect(polos.count()).toBe(2);
  });

  it('identical requests in flight from different operations share one HTTP call', async () => {
    polosStatus.set(uuid(30), { status: 'running' });
    polos.setHandler(async (request) => ({ ...(await polosHandler(request)), delayMs: 100 }));
    const query = `{ execution(id: "polos:${uuid(30)}") { status } }`;
    const responses = await Promise.all(Array.from({ length: 5 }, () => graphql(gateway.url, query)));
    expect(responses.map((r) => r.data)).toEqual(Array(5).fill({ execution: { status: 'RUNNING' } }));
    expect(polos.count()).toBe(1);
  });
});

describe('laziness and the terminal cache', () => {
  it('a status-only Flowker query calls only the status endpoint', async () => {
    flowkerStates.set(uuid(40), 'completed');
    const response = await graphql(gateway.url, `{ execution(id: "flowker:${uuid(40)}") { status terminal } }`);
    expect(response.data).toEqual({ execution: { status: 'COMPLETED', terminal: true } });
    expect(flowker.requests.map((r) => r.path)).toEqual([`/v1/executions/${uuid(40)}`]);
  });

  it('steps of a running Flowker execution are empty without calling /results', async () => {
    flowkerStates.set(uuid(41), 'running');
    const response = await graphql(gateway.url, `{ execution(id: "flowker:${uuid(41)}") { status steps { name } output progress { completed total } } }`);
    expect(response.data).toEqual({ execution: { status: 'RUNNING', steps: [], output: null, progress: { completed: 2, total: 4 } } });
    expect(flowker.count('/v1/executions')).toBe(1);
  });

  it('a terminal execution is fetched once, then served from the cache with zero upstream calls', async () => {
    flowkerStates.set(uuid(42), 'completed');
    polosStatus.set(uuid(43), { status: 'completed' });
    promptlayerState.set(BIG_ID, 'done');
    const query = `{
      f: execution(id: "flowker:${uuid(42)}") { status output steps { number name status output durationMs startedAt } }
      p: execution(id: "polos:${uuid(43)}") { status output input }
      l: execution(id: "promptlayer:${BIG_ID}") { id upstreamId status upstreamStatus output nodes { name status isOutput } }
    }`;
    const first = await graphql(gateway.url, query);
    expect(first.errors).toBeUndefined();
    expect(first.data!.f.steps).toEqual([{ number: 1, name: 'log', status: 'COMPLETED', output: { ok: true }, durationMs: 12, startedAt: '2026-03-17T14:35:00.000Z' }]);
    expect(first.data!.l).toMatchObject({ id: `promptlayer:${BIG_ID}`, upstreamId: BIG_ID, status: 'COMPLETED', upstreamStatus: '200', output: 'Final result' });
    expect(promptlayer.requests[0]!.query.get('workflow_version_execution_id')).toBe(BIG_ID);
    expect(promptlayer.requests[0]!.query.get('return_all_outputs')).toBe('true');
    expect([flowker.count(), polos.count(), promptlayer.count()]).toEqual([2, 1, 1]); // Flowker: status + /results

    resetCounts();
    const second = await graphql(gateway.url, query);
    expect(second.data).toEqual(first.data);
    expect(flowker.count() + polos.count() + promptlayer.count()).toBe(0);
  });

  it('non-terminal executions are fetched again by every operation', async () => {
    polosStatus.set(uuid(44), { status: 'running' });
    const query = `{ execution(id: "polos:${uuid(44)}") { status } }`;
    await graphql(gateway.url, query);
    polosStatus.set(uuid(44), { status: 'completed' });
    const second = await graphql(gateway.url, query);
    expect(second.data).toEqual({ execution: { status: 'COMPLETED' } });
    expect(polos.count()).toBe(2);
  });
});

describe('errors are per path', () => {
  it('a malformed id, an unknown provider and a failing upstream error only their own fields', async () => {
    polosStatus.set(uuid(50), { status: 'running' });
    flowker.setHandler(() => ({ status: 503, body: 'down' }));
    const response = await graphql(
      gateway.url,
      `{
        ok: execution(id: "polos:${uuid(50)}") { status }
        bad: execution(id: "polos:not-a-uuid") { status }
        unknown: execution(id: "jenkins:1") { status }
        down: execution(id: "flowker:${uuid(51)}") { status }
        list: executions(ids: ["polos:${uuid(50)}", "promptlayer:abc"]) { status }
      }`,
    );
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ ok: { status: 'RUNNING' }, bad: null, unknown: null, down: null, list: [{ status: 'RUNNING' }, null] });
    const byPath = Object.fromEntries(response.errors!.map((e) => [e.path!.join('.'), e.extensions]));
    expect(byPath).toEqual({
      bad: { code: 'BAD_USER_INPUT', provider: 'POLOS' },
      unknown: { code: 'BAD_USER_INPUT' },
      down: { code: 'UPSTREAM_UNAVAILABLE', provider: 'FLOWKER' },
      'list.1': { code: 'BAD_USER_INPUT', provider: 'PROMPTLAYER' },
    });
    expect(flowker.count()).toBe(3); // the default 3 attempts, then the error
  });

  it('not found is null without an error (Flowker 404, PromptLayer 404, Polos empty 500)', async () => {
    const response = await graphql(
      gateway.url,
      `{ f: execution(id: "flowker:${uuid(60)}") { id } p: execution(id: "polos:${uuid(61)}") { id } l: node(id: "promptlayer:5") { id } }`,
    );
    expect(response).toEqual({ status: 200, data: { f: null, p: null, l: null } });
    expect(polos.count()).toBe(1); // the empty 500 is an answer, not an outage: not retried
  });

  it('a provider that is not configured is BAD_USER_INPUT', async () => {
    const other = await startTestGateway({ polos: polos.baseUrl });
    try {
      const response = await graphql(other.url, `{ execution(id: "flowker:${uuid(70)}") { id } }`);
      expect(response.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'FLOWKER' });
      expect(response.errors![0]!.message).toMatch(/not configured/);
    } finally {
      await other.close();
    }
  });

  it('429 with Retry-After is retried, then succeeds', async () => {
    polosStatus.set(uuid(80), { status: 'running' });
    let calls = 0;
    polos.setHandler((request) => (++calls === 1 ? { status: 429, headers: { 'retry-after': '0' }, body: '' } : polosHandler(request)));
    const response = await graphql(gateway.url, `{ execution(id: "polos:${uuid(80)}") { status } }`);
    expect(response.data).toEqual({ execution: { status: 'RUNNING' } });
    expect(polos.count()).toBe(2);
  });

  it('malformed JSON and wrong shapes are UPSTREAM_BAD_RESPONSE', async () => {
    polos.setHandler(() => ({ body: '{"id": "x", "status": ' }));
    promptlayer.setHandler(() => ({ body: '"just a bare output"' }));
    flowker.setHandler(() => ({ body: { executionId: 1 } }));
    const response = await graphql(
      gateway.url,
      `{ a: execution(id: "polos:${uuid(83)}") { status } b: execution(id: "promptlayer:7") { status } c: execution(id: "flowker:${uuid(84)}") { status } }`,
    );
    expect(response.data).toEqual({ a: null, b: null, c: null });
    expect(response.errors!.map((e) => e.extensions!.code)).toEqual(Array(3).fill('UPSTREAM_BAD_RESPONSE'));
  });

  it('sends credentials upstream but never returns them, even in upstream auth errors', async () => {
    flowker.setHandler((request) => ({ status: 401, body: { code: 'UNAUTHORIZED', title: 'Unauthorized', message: `bad key ${String(request.headers['x-api-key'])}` } }));
    polosStatus.set(uuid(85), { status: 'running' });
    const response = await graphql(
      gateway.url,
      `{ f: execution(id: "flowker:${uuid(86)}") { id } p: execution(id: "polos:${uuid(85)}") { id } l: execution(id: "promptlayer:8") { id } }`,
    );
    expect(flowker.requests[0]!.headers['x-api-key']).toBe(TEST_KEYS.flowker);
    expect(polos.requests[0]!.headers.authorization).toBe(`Bearer ${TEST_KEYS.polos}`);
    expect(polos.requests[0]!.headers['x-project-id']).toBe(TEST_KEYS.polosProject);
    expect(promptlayer.requests[0]!.headers['x-api-key']).toBe(TEST_KEYS.promptlayer);
    expect(response.errors!.find((e) => e.path![0] === 'f')!.extensions).toEqual({ code: 'UPSTREAM_UNAUTHORIZED', provider: 'FLOWKER' });
    expect(flowker.count()).toBe(1); // auth failures are not retried
    const text = JSON.stringify(response);
    for (const secret of Object.values(TEST_KEYS)) expect(text).not.toContain(secret);
  });
});
