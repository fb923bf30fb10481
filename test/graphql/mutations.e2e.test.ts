/**
 * Start, cancel and list through the gateway against fake upstreams that behave like the real
 * ones: Flowker's idempotent start (201 new, 200 replay), PromptLayer's int64 run ids, Polos'
 * cancel that reaches ancestors, cursor and offset paging, and upstream validation errors.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream, type RecordedRequest } from '../support/fake-upstream.js';
import { graphql, startTestGateway, type GraphQLResponse } from '../support/gateway.js';
import {
  flowkerError,
  flowkerList,
  flowkerStatus,
  polosBody,
  polosRun,
  polosRunItem,
  PROMPTLAYER_ID_ABOVE_2_53,
  promptLayerRunText,
  uuid,
} from '../support/payloads.js';

const WORKFLOW = '0a000000-0000-4000-8000-000000000001';

/** Flowker: idempotency keys → execution ids; 1,000 listed executions in cursor pages. */
const flowkerKeys = new Map<string, string>();
const flowkerItems = Array.from({ length: 7 }, (_, i) => flowkerStatus({ executionId: uuid(100 + i), workflowId: WORKFLOW, status: i % 2 ? 'completed' : 'running' }));

function flowkerHandler(request: RecordedRequest) {
  if (request.method === 'POST') {
    if (!request.path.startsWith(`/v1/workflows/${WORKFLOW}/`)) return { status: 404, body: { code: 'FLK-0100', title: 'Not Found', message: 'workflow not found' } };
    const key = request.headers['idempotency-key'] as string | undefined;
    if (!key) return { status: 400, body: { code: 'FLK-0509', title: 'Bad Request', message: 'missing Idempotency-Key' } };
    const existing = flowkerKeys.get(key);
    const executionId = existing ?? randomUUID();
    flowkerKeys.set(key, executionId);
    return { status: existing ? 200 : 201, body: flowkerStatus({ executionId, workflowId: WORKFLOW }) };
  }
  if (request.path === '/v1/executions') {
    if (request.query.has('cursor') && (request.query.has('sortBy') || request.query.has('sortOrder'))) {
      return { status: 400, body: { code: 'FLK-0304', title: 'Bad Request', message: 'cursor with sort' } };
    }
    const status = request.query.get('status');
    const items = flowkerItems.filter((item) => !status || item.status === status);
    const start = Number(request.query.get('cursor') ?? 0);
    const limit = Number(request.query.get('limit'));
    const page = items.slice(start, start + limit);
    const hasMore = start + limit < items.length;
    return { body: flowkerList({ items: page, nextCursor: hasMore ? String(start + limit) : '', hasMore }) };
  }
  return { status: 404, body: flowkerError() };
}

/** Polos: a root with a child; cancel marks the target and its ancestors (as the real one does). */
const ROOT = uuid(1);
const CHILD = uuid(2);
const polosState = new Map<string, { status: string; parent: string | null; root: string | null }>();
const resetPolos = () => {
  polosState.clear();
  polosState.set(ROOT, { status: 'waiting', parent: null, root: null });
  polosState.set(CHILD, { status: 'running', parent: ROOT, root: ROOT });
  for (let i = 0; i < 5; i++) polosState.set(uuid(10 + i), { status: 'completed', parent: null, root: null });
};
const polosExecutionOf = (id: string) => {
  const state = polosState.get(id)!;
  return polosBody(id, state.status, { payload: {}, result: null, parent_execution_id: state.parent, root_execution_id: state.root });
};

