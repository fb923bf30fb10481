/**
 * The Polos event stream as a trigger, end to end: a fake Polos that pushes (real SSE on a real
 * port), the gateway, real graphql-ws clients. Polling is slow in these gateways (seconds) while
 * the tests wait far less, so a change that arrives proves the push; upstream read counts prove
 * that keepalives and a healthy stream cost nothing. Every case checks that each subscriber saw
 * every status, the terminal one, and `complete`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startTestGateway } from '../support/gateway.js';
import { startPushingPolos, type PushingPolos } from '../support/polos-push.js';
import type { PolosState } from '../support/polos-timeline.js';
import { httpRequest, metricSum, originOf, scrapeMetrics } from '../support/server-helpers.js';
import { eventually, record, sleep, wsClient, type RecordedStream } from '../support/subscriptions.js';
import { uuid } from '../support/payloads.js';

const SUBSCRIPTION = `subscription($id: ID!) { executionUpdated(id: $id) { status retryCount } }`;
const statuses = (stream: RecordedStream) => stream.events.map((event) => event.data?.executionUpdated?.status ?? `error ${String(event.errors?.[0]?.extensions?.code)}`);

let polos: PushingPolos;
const gateways: Gateway[] = [];

beforeAll(async () => {
  polos = await startPushingPolos();
});

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((gateway) => gateway.close()));
  polos.refuseWith = null;
  polos.streamRequests.length = 0;
});

afterAll(async () => {
  await polos.close();
});

/** Polling far slower than any wait in these tests, unless a test says otherwise. */
async function gateway(env: Record<string, string> = {}): Promise<Gateway> {
  const started = await startTestGateway({ polos: polos.baseUrl }, { POLL_INTERVAL_MS: '4000', POLL_MAX_INTERVAL_MS: '8000', POLL_SAFETY_INTERVAL_MS: '60000', ...env });
  gateways.push(started);
  return started;
}

/** N subscribers over one client to one execution; resolves once each has its first event. */
async function subscribe(target: Gateway, id: string, count = 1): Promise<{ streams: RecordedStream[]; dispose: () => Promise<void> }> {
  const client = wsClient(target.url);
  const streams = Array.from({ length: count }, () => record(client, SUBSCRIPTION, { id: `polos:${id}` }));
  await eventually(() => streams.every((stream) => stream.events.length > 0));
  return { streams, dispose: async () => client.dispose() };
}

/** A new execution in a first state, `count` subscribers to it, and its tree's stream open. */
async function streamed(target: Gateway, id: string, state: PolosState, count = 1) {
  polos.create(id, state);
  const watch = await subscribe(target, id, count);
  await eventually(() => polos.openStreams(id) === 1);
  return watch;
}

/** Moves the execution on (with an event, unless null) and waits until every stream has `events` events. */
async function step(streams: RecordedStream[], id: string, state: Parameters<PushingPolos['advance']>[1], event: string | null, events: number): Promise<void> {
  polos.advance(id, state, event);
  await eventually(() => streams.every((stream) => stream.events.length === events), 2_000);
}

