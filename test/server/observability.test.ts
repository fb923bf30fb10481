/**
 * Observability over real sockets: Prometheus metrics that move with traffic, one structured log
 * line per operation (request id, name, duration, upstream calls) captured from a real pino
 * logger, request ids, health and readiness, and no secret (upstream or gateway key) in any log
 * line or response, even when upstreams echo them back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startGatewayForTest, TEST_KEYS, testEnv } from '../support/gateway.js';
import {
  httpRequest,
  metricSum,
  metricValue,
  openRawSocket,
  originOf,
  polosIdOf,
  postGraphQL,
  scrapeMetrics,
  type RawResponse,
} from '../support/server-helpers.js';
import { eventually, record, wsClient } from '../support/subscriptions.js';
import { flowkerStatus, polosBody, uuid } from '../support/payloads.js';

const GATEWAY_KEY = 'gw-secret-key-0a1b2c3d';
const AUTH = { authorization: `Bearer ${GATEWAY_KEY}` };
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const COMPLETED = uuid(9);
const UNAUTHORIZED = uuid(401);
const STORM = uuid(500);
/** Ids from uuid(800) up are completed executions too (each test takes its own). */
/** Completes after a few polls: a subscription to it ends by itself. */
const FINISHING = uuid(600);

/** Every log line the gateway wrote, and every response body and header it sent. */
const logLines: string[] = [];
const responses: string[] = [];

let polos: FakeUpstream;
let flowker: FakeUpstream;
let promptlayer: FakeUpstream;
let gateway: Gateway;

/** Upstreams that echo whatever credentials they were sent, in bodies and headers. */
const echo = (headers: Record<string, string | string[] | undefined>) => JSON.stringify(headers);

beforeAll(async () => {
  let finishingPolls = 0;
  polos = await startFakeUpstream((request) => {
    const id = polosIdOf(request.path);
    if (id === UNAUTHORIZED) {
      return { status: 401, body: { error: `invalid key ${String(request.headers.authorization)} for ${echo(request.headers)}` }, headers: { 'x-echo': String(request.headers.authorization) } };
    }
    if (id === STORM) return { status: 500, body: `internal error, you sent ${echo(request.headers)}` };
    if (id === COMPLETED || Number(id.slice(-12)) >= 800) return { body: polosBody(id, 'completed') };
    if (id === FINISHING) return { body: polosBody(id, ++finishingPolls >= 4 ? 'completed' : 'running') };
    return { body: polosBody(id) };
  });
  flowker = await startFakeUpstream((request) => {
    if (request.method === 'POST') {
      return { status: 422, body: { code: 'FLK-0400', title: 'Invalid', message: `invalid request sent with key ${String(request.headers['x-api-key'])}` } };
    }
    const id = /^\/v1\/executions\/([^/]+)$/.exec(request.path)?.[1] ?? '';
    if (id === UNAUTHORIZED) return { status: 403, body: { code: 'FORBIDDEN', title: 'Forbidden', message: `bad key ${String(request.headers['x-api-key'])}` } };
    return { body: flowkerStatus({ executionId: id }) };
  });
  promptlayer = await startFakeUpstream((request) => ({
    status: 401,
    body: { success: false, message: `Invalid API key ${String(request.headers['x-api-key'])}` },
  }));
  const config = loadConfig(
    testEnv(
      { polos: polos.baseUrl, flowker: flowker.baseUrl, promptlayer: promptlayer.baseUrl },
      { GATEWAY_API_KEYS: GATEWAY_KEY, LOG_LEVEL: 'debug', POLL_INTERVAL_MS: '20', POLL_MAX_INTERVAL_MS: '40', WS_CONNECTION_INIT_TIMEOUT_MS: '2000' },
    ),
  );
  gateway = await startGatewayForTest(config, { logger: createLogger('debug', { write: (line: string) => void logLines.push(line) }) });
});

afterAll(async () => {
  await gateway?.close();
  await Promise.all([polos?.close(), flowker?.close(), promptlayer?.close()]);
});