function polosHandler(request: RecordedRequest) {
  const run = /^\/api\/v1\/workflows\/([^/]+)\/run$/.exec(request.path);
  if (run) {
    if (run[1] === 'missing') return { status: 404, body: { error: 'workflow not found', error_type: 'NOT_FOUND' } };
    const id = randomUUID();
    polosState.set(id, { status: 'queued', parent: null, root: null });
    return { body: polosRun({ execution_id: id }) };
  }
  const cancel = /^\/api\/v1\/executions\/([^/]+)\/cancel$/.exec(request.path);
  if (cancel) {
    const state = polosState.get(cancel[1]!);
    if (!state) return { status: 404, body: { error: 'not found', error_type: 'CANCELLATION_ERROR' } };
    if (state.status === 'completed') return { status: 400, body: { error: 'Execution cannot be cancelled: already completed', error_type: 'CANCELLATION_ERROR' } };
    for (let id: string | null = cancel[1]!; id; id = polosState.get(id)!.parent) polosState.get(id)!.status = 'pending_cancel';
    return { body: { execution_id: cancel[1], status: 'pending_cancel', cancelled_at: '2026-03-17T14:36:00Z' } };
  }
  if (request.path === '/api/v1/workflows/runs') {
    const all = [...polosState.keys()].map((id) => {
      const { status, root } = polosState.get(id)!;
      return polosRunItem({ id, status, root_execution_id: root, workflow_id: 'wf', created_at: '2026-03-17T14:35:00Z', payload: {} });
    });
    const offset = Number(request.query.get('offset'));
    return { body: all.slice(offset, offset + Number(request.query.get('limit'))) };
  }
  const id = /^\/api\/v1\/executions\/([^/]+)$/.exec(request.path)?.[1];
  return id && polosState.has(id) ? { body: polosExecutionOf(id) } : { status: 500, body: '' };
}

let flowker: FakeUpstream;
let polos: FakeUpstream;
let promptlayer: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  flowker = await startFakeUpstream(flowkerHandler);
  polos = await startFakeUpstream(polosHandler);
  promptlayer = await startFakeUpstream((request) => {
    if (request.path === '/workflows/bad/run') return { status: 422, body: { detail: [{ loc: ['body', 'input_variables'], msg: 'missing variable topic', type: 'value_error' }] } };
    if (request.path === '/workflows/flaky/run') return { status: 503, body: '' };
    return { status: 201, body: promptLayerRunText(PROMPTLAYER_ID_ABOVE_2_53) };
  });
  gateway = await startTestGateway({ flowker: flowker.baseUrl, polos: polos.baseUrl, promptlayer: promptlayer.baseUrl });
});
afterAll(async () => {
  await gateway.close();
  await Promise.all([flowker.close(), polos.close(), promptlayer.close()]);
});
afterEach(() => {
  resetPolos();
  for (const upstream of [flowker, polos, promptlayer]) upstream.requests.length = 0;
});
resetPolos();

const START = `mutation($input: StartExecutionInput!) {
  startExecution(input: $input) { idempotencyKey replayed execution { id provider status upstreamId } }
}`;

