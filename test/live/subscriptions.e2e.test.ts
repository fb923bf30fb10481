/**
 * Live subscriptions end to end: scripted fake upstreams, the gateway on a real port, real
 * graphql-ws clients. Upstream request counts prove one poller per execution.
 */
import { once } from 'node:events';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from '../support/fake-upstream.js';
import { RETRY_TIMELINE, startScriptedPolos, type ScriptedAnswer, type ScriptedPolos } from '../support/polos-timeline.js';
import { startTestGateway } from '../support/gateway.js';
import { eventually, record, sleep, wsClient } from '../support/subscriptions.js';
import { flowkerResults, flowkerStatus, flowkerStep, uuid } from '../support/payloads.js';

const INTERVAL = 40;
const KEEPALIVE = 300;

let polos: ScriptedPolos;
let flowker: FakeUpstream;
let gateway: Gateway;

beforeAll(async () => {
  polos = await startScriptedPolos(() => ({ status: 500, body: '' })); // what Polos answers for an unknown id
  let flowkerPolls = 0;
  flowker = await startFakeUpstream((request) => {
    if (request.path.endsWith('/results')) {
      return { body: flowkerResults({ executionId: uuid(900), stepResults: [flowkerStep({ stepName: 'only' })], finalOutput: { ok: 1 } }) };
    }
    const done = ++flowkerPolls >= 3;
    return { body: flowkerStatus({ executionId: uuid(900), status: done ? 'completed' : 'running', currentStepNumber: flowkerPolls, totalSteps: 3 }) };
  });
  gateway = await startTestGateway(
    { polos: polos.baseUrl, flowker: flowker.baseUrl },
    { POLL_INTERVAL_MS: String(INTERVAL), POLL_MAX_INTERVAL_MS: String(INTERVAL * 2), POLL_ERROR_THRESHOLD: '2', WS_CONNECTION_INIT_TIMEOUT_MS: '1500', WS_KEEPALIVE_MS: String(KEEPALIVE) },
  );
});

afterAll(async () => {
  await gateway.close();
  await Promise.all([polos.close(), flowker.close()]);
});

afterEach(async () => {
  await eventually(() => gateway.live.activePollers === 0);
  polos.reset();
});

/** Each execution answers the next state of its script per request, then repeats the last. */
const script = (id: string, answers: readonly ScriptedAnswer[]) => polos.script(id, answers);

const SUBSCRIPTION = `subscription($id: ID!) { executionUpdated(id: $id) { id status upstreamStatus statusReason retryCount error { message } output terminal } }`;
const count = (id: string) => polos.count(`/api/v1/executions/${id}`);

