/**
 * Several gateway replicas in one process, each with its own Redis connections, against one fake
 * upstream and the real Redis: one poller per execution across replicas, fail-over when the
 * polling replica stops, the shared terminal cache, and what happens while Redis is away.
 */
import { Writable } from 'node:stream';
import { createClient, type Client } from 'graphql-ws';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { Gateway } from '../../src/server/gateway.js';
import { RETRY_TIMELINE, startScriptedPolos, type PolosState, type ScriptedPolos } from '../support/polos-timeline.js';
import { graphql, startGatewayForTest, startTestGateway, testEnv } from '../support/gateway.js';
import { eventually, record, type RecordedStream } from '../support/subscriptions.js';
import { REDIS_URL, startRedisProxy, testKeyPrefix, type RedisProxy } from './redis-support.js';
import { uuid } from '../support/payloads.js';

const INTERVAL = 100;
const LEASE = 300;


const RETRY_TIMELINE_SEEN = ['QUEUED queued', 'QUEUED claimed', 'RUNNING running', 'QUEUED queued', 'RUNNING running', 'COMPLETED completed'];

/** Scripted executions answer the next state per request (a script of one: whatever the test set last). */
let polos: ScriptedPolos;
const keyPrefix = testKeyPrefix();
const started: Gateway[] = [];
const clients: Client[] = [];
const proxies: RedisProxy[] = [];

beforeAll(async () => {
  polos = await startScriptedPolos(() => ({ status: 500, body: '' }));
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.dispose()));
  await Promise.all(started.splice(0).map(closeOnce));
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  await polos.close();
});

const closed = new WeakSet<Gateway>();
async function closeOnce(gateway: Gateway): Promise<void> {
  if (closed.has(gateway)) return;
  closed.add(gateway);
  await gateway.close();
}

/** Test-sized timings; the terminal cache TTL bounds how long this run's keys outlive it. */
const replicaEnv = (redisUrl: string | null): Record<string, string> => ({
  POLL_INTERVAL_MS: String(INTERVAL),
  POLL_MAX_INTERVAL_MS: String(INTERVAL * 2),
  SHUTDOWN_TIMEOUT_MS: '200',
  TERMINAL_CACHE_TTL_MS: '60000',
  ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, REDIS_LEASE_MS: String(LEASE) } : {}),
});

async function startReplicas(count: number, redisUrl: string = REDIS_URL): Promise<Gateway[]> {
  const replicas = await Promise.all(Array.from({ length: count }, () => startTestGateway({ polos: polos.baseUrl }, replicaEnv(redisUrl))));
  started.push(...replicas);
  return replicas;
}

/** Connected before the test subscribes, so that all subscriptions land at about the same time. */
async function connectedClient(gateway: Gateway): Promise<Client> {
  const client = createClient({
    url: gateway.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: false,
    onNonLazyError: () => {}, // tests stop replicas under their clients on purpose
  });
  clients.push(client);
  await new Promise((resolve) => client.on('connected', resolve));
  return client;
}

const SUBSCRIPTION = `subscription($id: ID!) { executionUpdated(id: $id) { status upstreamStatus output } }`;

/** Subscriber i subscribes through replica i % replicas. */
async function subscribers(replicas: Gateway[], count: number, id: string): Promise<RecordedStream[]> {
  const connected = await Promise.all(replicas.map(connectedClient));
  return Array.from({ length: count }, (_, i) => record(connected[i % connected.length]!, SUBSCRIPTION, { id: `polos:${id}` }));
}

const seen = (stream: RecordedStream) =>
  stream.events.map((event) => {
    const update = event.data!.executionUpdated;
    return `${update.status} ${update.upstreamStatus}`;
  });
const requestsFor = (id: string) => polos.count(`/api/v1/executions/${id}`);
const pollingReplicas = (replicas: Gateway[]) => replicas.filter((replica) => !closed.has(replica) && replica.live.activePollers > 0);