describe('startExecution', () => {
  it('starts a Flowker run with a generated idempotency key, and replays it with the same key', async () => {
    const first = await graphql(gateway.url, START, { input: { provider: 'FLOWKER', workflowId: WORKFLOW, input: { amount: 1500 } } });
    const started = first.data!.startExecution;
    expect(started).toMatchObject({ replayed: false, execution: { provider: 'FLOWKER', status: 'RUNNING' } });
    expect(started.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(flowker.requests[0]!.body)).toEqual({ inputData: { amount: 1500 } });
    expect(flowker.requests[0]!.headers['idempotency-key']).toBe(started.idempotencyKey);

    const again = await graphql(gateway.url, START, {
      input: { provider: 'FLOWKER', workflowId: WORKFLOW, input: { amount: 1500 }, idempotencyKey: started.idempotencyKey },
    });
    expect(again.data!.startExecution).toEqual({ ...started, replayed: true });
  });

  it('returns a PromptLayer run id above 2^53 exactly, and polls it by that id', async () => {
    const response = await graphql(gateway.url, START, { input: { provider: 'PROMPTLAYER', workflowId: 'My Workflow', input: { topic: 'x' } } });
    expect(response.data!.startExecution.execution).toEqual({ id: 'promptlayer:9007199254740993', provider: 'PROMPTLAYER', status: 'PENDING', upstreamId: '9007199254740993' });
    expect(promptlayer.requests[0]!.path).toBe('/workflows/My%20Workflow/run');
    expect(JSON.parse(promptlayer.requests[0]!.body)).toEqual({ input_variables: { topic: 'x' }, return_all_outputs: true });
  });

  it('starts a Polos run with its payload', async () => {
    const response = await graphql(gateway.url, START, { input: { provider: 'POLOS', workflowId: 'my_workflow', input: [1, 2] } });
    expect(response.data!.startExecution).toMatchObject({ idempotencyKey: null, replayed: false, execution: { provider: 'POLOS', status: 'QUEUED' } });
    expect(JSON.parse(polos.requests[0]!.body)).toEqual({ payload: [1, 2] });
  });

  it('maps upstream validation errors to BAD_USER_INPUT with the upstream explanation', async () => {
    const response = await graphql(
      gateway.url,
      `mutation {
        a: startExecution(input: { provider: PROMPTLAYER, workflowId: "bad" }) { replayed }
        b: startExecution(input: { provider: FLOWKER, workflowId: "${uuid(999)}" }) { replayed }
        c: startExecution(input: { provider: POLOS, workflowId: "missing" }) { replayed }
      }`,
    );
    const byPath = Object.fromEntries(response.errors!.map((e) => [e.path![0], e]));
    expect(byPath.a!.extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'PROMPTLAYER' });
    expect(byPath.a!.message).toContain('missing variable topic');
    expect(byPath.b!.message).toContain('workflow not found');
    expect(byPath.c!.extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'POLOS' });
  });

  it('validates input before calling upstream', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const huge = await graphql(
      gateway.url,
      `mutation($big: JSON) { startExecution(input: { provider: FLOWKER, workflowId: "${WORKFLOW}", input: { blob: $big } }) { replayed } }`,
      { big },
    );
    // The request body itself is over MAX_BODY_BYTES (1 MB): refused before parsing.
    expect(huge).toMatchObject({ status: 413, errors: [{ extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_BODY_BYTES' } }] });
    const justUnder = await startTestGateway({ flowker: flowker.baseUrl }, { MAX_BODY_BYTES: String(2 * 1024 * 1024) });
    try {
      const tooBig = await graphql(
        justUnder.url,
        `mutation($big: JSON) { startExecution(input: { provider: FLOWKER, workflowId: "${WORKFLOW}", input: { blob: $big } }) { replayed } }`,
        { big },
      );
      expect(tooBig.errors![0]).toMatchObject({ message: 'Flowker input must be at most 1 MB as JSON.', extensions: { code: 'BAD_USER_INPUT' } });
    } finally {
      await justUnder.close();
    }
    const small = await graphql(
      gateway.url,
      `mutation {
        shape: startExecution(input: { provider: FLOWKER, workflowId: "${WORKFLOW}", input: [1] }) { replayed }
        workflow: startExecution(input: { provider: FLOWKER, workflowId: "not-a-uuid" }) { replayed }
        key: startExecution(input: { provider: POLOS, workflowId: "wf", idempotencyKey: "${'k'.repeat(256)}" }) { replayed }
      }`,
    );
    expect(small.errors!.map((e) => [e.path![0], e.extensions!.code])).toEqual([
      ['shape', 'BAD_USER_INPUT'],
      ['workflow', 'BAD_USER_INPUT'],
      ['key', 'BAD_USER_INPUT'],
    ]);
    expect(flowker.count() + polos.count()).toBe(0);
  });

  it('does not retry a failed non-idempotent start', async () => {
    const response = await graphql(gateway.url, `mutation { startExecution(input: { provider: PROMPTLAYER, workflowId: "flaky" }) { replayed } }`);
    expect(response.errors![0]!.extensions).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'PROMPTLAYER' });
    expect(promptlayer.count()).toBe(1);
  });
});

describe('cancelExecution', () => {
  const CANCEL = `mutation($id: ID!) { cancelExecution(id: $id) { execution { id status upstreamStatus } } }`;

  it('cancels a Polos child, and the cancel reaches its root', async () => {
    const response = await graphql(gateway.url, CANCEL, { id: `polos:${CHILD}` });
    expect(response.data!.cancelExecution.execution).toEqual({ id: `polos:${CHILD}`, status: 'CANCELLING', upstreamStatus: 'pending_cancel' });
    const root = await graphql(gateway.url, `{ execution(id: "polos:${ROOT}") { status } }`);
    expect(root.data).toEqual({ execution: { status: 'CANCELLING' } });
  });

  it('is NOT_SUPPORTED for Flowker and PromptLayer, BAD_USER_INPUT for a finished run, NOT_FOUND for an unknown one', async () => {
    const response = await graphql(
      gateway.url,
      `mutation {
        f: cancelExecution(id: "flowker:${uuid(100)}") { execution { id } }
        p: cancelExecution(id: "promptlayer:5") { execution { id } }
        done: cancelExecution(id: "polos:${uuid(10)}") { execution { id } }
        unknown: cancelExecution(id: "polos:${uuid(77)}") { execution { id } }
      }`,
    );
    const codes = Object.fromEntries(response.errors!.map((e) => [e.path![0], e.extensions]));
    expect(codes).toEqual({
      f: { code: 'NOT_SUPPORTED', provider: 'FLOWKER' },
      p: { code: 'NOT_SUPPORTED', provider: 'PROMPTLAYER' },
      done: { code: 'BAD_USER_INPUT', provider: 'POLOS' },
      unknown: { code: 'NOT_FOUND', provider: 'POLOS' },
    });
    expect(flowker.count() + promptlayer.count()).toBe(0);
  });
});

