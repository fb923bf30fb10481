/**
 * The embedded demo upstreams: wire format of each provider at the start and at the end of its
 * timeline, errors and auth, and (last) the real gateway querying them. The clock is a variable
 * the tests move, so nothing here sleeps except the one test of the real clock.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startDemoUpstreams, type DemoUpstreams } from '../../src/demo/upstreams.js';
import { createLogger } from '../../src/logger.js';
import { FlowkerExecutionStatusBody, FlowkerResultsBody } from '../../src/upstreams/flowker/wire.js';
import { PolosExecutionBody } from '../../src/upstreams/polos/wire.js';
import { PromptLayerResultsBody } from '../../src/upstreams/promptlayer/wire.js';
import { graphql, startGatewayForTest, testEnv } from '../support/gateway.js';

const START = Date.parse('2026-05-01T12:00:00.000Z');
const SCALE = 0.01;
let clock = START;
/** Moves the demo clock to a nominal offset from its start (the timelines are written in those). */
const at = (nominalMs: number): void => {
  clock = START + nominalMs * SCALE;
};
const END = 60_000;

const FLOWKER_DONE = '0d000000-0000-4000-8000-000000000001';
const FLOWKER_FAILS = '0d000000-0000-4000-8000-000000000002';
const PL_BIG = '9007199254740993';
const PL_FAILS = '98765';
const POLOS_PARENT = '0d000000-0000-4000-8000-000000000011';
const POLOS_CHILD = '0d000000-0000-4000-8000-000000000012';
const POLOS_RETRY = '0d000000-0000-4000-8000-000000000013';
const POLOS_FAILS = '0d000000-0000-4000-8000-000000000014';
const UNKNOWN_UUID = '0d000000-0000-4000-8000-0000000000ff';

let demo: DemoUpstreams;
beforeAll(async () => {
  demo = await startDemoUpstreams({ timeScale: SCALE, now: () => clock });
});
afterAll(() => demo?.close());

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly body: any;
}

async function get(url: string, headers: Record<string, string>): Promise<Reply> {
  const response = await request(url, { headers });
  const text = await response.body.text();
  return { status: response.statusCode, text, body: text === '' ? undefined : JSON.parse(text) };
}

const flowker = (path: string, key = demo.env.FLOWKER_API_KEY!) => get(`${demo.env.FLOWKER_BASE_URL}${path}`, { 'x-api-key': key });
const promptlayer = (query: string, key = demo.env.PROMPTLAYER_API_KEY!) =>
  get(`${demo.env.PROMPTLAYER_BASE_URL}/workflow-version-execution-results?${query}`, { 'x-api-key': key });
const results = (id: string) => promptlayer(`workflow_version_execution_id=${id}&return_all_outputs=true`);
const polosHeaders = () => ({ authorization: `Bearer ${demo.env.POLOS_API_KEY}`, 'x-project-id': demo.env.POLOS_PROJECT_ID! });
const polos = (id: string, headers: Record<string, string> = polosHeaders()) => get(`${demo.env.POLOS_BASE_URL}/api/v1/executions/${id}`, headers);