/** Steps the execution to a new state once every given stream has seen the previous one. */
async function step(id: string, streams: RecordedStream[], state: PolosState, eventsSoFar: number): Promise<void> {
  await eventually(() => streams.every((stream) => stream.events.length === eventsSoFar));
  polos.script(id, [state]);
}

describe('replicas coordinated through Redis', () => {
  it('30 subscribers spread over 3 replicas cost the upstream what one poller costs', async () => {
    const single = await startTestGateway({ polos: polos.baseUrl }, replicaEnv(null));
    started.push(single);
    polos.script(uuid(1), RETRY_TIMELINE);
    const [alone] = await subscribers([single], 1, uuid(1));
    await alone!.done;
    const singleRequests = requestsFor(uuid(1));

    const replicas = await startReplicas(3);
    polos.script(uuid(2), RETRY_TIMELINE);
    const streams = await subscribers(replicas, 30, uuid(2));
    const pollers = new Set<number>();
    const sampling = setInterval(() => pollingReplicas(replicas).forEach((replica) => pollers.add(replicas.indexOf(replica))), 5);
    await Promise.all(streams.map((stream) => stream.done));
    clearInterval(sampling);

    console.log(`upstream requests for the timeline: single instance ${singleRequests}, 3 replicas with 30 subscribers ${requestsFor(uuid(2))}`);
    expect(requestsFor(uuid(2))).toBe(singleRequests);
    expect(pollers.size).toBe(1);
    for (const stream of streams) expect(seen(stream)).toEqual(RETRY_TIMELINE_SEEN);
    expect(streams.every((stream) => stream.events.at(-1)!.data!.executionUpdated.output?.answer === 42)).toBe(true);
  });

  it('when the polling replica stops, another takes over and the others\u2019 subscribers miss nothing', async () => {
    const replicas = await startReplicas(3);
    const id = uuid(3);
    polos.script(id, [{ status: 'running' }]);
    const streams = await subscribers(replicas, 30, id);
    await eventually(() => streams.every((stream) => stream.events.length === 1));
    const [holder] = pollingReplicas(replicas);
    expect(pollingReplicas(replicas)).toHaveLength(1);
    const remaining = streams.filter((_, i) => replicas[i % 3] !== holder);

    const stoppedAt = Date.now();
    await closeOnce(holder!);
    polos.script(id, [{ status: 'queued', error: 'worker crashed', retry_count: 1 }]);
    await eventually(() => remaining.every((stream) => stream.events.length === 2));
    const takeoverMs = Date.now() - stoppedAt;
    expect(pollingReplicas(replicas)).toHaveLength(1);
    await step(id, remaining, { status: 'running', retry_count: 1 }, 2);
    await step(id, remaining, { status: 'completed', retry_count: 1, result: { answer: 42 } }, 3);
    await Promise.all(remaining.map((stream) => stream.done));

    console.log(`fail-over: ${remaining.length} remaining subscribers on 2 replicas got the next status ${takeoverMs} ms after the polling replica stopped (lease ${LEASE} ms)`);
    for (const stream of remaining) expect(seen(stream)).toEqual(['RUNNING running', 'QUEUED queued', 'RUNNING running', 'COMPLETED completed']);
    expect(takeoverMs).toBeLessThan(LEASE); // released on shutdown: taken at the next round, not at expiry
  });

  it('a replica answers with no upstream call what another saw finish', async () => {
    const [a, b, c] = await startReplicas(3);
    const id = uuid(4);
    polos.script(id, [{ status: 'completed', result: { answer: 42 } }]);
    const query = `query($id: ID!) { execution(id: $id) { status output } }`;
    const expected = { execution: { status: 'COMPLETED', output: { answer: 42 } } };

    expect((await graphql(a!.url, query, { id: `polos:${id}` })).data).toEqual(expected);
    expect(requestsFor(id)).toBe(1);
    expect((await graphql(b!.url, query, { id: `polos:${id}` })).data).toEqual(expected);
    const [stream] = await subscribers([c!], 1, id);
    await stream!.done;
    expect(seen(stream!)).toEqual(['COMPLETED completed']);
    expect(requestsFor(id)).toBe(1);
  });
});

