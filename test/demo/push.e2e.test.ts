/**
 * The demo upstreams push as the real ones do: a run started on the demo shows its changes at
 * once although the gateway polls slowly (POLL_INTERVAL_MS 5 s here, safety net 60 s): Polos
 * over its event stream, PromptLayer by calling the gateway back (GATEWAY_PUBLIC_URL is the
 * gateway's own address, as `npm start` sets it for the demo).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startDemoUpstreams, type DemoUpstreams } from '../../src/demo/upstreams.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type Gateway } from '../../src/server/gateway.js';
import { closedPort } from '../support/fake-upstream.js';
import { graphql } from '../support/gateway.js';
import { metricSum, scrapeMetrics } from '../support/server-helpers.js';
import { record, sleep, wsClient } from '../support/subscriptions.js';

/** 10 nominal seconds (a summarize run) in 1 s. */
const SCALE = 0.1;

let demo: DemoUpstreams;
let gateway: Gateway;


beforeAll(async () => {
  demo = await startDemoUpstreams({ timeScale: SCALE });
  const port = await closedPort();
  const env = { ...demo.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', GATEWAY_PUBLIC_URL: `http://127.0.0.1:${port}` };
  gateway = await startGateway(loadConfig({ ...env, POLL_INTERVAL_MS: '5000', POLL_MAX_INTERVAL_MS: '10000', POLL_SAFETY_INTERVAL_MS: '60000' }), { logger: createLogger('silent') });
});

afterAll(async () => {
  await gateway?.close();
  await demo?.close();
});

const START = `mutation($input: StartExecutionInput!) { startExecution(input: $input) { execution { id } } }`;
const WATCH = `subscription($id: ID!) { executionUpdated(id: $id) { status terminal } }`;

it('Polos and PromptLayer demo runs reach the gateway as they change, not at the next poll', async () => {
  const client = wsClient(gateway.url);
  const started = await Promise.all(
    [
      { provider: 'POLOS', workflowId: 'summarize', input: { text: 'push' } },
      { provider: 'PROMPTLAYER', workflowId: 'support-triage', input: { ticket: 'SUP-1', message: 'hi' } },
    ].map(async (input) => (await graphql(gateway.url, START, { input })).data!.startExecution.execution.id as string),
  );
  const began = Date.now();
  const streams = started.map((id) => record(client, WATCH, { id }));
  await Promise.race([Promise.all(streams.map((stream) => stream.done)), sleep(4_000).then(() => Promise.reject(new Error('not pushed: still waiting after 4 s')))]);
  expect(Date.now() - began).toBeLessThan(4_000); // a summarize run takes 1 s here, a support-triage run 2 s; polling would take 5 s or more
  const [polos, promptlayer] = streams.map((stream) => stream.events.map((event) => event.data!.executionUpdated.status));
  expect(polos!.slice(-2)).toEqual(['RUNNING', 'COMPLETED']);
  expect(promptlayer!.at(-1)).toBe('COMPLETED');
  const metrics = await scrapeMetrics(gateway.url);
  expect(metricSum(metrics, 'live_push_stream_frames_total', { provider: 'polos', kind: 'activity' })).toBeGreaterThanOrEqual(2);
  expect(metricSum(metrics, 'live_push_callbacks_total', { provider: 'promptlayer', outcome: 'accepted' })).toBe(1);
  await client.dispose();
});
