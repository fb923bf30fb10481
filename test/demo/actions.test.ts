/**
 * The demo upstreams' start, cancel and list endpoints on the wire: Flowker's idempotent start
 * and cursor-paged list, PromptLayer's run with int64 ids above 2^53, Polos' run, tree cancel and
 * offset-paged runs list. The clock is a variable the tests move, as in upstreams.test.ts.
 */
import { request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startDemoUpstreams, type DemoUpstreams } from '../../src/demo/upstreams.js';
import { parseJsonLossless } from '../../src/upstreams/http/json.js';
import { FlowkerExecutionStatusBody, FlowkerListBody, FlowkerResultsBody } from '../../src/upstreams/flowker/wire.js';
import { PolosExecutionBody, PolosRunBody, PolosRunsBody } from '../../src/upstreams/polos/wire.js';
import { PromptLayerResultsBody, PromptLayerRunBody } from '../../src/upstreams/promptlayer/wire.js';

const START = Date.parse('2026-05-01T12:00:00.000Z');
const SCALE = 0.01;
let clock = START;
/** Moves the demo clock on by a nominal duration (the timelines are written in those). */
const advance = (nominalMs: number): void => {
  clock += nominalMs * SCALE;
};
const LATER = 60_000;

const PAYMENT_APPROVAL = '0d000000-0000-4000-8000-0000000000f1';
const RECONCILIATION = '0d000000-0000-4000-8000-0000000000f2';
const INACTIVE = '0d000000-0000-4000-8000-0000000000f3';
const SEEDED_FLOWKER = ['0d000000-0000-4000-8000-000000000002', '0d000000-0000-4000-8000-000000000001'];
const SEEDED_POLOS = {
  parent: '0d000000-0000-4000-8000-000000000011',
  child: '0d000000-0000-4000-8000-000000000012',
  retry: '0d000000-0000-4000-8000-000000000013',
  fails: '0d000000-0000-4000-8000-000000000014',
};
const UNKNOWN_UUID = '0d000000-0000-4000-8000-0000000000ff';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let demo: DemoUpstreams;
beforeEach(async () => {
  clock = START;
  demo = await startDemoUpstreams({ timeScale: SCALE, now: () => clock });
});
afterEach(() => demo.close());

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly body: any;
}

async function call(method: 'GET' | 'POST', url: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  const response = await request(url, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.body.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.statusCode, text, body: parsed };
}