describe('without Redis', () => {
  it('with REDIS_URL on a closed port, queries and subscriptions work, and readiness says degraded', async () => {
    const startedAt = Date.now();
    const [gateway] = await startReplicas(1, 'redis://127.0.0.1:1');
    expect(Date.now() - startedAt).toBeLessThan(1_000);
    expect(gateway!.redis).toBe('degraded');
    const ready = await request(gateway!.url.replace(/\/graphql$/, '/readyz'));
    expect(ready.statusCode).toBe(200);
    expect(await ready.body.json()).toMatchObject({ status: 'ready', redis: 'degraded' });
    const metrics = await (await request(gateway!.url.replace(/\/graphql$/, '/metrics'))).body.text();
    expect(metrics).toContain('redis_coordination_state{state="degraded"} 1');
    expect(metrics).toContain('redis_coordination_state{state="connected"} 0');

    polos.script(uuid(5), RETRY_TIMELINE);
    const streams = await subscribers([gateway!], 3, uuid(5));
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(seen(stream)).toEqual(RETRY_TIMELINE_SEEN);
    expect(requestsFor(uuid(5))).toBe(RETRY_TIMELINE.length);
    const query = await graphql(gateway!.url, `{ execution(id: "polos:${uuid(5)}") { status } }`);
    expect(query.data).toEqual({ execution: { status: 'COMPLETED' } });
    expect(requestsFor(uuid(5))).toBe(RETRY_TIMELINE.length); // the local cache still works
  });

  it('when Redis goes away, each replica polls for itself, logs it once, and they rejoin when it returns', async () => {
    const proxy = await startRedisProxy();
    proxies.push(proxy);
    const logs: { level: number; msg: string }[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logs.push(JSON.parse(chunk.toString()) as { level: number; msg: string });
        done();
      },
    });
    const replicas = await Promise.all(
      [0, 1].map(() =>
        startGatewayForTest(loadConfig(testEnv({ polos: polos.baseUrl }, replicaEnv(proxy.url))), { logger: createLogger('info', sink) }),
      ),
    );
    started.push(...replicas);
    const id = uuid(6);
    polos.script(id, [{ status: 'running' }]);
    const streams = await subscribers(replicas, 10, id);
    await eventually(() => streams.every((stream) => stream.events.length === 1));
    expect(pollingReplicas(replicas)).toHaveLength(1);

    proxy.cut();
    await eventually(() => replicas.every((replica) => replica.redis === 'degraded'));
    await step(id, streams, { status: 'queued', error: 'worker crashed', retry_count: 1 }, 1);
    await eventually(() => streams.every((stream) => stream.events.length === 2));
    expect(pollingReplicas(replicas)).toHaveLength(2);

    proxy.restore();
    await eventually(() => replicas.every((replica) => replica.redis === 'connected'));
    await eventually(() => pollingReplicas(replicas).length === 1, LEASE * 3);
    await step(id, streams, { status: 'running', retry_count: 1 }, 2);
    await step(id, streams, { status: 'completed', retry_count: 1, result: { answer: 42 } }, 3);
    await Promise.all(streams.map((stream) => stream.done));

    for (const stream of streams) expect(seen(stream)).toEqual(['RUNNING running', 'QUEUED queued', 'RUNNING running', 'COMPLETED completed']);
    const said = (text: string) => logs.filter((line) => line.msg.startsWith(text)).length;
    expect(said('Redis unavailable')).toBe(2); // once per replica, however many reconnection attempts
    expect(said('Redis connected')).toBe(4); // at start and on return
  });
});