describe('Polos event stream', () => {
  it('a frame about the execution triggers a read at once; keepalives trigger nothing', async () => {
    const target = await gateway();
    const id = uuid(101);
    const { streams, dispose } = await streamed(target, id, { status: 'queued' }, 3);
    expect(polos.streamRequests).toEqual([{ workflowId: 'wf-0101', rootId: id, lastSequenceId: null }]);

    const readsBefore = polos.reads(id);
    await sleep(300); // six keepalive frames
    expect(polos.reads(id)).toBe(readsBefore);

    await step(streams, id, { status: 'running' }, 'workflow_start', 2);
    polos.advance(id, { status: 'completed', result: 1 }, 'workflow_finish');
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(statuses(stream)).toEqual(['QUEUED', 'RUNNING', 'COMPLETED']);
    expect(polos.reads(id)).toBeLessThanOrEqual(readsBefore + 3); // one read per frame (three subscribers, one poller)

    // The server never closes a completed run's stream: the gateway does, once nobody follows it.
    await eventually(() => polos.openStreams(id) === 0);
    const metrics = await scrapeMetrics(target.url);
    expect(metricSum(metrics, 'live_push_stream_frames_total', { kind: 'keepalive' })).toBeGreaterThan(3);
    expect(metricSum(metrics, 'live_push_triggered_reads_total', { source: 'stream' })).toBeGreaterThanOrEqual(2);
    await dispose();
  });

  it('one stream per tree, opened for its root; a child event re-reads the child; token frames are ignored', async () => {
    const target = await gateway();
    const [root, child] = [uuid(111), uuid(112)];
    polos.create(root, { status: 'waiting' }, { workflowId: 'orchestrator' });
    polos.create(child, { status: 'running' }, { rootId: root, workflowId: 'researcher' });
    const rootWatch = await subscribe(target, root);
    const childWatch = await subscribe(target, child);
    await eventually(() => polos.openStreams(root) === 1);
    await sleep(100);
    expect(polos.streamRequests).toEqual([{ workflowId: 'orchestrator', rootId: root, lastSequenceId: null }]);

    const rootReads = polos.reads(root);
    polos.publish(root, 'text_delta');
    polos.advance(child, { status: 'running', retry_count: 1, error: 'flaky' }, 'step_start');
    await eventually(() => childWatch.streams[0]!.events.length === 2, 2_000);
    expect(polos.reads(root)).toBe(rootReads); // an event naming the child is not about the root

    // The child's end is the root's business too (it resumes): both are read again.
    polos.advance(child, { status: 'completed', retry_count: 1 }, null);
    polos.advance(root, { status: 'running' }, null);
    polos.publish(root, 'workflow_finish', child);
    await childWatch.streams[0]!.done;
    await eventually(() => rootWatch.streams[0]!.events.length === 2, 2_000);
    polos.advance(root, { status: 'completed' }, 'workflow_finish');
    await rootWatch.streams[0]!.done;
    expect(statuses(rootWatch.streams[0]!)).toEqual(['WAITING', 'RUNNING', 'COMPLETED']);
    expect(childWatch.streams[0]!.events.map((event) => event.data!.executionUpdated.retryCount)).toEqual([0, 1, 1]);
    await Promise.all([rootWatch.dispose(), childWatch.dispose()]);
  });

  it('a dropped stream: polled until it is back, then resumed with last_sequence_id', async () => {
    const target = await gateway({ POLL_INTERVAL_MS: '150', POLL_MAX_INTERVAL_MS: '300' });
    const id = uuid(121);
    const { streams, dispose } = await streamed(target, id, { status: 'queued' }, 2);
    await step(streams, id, { status: 'claimed' }, 'step_start', 2);
    await step(streams, id, { status: 'running' }, 'workflow_start', 3);

    polos.drop(id);
    await step(streams, id, { status: 'waiting' }, null, 4); // while the stream is down: found by polling
    await eventually(() => polos.openStreams(id) === 1, 3_000);
    expect(polos.streamRequests.at(-1)).toMatchObject({ rootId: id, lastSequenceId: '2' });

    polos.advance(id, { status: 'completed' }, 'workflow_finish');
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(statuses(stream)).toEqual(['QUEUED', 'QUEUED', 'RUNNING', 'WAITING', 'COMPLETED']);
    const metrics = await scrapeMetrics(target.url);
    expect(metricSum(metrics, 'live_push_stream_failures_total', { reason: 'dropped' })).toBeGreaterThanOrEqual(1);
    await dispose();
  });

  it('a refused stream (500): every status still arrives, by polling', async () => {
    polos.refuseWith = 500;
    const target = await gateway({ POLL_INTERVAL_MS: '60', POLL_MAX_INTERVAL_MS: '120' });
    const id = uuid(131);
    polos.create(id, { status: 'queued' });
    const { streams, dispose } = await subscribe(target, id, 2);
    for (const [state, wait] of [[{ status: 'running' }, 2], [{ status: 'queued', retry_count: 1, error: 'crash' }, 3], [{ status: 'completed', retry_count: 1 }, 4]] as const) {
      polos.advance(id, state);
      await eventually(() => streams.every((stream) => stream.events.length === wait), 2_000);
    }
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(statuses(stream)).toEqual(['QUEUED', 'RUNNING', 'QUEUED', 'COMPLETED']);
    expect(polos.streamRequests.length).toBeGreaterThanOrEqual(2); // retried, with backoff
    const metrics = await scrapeMetrics(target.url);
    expect(metricSum(metrics, 'live_push_stream_failures_total', { reason: 'refused' })).toBeGreaterThanOrEqual(2);
    await dispose();
  });

  it("a failed run's error frame: read at once, then polled; the stream is not reopened", async () => {
    const target = await gateway();
    const id = uuid(141);
    const { streams, dispose } = await streamed(target, id, { status: 'running' });
    polos.advance(id, { status: 'failed', error: 'out of retries' }, null); // failed steps send no event
    polos.fail(id);
    await streams[0]!.done;
    expect(statuses(streams[0]!)).toEqual(['RUNNING', 'FAILED']);
    await sleep(100);
    expect(polos.streamRequests).toHaveLength(1);
    await dispose();
  });

  it('a cancelled run: the server keeps the stream open, the gateway closes it after the terminal event', async () => {
    const target = await gateway();
    const id = uuid(151);
    const { streams, dispose } = await streamed(target, id, { status: 'running' }, 2);
    await step(streams, id, { status: 'pending_cancel' }, 'step_start', 2);
    polos.advance(id, { status: 'cancelled' }, 'workflow_cancel');
    await Promise.all(streams.map((stream) => stream.done));
    for (const stream of streams) expect(statuses(stream)).toEqual(['RUNNING', 'CANCELLING', 'CANCELLED']);
    await eventually(() => polos.openStreams(id) === 0);
    expect(target.live.activePollers).toBe(0);
    await dispose();
  });

  it('POLOS_MAX_STREAMS caps the streams: a tree beyond the cap is polled, and gets a stream when one frees', async () => {
    const target = await gateway({ POLOS_MAX_STREAMS: '1', POLL_INTERVAL_MS: '100', POLL_MAX_INTERVAL_MS: '200' });
    const [first, second] = [uuid(161), uuid(162)];
    polos.create(first, { status: 'running' });
    polos.create(second, { status: 'queued' });
    const one = await subscribe(target, first);
    await eventually(() => polos.openStreams(first) === 1);
    const two = await subscribe(target, second, 2);
    await sleep(200);
    expect(polos.openStreams(second)).toBe(0);
    const ready = await httpRequest(`${originOf(target.url)}/readyz`);
    expect(ready.json.push.polos.streams).toEqual({ open: 1, max: 1, waiting: 1 });

    polos.advance(second, { status: 'running' }); // no stream for it: found by polling
    await eventually(() => two.streams.every((stream) => stream.events.length === 2), 2_000);
    polos.advance(first, { status: 'completed' }, 'workflow_finish');
    await one.streams[0]!.done;
    await eventually(() => polos.openStreams(second) === 1, 2_000); // the freed slot goes to the waiting tree
    polos.advance(second, { status: 'completed' }, 'workflow_finish');
    await Promise.all(two.streams.map((stream) => stream.done));
    for (const stream of two.streams) expect(statuses(stream)).toEqual(['QUEUED', 'RUNNING', 'COMPLETED']);
    await Promise.all([one.dispose(), two.dispose()]);
  });

  it('POLOS_MAX_STREAMS=0: no stream is ever opened, polling as before', async () => {
    const target = await gateway({ POLOS_MAX_STREAMS: '0', POLL_INTERVAL_MS: '60', POLL_MAX_INTERVAL_MS: '120' });
    const id = uuid(171);
    polos.create(id, { status: 'running' });
    const { streams, dispose } = await subscribe(target, id);
    polos.advance(id, { status: 'completed' });
    await streams[0]!.done;
    expect(statuses(streams[0]!)).toEqual(['RUNNING', 'COMPLETED']);
    expect(polos.streamRequests).toHaveLength(0);
    await dispose();
  });
});