/** POSTs an operation with the gateway key, keeping the full response for the secrets check. */
async function run(query: string, options: { operationName?: string; requestId?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const response = await postGraphQL(
    gateway.url,
    { query, ...(options.operationName ? { operationName: options.operationName } : {}) },
    { ...AUTH, ...(options.requestId === undefined ? {} : { 'x-request-id': options.requestId }), ...options.headers },
  );
  responses.push(response.text, JSON.stringify(response.headers));
  return response;
}

const operationLines = () => logLines.map((line) => JSON.parse(line) as Record<string, any>).filter((entry) => entry.msg === 'graphql operation');
const linesFor = (requestId: string) => operationLines().filter((entry) => entry.requestId === requestId);
const metrics = async () => scrapeMetrics(gateway.url);
const m = (text: string, name: string, labels: Record<string, string> = {}) => metricValue(text, name, labels) ?? 0;

describe('/metrics', () => {
  it('is Prometheus text with the gateway metrics', async () => {
    const response = await httpRequest(`${originOf(gateway.url)}/metrics`);
    expect(response.status).toBe(200);
    expect(String(response.headers['content-type'])).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const [name, type] of [
      ['graphql_operations_total', 'counter'],
      ['graphql_operation_duration_seconds', 'histogram'],
      ['upstream_requests_total', 'counter'],
      ['upstream_request_duration_seconds', 'histogram'],
      ['terminal_cache_lookups_total', 'counter'],
      ['live_subscriptions_active', 'gauge'],
      ['live_pollers_active', 'gauge'],
      ['upstream_circuit_state', 'gauge'],
      ['redis_coordination_state', 'gauge'],
    ]) {
      expect(response.text).toContain(`# HELP ${name} `);
      expect(response.text).toContain(`# TYPE ${name} ${type}`);
    }
    for (const provider of ['polos', 'flowker', 'promptlayer']) {
      expect(metricValue(response.text, 'upstream_circuit_state', { provider })).toBe(0);
    }
    expect(metricValue(response.text, 'redis_coordination_state', { state: 'disabled' })).toBe(1);
    // Every sample line is `name{labels} value`. prom-client writes NaN as `Nan` (Prometheus reads
    // it case-insensitively): the event-loop lag before the monitor's first sample.
    for (const line of response.text.split('\n').filter((l) => l && !l.startsWith('#'))) {
      expect(line).toMatch(/^[a-zA-Z_:][\w:]*(\{.*\})? (-?[\d.e+-]+|NaN|Nan|[+-]Inf)$/);
    }
  });

  it('operation, upstream and cache metrics move after queries', async () => {
    const before = await metrics();
    await run(`query MetricsOne { execution(id: "polos:${uuid(20)}") { status } }`);
    await run(`query MetricsTerminal { execution(id: "polos:${uuid(801)}") { status } }`);
    await run(`query MetricsTerminal { execution(id: "polos:${uuid(801)}") { status } }`);
    await run(`query MetricsStorm { execution(id: "polos:${STORM}") { status } }`);
    const after = await metrics();

    const delta = (name: string, labels: Record<string, string>) => m(after, name, labels) - m(before, name, labels);
    expect(delta('graphql_operations_total', { operation: 'MetricsOne', type: 'query', outcome: 'success' })).toBe(1);
    expect(delta('graphql_operations_total', { operation: 'MetricsTerminal', type: 'query', outcome: 'success' })).toBe(2);
    expect(delta('graphql_operations_total', { operation: 'MetricsStorm', type: 'query', outcome: 'error' })).toBe(1);
    expect(delta('graphql_operation_duration_seconds_count', { operation: 'MetricsOne' })).toBe(1);
    expect(delta('graphql_operation_duration_seconds_count', { operation: 'MetricsTerminal' })).toBe(2);
    expect(m(after, 'graphql_operation_duration_seconds_sum', { operation: 'MetricsOne' })).toBeGreaterThan(0);
    // uuid(20) and the first uuid(801) lookup reached Polos; the second uuid(801) lookup was a cache hit.
    expect(delta('upstream_requests_total', { provider: 'polos', endpoint: 'execution', outcome: '200' })).toBe(2);
    expect(delta('upstream_requests_total', { provider: 'polos', endpoint: 'execution', outcome: '500' })).toBe(polos.count(`/api/v1/executions/${STORM}`));
    expect(delta('upstream_request_duration_seconds_count', { provider: 'polos', endpoint: 'execution' })).toBe(2 + polos.count(`/api/v1/executions/${STORM}`));
    expect(delta('terminal_cache_lookups_total', { result: 'hit' })).toBe(1);
    expect(delta('terminal_cache_lookups_total', { result: 'miss' })).toBe(3);
    expect(m(after, 'upstream_circuit_state', { provider: 'polos' })).toBe(0);
  });

  it('live gauges follow a subscription: 1 while it runs, 0 after it completes', async () => {
    const before = await metrics();
    expect(m(before, 'live_subscriptions_active')).toBe(0);
    expect(m(before, 'live_pollers_active')).toBe(0);
    const subscriptionsBefore = m(before, 'graphql_operations_total', { operation: 'Watch', type: 'subscription', outcome: 'success' });
    const client = wsClient(gateway.url, AUTH);
    const stream = record(client, `subscription Watch($id: ID!) { executionUpdated(id: $id) { status } }`, { id: `polos:${uuid(700)}` });
    await eventually(() => stream.events.length >= 1);
    const during = await metrics();
    expect(m(during, 'live_subscriptions_active')).toBe(1);
    expect(m(during, 'live_pollers_active')).toBe(1);
    // An operation is counted when it ends, with its outcome: a subscription when its stream does.
    expect(metricSum(during, 'graphql_operations_total', { type: 'subscription' })).toBe(metricSum(before, 'graphql_operations_total', { type: 'subscription' }));
    stream.unsubscribe();
    await eventually(() => gateway.live.activePollers === 0);
    const after = await metrics();
    expect(m(after, 'live_subscriptions_active')).toBe(0);
    expect(m(after, 'live_pollers_active')).toBe(0);
    expect(m(after, 'graphql_operations_total', { operation: 'Watch', type: 'subscription', outcome: 'success' })).toBe(subscriptionsBefore + 1);

    // A subscription that reaches a terminal state releases its gauges by itself.
    const finishing = record(client, `subscription { executionUpdated(id: "polos:${FINISHING}") { status } }`);
    await finishing.done;
    await eventually(() => gateway.live.activePollers === 0);
    const done = await metrics();
    expect(finishing.events.at(-1)!.data!.executionUpdated.status).toBe('COMPLETED');
    expect(m(done, 'live_subscriptions_active')).toBe(0);
    expect(m(done, 'live_pollers_active')).toBe(0);
    await client.dispose();
  });
});