describe('executionsConnection', () => {
  const LIST = `query($provider: Provider!, $first: Int, $after: String, $status: ExecutionStatus, $workflowId: String) {
    executionsConnection(provider: $provider, first: $first, after: $after, status: $status, workflowId: $workflowId) {
      edges { cursor node { id status } } pageInfo { hasNextPage endCursor }
    }
  }`;

  async function pageThrough(provider: string, first: number, extra: Record<string, unknown> = {}) {
    const ids: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 20; pages++) {
      const response: GraphQLResponse = await graphql(gateway.url, LIST, { provider, first, after, ...extra });
      expect(response.errors).toBeUndefined();
      const connection: { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = response.data!.executionsConnection as never;
      ids.push(...connection.edges.map((edge) => edge.node.id));
      if (!connection.pageInfo.hasNextPage) return ids;
      after = connection.pageInfo.endCursor;
    }
    throw new Error('did not finish paging');
  }

  it('pages through Flowker with its cursors, never sending a sort with a cursor', async () => {
    expect(await pageThrough('FLOWKER', 3)).toEqual(flowkerItems.map((item) => `flowker:${item.executionId}`));
    expect(flowker.requests.every((r) => !r.query.has('sortBy') && !r.query.has('sortOrder'))).toBe(true);
    expect(await pageThrough('FLOWKER', 2, { status: 'COMPLETED' })).toHaveLength(3);
    expect(await pageThrough('FLOWKER', 2, { status: 'CANCELLED' })).toEqual([]);
  });

  it('pages through Polos by offset, and resumes from any edge cursor', async () => {
    const all = await pageThrough('POLOS', 3);
    expect(all).toEqual([...polosState.keys()].map((id) => `polos:${id}`));
    const first = await graphql(gateway.url, LIST, { provider: 'POLOS', first: 3 });
    const fromSecondEdge = await graphql(gateway.url, LIST, { provider: 'POLOS', first: 2, after: first.data!.executionsConnection.edges[1].cursor });
    expect(fromSecondEdge.data!.executionsConnection.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(all.slice(2, 4));
  });

  it('rejects PromptLayer, foreign cursors and bad page sizes clearly', async () => {
    const response = await graphql(
      gateway.url,
      `{
        pl: executionsConnection(provider: PROMPTLAYER) { pageInfo { hasNextPage } }
        cursor: executionsConnection(provider: POLOS, after: "garbage") { pageInfo { hasNextPage } }
        size: executionsConnection(provider: POLOS, first: 1000) { pageInfo { hasNextPage } }
        status: executionsConnection(provider: POLOS, status: RUNNING) { pageInfo { hasNextPage } }
      }`,
    );
    const codes = Object.fromEntries(response.errors!.map((e) => [e.path![0], e.extensions!.code]));
    expect(codes).toEqual({ pl: 'NOT_SUPPORTED', cursor: 'BAD_USER_INPUT', size: 'BAD_USER_INPUT', status: 'NOT_SUPPORTED' });
  });

  it('lists the Polos executions under a root as its children (best-effort)', async () => {
    const response = await graphql(gateway.url, `{ execution(id: "polos:${ROOT}") { children { id parent { id } } } }`);
    expect(response.data).toEqual({ execution: { children: [{ id: `polos:${CHILD}`, parent: { id: `polos:${ROOT}` } }] } });
  });
});
