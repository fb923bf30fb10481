/**
 * Gateway authentication over real sockets: `GATEWAY_API_KEYS` guards `/graphql` on HTTP
 * (Authorization: Bearer) and WebSocket (connectionParams.authorization, else close 4403), while
 * health and metrics stay open. A refused request never reaches an upstream.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, startTestGateway } from '../support/gateway.js';
import { healthyPolos, httpRequest, openAckedSocket, openRawSocket, originOf, polosIdOf } from '../support/server-helpers.js';
import { record, wsClient } from '../support/subscriptions.js';
import { polosBody, uuid } from '../support/payloads.js';

const QUERY = `{ execution(id: "polos:${uuid(1)}") { id status } }`;
const SUBSCRIPTION = `subscription($id: ID!) { executionUpdated(id: $id) { id status } }`;

let polos: FakeUpstream;

beforeAll(async () => {
  // uuid(2) runs, then completes: a subscription to it sees two events and a `complete`.
  let served = 0;
  polos = await startFakeUpstream((request) => {
    const id = polosIdOf(request.path);
    if (id === uuid(2)) return { body: polosBody(id, ++served >= 2 ? 'completed' : 'running') };
    return healthyPolos(request);
  });
});

afterAll(async () => {
  await polos.close();
});

describe('with GATEWAY_API_KEYS=k1,k2', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startTestGateway(
      { polos: polos.baseUrl },
      { GATEWAY_API_KEYS: 'k1,k2', POLL_INTERVAL_MS: '20', POLL_MAX_INTERVAL_MS: '40', WS_CONNECTION_INIT_TIMEOUT_MS: '2000' },
    );
  });

  afterAll(async () => {
    await gateway.close();
  });

  it.each([
    ['no Authorization header', undefined],
    ['a wrong key', 'Bearer nope'],
    ['a right key without the Bearer scheme', 'k1'],
    ['a right key under another scheme', 'Basic k1'],
    ['a prefix of a right key', 'Bearer k'],
    ['a right key with a suffix', 'Bearer k1x'],
    ['both keys joined', 'Bearer k1,k2'],
    ['an empty bearer', 'Bearer '],
  ])('HTTP with %s is 401 UNAUTHENTICATED and calls no upstream', async (_label, authorization) => {
    const before = polos.count();
    const response = await httpRequest(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(authorization === undefined ? {} : { authorization }) },
      body: JSON.stringify({ query: QUERY }),
    });
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toBe('Bearer');
    expect(response.json).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'UNAUTHENTICATED' } }] });
    expect(response.json.data).toBeUndefined();
    expect(polos.count()).toBe(before);
  });

  it('HTTP with a wrong key in a GET query is refused too', async () => {
    const response = await httpRequest(`${gateway.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { authorization: 'Bearer wrong', 'apollo-require-preflight': 'true' },
    });
    expect(response.status).toBe(401);
    expect(response.json.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it.each(['k1', 'k2'])('HTTP with key %s is 200 with data', async (key) => {
    const before = polos.count();
    const response = await graphql(gateway.url, QUERY, undefined, { authorization: `Bearer ${key}` });
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ execution: { id: `polos:${uuid(1)}`, status: 'RUNNING' } });
    expect(polos.count()).toBe(before + 1);
  });

  it('the scheme is case-insensitive and surrounding whitespace is ignored', async () => {
    const response = await graphql(gateway.url, '{ __typename }', undefined, { authorization: '  bearer   k2  ' });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it('/healthz, /readyz and /metrics answer without a key', async () => {
    const origin = originOf(gateway.url);
    const health = await httpRequest(`${origin}/healthz`);
    expect(health.status).toBe(200);
    expect(health.json).toEqual({ status: 'ok' });
    const ready = await httpRequest(`${origin}/readyz`);
    expect(ready.status).toBe(200);
    const metrics = await httpRequest(`${origin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('graphql_operations_total');
  });

  it('WebSocket without connectionParams is closed with 4403', async () => {
    const socket = await openRawSocket(gateway.url);
    socket.send({ type: 'connection_init' });
    const { code } = await socket.closed;
    expect(code).toBe(4403);
    expect(socket.messages).toEqual([]); // no connection_ack
  });

  it.each([
    ['a wrong key', { authorization: 'Bearer nope' }],
    ['a key without the Bearer scheme', { authorization: 'k1' }],
    ['a non-string authorization', { authorization: ['Bearer k1'] }],
    ['the key under another name', { Authorization: 'Bearer k1' }],
  ])('WebSocket with %s is closed with 4403', async (_label, payload) => {
    const socket = await openRawSocket(gateway.url);
    socket.send({ type: 'connection_init', payload });
    const { code } = await socket.closed;
    expect(code).toBe(4403);
    expect(socket.messages).toEqual([]);
  });

  it('a subscribe before an authorized connection_init is refused (4401) and polls nothing', async () => {
    const before = polos.count();
    const socket = await openRawSocket(gateway.url);
    socket.send({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: `polos:${uuid(3)}` } } });
    const { code } = await socket.closed;
    expect(code).toBe(4401);
    expect(polos.count()).toBe(before);
    expect(gateway.live.activePollers).toBe(0);
  });

  it('a graphql-ws client with a wrong key gets a 4403 close and no events', async () => {
    const client = wsClient(gateway.url, { authorization: 'Bearer wrong' });
    const closeCodes: number[] = [];
    client.on('closed', (event) => void closeCodes.push((event as { code: number }).code));
    const stream = record(client, SUBSCRIPTION, { id: `polos:${uuid(2)}` });
    await expect(stream.done).rejects.toMatchObject({ code: 4403 });
    expect(stream.events).toEqual([]);
    expect(closeCodes).toEqual([4403]);
    await client.dispose();
  });

  it('the right key in connectionParams.authorization makes subscriptions work', async () => {
    const client = wsClient(gateway.url, { authorization: 'Bearer k2' });
    const stream = record(client, SUBSCRIPTION, { id: `polos:${uuid(2)}` });
    await stream.done;
    await client.dispose();
    expect(stream.events.map((event) => event.data?.executionUpdated.status)).toEqual(['RUNNING', 'COMPLETED']);
  });

  it('the same socket, once authorized, can run operations (raw protocol)', async () => {
    const socket = await openAckedSocket(gateway.url, { authorization: 'Bearer k1' });
    socket.send({ id: 'q', type: 'subscribe', payload: { query: '{ __typename }' } });
    const result = await socket.next((message) => message.id === 'q' && message.type === 'next');
    expect(result.payload).toEqual({ data: { __typename: 'Query' } });
    socket.socket.close(1000);
    await socket.closed;
  });
});

describe('without GATEWAY_API_KEYS', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startTestGateway({ polos: polos.baseUrl }, { POLL_INTERVAL_MS: '20' });
  });

  afterAll(async () => {
    await gateway.close();
  });

  it('HTTP without a key is served', async () => {
    const response = await graphql(gateway.url, QUERY);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ execution: { id: `polos:${uuid(1)}`, status: 'RUNNING' } });
  });

  it('HTTP with an arbitrary Authorization header is served too', async () => {
    const response = await graphql(gateway.url, '{ __typename }', undefined, { authorization: 'Bearer whatever' });
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query' });
  });

  it('WebSocket without connectionParams is acknowledged and runs a subscription', async () => {
    const socket = await openAckedSocket(gateway.url);
    socket.send({ id: 's', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: `polos:${uuid(4)}` } } });
    const first = await socket.next((message) => message.id === 's' && message.type === 'next');
    expect(first.payload).toEqual({ data: { executionUpdated: { id: `polos:${uuid(4)}`, status: 'RUNNING' } } });
    socket.socket.close(1000);
    await socket.closed;
  });
});