describe('Flowker', () => {
  const headers = (extra: Record<string, string> = {}) => ({ 'x-api-key': demo.env.FLOWKER_API_KEY!, 'content-type': 'application/json', ...extra });
  const start = (workflowId: string, key: string | null, body: string = JSON.stringify({ inputData: { amount: 990, currency: 'USD' } })) =>
    call('POST', `${demo.env.FLOWKER_BASE_URL}/v1/workflows/${workflowId}/executions`, headers(key === null ? {} : { 'idempotency-key': key }), body);
  const get = (path: string) => call('GET', `${demo.env.FLOWKER_BASE_URL}${path}`, headers());

  it('starts an execution (201, running at once), plays it to completion with the input in its results', async () => {
    const started = await start(PAYMENT_APPROVAL, 'key-1');
    expect(started.status).toBe(201);
    expect(Object.keys(started.body)).toEqual(['executionId', 'workflowId', 'status', 'startedAt']);
    expect(started.body).toMatchObject({ workflowId: PAYMENT_APPROVAL, status: 'running', startedAt: '2026-05-01T12:00:00.000Z' });
    expect(started.body.executionId).toMatch(UUID);
    FlowkerExecutionStatusBody.parse(started.body);
    const id = started.body.executionId;

    expect((await get(`/v1/executions/${id}`)).body).toMatchObject({ status: 'running', currentStepNumber: 1, totalSteps: 4 });
    expect((await get(`/v1/executions/${id}/results`)).body).toMatchObject({ code: 'FLK-0502' });
    advance(10_000);
    expect((await get(`/v1/executions/${id}`)).body).toMatchObject({ status: 'running', currentStepNumber: 3 });
    advance(9_000);
    expect((await get(`/v1/executions/${id}`)).body).toMatchObject({ status: 'completed', currentStepNumber: 4, completedAt: '2026-05-01T12:00:00.190Z' });
    const results = await get(`/v1/executions/${id}/results`);
    expect(results.status).toBe(200);
    const body = FlowkerResultsBody.parse(results.body);
    expect(body.stepResults?.map((step) => [step.nodeId, step.status])).toEqual([
      ['validate-payment', 'completed'],
      ['fraud-check', 'completed'],
      ['charge-card', 'completed'],
      ['send-receipt', 'completed'],
    ]);
    expect(results.body.stepResults[0].output).toEqual({ valid: true, amount: 990, currency: 'USD' });
    expect(results.body.finalOutput).toMatchObject({ workflow: { amount: 990, currency: 'USD' }, payment: { decision: 'approved', captured: 990 } });
  });

  it('answers a known idempotency key 200 with its execution, running or finished, before looking at the workflow', async () => {
    const first = await start(PAYMENT_APPROVAL, 'key-2');
    const running = await start(PAYMENT_APPROVAL, 'key-2');
    expect(running.status).toBe(200);
    expect(running.body).toEqual(first.body);
    advance(LATER);
    const finished = await start(INACTIVE, '  key-2  ');
    expect(finished).toMatchObject({ status: 200, body: { executionId: first.body.executionId, workflowId: PAYMENT_APPROVAL, status: 'completed' } });
    const other = await start(PAYMENT_APPROVAL, 'key-3');
    expect(other.status).toBe(201);
    expect(other.body.executionId).not.toBe(first.body.executionId);
  });

  it('refuses starts as Flowker does, in its order of checks', async () => {
    expect(await start(PAYMENT_APPROVAL, null)).toMatchObject({ status: 400, body: { code: 'FLK-0509', message: 'Idempotency-Key header is required' } });
    expect(await start(PAYMENT_APPROVAL, '   ')).toMatchObject({ status: 400, body: { code: 'FLK-0509' } });
    expect(await start(UNKNOWN_UUID, 'k-unknown')).toMatchObject({ status: 404, body: { code: 'FLK-0100', title: 'Not Found', message: 'workflow not found' } });
    expect(await start(INACTIVE, 'k-inactive')).toMatchObject({ status: 422, body: { code: 'FLK-0501', message: 'workflow is not active' } });
    expect(await start('payment-approval', 'k-name')).toMatchObject({ status: 400, body: { code: 'FLK-0002', message: 'invalid workflow ID' } });
    for (const body of ['[1]', 'not json', '', JSON.stringify({ inputData: [1] })]) {
      expect(await start(PAYMENT_APPROVAL, 'k-body', body)).toMatchObject({ status: 400, body: { code: 'FLK-0001', message: 'invalid request body' } });
    }
    const big = JSON.stringify({ inputData: { blob: 'x'.repeat(1024 * 1024) } });
    // The size check comes first: even without a key, and before the workflow id.
    expect(await start('not-a-uuid', null, big)).toMatchObject({ status: 413, body: { code: 'FLK-0506', title: 'Payload Too Large' } });
    // A missing inputData is an empty one.
    expect((await start(RECONCILIATION, 'k-empty', '{}')).status).toBe(201);
  });

  it('lists every execution newest first, in keyset cursor pages, "" and hasMore false on the last', async () => {
    advance(1_000);
    const a = (await start(PAYMENT_APPROVAL, 'list-a')).body.executionId;
    advance(1_000);
    const b = (await start(RECONCILIATION, 'list-b')).body.executionId;
    const c = (await start(PAYMENT_APPROVAL, 'list-c')).body.executionId;
    // b and c share startedAt: executionId breaks the tie, descending like the rest.
    const expected = [...[b, c].sort().reverse(), a, ...SEEDED_FLOWKER];

    const ids: string[] = [];
    const pages: ReturnType<typeof FlowkerListBody.parse>[] = [];
    let cursor = '';
    do {
      const page = await get(`/v1/executions?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      const body = FlowkerListBody.parse(page.body);
      pages.push(body);
      ids.push(...body.items.map((item) => item.executionId));
      cursor = body.nextCursor ?? '';
    } while (cursor !== '' && pages.length < 10);
    expect(ids).toEqual(expected);
    expect(pages.map((page) => [page.items.length, page.hasMore, page.nextCursor === ''])).toEqual([
      [2, true, false],
      [2, true, false],
      [1, false, true],
    ]);
    // The cursor is Go's: standard base64 of {id, sv, sb, so, pn}.
    expect(JSON.parse(Buffer.from(pages[0]!.nextCursor!, 'base64').toString())).toEqual({
      id: expected[1],
      sv: '2026-05-01T12:00:00.020Z',
      sb: 'startedAt',
      so: 'DESC',
      pn: true,
    });
    // Items are the status body.
    expect(pages[2]!.items[0]).toMatchObject({ executionId: SEEDED_FLOWKER[1], workflowId: RECONCILIATION, status: 'running', totalSteps: 4 });
  });

  it('filters by workflow and status, sorts by completedAt ASC, and defaults the page size to 10', async () => {
    await start(PAYMENT_APPROVAL, 'filter-a');
    advance(LATER);
    await start(PAYMENT_APPROVAL, 'filter-b');
    const f1 = (await get(`/v1/executions?workflowId=${PAYMENT_APPROVAL}`)).body;
    expect(f1.items.map((item: any) => item.workflowId)).toEqual([PAYMENT_APPROVAL, PAYMENT_APPROVAL, PAYMENT_APPROVAL]);
    const completed = (await get('/v1/executions?status=completed')).body;
    expect(completed.items.map((item: any) => item.status)).toEqual(['completed', 'completed']);
    const failed = (await get(`/v1/executions?status=failed&workflowId=${PAYMENT_APPROVAL}`)).body;
    expect(failed.items.map((item: any) => item.executionId)).toEqual([SEEDED_FLOWKER[0]]);
    // In-progress executions have no completedAt and sort below every date.
    const ascending = (await get('/v1/executions?sortBy=completedAt&sortOrder=asc')).body;
    expect(ascending.items.map((item: any) => item.completedAt ?? null)).toEqual([
      null,
      '2026-05-01T12:00:00.150Z',
      '2026-05-01T12:00:00.190Z',
      '2026-05-01T12:00:00.230Z',
    ]);
    expect((await get('/v1/executions?limit=abc')).body.items).toHaveLength(4);
  });

  it('refuses list queries with the codes of its validation', async () => {
    const first = (await get('/v1/executions?limit=1')).body;
    const cases: [string, number, string][] = [
      ['limit=0', 400, 'FLK-0309'],
      ['limit=101', 400, 'FLK-0309'],
      ['status=cancelled', 400, 'FLK-0304'],
      ['sortBy=name', 400, 'FLK-0304'],
      ['sortOrder=sideways', 400, 'FLK-0310'],
      [`cursor=${encodeURIComponent(first.nextCursor)}&sortBy=startedAt`, 400, 'FLK-0304'],
      [`cursor=${encodeURIComponent(first.nextCursor)}&sortOrder=DESC`, 400, 'FLK-0304'],
      ['workflowId=payment-approval', 400, 'FLK-0002'],
      ['cursor=not-base64!', 400, 'INVALID_CURSOR'],
      [`cursor=${Buffer.from('{"id":"x","sv":"yesterday"}').toString('base64')}`, 400, 'INVALID_CURSOR'],
    ];
    for (const [query, status, code] of cases) {
      const reply = await get(`/v1/executions?${query}`);
      expect([query, reply.status, reply.body.code]).toEqual([query, status, code]);
    }
    expect((await get('/v1/executions?limit=0')).body).toEqual({ code: 'FLK-0309', title: 'Invalid Limit', message: 'limit must be at least 1' });
  });
});

describe('PromptLayer', () => {
  const headers = { 'x-api-key': '', 'content-type': 'application/json' };
  const run = (name: string, body: unknown = { input_variables: { ticket: 'SUP-1', message: 'Charged twice' } }, key = demo.env.PROMPTLAYER_API_KEY!) =>
    call('POST', `${demo.env.PROMPTLAYER_BASE_URL}/workflows/${name}/run`, { ...headers, 'x-api-key': key }, typeof body === 'string' ? body : JSON.stringify(body));
  const results = (id: string) =>
    call('GET', `${demo.env.PROMPTLAYER_BASE_URL}/workflow-version-execution-results?workflow_version_execution_id=${id}&return_all_outputs=true`, {
      ...headers,
      'x-api-key': demo.env.PROMPTLAYER_API_KEY!,
    });

  it('runs a workflow by name: 201 with a bare int64 id above 2^53 (odd: no double holds it), then its nodes play', async () => {
    const first = await run('support-triage');
    expect(first.status).toBe(201);
    expect(first.text).toBe(
      '{"success":true,"message":"Workflow execution created successfully","warning":null,"workflow_version_execution_id":9007199254840993}',
    );
    const parsed = PromptLayerRunBody.parse(parseJsonLossless(first.text));
    expect(parsed.workflow_version_execution_id).toBe('9007199254840993');
    // What a plain JSON.parse would have made of it: another execution.
    expect(String(first.body.workflow_version_execution_id)).not.toBe('9007199254840993');
    const second = await run('3101');
    expect(PromptLayerRunBody.parse(parseJsonLossless(second.text)).workflow_version_execution_id).toBe('9007199254840995');

    const queued = await results('9007199254840993');
    expect(queued.status).toBe(202);
    PromptLayerResultsBody.parse(queued.body);
    expect(Object.entries(queued.body).map(([name, node]: [string, any]) => [name, node.status])).toEqual([
      ['Load ticket', 'QUEUED'],
      ['Classify intent', 'QUEUED'],
      ['Draft reply', 'QUEUED'],
    ]);
    advance(5_000);
    expect(Object.values((await results('9007199254840993')).body).map((node: any) => node.status)).toEqual(['SUCCESS', 'RUNNING', 'QUEUED']);
    advance(15_000);
    const done = await results('9007199254840993');
    expect(done.status).toBe(200);
    expect(done.body['Load ticket'].value).toEqual({ ticket: 'SUP-1', message: 'Charged twice' });
    expect(done.body['Draft reply']).toMatchObject({ status: 'SUCCESS', is_output_node: true, value: expect.stringContaining('SUP-1') });
  });

  it('warns about missing and unused input variables, answers 202 with a callback_url', async () => {
    const warned = await run('support-triage', { input_variables: { ticket: 'SUP-2', extra: 1 } });
    expect(warned).toMatchObject({ status: 201, body: { success: true, warning: 'Missing input variables: message; Unused input variables: extra' } });
    expect((await run('refund-assistant', { callback_url: 'https://example.org/hook', input_variables: { question: 'q' } })).status).toBe(202);
    expect((await run('refund-assistant', '')).status).toBe(201);
  });

  it('answers unknown workflows 404, bad bodies with FastAPI 422, bad keys 401, unknown routes 404', async () => {
    expect(await run('no-such-workflow')).toMatchObject({ status: 404, body: { success: false, message: expect.stringContaining('no-such-workflow') } });
    expect(await run('support-triage', { input_variables: ['a'] })).toMatchObject({
      status: 422,
      body: { detail: [{ type: 'dict_type', loc: ['body', 'input_variables'] }] },
    });
    expect(await run('support-triage', '{oops')).toMatchObject({ status: 422, body: { detail: [{ type: 'json_invalid' }] } });
    expect(await run('support-triage', {}, 'wrong')).toMatchObject({ status: 401, body: { success: false } });
    const list = await call('GET', `${demo.env.PROMPTLAYER_BASE_URL}/workflows/support-triage/runs`, { 'x-api-key': demo.env.PROMPTLAYER_API_KEY! });
    expect(list).toMatchObject({ status: 404, body: { detail: 'Not Found' } });
  });
});

describe('Polos', () => {
  const auth = () => ({ authorization: `Bearer ${demo.env.POLOS_API_KEY}`, 'x-project-id': demo.env.POLOS_PROJECT_ID! });
  const base = () => `${demo.env.POLOS_BASE_URL}/api/v1`;
  const run = (workflowId: string, body: unknown = { payload: { topic: 'Queues' } }, contentType = 'application/json') =>
    call('POST', `${base()}/workflows/${workflowId}/run`, { ...auth(), 'content-type': contentType }, typeof body === 'string' ? body : JSON.stringify(body));
  const get = (id: string) => call('GET', `${base()}/executions/${id}`, auth());
  const cancel = (id: string) => call('POST', `${base()}/executions/${id}/cancel`, auth());
  const runs = (query = '') => call('GET', `${base()}/workflows/runs${query}`, auth());
  const started = async (workflowId: string, body?: unknown): Promise<string> => {
    const reply = await run(workflowId, body);
    expect(reply.status).toBe(200);
    return PolosRunBody.parse(reply.body).execution_id;
  };
  /** research_agent's child, found as Polos users do: by root_execution_id in the runs list. */
  const childOf = async (root: string): Promise<string | undefined> =>
    (await runs()).body.find((item: any) => item.root_execution_id === root)?.id;

  it('runs a workflow: 200 {execution_id, created_at}, queued, then claimed, running, completed', async () => {
    const reply = await run('summarize', { payload: { text: 'one two three' } });
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body)).toEqual(['execution_id', 'created_at']);
    expect(reply.body).toEqual({ execution_id: expect.stringMatching(UUID), created_at: '2026-05-01T12:00:00.000+00:00' });
    const id = reply.body.execution_id;
    const queued = await get(id);
    PolosExecutionBody.parse(queued.body);
    expect(queued.body).toMatchObject({
      id,
      workflow_id: 'summarize',
      status: 'queued',
      payload: { text: 'one two three' },
      queue_name: 'summarize',
      session_id: expect.stringMatching(UUID),
      parent_execution_id: null,
      root_execution_id: null,
    });
    advance(1_500);
    expect((await get(id)).body).toMatchObject({ status: 'claimed', assigned_to_worker: expect.any(String) });
    advance(8_500);
    expect((await get(id)).body).toMatchObject({ status: 'completed', result: { summary: 'one two three…', words: 3 }, error: null });
  });

  it("refuses run bodies as axum's Json extractor does; accepts an unknown workflow, which stays queued and unlisted", async () => {
    expect(await run('summarize', { payload: 1 }, 'text/plain')).toMatchObject({ status: 415 });
    expect(await run('summarize', '{nope')).toMatchObject({ status: 400 });
    expect(await run('summarize', { input: {} })).toMatchObject({ status: 422, text: expect.stringContaining('missing field `payload`') });
    const stray = await started('no_such_workflow');
    advance(LATER);
    expect((await get(stray)).body).toMatchObject({ status: 'queued', workflow_id: 'no_such_workflow', assigned_to_worker: null });
    expect((await runs()).body.map((item: any) => item.id)).not.toContain(stray);
    // With no worker to ask, its cancel is immediate.
    expect(await cancel(stray)).toMatchObject({ status: 200, body: { execution_id: stray, status: 'cancelled' } });
  });

  it('spawns research_agent\'s "summarize" child at 5 s; cancelling the child cancels its root, which never resumes', async () => {
    const root = await started('research_agent');
    expect(await childOf(root)).toBeUndefined();
    advance(8_000);
    const child = await childOf(root);
    expect(child).toMatch(UUID);
    expect((await get(child!)).body).toMatchObject({ status: 'running', parent_execution_id: root, root_execution_id: root, step_key: 'summarize_sources' });
    expect((await get(root)).body.status).toBe('waiting');

    const reply = await cancel(child!);
    expect(reply).toEqual({
      status: 200,
      text: expect.any(String),
      body: { execution_id: child, status: 'pending_cancel', cancelled_at: '2026-05-01T12:00:00.080+00:00' },
    });
    // The waiting root has no worker: cancelled at once. The running child waits for its worker.
    expect((await get(root)).body).toMatchObject({ status: 'cancelled', cancelled_by: 'manual', cancelled_at: '2026-05-01T12:00:00.080+00:00', completed_at: null });
    expect((await get(child!)).body).toMatchObject({ status: 'pending_cancel', cancelled_by: 'manual', assigned_to_worker: expect.any(String) });
    advance(2_000);
    expect((await get(child!)).body).toMatchObject({ status: 'cancelled', assigned_to_worker: null, completed_at: null, result: null });
    advance(LATER);
    expect((await get(root)).body).toMatchObject({ status: 'cancelled', result: null });
    expect((await get(child!)).body.status).toBe('cancelled');
    expect(await cancel(root)).toMatchObject({
      status: 400,
      body: { error: 'Execution cannot be cancelled (status: cancelled)', error_type: 'CANCELLATION_ERROR' },
    });
  });

  it('cancels the descendants of a cancelled root, including the child it had not spawned yet', async () => {
    const root = await started('research_agent');
    advance(3_000);
    expect(await cancel(root)).toMatchObject({ status: 200, body: { status: 'pending_cancel' } });
    advance(2_000);
    expect((await get(root)).body).toMatchObject({ status: 'cancelled', cancelled_by: 'manual' });
    advance(LATER);
    expect(await childOf(root)).toBeUndefined();
    expect((await get(root)).body.status).toBe('cancelled');

    // A root with its child running: both go.
    const other = await started('research_agent');
    advance(8_000);
    const child = await childOf(other);
    await cancel(other);
    expect((await get(other)).body.status).toBe('cancelled');
    expect((await get(child!)).body.status).toBe('pending_cancel');
  });

  it('answers cancels of finished, unknown and malformed ids as Polos does', async () => {
    advance(LATER);
    expect(await cancel(SEEDED_POLOS.retry)).toEqual({
      status: 400,
      text: expect.any(String),
      body: { error: 'Execution cannot be cancelled (status: completed)', error_type: 'CANCELLATION_ERROR' },
    });
    expect(await cancel(UNKNOWN_UUID)).toMatchObject({ status: 404, body: { error: 'Execution not found', error_type: 'CANCELLATION_ERROR' } });
    expect(await cancel('nope')).toMatchObject({ status: 400, body: { error_type: 'BAD_REQUEST' } });
  });

  it('lists runs newest first by offset, with the summary fields only, filtered by workflow', async () => {
    advance(10_000);
    const a = await started('summarize');
    advance(1_000);
    const b = await started('summarize');
    const all = await runs();
    expect(all.status).toBe(200);
    const items = PolosRunsBody.parse(all.body);
    expect(Object.keys(all.body[0])).toEqual([
      'id', 'root_execution_id', 'workflow_id', 'session_id', 'created_at', 'status', 'completed_at', 'payload', 'result', 'error',
    ]);
    // The seeded child was created at 6 s; the three seeded roots at 0 s, the later added first.
    expect(items.map((item) => item.id)).toEqual([b, a, SEEDED_POLOS.child, SEEDED_POLOS.fails, SEEDED_POLOS.retry, SEEDED_POLOS.parent]);
    expect((await runs('?limit=2&offset=2')).body.map((item: any) => item.id)).toEqual([SEEDED_POLOS.child, SEEDED_POLOS.fails]);
    expect((await runs('?offset=6')).body).toEqual([]);
    expect((await runs('?workflow_id=summarize')).body.map((item: any) => item.id)).toEqual([b, a]);
    expect((await runs('?workflow_type=agent')).body).toEqual([]);
    expect(await runs('?limit=ten')).toMatchObject({ status: 400, text: expect.stringContaining('limit') });
    expect(await runs('?limit=-1')).toMatchObject({ status: 500, body: { error_type: 'INTERNAL_ERROR' } });
  });
});