describe('operation logs', () => {
  it('one JSON line per operation with requestId, operationName, durationMs and upstreamCalls', async () => {
    const cases: { requestId: string; query: string; operationName: string; calls: () => number; codes?: string[] }[] = [
      { requestId: 'log-one', operationName: 'One', query: `query One { execution(id: "polos:${uuid(30)}") { status } }`, calls: () => 1 },
      {
        requestId: 'log-two',
        operationName: 'Two',
        query: `query Two { a: execution(id: "polos:${uuid(31)}") { status } b: execution(id: "flowker:${uuid(32)}") { status } c: execution(id: "polos:${uuid(31)}") { id } }`,
        calls: () => 2,
      },
      { requestId: 'log-cached-1', operationName: 'Cached', query: `query Cached { execution(id: "polos:${uuid(802)}") { status } }`, calls: () => 1 },
      { requestId: 'log-cached-2', operationName: 'Cached', query: `query Cached { execution(id: "polos:${uuid(802)}") { status } }`, calls: () => 0 },
      {
        requestId: 'log-storm',
        operationName: 'Storm',
        query: `query Storm { execution(id: "polos:${uuid(500)}") { status } }`,
        calls: () => polos.count(`/api/v1/executions/${STORM}`) - stormBefore,
        codes: ['UPSTREAM_UNAVAILABLE'],
      },
      {
        requestId: 'log-denied',
        operationName: 'Denied',
        query: `query Denied { p: execution(id: "polos:${UNAUTHORIZED}") { id } f: execution(id: "flowker:${UNAUTHORIZED}") { id } l: execution(id: "promptlayer:7") { id } }`,
        calls: () => 3, // one per upstream: credentials failures are not retried
        codes: ['UPSTREAM_UNAUTHORIZED', 'UPSTREAM_UNAUTHORIZED', 'UPSTREAM_UNAUTHORIZED'],
      },
    ];
    const stormBefore = polos.count(`/api/v1/executions/${STORM}`);
    for (const c of cases) {
      const response = await run(c.query, { requestId: c.requestId, operationName: c.operationName });
      expect(response.headers['x-request-id']).toBe(c.requestId);
      const lines = linesFor(c.requestId);
      expect(lines, c.requestId).toHaveLength(1);
      const [line] = lines;
      expect(line).toMatchObject({ level: 30, service: 'execution-gateway', requestId: c.requestId, operationName: c.operationName, operationType: 'query' });
      expect(typeof line!.durationMs).toBe('number');
      expect(line!.durationMs).toBeGreaterThanOrEqual(0);
      expect(line!.upstreamCalls, c.requestId).toBe(c.calls());
      if (c.codes) expect([...line!.errorCodes].sort()).toEqual(c.codes);
      else expect(line!.errorCodes).toBeUndefined();
    }
    expect(polos.count(`/api/v1/executions/${STORM}`) - stormBefore).toBeGreaterThanOrEqual(1);
  });

  it('an anonymous operation is logged with operationName null', async () => {
    await run('{ __typename }', { requestId: 'log-anonymous' });
    expect(linesFor('log-anonymous')).toEqual([expect.objectContaining({ operationName: null, upstreamCalls: 0 })]);
  });

  // Operations of one batched HTTP request run together and share its loaders (so the batch is
  // deduplicated as a whole); the upstream call count is the request's, reported on each line.
  it('in a batch, each operation line reports the batch request\'s upstream calls', async () => {
    const response = await postGraphQL(
      gateway.url,
      [
        { query: `query BatchA { execution(id: "polos:${uuid(40)}") { status } }` },
        { query: `query BatchB { execution(id: "polos:${uuid(41)}") { status } }` },
      ],
      { ...AUTH, 'x-request-id': 'log-batch' },
    );
    responses.push(response.text);
    const lines = linesFor('log-batch');
    expect(lines.map((line) => line.operationName).sort()).toEqual(['BatchA', 'BatchB']);
    expect(lines.map((line) => line.upstreamCalls)).toEqual([2, 2]);
  });

  it('every captured line is one JSON object', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.trimEnd()).not.toContain('\n');
      expect(() => JSON.parse(line)).not.toThrow();
    }
  });
});

