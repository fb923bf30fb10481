/**
 * PromptLayer callbacks end to end: runs started through the gateway with GATEWAY_PUBLIC_URL get
 * a callback URL of their own; a fake PromptLayer (real port) finishes them, and the test POSTs
 * the callback as PromptLayer would. Polling is far slower than the waits, so a change that
 * arrives proves the callback; upstream read counts prove that replays, forgeries and bad bodies
 * change nothing. With Redis, a replica that polls nothing receives the callback.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, startTestGateway } from '../support/gateway.js';
import { promptLayerNodes, promptLayerRunningNodes, promptLayerRunText } from '../support/payloads.js';
import { httpRequest, metricSum, originOf, scrapeMetrics } from '../support/server-helpers.js';
import { eventually, record, sleep, wsClient, type RecordedStream } from '../support/subscriptions.js';
import { REDIS_URL, testKeyPrefix } from './redis-support.js';

const SUBSCRIPTION = `subscription($id: ID!) { executionUpdated(id: $id) { status output } }`;
const START = `mutation($workflow: String!) { startExecution(input: { provider: PROMPTLAYER, workflowId: $workflow }) { execution { id status } } }`;
/** Never reached: the test sends the callbacks itself, to the gateway's real port. */
const PUBLIC_URL = 'https://gateway.example.test';

/** Runs by id: finished or not, and the callback URL their run request carried. */
const runs = new Map<string, { finished: boolean; callbackUrl: string | null }>();
let nextId = 70_001;
let promptlayer: FakeUpstream;
const gateways: Gateway[] = [];

beforeAll(async () => {
  promptlayer = await startFakeUpstream((request) => {
    if (request.method === 'POST') {
      const id = String(nextId++);
      const body = JSON.parse(request.body) as { callback_url?: string };
      runs.set(id, { finished: false, callbackUrl: body.callback_url ?? null });
      return { status: body.callback_url ? 202 : 201, body: promptLayerRunText(id) };
    }
    const run = runs.get(request.query.get('workflow_version_execution_id') ?? '');
    if (!run) return { status: 404, body: { success: false, message: 'not found' } };
    return run.finished ? { status: 200, body: promptLayerNodes() } : { status: 202, body: promptLayerRunningNodes() };
  });
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
});

afterAll(async () => {
  await promptlayer.close();
});

async function gateway(env: Record<string, string> = {}): Promise<Gateway> {
  const started = await startTestGateway(
    { promptlayer: promptlayer.baseUrl },
    { GATEWAY_PUBLIC_URL: PUBLIC_URL, POLL_INTERVAL_MS: '4000', POLL_MAX_INTERVAL_MS: '8000', POLL_SAFETY_INTERVAL_MS: '60000', UPSTREAM_MAX_RESPONSE_BYTES: '4096', ...env },
  );
  gateways.push(started);
  return started;
}

async function start(target: Gateway, headers: Record<string, string> = {}): Promise<{ globalId: string; upstreamId: string; callbackUrl: string | null }> {
  const response = await graphql(target.url, START, { workflow: 'support-triage' }, headers);
  const globalId = response.data!.startExecution.execution.id as string;
  const upstreamId = globalId.slice('promptlayer:'.length);
  return { globalId, upstreamId, callbackUrl: runs.get(upstreamId)!.callbackUrl };
}

/** The callback URL as PromptLayer has it, aimed at the gateway's real port. */
const onGateway = (target: Gateway, callbackUrl: string) => `${originOf(target.url)}${new URL(callbackUrl).pathname}`;

const callback = (url: string, body: unknown = {}, headers: Record<string, string> = {}) =>
  httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const finishedBody = (upstreamId: string) => `{"workflow_version_execution_id":${upstreamId},"final_output":${JSON.stringify(promptLayerNodes({ 'Node 2': { status: 'FAILURE', is_output_node: true, value: null } }))}}`;