describe('executionUpdated', () => {
  it('follows a Polos retry timeline: one event per change, in order, then complete', async () => {
    script(uuid(1), RETRY_TIMELINE);
    const client = wsClient(gateway.url);
    const stream = record(client, SUBSCRIPTION, { id: `polos:${uuid(1)}` });
    await stream.done;
    await client.dispose();

    const seen = stream.events.map((e) => {
      const x = e.data!.executionUpdated;
      return [x.status, x.upstreamStatus, x.statusReason, x.retryCount, x.terminal].join(' ');
    });
    expect(seen).toEqual([
      'QUEUED queued  0 false',
      'QUEUED claimed  0 false',
      'RUNNING running  0 false',
      'QUEUED queued RETRYING 1 false',
      'RUNNING running  1 false',
      'COMPLETED completed  1 true',
    ]);
    expect(stream.events.at(-1)!.data!.executionUpdated.output).toEqual({ answer: 42 });
    expect(count(uuid(1))).toBe(RETRY_TIMELINE.length);
  });

  it('50 subscribers to one execution cost the upstream what one subscriber costs', async () => {
    script(uuid(2), RETRY_TIMELINE);
    const single = wsClient(gateway.url);
    await record(single, SUBSCRIPTION, { id: `polos:${uuid(2)}` }).done;
    await single.dispose();
    const oneSubscriber = count(uuid(2));

    script(uuid(3), RETRY_TIMELINE);
    const clients = Array.from({ length: 5 }, () => wsClient(gateway.url));
    const streams = Array.from({ length: 50 }, (_, i) => record(clients[i % 5]!, SUBSCRIPTION, { id: `polos:${uuid(3)}` }));
    await Promise.all(streams.map((s) => s.done));
    await Promise.all(clients.map((c) => c.dispose()));

    expect(count(uuid(3))).toBe(oneSubscriber);
    for (const stream of streams) expect(stream.events).toHaveLength(RETRY_TIMELINE.length);
  });

  it('stops polling when the last subscriber leaves', async () => {
    script(uuid(4), [{ status: 'running' }]);
    const client = wsClient(gateway.url);
    const streams = Array.from({ length: 50 }, () => record(client, SUBSCRIPTION, { id: `polos:${uuid(4)}` }));
    await eventually(() => count(uuid(4)) >= 3);
    expect(gateway.live.activePollers).toBe(1);
    for (const stream of streams) stream.unsubscribe();
    await eventually(() => gateway.live.activePollers === 0);
    const after = count(uuid(4));
    await sleep(INTERVAL * 5);
    expect(count(uuid(4))).toBeLessThanOrEqual(after + 1); // at most the poll already in flight
    expect(streams.every((s) => s.events.length === 1)).toBe(true); // one snapshot, no duplicates
    await client.dispose();
  });

  it('an already-terminal execution yields one event and completes, from the cache', async () => {
    script(uuid(5), [{ status: 'completed', result: 'done' }]);
    const client = wsClient(gateway.url);
    await record(client, SUBSCRIPTION, { id: `polos:${uuid(5)}` }).done;
    const again = record(client, SUBSCRIPTION, { id: `polos:${uuid(5)}` });
    await again.done;
    await client.dispose();
    expect(again.events.map((e) => e.data!.executionUpdated.status)).toEqual(['COMPLETED']);
    expect(count(uuid(5))).toBe(1);
  });

  it('an invalid id is an error at subscribe time', async () => {
    const client = wsClient(gateway.url);
    const stream = record(client, SUBSCRIPTION, { id: 'polos:nope' });
    await stream.done; // graphql-ws sends the subscribe-time error as a result, then completes
    await client.dispose();
    expect(stream.events).toEqual([{ errors: [expect.objectContaining({ extensions: { code: 'BAD_USER_INPUT', provider: 'POLOS' } })] }]);
    expect(gateway.live.activePollers).toBe(0);
  });

  it('an unknown execution yields one NOT_FOUND error event and completes', async () => {
    const client = wsClient(gateway.url);
    const stream = record(client, SUBSCRIPTION, { id: `polos:${uuid(6)}` });
    await stream.done;
    await client.dispose();
    expect(stream.events).toEqual([{ data: null, errors: [expect.objectContaining({ extensions: { code: 'NOT_FOUND', provider: 'POLOS' } })] }]);
  });

  it('keeps the stream open through upstream failures, reports them, then resumes', async () => {
    const failure: FakeResponse = { status: 503, body: 'maintenance' };
    script(uuid(7), [{ status: 'running' }, failure, failure, failure, failure, failure, failure, { status: 'running' }, { status: 'completed' }]);
    const client = wsClient(gateway.url);
    const stream = record(client, SUBSCRIPTION, { id: `polos:${uuid(7)}` });
    await stream.done;
    await client.dispose();
    const shape = stream.events.map((e) => (e.errors ? `error ${String(e.errors[0]!.extensions!.code)}` : e.data!.executionUpdated.status));
    expect(shape).toEqual(['RUNNING', 'error UPSTREAM_UNAVAILABLE', 'RUNNING', 'COMPLETED']);
  });

  it('a client that disconnects abruptly releases its poller', async () => {
    script(uuid(8), [{ status: 'running' }]);
    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'connection_init' }));
    await once(socket, 'message');
    socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: `polos:${uuid(8)}` } } }));
    await once(socket, 'message');
    expect(gateway.live.activePollers).toBe(1);
    socket.terminate();
    await eventually(() => gateway.live.activePollers === 0);
  });

  it('pings every socket, and ends one that stops answering (releasing its poller) while one that answers stays', async () => {
    const subscribed = async (n: number, autoPong: boolean) => {
      script(uuid(n), [{ status: 'running' }]);
      const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws', { autoPong });
      const pings = { count: 0 };
      socket.on('ping', () => pings.count++);
      await once(socket, 'open');
      socket.send(JSON.stringify({ type: 'connection_init' }));
      await once(socket, 'message');
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { id: `polos:${uuid(n)}` } } }));
      await once(socket, 'message');
      return { socket, pings };
    };
    const answering = await subscribed(10, true);
    const silent = await subscribed(11, false);
    expect(gateway.live.activePollers).toBe(2);

    const [code] = (await once(silent.socket, 'close')) as [number];
    expect(code).toBe(1006); // terminated, no close frame: a peer that does not answer pings would not answer one
    expect(silent.pings.count).toBe(1);
    await eventually(() => gateway.live.activePollers === 1);

    await eventually(() => answering.pings.count >= 3);
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    answering.socket.close();
  });

  it('closes a socket that never sends connection_init (4408)', async () => {
    const socket = new WebSocket(gateway.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    const [code] = (await once(socket, 'close')) as [number];
    expect(code).toBe(4408);
  });

  it('sends the terminal Flowker event with steps, calling /results once', async () => {
    const client = wsClient(gateway.url);
    const stream = record(client, `subscription { executionUpdated(id: "flowker:${uuid(900)}") { status progress { completed total } steps { name status } output } }`);
    await stream.done;
    await client.dispose();
    const events = stream.events.map((e) => e.data!.executionUpdated);
    expect(events.at(-1)).toEqual({ status: 'COMPLETED', progress: { completed: 3, total: 3 }, steps: [{ name: 'only', status: 'COMPLETED' }], output: { ok: 1 } });
    expect(events.slice(0, -1).every((e) => e.steps.length === 0)).toBe(true);
    expect(flowker.count(`/v1/executions/${uuid(900)}/results`)).toBe(1);
  });
});

describe('executionsUpdated', () => {
  it('follows several executions in one stream and completes when all are terminal', async () => {
    script(uuid(10), [{ status: 'running' }, { status: 'completed' }]);
    script(uuid(11), [{ status: 'queued' }, { status: 'running' }, { status: 'failed', error: 'boom' }]);
    const client = wsClient(gateway.url);
    const stream = record(client, `subscription($ids: [ID!]!) { executionsUpdated(ids: $ids) { id status } }`, {
      ids: [`polos:${uuid(10)}`, `polos:${uuid(11)}`, `polos:${uuid(10)}`],
    });
    await stream.done;
    await client.dispose();
    const byId = (id: string) => stream.events.map((e) => e.data!.executionsUpdated).filter((x) => x.id === id).map((x) => x.status);
    expect(byId(`polos:${uuid(10)}`)).toEqual(['RUNNING', 'COMPLETED']);
    expect(byId(`polos:${uuid(11)}`)).toEqual(['QUEUED', 'RUNNING', 'FAILED']);
  });
});