describe('request ids', () => {
  it('a sane x-request-id is echoed', async () => {
    const response = await run('{ __typename }', { requestId: 'abc-DEF_123.4:5' });
    expect(response.headers['x-request-id']).toBe('abc-DEF_123.4:5');
  });

  it.each([
    ['spaces', 'has spaces in it'],
    ['65 characters', 'a'.repeat(65)],
    ['markup', '<script>alert(1)</script>'],
    ['a newline-like escape', 'id%0d%0aSet-Cookie:x'],
  ])('an x-request-id with %s is replaced by a generated one, also in the log', async (_label, sent) => {
    const response = await run('query Insane { __typename }', { requestId: sent });
    const echoed = String(response.headers['x-request-id']);
    expect(echoed).toMatch(UUID_PATTERN);
    expect(linesFor(echoed)).toHaveLength(1);
    expect(JSON.stringify(logLines)).not.toContain(sent);
  });

  it('without x-request-id, each request gets its own generated id', async () => {
    const first = String((await run('{ __typename }')).headers['x-request-id']);
    const second = String((await run('{ __typename }')).headers['x-request-id']);
    expect(first).toMatch(UUID_PATTERN);
    expect(second).toMatch(UUID_PATTERN);
    expect(first).not.toBe(second);
    expect(linesFor(first)).toHaveLength(1);
  });
});