const reads = (upstreamId: string) => promptlayer.requests.filter((request) => request.query.get('workflow_version_execution_id') === upstreamId).length;
const statuses = (stream: RecordedStream) => stream.events.map((event) => event.data?.executionUpdated?.status);

async function watch(target: Gateway, globalId: string, count = 1, connectionParams?: Record<string, unknown>) {
  const client = wsClient(target.url, connectionParams);
  const streams = Array.from({ length: count }, () => record(client, SUBSCRIPTION, { id: globalId }));
  await eventually(() => streams.every((stream) => stream.events.length > 0));
  return { streams, dispose: () => client.dispose() };
}

describe('PromptLayer callbacks', () => {
  it('a run started with GATEWAY_PUBLIC_URL gets its own callback URL; the callback delivers the end at once, once', async () => {
    const target = await gateway();
    const run = await start(target);
    expect(run.callbackUrl).toMatch(/^https:\/\/gateway\.example\.test\/callbacks\/promptlayer\/[A-Za-z0-9_-]{43}$/);
    expect((await start(target)).callbackUrl).not.toBe(run.callbackUrl);

    const { streams, dispose } = await watch(target, run.globalId, 3);
    await sleep(100);
    const before = reads(run.upstreamId);
    runs.get(run.upstreamId)!.finished = true;
    const first = await callback(onGateway(target, run.callbackUrl!), finishedBody(run.upstreamId));
    expect(first.status).toBe(202);
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(statuses(stream)).toEqual(['RUNNING', 'COMPLETED']);
    expect(reads(run.upstreamId)).toBe(before + 1); // the callback is a trigger: one read, shared by the three

    const replay = await callback(onGateway(target, run.callbackUrl!), finishedBody(run.upstreamId));
    expect(replay).toMatchObject({ status: 200, json: { status: 'already_applied' } });
    await sleep(100);
    expect(reads(run.upstreamId)).toBe(before + 1);
    const metrics = await scrapeMetrics(target.url);
    expect(metricSum(metrics, 'live_push_callbacks_total', { outcome: 'accepted' })).toBe(1);
    expect(metricSum(metrics, 'live_push_callbacks_total', { outcome: 'replayed' })).toBe(1);
    await dispose();
  });

  it('forged tokens, bad bodies and oversized bodies change nothing; the real callback still applies after them', async () => {
    const target = await gateway({ GATEWAY_API_KEYS: 'k1' });
    const auth = { authorization: 'Bearer k1' };
    const run = await start(target, auth);
    const url = onGateway(target, run.callbackUrl!);
    const before = reads(run.upstreamId);
    const forged = `${originOf(target.url)}/callbacks/promptlayer/${'A'.repeat(43)}`;
    expect((await callback(forged, finishedBody(run.upstreamId))).status).toBe(404);
    expect((await callback(`${originOf(target.url)}/callbacks/promptlayer/short`)).status).toBe(404);
    expect((await callback(`${originOf(target.url)}/callbacks/other/x`)).status).toBe(404);
    expect((await httpRequest(url)).status).toBe(404); // GET: not a route
    expect((await callback(url, 'not json')).json.errors[0].extensions.code).toBe('BAD_REQUEST');
    expect((await callback(url, { workflow_version_execution_id: 1 })).status).toBe(400); // another run's id
    expect((await callback(url, { final_output: 'not a node map' })).status).toBe(400);
    const oversized = await callback(url, { workflow_version_execution_id: Number(run.upstreamId), padding: 'x'.repeat(5_000) });
    expect(oversized).toMatchObject({ status: 413, json: { errors: [{ extensions: { code: 'PAYLOAD_TOO_LARGE' } }] } });
    await sleep(100);
    expect(reads(run.upstreamId)).toBe(before);

    const { streams, dispose } = await watch(target, run.globalId, 2, auth);
    runs.get(run.upstreamId)!.finished = true;
    // No gateway key: the token is the callback's authentication.
    expect((await callback(url, finishedBody(run.upstreamId))).status).toBe(202);
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(statuses(stream)).toEqual(['RUNNING', 'COMPLETED']);
    const metrics = await scrapeMetrics(target.url);
    expect(metricSum(metrics, 'live_push_callbacks_total', { outcome: 'unknown_token' })).toBe(2);
    expect(metricSum(metrics, 'live_push_callbacks_total', { outcome: 'bad_body' })).toBe(3);
    expect(metricSum(metrics, 'live_push_callbacks_total', { outcome: 'too_large' })).toBe(1);
    await dispose();
  });

  it('a callback for a run already seen finished answers 2xx and changes nothing', async () => {
    const target = await gateway({ POLL_INTERVAL_MS: '50' });
    const run = await start(target);
    runs.get(run.upstreamId)!.finished = true;
    const { streams, dispose } = await watch(target, run.globalId);
    await streams[0]!.done; // its first read finds it finished
    const before = reads(run.upstreamId);
    expect((await callback(onGateway(target, run.callbackUrl!), finishedBody(run.upstreamId))).status).toBe(202);
    await sleep(100);
    expect(reads(run.upstreamId)).toBe(before); // served by the terminal cache
    expect(statuses(streams[0]!)).toEqual(['COMPLETED']);
    await dispose();
  });

  it('a lost callback: the run still ends, found by the safety-net poll', async () => {
    const target = await gateway({ POLL_SAFETY_INTERVAL_MS: '200' });
    const run = await start(target);
    const { streams, dispose } = await watch(target, run.globalId);
    runs.get(run.upstreamId)!.finished = true;
    await streams[0]!.done;
    expect(statuses(streams[0]!)).toEqual(['RUNNING', 'COMPLETED']);
    await dispose();
  });

  it('without GATEWAY_PUBLIC_URL nothing changes: no callback URL, no callback route, polling as before', async () => {
    const target = await gateway({ GATEWAY_PUBLIC_URL: '', POLL_INTERVAL_MS: '50', POLL_MAX_INTERVAL_MS: '100' });
    const run = await start(target);
    expect(run.callbackUrl).toBeNull();
    expect((await callback(`${originOf(target.url)}/callbacks/promptlayer/${'A'.repeat(43)}`)).status).toBe(404);
    const { streams, dispose } = await watch(target, run.globalId);
    runs.get(run.upstreamId)!.finished = true;
    await streams[0]!.done;
    expect(statuses(streams[0]!)).toEqual(['RUNNING', 'COMPLETED']);
    const ready = await httpRequest(`${originOf(target.url)}/readyz`);
    expect(ready.json.push).toEqual({ promptlayer: 'polling (no GATEWAY_PUBLIC_URL)' });
    await dispose();
  });

  it('with Redis, a replica that polls nothing receives the callback and every replica\'s subscribers hear it', async () => {
    const redis = { REDIS_URL, REDIS_KEY_PREFIX: testKeyPrefix(), REDIS_LEASE_MS: '300', TERMINAL_CACHE_TTL_MS: '60000' };
    const [a, b, c] = [await gateway(redis), await gateway(redis), await gateway(redis)];
    const run = await start(a);
    const onA = await watch(a, run.globalId, 2);
    await sleep(150);
    const onB = await watch(b, run.globalId, 2);
    expect(a.live.activePollers + b.live.activePollers).toBe(1);
    expect(c.live.activePollers).toBe(0);
    runs.get(run.upstreamId)!.finished = true;
    expect((await callback(onGateway(c, run.callbackUrl!), finishedBody(run.upstreamId))).status).toBe(202);
    await Promise.all([...onA.streams, ...onB.streams].map((stream) => stream.done));
    for (const stream of [...onA.streams, ...onB.streams]) expect(statuses(stream)).toEqual(['RUNNING', 'COMPLETED']);
    // Applied once across replicas: a replay to another replica is recognised.
    expect((await callback(onGateway(b, run.callbackUrl!), finishedBody(run.upstreamId))).status).toBe(200);
    await Promise.all([onA.dispose(), onB.dispose()]);
  });
});
