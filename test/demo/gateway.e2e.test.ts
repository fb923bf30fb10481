/**
 * What a new user does with `npm start`, end to end: the real gateway over the demo upstreams on
 * the real clock, scaled. Start every advertised workflow, watch each over graphql-ws to its
 * terminal state, cancel Polos runs (the cancel reaches the root), page through the Flowker and
 * Polos lists, replay a Flowker start by its key.
 */
import { createClient, type Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config.js';
import { startDemoUpstreams, type DemoUpstreams } from '../../src/demo/upstreams.js';
import { createLogger } from '../../src/logger.js';
import type { Gateway } from '../../src/server/gateway.js';
import { graphql, startGatewayForTest, type GraphQLResponse } from '../support/gateway.js';
import { record, sleep, type RecordedStream } from '../support/subscriptions.js';

/** 20 nominal seconds in 1 s: long enough that a run outlives start and subscribe, even on a busy machine. */
const SCALE = 0.05;
/** For the cancels, which must land while a run (or its child) still goes: 20 nominal seconds in 4 s. */
const SLOW_SCALE = 0.2;

interface Setup {
  readonly demo: DemoUpstreams;
  readonly gateway: Gateway;
  readonly client: Client;
  close(): Promise<void>;
}

async function setup(timeScale: number): Promise<Setup> {
  const demo = await startDemoUpstreams({ timeScale });
  const config = loadConfig({ ...demo.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', POLL_INTERVAL_MS: '20', POLL_MAX_INTERVAL_MS: '100' });
  const gateway = await startGatewayForTest(config, { logger: createLogger('silent') });
  // Connected up front (not lazily on the first subscribe, as test/support's client is), so that
  // no run is already far along when its stream's first snapshot arrives.
  let client: Client | undefined;
  await new Promise<void>((resolve) => {
    client = createClient({ url: gateway.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: false });
    client.on('connected', () => resolve());
  });
  // And one GraphQL request, so that the first start does not pay the gateway's warm-up.
  await graphql(gateway.url, '{ __typename }');
  const connected = client!;
  return {
    demo,
    gateway,
    client: connected,
    close: async () => {
      await connected.dispose();
      await gateway.close();
      await demo.close();
    },
  };
}

/** `setup` before the enclosing describe's tests, closed after them; its fields are there once they run. */
function setupForSuite(timeScale: number): Setup {
  const on = {} as Setup;
  beforeAll(async () => void Object.assign(on, await setup(timeScale)));
  afterAll(() => on.close?.());
  return on;
}

const START = `mutation($input: StartExecutionInput!) {
  startExecution(input: $input) { idempotencyKey replayed execution { id provider upstreamId status } }
}`;
const CANCEL = `mutation($id: ID!) { cancelExecution(id: $id) { execution { id status upstreamStatus } } }`;
const WATCH = `subscription($id: ID!) {
  executionUpdated(id: $id) {
    id status statusReason terminal upstreamId progress { completed total } output error { message }
    steps { name status } nodes { name status }
  }
}`;
const LIST = `query($provider: Provider!, $first: Int, $after: String) {
  executionsConnection(provider: $provider, first: $first, after: $after) {
    edges { cursor node { id status } } pageInfo { hasNextPage endCursor }
  }
}`;

interface Started {
  readonly idempotencyKey: string | null;
  readonly replayed: boolean;
  readonly execution: { readonly id: string; readonly provider: string; readonly upstreamId: string; readonly status: string };
}

async function start(on: Setup, provider: string, workflowId: string, input: unknown, idempotencyKey?: string): Promise<Started> {
  const response = await graphql(on.gateway.url, START, {
    input: { provider: provider.toUpperCase(), workflowId, input, ...(idempotencyKey ? { idempotencyKey } : {}) },
  });
  expect(response.errors).toBeUndefined();
  return response.data!.startExecution as Started;
}

/** The stream's end, or a clear failure instead of a hang. */
async function finished(stream: RecordedStream, ms = 8_000): Promise<Record<string, any>[]> {
  await Promise.race([stream.done, sleep(ms).then(() => Promise.reject(new Error(`stream did not complete in ${ms} ms`)))]);
  for (const event of stream.events) expect(event.errors).toBeUndefined();
  return stream.events.map((event) => event.data!.executionUpdated);
}

describe('the demo through the gateway', () => {
  const on = setupForSuite(SCALE);

  it('starts every advertised workflow, and each stream runs to COMPLETED and completes', async () => {
    expect(on.demo.workflows.map((workflow) => `${workflow.provider}:${workflow.workflowId}`)).toEqual([
      'flowker:0d000000-0000-4000-8000-0000000000f1',
      'flowker:0d000000-0000-4000-8000-0000000000f2',
      'promptlayer:support-triage',
      'promptlayer:refund-assistant',
      'polos:research_agent',
      'polos:summarize',
    ]);
    const runs: { workflow: DemoUpstreams['workflows'][number]; started: Started; stream: RecordedStream }[] = [];
    for (const workflow of on.demo.workflows) {
      const started = await start(on, workflow.provider, workflow.workflowId, workflow.input);
      expect(started.execution.provider).toBe(workflow.provider.toUpperCase());
      runs.push({ workflow, started, stream: record(on.client, WATCH, { id: started.execution.id }) });
    }
    let progressEvents = 0;
    for (const { workflow, started, stream } of runs) {
      const events = await finished(stream);
      const last = events.at(-1)!;
      expect([workflow.workflowId, last.status, last.terminal]).toEqual([workflow.workflowId, 'COMPLETED', true]);
      expect(events.slice(0, -1).every((event) => !event.terminal)).toBe(true);
      progressEvents += events.length - 1;
      expect(last.id).toBe(started.execution.id);
      if (workflow.provider === 'flowker') {
        expect(started).toMatchObject({ replayed: false, execution: { status: 'RUNNING' } });
        expect(last.steps.every((step: any) => step.status === 'COMPLETED')).toBe(true);
        expect(last.progress).toEqual({ completed: 4, total: 4 });
      }
      if (workflow.provider === 'promptlayer') {
        expect(BigInt(last.upstreamId) > 2n ** 53n).toBe(true);
        expect(last.nodes.every((node: any) => node.status === 'COMPLETED')).toBe(true);
        expect(last.output).toEqual(expect.any(String));
      }
      if (workflow.provider === 'polos') {
        expect(started.execution.status).toBe('QUEUED');
        expect(last.output).not.toBeNull();
        expect(last.error).toBeNull();
      }
    }
    // A run may end before its stream's first snapshot on a slow machine, but not every one of them.
    expect(progressEvents).toBeGreaterThan(runs.length);
  });

  it('pages through the Flowker and Polos demo executions', async () => {
    await start(on, 'flowker', on.demo.workflows[0]!.workflowId, { amount: 10 });
    await start(on, 'polos', 'summarize', { text: 'listed' });
    for (const provider of ['FLOWKER', 'POLOS']) {
      const whole = await graphql(on.gateway.url, LIST, { provider, first: 100 });
      expect(whole.errors).toBeUndefined();
      const everything = whole.data!.executionsConnection.edges.map((edge: any) => edge.node.id);
      expect(whole.data!.executionsConnection.pageInfo.hasNextPage).toBe(false);

      const paged: string[] = [];
      let after: string | null = null;
      for (let pages = 0; pages < 50; pages++) {
        const response: GraphQLResponse = await graphql(on.gateway.url, LIST, { provider, first: 2, after });
        expect(response.errors).toBeUndefined();
        const connection = response.data!.executionsConnection as { edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } };
        paged.push(...connection.edges.map((edge) => edge.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(paged).toEqual(everything);
      expect(new Set(paged).size).toBe(paged.length);
      // The seeded executions are there, and the ones started by these tests.
      const seeded = on.demo.examples.filter((example) => example.id.startsWith(provider.toLowerCase())).map((example) => example.id);
      expect(paged).toEqual(expect.arrayContaining(seeded));
      expect(paged.length).toBeGreaterThan(seeded.length + 1);
    }
  });

  it('replays a Flowker start with the same idempotency key, and refuses the inactive workflow', async () => {
    const workflowId = on.demo.workflows[0]!.workflowId;
    const first = await start(on, 'flowker', workflowId, { amount: 1 }, 'demo-replay-key');
    const again = await start(on, 'flowker', workflowId, { amount: 1 }, 'demo-replay-key');
    expect(first).toMatchObject({ idempotencyKey: 'demo-replay-key', replayed: false });
    expect(again).toMatchObject({ idempotencyKey: 'demo-replay-key', replayed: true, execution: { id: first.execution.id } });

    const inactive = await graphql(on.gateway.url, START, { input: { provider: 'FLOWKER', workflowId: '0d000000-0000-4000-8000-0000000000f3' } });
    expect(inactive.errors?.[0]).toMatchObject({ message: expect.stringContaining('workflow is not active'), extensions: { code: 'BAD_USER_INPUT' } });
  });
});

describe('cancelling Polos runs through the gateway', () => {
  const on = setupForSuite(SLOW_SCALE);

  it('cancels a running run: CANCELLING (or already CANCELLED), and its stream ends CANCELLED', async () => {
    const { execution } = await start(on, 'polos', 'summarize', { text: 'to be cancelled' });
    const stream = record(on.client, WATCH, { id: execution.id });
    // Past 2 nominal seconds a worker holds it, so the cancel stays pending until the worker confirms.
    await sleep(3_000 * SLOW_SCALE);
    const cancelled = await graphql(on.gateway.url, CANCEL, { id: execution.id });
    expect(cancelled.errors).toBeUndefined();
    expect(['CANCELLING', 'CANCELLED']).toContain(cancelled.data!.cancelExecution.execution.status);
    const events = await finished(stream);
    expect(events.at(-1)).toMatchObject({ status: 'CANCELLED', statusReason: 'MANUAL_CANCEL', terminal: true, output: null });
  });

  it('cancels research_agent through its child: the root is cancelled too', async () => {
    const { execution } = await start(on, 'polos', 'research_agent', { topic: 'Cancellation' });
    const root = record(on.client, WATCH, { id: execution.id });
    // The child appears at 5 nominal seconds; a Polos execution's children come from the runs list.
    let child: string | undefined;
    for (const deadline = Date.now() + 6_000; child === undefined && Date.now() < deadline; ) {
      const response = await graphql(on.gateway.url, `{ execution(id: "${execution.id}") { children { id } } }`);
      child = response.data?.execution?.children?.[0]?.id;
      if (child === undefined) await sleep(25);
    }
    expect(child).toMatch(/^polos:/);
    const cancelled = await graphql(on.gateway.url, CANCEL, { id: child });
    expect(cancelled.errors).toBeUndefined();
    expect(['CANCELLING', 'CANCELLED']).toContain(cancelled.data!.cancelExecution.execution.status);
    const events = await finished(root);
    expect(events.at(-1)).toMatchObject({ status: 'CANCELLED', statusReason: 'MANUAL_CANCEL' });
    const childNow = await graphql(on.gateway.url, `{ execution(id: "${child}") { status } }`);
    expect(['CANCELLING', 'CANCELLED']).toContain(childNow.data!.execution.status);
  });
});
