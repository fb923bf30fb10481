/**
 * Subscriptions (and queries) over Server-Sent Events at /graphql/stream, end to end: a real
 * gateway with gateway keys, scripted fake Polos, graphql-sse's own client in both of its modes,
 * and raw event streams where status codes and the single-connection protocol matter. What is
 * asserted is what graphql-ws subscribers get: the same events, the same terminal completion,
 * the same limits and refusals, log lines and metrics, and one poller however many watch.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type Gateway } from '../../src/server/gateway.js';
import { openEventStream } from '../support/event-stream.js';
import { testEnv } from '../support/gateway.js';
import { polosStateBody, RETRY_TIMELINE, startScriptedPolos, type PolosState, type ScriptedPolos } from '../support/polos-timeline.js';
import { httpRequest, metricValue, scrapeMetrics } from '../support/server-helpers.js';
import { eventually, record, sleep, sseClient, wsClient } from '../support/subscriptions.js';
import { uuid } from '../support/payloads.js';

const KEY = 'gw-sse-key-5f6e7d8c';
const AUTH = { authorization: `Bearer ${KEY}` };
const INTERVAL = 30;
const MAX_PER_STREAM = 3;
const RESERVATION_MS = 400;

const logLines: Record<string, any>[] = [];
let polos: ScriptedPolos;
let gateway: Gateway;
let stream: string;

beforeAll(async () => {
  polos = await startScriptedPolos((id) => ({ body: polosStateBody(id, { status: 'running' }) }));
  const config = loadConfig(
    testEnv(
      { polos: polos.baseUrl },
      {
        GATEWAY_API_KEYS: KEY,
        LOG_LEVEL: 'info',
        POLL_INTERVAL_MS: String(INTERVAL),
        POLL_MAX_INTERVAL_MS: String(INTERVAL * 2),
        MAX_SUBSCRIPTIONS_PER_SOCKET: String(MAX_PER_STREAM),
        MAX_BODY_BYTES: '2048',
        WS_CONNECTION_INIT_TIMEOUT_MS: String(RESERVATION_MS),
      },
    ),
  );
  gateway = await startGateway(config, { logger: createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) }) });
  stream = `${gateway.url}/stream`;
});

afterAll(async () => {
  await gateway?.close();
  await polos?.close();
});

afterEach(async () => {
  await eventually(() => gateway.live.activePollers === 0);
  polos.reset();
});

const script = (id: string, states: readonly PolosState[]) => polos.script(id, states);

const SUBSCRIPTION = 'subscription($id: ID!) { executionUpdated(id: $id) { id status statusReason retryCount terminal output } }';
const summary = (events: { data?: any }[]) =>
  events.map(({ data }) => `${data.executionUpdated.status} ${data.executionUpdated.retryCount} ${data.executionUpdated.terminal}`);
const polls = (id: string) => polos.count(`/api/v1/executions/${id}`);
const json = (body: unknown) => ({ headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('distinct connections mode', () => {
  it('gets the same events and terminal completion as graphql-ws', async () => {
    script(uuid(1), RETRY_TIMELINE);
    script(uuid(2), RETRY_TIMELINE);
    const sse = sseClient(gateway.url, { headers: AUTH });
    const ws = wsClient(gateway.url, AUTH);
    const overSse = record(sse, SUBSCRIPTION, { id: `polos:${uuid(1)}` });
    const overWs = record(ws, SUBSCRIPTION, { id: `polos:${uuid(2)}` });
    await Promise.all([overSse.done, overWs.done]);
    sse.dispose();
    await ws.dispose();
    expect(summary(overSse.events)).toEqual(['QUEUED 0 false', 'QUEUED 0 false', 'RUNNING 0 false', 'QUEUED 1 false', 'RUNNING 1 false', 'COMPLETED 1 true']);
    expect(overSse.events.map((event) => ({ ...event.data!.executionUpdated, id: null }))).toEqual(
      overWs.events.map((event) => ({ ...event.data!.executionUpdated, id: null })),
    );
    expect(overSse.events.at(-1)!.data!.executionUpdated.output).toEqual({ answer: 42 });
    expect(polls(uuid(1))).toBe(RETRY_TIMELINE.length);
  });

  it('over the wire: the snapshot and each change as `next` events, then `complete`, then the response ends', async () => {
    script(uuid(3), [{ status: 'running' }, { status: 'completed', result: 7 }]);
    const events = await openEventStream(stream, { method: 'POST', ...json({ query: SUBSCRIPTION, variables: { id: `polos:${uuid(3)}` } }) });
    await events.ended;
    expect(events.status).toBe(200);
    expect(events.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(events.events.map((event) => event.event)).toEqual(['next', 'next', 'complete']);
    expect(events.events[1]!.data).toEqual({
      data: { executionUpdated: { id: `polos:${uuid(3)}`, status: 'COMPLETED', statusReason: null, retryCount: 0, terminal: true, output: 7 } },
    });
  });

  it('a GET with ?query= works too (what EventSource sends)', async () => {
    script(uuid(4), [{ status: 'completed', result: 1 }]);
    const search = new URLSearchParams({ query: SUBSCRIPTION, variables: JSON.stringify({ id: `polos:${uuid(4)}` }) });
    const events = await openEventStream(`${stream}?${search}`, { headers: AUTH });
    await events.ended;
    expect(events.events.map((event) => event.event)).toEqual(['next', 'complete']);
    expect(events.events[0]!.data.data.executionUpdated.status).toBe('COMPLETED');
  });

  it('a query over SSE is one `next` and `complete`', async () => {
    const events = await openEventStream(stream, { method: 'POST', ...json({ query: `{ execution(id: "polos:${uuid(5)}") { status } }` }) });
    await events.ended;
    expect(events.events).toEqual([
      { event: 'next', data: { data: { execution: { status: 'RUNNING' } } } },
      { event: 'complete', data: null },
    ]);
  });

  it('a client that goes away stops the poller', async () => {
    script(uuid(6), [{ status: 'running' }]);
    const events = await openEventStream(stream, { method: 'POST', ...json({ query: SUBSCRIPTION, variables: { id: `polos:${uuid(6)}` } }) });
    await events.next((event) => event.event === 'next');
    expect(gateway.live.activePollers).toBe(1);
    events.close();
    await eventually(() => gateway.live.activePollers === 0);
    const after = polls(uuid(6));
    await sleep(INTERVAL * 4);
    expect(polls(uuid(6))).toBeLessThanOrEqual(after + 1);
  });
});

describe('single connection mode', () => {
  it("graphql-sse's client runs several subscriptions and a query over one stream", async () => {
    script(uuid(10), [{ status: 'running' }, { status: 'completed', result: 'a' }]);
    script(uuid(11), [{ status: 'queued' }, { status: 'running' }, { status: 'failed' }]);
    const client = sseClient(gateway.url, { singleConnection: true, headers: AUTH });
    const first = record(client, SUBSCRIPTION, { id: `polos:${uuid(10)}` });
    const second = record(client, SUBSCRIPTION, { id: `polos:${uuid(11)}` });
    const query = record(client, 'query One($id: ID!) { execution(id: $id) { id } }', { id: `polos:${uuid(12)}` });
    await Promise.all([first.done, second.done, query.done]);
    client.dispose();
    expect(summary(first.events)).toEqual(['RUNNING 0 false', 'COMPLETED 0 true']);
    expect(summary(second.events)).toEqual(['QUEUED 0 false', 'RUNNING 0 false', 'FAILED 0 true']);
    expect(query.events).toEqual([{ data: { execution: { id: `polos:${uuid(12)}` } } }]);
  });

  it('over the wire: PUT reserves a token, GET opens the stream, POSTs add operations, DELETE stops one', async () => {
    script(uuid(13), [{ status: 'running' }]);
    const reserved = await httpRequest(stream, { method: 'PUT', headers: AUTH });
    expect(reserved.status, reserved.text).toBe(201);
    const token = reserved.text;
    const withToken = { ...AUTH, 'x-graphql-event-stream-token': token };
    const events = await openEventStream(stream, { headers: withToken });
    expect(events.status).toBe(200);
    const post = (operationId: string, query: string, variables = {}) =>
      httpRequest(stream, { method: 'POST', headers: { ...withToken, 'content-type': 'application/json' }, body: JSON.stringify({ query, variables, extensions: { operationId } }) });
    expect((await post('watch', SUBSCRIPTION, { id: `polos:${uuid(13)}` })).status).toBe(202);
    const first = await events.next((event) => event.event === 'next' && event.data.id === 'watch');
    expect(first.data.payload.data.executionUpdated.status).toBe('RUNNING');
    expect(gateway.live.activePollers).toBe(1);
    const stopped = await httpRequest(`${stream}?operationId=watch`, { method: 'DELETE', headers: withToken });
    expect(stopped.status).toBe(200);
    await events.next((event) => event.event === 'complete' && event.data.id === 'watch');
    await eventually(() => gateway.live.activePollers === 0);
    events.close();
  });

  it(`more than MAX_SUBSCRIPTIONS_PER_SOCKET (${MAX_PER_STREAM}) operations on one stream: the extra one is refused, naming the limit`, async () => {
    const token = (await httpRequest(stream, { method: 'PUT', headers: AUTH })).text;
    const withToken = { ...AUTH, 'x-graphql-event-stream-token': token, 'content-type': 'application/json' };
    const events = await openEventStream(stream, { headers: withToken });
    const subscribe = (operationId: string, n: number) =>
      httpRequest(stream, { method: 'POST', headers: withToken, body: JSON.stringify({ query: SUBSCRIPTION, variables: { id: `polos:${uuid(n)}` }, extensions: { operationId } }) });
    for (const n of [21, 22, 23]) {
      await subscribe(`s${n}`, n);
      await events.next((event) => event.event === 'next' && event.data.id === `s${n}`);
    }
    const pollsBefore = polls(uuid(24));
    await subscribe('s24', 24);
    const refused = await events.next((event) => event.data?.id === 's24');
    expect(refused.data.payload.errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_SUBSCRIPTIONS_PER_SOCKET', max: MAX_PER_STREAM });
    expect(refused.data.payload.errors[0].message).toMatch(/MAX_SUBSCRIPTIONS_PER_SOCKET=3/);
    await events.next((event) => event.event === 'complete' && event.data.id === 's24');
    expect(polls(uuid(24))).toBe(pollsBefore);
    expect(gateway.live.activePollers).toBe(3);

    // Stopping one frees a slot.
    await httpRequest(`${stream}?operationId=s21`, { method: 'DELETE', headers: withToken });
    await eventually(() => gateway.live.activePollers === 2);
    await subscribe('s25', 25);
    const accepted = await events.next((event) => event.data?.id === 's25');
    expect(accepted.data.payload.data.executionUpdated.id).toBe(`polos:${uuid(25)}`);
    events.close(); // ends every operation of the stream
    await eventually(() => gateway.live.activePollers === 0);
  });

  it('a reserved stream that is never opened is dropped with its operations (after WS_CONNECTION_INIT_TIMEOUT_MS)', async () => {
    script(uuid(30), [{ status: 'running' }]);
    const token = (await httpRequest(stream, { method: 'PUT', headers: AUTH })).text;
    const withToken = { ...AUTH, 'x-graphql-event-stream-token': token, 'content-type': 'application/json' };
    const accepted = await httpRequest(stream, { method: 'POST', headers: withToken, body: JSON.stringify({ query: SUBSCRIPTION, variables: { id: `polos:${uuid(30)}` }, extensions: { operationId: 'x' } }) });
    expect(accepted.status).toBe(202);
    await eventually(() => gateway.live.activePollers === 1);
    await eventually(() => gateway.live.activePollers === 0, RESERVATION_MS * 5);
    // graphql-sse has forgotten the token: a late client cannot open it.
    const late = await httpRequest(stream, { method: 'POST', headers: withToken, body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: 'y' } }) });
    expect(late.status).toBe(404);
  });
});

describe('the same pipeline as HTTP and WebSocket', () => {
  it('needs the gateway key on every request: 401 UNAUTHENTICATED otherwise', async () => {
    const body = JSON.stringify({ query: '{ __typename }' });
    for (const attempt of [
      () => httpRequest(stream, { method: 'POST', headers: { accept: 'text/event-stream', 'content-type': 'application/json' }, body }),
      () => httpRequest(stream, { method: 'PUT' }),
      () => httpRequest(`${stream}?query=${encodeURIComponent('{ __typename }')}`, { headers: { accept: 'text/event-stream', authorization: 'Bearer wrong' } }),
    ]) {
      const response = await attempt();
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer');
      expect(response.json).toEqual({ errors: [{ message: expect.stringMatching(/Authorization: Bearer <key>/), extensions: { code: 'UNAUTHENTICATED' } }] });
    }
  });

  it('limits refuse as on HTTP, naming their variable, with zero upstream calls', async () => {
    const before = polos.count();
    const nested = `{ execution(id: "polos:${uuid(40)}") { ${'parent { '.repeat(12)}id${' }'.repeat(12)} } }`;
    const events = await openEventStream(stream, { method: 'POST', ...json({ query: nested }) });
    await events.ended;
    expect(events.status).toBe(200);
    expect(events.events.map((event) => event.event)).toEqual(['next', 'complete']);
    expect(events.events[0]!.data.errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_DEPTH', max: 10 });
    expect(polos.count()).toBe(before);
  });

  it('a body above MAX_BODY_BYTES is 413 LIMIT_EXCEEDED', async () => {
    const response = await httpRequest(stream, { method: 'POST', ...json({ query: `{ __typename } # ${'x'.repeat(4000)}` }) });
    expect(response.status).toBe(413);
    expect(response.json.errors[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_BODY_BYTES', max: 2048 });
  });

  it('a bad id is the field error graphql-ws sends, and the stream completes', async () => {
    const events = await openEventStream(stream, { method: 'POST', ...json({ query: SUBSCRIPTION, variables: { id: 'polos:nope' } }) });
    await events.ended;
    expect(events.events[0]!.data.errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', provider: 'POLOS' });
    expect(events.events.at(-1)!.event).toBe('complete');
  });

  it('one log line per operation (transport sse, the request id echoed) and the operation metrics', async () => {
    script(uuid(50), [{ status: 'running' }, { status: 'completed' }]);
    const before = metricValue(await scrapeMetrics(gateway.url), 'graphql_operations_total', { operation: 'WatchOverSse', type: 'subscription', outcome: 'success' }) ?? 0;
    const events = await openEventStream(stream, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json', 'x-request-id': 'sse-request-1' },
      body: JSON.stringify({ query: `subscription WatchOverSse { executionUpdated(id: "polos:${uuid(50)}") { status } }` }),
    });
    await events.ended;
    expect(events.headers['x-request-id']).toBe('sse-request-1');
    await eventually(() => logLines.some((line) => line.requestId === 'sse-request-1'));
    expect(logLines.filter((line) => line.requestId === 'sse-request-1')).toEqual([
      expect.objectContaining({ msg: 'graphql operation', transport: 'sse', operationName: 'WatchOverSse', operationType: 'subscription', outcome: 'success', events: 2 }),
    ]);
    const after = metricValue(await scrapeMetrics(gateway.url), 'graphql_operations_total', { operation: 'WatchOverSse', type: 'subscription', outcome: 'success' });
    expect(after).toBe(before + 1);
  });

  it('many SSE subscribers and a graphql-ws one share one poller', async () => {
    script(uuid(60), RETRY_TIMELINE);
    const sse = sseClient(gateway.url, { headers: AUTH });
    const ws = wsClient(gateway.url, AUTH);
    const streams = [...Array.from({ length: 5 }, () => record(sse, SUBSCRIPTION, { id: `polos:${uuid(60)}` })), record(ws, SUBSCRIPTION, { id: `polos:${uuid(60)}` })];
    await Promise.all(streams.map((recorded) => recorded.done));
    sse.dispose();
    await ws.dispose();
    for (const recorded of streams) expect(recorded.events.at(-1)!.data!.executionUpdated.status).toBe('COMPLETED');
    expect(polls(uuid(60))).toBe(RETRY_TIMELINE.length);
  });
});

describe('shutdown', () => {
  it('ends open event streams at once (not after SHUTDOWN_TIMEOUT_MS)', async () => {
    const own = await startGateway(loadConfig(testEnv({ polos: polos.baseUrl }, { POLL_INTERVAL_MS: String(INTERVAL), SHUTDOWN_TIMEOUT_MS: '10000' })), {
      logger: createLogger('silent'),
    });
    const events = await openEventStream(`${own.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: SUBSCRIPTION, variables: { id: `polos:${uuid(70)}` } }),
    });
    await events.next((event) => event.event === 'next');
    const started = Date.now();
    await own.close();
    await events.ended;
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});