describe('demo upstreams', () => {
  it('hands out env for the gateway and example ids for every demo execution', () => {
    expect(() => loadConfig({ ...demo.env })).not.toThrow();
    expect(demo.examples.map((example) => example.id)).toEqual([
      `flowker:${FLOWKER_DONE}`,
      `flowker:${FLOWKER_FAILS}`,
      `promptlayer:${PL_BIG}`,
      `promptlayer:${PL_FAILS}`,
      `polos:${POLOS_PARENT}`,
      `polos:${POLOS_CHILD}`,
      `polos:${POLOS_RETRY}`,
      `polos:${POLOS_FAILS}`,
    ]);
    for (const example of demo.examples) expect(example.description).not.toBe('');
    expect(demo.workflows.map(({ provider, workflowId }) => [provider, workflowId])).toEqual([
      ['flowker', '0d000000-0000-4000-8000-0000000000f1'],
      ['flowker', '0d000000-0000-4000-8000-0000000000f2'],
      ['promptlayer', 'support-triage'],
      ['promptlayer', 'refund-assistant'],
      ['polos', 'research_agent'],
      ['polos', 'summarize'],
    ]);
    for (const workflow of demo.workflows) expect(workflow.description).not.toBe('');
  });

  describe('Flowker', () => {
    it('is pending, answers /results with 422 FLK-0502, then runs step by step', async () => {
      at(0);
      const pending = await flowker(`/v1/executions/${FLOWKER_DONE}`);
      expect(pending.status).toBe(200);
      expect(pending.body).toEqual({
        executionId: FLOWKER_DONE,
        workflowId: '0d000000-0000-4000-8000-0000000000f2',
        status: 'pending',
        currentStepNumber: 0,
        totalSteps: 4,
        startedAt: '2026-05-01T12:00:00.000Z',
      });
      FlowkerExecutionStatusBody.parse(pending.body);
      const early = await flowker(`/v1/executions/${FLOWKER_DONE}/results`);
      expect(early).toMatchObject({ status: 422, body: { code: 'FLK-0502', title: 'Unprocessable Entity', message: 'execution is still in progress' } });

      at(8_000);
      expect((await flowker(`/v1/executions/${FLOWKER_DONE}`)).body).toMatchObject({ status: 'running', currentStepNumber: 2, totalSteps: 4 });
    });

    it('completes with step results and final output', async () => {
      at(END);
      const status = await flowker(`/v1/executions/${FLOWKER_DONE}`);
      expect(status.body).toMatchObject({ status: 'completed', currentStepNumber: 4, totalSteps: 4, completedAt: '2026-05-01T12:00:00.230Z' });
      expect(status.body).not.toHaveProperty('errorMessage');
      const done = await flowker(`/v1/executions/${FLOWKER_DONE}/results`);
      expect(done.status).toBe(200);
      const body = FlowkerResultsBody.parse(done.body);
      expect(body.stepResults?.map((step) => [step.stepNumber, step.nodeId, step.status])).toEqual([
        [1, 'fetch-transactions', 'completed'],
        [2, 'match-ledger', 'completed'],
        [3, 'flag-discrepancies', 'completed'],
        [4, 'notify-finance', 'completed'],
      ]);
      expect(done.body.stepResults[0]).toMatchObject({ executedAt: '2026-05-01T12:00:00.020Z', durationMs: 50, output: { transactions: 1485 } });
      expect(done.body.finalOutput).toMatchObject({ workflow: { matched: 1482, unmatched: 3 } });
    });

    it('fails at "charge-card" with FLK-0504, the failed step last in its results', async () => {
      at(END);
      const status = await flowker(`/v1/executions/${FLOWKER_FAILS}`);
      expect(status.body).toMatchObject({
        status: 'failed',
        currentStepNumber: 3,
        totalSteps: 4,
        errorMessage: 'FLK-0504: node "charge-card" failed: upstream returned 502',
      });
      const failed = await flowker(`/v1/executions/${FLOWKER_FAILS}/results`);
      expect(failed.status).toBe(200);
      expect(failed.body.stepResults).toHaveLength(3);
      expect(failed.body.stepResults[2]).toMatchObject({ stepNumber: 3, nodeId: 'charge-card', status: 'failed', errorMessage: 'upstream returned 502' });
      expect(failed.body.stepResults[2]).not.toHaveProperty('output');
      expect(failed.body).not.toHaveProperty('finalOutput');
    });

    it('answers unknown ids 404 FLK-0500, malformed ids 400 FLK-0002, bad keys 401 UNAUTHORIZED', async () => {
      expect(await flowker(`/v1/executions/${UNKNOWN_UUID}`)).toMatchObject({ status: 404, body: { code: 'FLK-0500', title: 'Not Found' } });
      expect(await flowker(`/v1/executions/${UNKNOWN_UUID}/results`)).toMatchObject({ status: 404, body: { code: 'FLK-0500' } });
      expect(await flowker('/v1/executions/not-a-uuid')).toMatchObject({ status: 400, body: { code: 'FLK-0002', message: 'invalid execution ID' } });
      expect(await flowker(`/v1/executions/${FLOWKER_DONE}`, 'wrong')).toEqual({
        status: 401,
        text: expect.any(String),
        body: { code: 'UNAUTHORIZED', title: 'Unauthorized', message: 'API Key missing or invalid' },
      });
    });
  });

  describe('PromptLayer', () => {
    it('answers 202 with every node QUEUED, then 202 with some RUNNING, for an id above 2^53', async () => {
      at(0);
      const queued = await results(PL_BIG);
      expect(queued.status).toBe(202);
      PromptLayerResultsBody.parse(queued.body);
      expect(Object.keys(queued.body)).toEqual(['Retrieve context', 'Moderation', 'Draft answer', 'Critique', 'Final answer']);
      expect(Object.values(queued.body).map((node: any) => node.status)).toEqual(['QUEUED', 'QUEUED', 'QUEUED', 'QUEUED', 'QUEUED']);
      expect(queued.body['Final answer']).toEqual({ status: 'QUEUED', value: null, error_message: null, raw_error_message: null, is_output_node: true });

      at(8_000);
      const running = await results(PL_BIG);
      expect(running.status).toBe(202);
      expect(Object.values(running.body).map((node: any) => node.status)).toEqual(['SUCCESS', 'RUNNING', 'RUNNING', 'QUEUED', 'QUEUED']);
    });

    it('answers 200 once every node is SUCCESS; the id is exact (2^53, its float neighbour, is unknown)', async () => {
      at(END);
      const done = await results(PL_BIG);
      expect(done.status).toBe(200);
      expect(Object.values(done.body).every((node: any) => node.status === 'SUCCESS')).toBe(true);
      expect(done.body['Final answer'].value).toMatch(/^Yes: order #58213/);
      expect((await results('9007199254740992')).status).toBe(404);
      // Leading zeros name the same execution, as pydantic's int parsing would have it.
      expect((await results(`000${PL_BIG}`)).status).toBe(200);
      // Without return_all_outputs: the main output's bare value.
      const bare = await promptlayer(`workflow_version_execution_id=${PL_BIG}`);
      expect(bare).toMatchObject({ status: 200, body: done.body['Final answer'].value });
    });

    it('ends 98765 with a FAILED node and a SKIPPED output node', async () => {
      at(0);
      expect((await results(PL_FAILS)).status).toBe(202);
      at(END);
      const failed = await results(PL_FAILS);
      expect(failed.status).toBe(200);
      expect(failed.body['Classify intent']).toMatchObject({ status: 'FAILED', value: null, error_message: expect.stringContaining('Rate limit') });
      expect(failed.body['Classify intent'].raw_error_message).toContain('429');
      expect(failed.body['Draft reply']).toMatchObject({ status: 'SKIPPED', is_output_node: true });
    });

    it('answers 404 {success:false}, FastAPI 422 for a non-integer id, 401 for a bad key', async () => {
      expect(await results('12345')).toMatchObject({ status: 404, body: { success: false, message: expect.any(String) } });
      const invalid = await results('abc');
      expect(invalid.status).toBe(422);
      expect(invalid.body.detail).toEqual([
        { type: 'int_parsing', loc: ['query', 'workflow_version_execution_id'], msg: expect.any(String), input: 'abc' },
      ]);
      expect((await promptlayer('return_all_outputs=true')).body.detail[0]).toMatchObject({ type: 'missing' });
      expect(await promptlayer(`workflow_version_execution_id=${PL_BIG}`, 'wrong')).toMatchObject({ status: 401, body: { success: false } });
    });
  });

  describe('Polos', () => {
    it('serves the parent queued, with every ExecutionResponse field, and no child yet (empty 500)', async () => {
      at(0);
      const parent = await polos(POLOS_PARENT);
      expect(parent.status).toBe(200);
      PolosExecutionBody.parse(parent.body);
      expect(Object.keys(parent.body).sort()).toEqual(
        [
          'id', 'workflow_id', 'status', 'payload', 'result', 'error', 'created_at', 'started_at', 'completed_at', 'deployment_id',
          'assigned_to_worker', 'parent_execution_id', 'root_execution_id', 'retry_count', 'step_key', 'queue_name', 'concurrency_key',
          'batch_id', 'session_id', 'user_id', 'output_schema_name', 'cancelled_at', 'cancelled_by', 'run_timeout_seconds',
        ].sort(),
      );
      expect(parent.body).toMatchObject({
        id: POLOS_PARENT,
        status: 'queued',
        created_at: '2026-05-01T12:00:00.000+00:00',
        started_at: null,
        retry_count: 0,
        root_execution_id: null,
        parent_execution_id: null,
      });
      expect(await polos(POLOS_CHILD)).toEqual({ status: 500, text: '', body: undefined });
    });

    it('shows the parent waiting while its child runs, then both completed', async () => {
      at(10_000);
      expect((await polos(POLOS_PARENT)).body.status).toBe('waiting');
      const child = await polos(POLOS_CHILD);
      expect(child.body).toMatchObject({
        status: 'running',
        parent_execution_id: POLOS_PARENT,
        root_execution_id: POLOS_PARENT,
        step_key: 'summarize_sources',
        created_at: '2026-05-01T12:00:00.060+00:00',
      });

      at(END);
      expect((await polos(POLOS_CHILD)).body).toMatchObject({ status: 'completed', result: { summaries: 2 } });
      expect((await polos(POLOS_PARENT)).body).toMatchObject({
        status: 'completed',
        result: { sections: 3 },
        started_at: '2026-05-01T12:00:00.020+00:00',
        completed_at: '2026-05-01T12:00:00.260+00:00',
      });
    });

    it('shows a retry as queued with the error kept and retry_count 1, then completed', async () => {
      at(8_000);
      const retrying = await polos(POLOS_RETRY);
      expect(retrying.body).toMatchObject({
        status: 'queued',
        error: 'TimeoutError: CRM API did not answer within 30s',
        retry_count: 1,
        assigned_to_worker: null,
        started_at: '2026-05-01T12:00:00.020+00:00',
      });
      at(END);
      expect((await polos(POLOS_RETRY)).body).toMatchObject({ status: 'completed', retry_count: 1, result: { synced: 214 } });
    });

    it('fails after two retries', async () => {
      at(12_000);
      expect((await polos(POLOS_FAILS)).body).toMatchObject({ status: 'queued', retry_count: 2 });
      at(END);
      expect((await polos(POLOS_FAILS)).body).toMatchObject({
        status: 'failed',
        retry_count: 3,
        error: 'PaymentGatewayError: 503 Service Unavailable',
        completed_at: '2026-05-01T12:00:00.170+00:00',
      });
    });

    it('answers unknown ids with an empty 500, malformed ids with an empty 400, bad credentials like Polos', async () => {
      expect(await polos(UNKNOWN_UUID)).toEqual({ status: 500, text: '', body: undefined });
      expect(await polos('not-a-uuid')).toEqual({ status: 400, text: '', body: undefined });
      const project = demo.env.POLOS_PROJECT_ID!;
      expect(await polos(POLOS_PARENT, { authorization: 'Bearer sk_wrong', 'x-project-id': project })).toMatchObject({
        status: 401,
        body: { error: 'Invalid API key', error_type: 'UNAUTHORIZED' },
      });
      expect(await polos(POLOS_PARENT, { 'x-project-id': project })).toMatchObject({ status: 401, body: { error_type: 'UNAUTHORIZED' } });
      const key = { authorization: `Bearer ${demo.env.POLOS_API_KEY}` };
      expect(await polos(POLOS_PARENT, key)).toMatchObject({ status: 400, body: { error_type: 'BAD_REQUEST' } });
      expect(await polos(POLOS_PARENT, { ...key, 'x-project-id': UNKNOWN_UUID })).toMatchObject({ status: 403, body: { error_type: 'FORBIDDEN' } });
    });
  });

  it('counts every request, per provider and in all', async () => {
    const before = { all: demo.stats.requests(), flowker: demo.stats.requests('flowker'), polos: demo.stats.requests('polos') };
    await flowker(`/v1/executions/${FLOWKER_DONE}`, 'wrong');
    await polos(UNKNOWN_UUID);
    await polos(POLOS_PARENT);
    expect(demo.stats.requests()).toBe(before.all + 3);
    expect(demo.stats.requests('flowker')).toBe(before.flowker + 1);
    expect(demo.stats.requests('polos')).toBe(before.polos + 2);
  });
});

it('plays the timelines on the real clock, scaled', async () => {
  const fast = await startDemoUpstreams({ timeScale: 0.001 });
  try {
    const url = `${fast.env.POLOS_BASE_URL}/api/v1/executions/${POLOS_RETRY}`;
    const headers = { authorization: `Bearer ${fast.env.POLOS_API_KEY}`, 'x-project-id': fast.env.POLOS_PROJECT_ID! };
    // The nominal 19 s of this timeline take 19 ms here.
    await sleep(40);
    expect((await get(url, headers)).body).toMatchObject({ status: 'completed', retry_count: 1 });
  } finally {
    await fast.close();
  }
});

it('lets the gateway query every demo execution', async () => {
  at(END);
  const gateway = await startGatewayForTest(loadConfig({ ...testEnv({}), ...demo.env }), { logger: createLogger('silent') });
  try {
    const response = await graphql(
      gateway.url,
      'query ($ids: [ID!]!) { executions(ids: $ids) { id status retryCount progress { completed total } error { code message } parent { id } } }',
      { ids: demo.examples.map((example) => example.id) },
    );
    expect(response.errors).toBeUndefined();
    expect(response.data?.executions.map((execution: any) => [execution.id, execution.status])).toEqual([
      [`flowker:${FLOWKER_DONE}`, 'COMPLETED'],
      [`flowker:${FLOWKER_FAILS}`, 'FAILED'],
      [`promptlayer:${PL_BIG}`, 'COMPLETED'],
      [`promptlayer:${PL_FAILS}`, 'FAILED'],
      [`polos:${POLOS_PARENT}`, 'COMPLETED'],
      [`polos:${POLOS_CHILD}`, 'COMPLETED'],
      [`polos:${POLOS_RETRY}`, 'COMPLETED'],
      [`polos:${POLOS_FAILS}`, 'FAILED'],
    ]);
    expect(response.data?.executions[1].error).toEqual({ code: 'FLK-0504', message: 'FLK-0504: node "charge-card" failed: upstream returned 502' });
    expect(response.data?.executions[5].parent).toEqual({ id: `polos:${POLOS_PARENT}` });
    // Completed on its second attempt: Polos still carries the first attempt's error, the gateway does not.
    expect(response.data?.executions[6]).toMatchObject({ status: 'COMPLETED', retryCount: 1, error: null });
  } finally {
    await gateway.close();
  }
});