describe('health and readiness', () => {
  it('/healthz is 200', async () => {
    const response = await httpRequest(`${originOf(gateway.url)}/healthz`);
    expect(response.status).toBe(200);
    expect(response.json).toEqual({ status: 'ok' });
  });

  it('/readyz is 200 and names the configured providers', async () => {
    const response = await httpRequest(`${originOf(gateway.url)}/readyz`);
    expect(response.status).toBe(200);
    expect(response.json.status).toBe('ready');
    expect([...response.json.providers].sort()).toEqual(['flowker', 'polos', 'promptlayer']);
  });
});

describe('secrets', () => {
  it('upstream auth errors that echo the key do not leak it into the response', async () => {
    const response = await run(`{ execution(id: "polos:${UNAUTHORIZED}") { id } }`, { requestId: 'secret-polos' });
    expect(response.json.errors[0].extensions).toEqual({ code: 'UPSTREAM_UNAUTHORIZED', provider: 'POLOS' });
    expect(polos.requests.at(-1)!.headers.authorization).toBe(`Bearer ${TEST_KEYS.polos}`); // the key was sent, and echoed
  });

  it('WebSocket connects with a wrong key (one that contains the real key) are refused, and not logged', async () => {
    for (const authorization of [`Bearer ${GATEWAY_KEY}-wrong`, `Token ${GATEWAY_KEY}`]) {
      const socket = await openRawSocket(gateway.url);
      socket.send({ type: 'connection_init', payload: { authorization } });
      expect((await socket.closed).code).toBe(4403);
    }
    // And HTTP with a wrong key containing the real one.
    const refused = await postGraphQL(gateway.url, { query: '{ __typename }' }, { authorization: `Bearer ${GATEWAY_KEY}x` });
    responses.push(refused.text, JSON.stringify(refused.headers));
    expect(refused.status).toBe(401);
  });

  it('a WebSocket subscription with the right key logs nothing secret', async () => {
    const client = wsClient(gateway.url, AUTH);
    const stream = record(client, `subscription Secretive { executionUpdated(id: "polos:${COMPLETED}") { status } }`);
    await stream.done;
    await client.dispose();
    expect(stream.events).toHaveLength(1);
  });

  // BUG (src/upstreams/http/json.ts rejectedInput): a start/cancel that the upstream refuses with
  // a 4xx copies the upstream's `message` (up to 300 chars) into the BAD_USER_INPUT error, so an
  // upstream that echoes the credentials it received leaks them to the client, against the
  // contract ("Upstream secrets never appear in errors or logs"). Fix: scrub the configured
  // credential values (the client's `headers`) from upstream text before it enters an error, or
  // centrally in formatError. (Kept out of `responses`, so the test below stays about the rest.)
  it('an upstream 4xx on a mutation that echoes the key does not leak it', async () => {
    const response = await postGraphQL(
      gateway.url,
      { query: `mutation { startExecution(input: { provider: FLOWKER, workflowId: "${uuid(900)}", input: { a: 1 } }) { idempotencyKey } }` },
      AUTH,
    );
    expect(response.json.errors[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(flowker.requests.at(-1)!.method).toBe('POST');
    expect(response.text).not.toContain(TEST_KEYS.flowker);
  });

  it('no captured log line and no response contains an upstream key or the gateway key', () => {
    expect(logLines.length).toBeGreaterThan(10);
    expect(responses.length).toBeGreaterThan(10);
    // The upstreams really did echo the keys back (the test would prove nothing otherwise).
    expect(polos.requests.some((r) => r.headers.authorization === `Bearer ${TEST_KEYS.polos}`)).toBe(true);
    expect(flowker.requests.some((r) => r.headers['x-api-key'] === TEST_KEYS.flowker)).toBe(true);
    expect(promptlayer.requests.some((r) => r.headers['x-api-key'] === TEST_KEYS.promptlayer)).toBe(true);
    const secrets = [TEST_KEYS.flowker, TEST_KEYS.promptlayer, TEST_KEYS.polos, GATEWAY_KEY];
    for (const secret of secrets) {
      for (const line of logLines) expect(line, 'log line').not.toContain(secret);
      for (const text of responses) expect(text, 'response').not.toContain(secret);
    }
  });
});
