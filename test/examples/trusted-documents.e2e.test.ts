/**
 * The trusted-documents flow of examples/, end to end: codegen (examples/codegen.ts) wrote
 * examples/src/gql/persisted-documents.json and gave each typed document its id; a locked-down
 * gateway (PERSISTED_DOCUMENTS_ONLY=true, INTROSPECTION=false) loads that manifest; the example
 * client (examples/src/client.ts), sending ids only, gets its typed results over HTTP, graphql-ws
 * and graphql-sse, while the very same documents sent as text are refused on each transport.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execute, subscribe, type Transport } from '../../examples/src/client.js';
import { ExecutionSummaryDocument, FollowExecutionDocument } from '../../examples/src/gql/graphql.js';
import type { Gateway } from '../../src/server/gateway.js';
import { openEventStream } from '../support/event-stream.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startTestGateway } from '../support/gateway.js';
import { openAckedSocket, polosIdOf, postGraphQL } from '../support/server-helpers.js';
import { polosBody, uuid } from '../support/payloads.js';

const MANIFEST = fileURLToPath(new URL('../../examples/src/gql/persisted-documents.json', import.meta.url));
const ID = `polos:${uuid(1)}`;

let polos: FakeUpstream;
let gateway: Gateway;
let polls = 0;

beforeAll(async () => {
  polos = await startFakeUpstream((request) => ({ body: polosBody(polosIdOf(request.path), ++polls % 3 === 0 ? 'completed' : 'running') }));
  gateway = await startTestGateway({ polos: polos.baseUrl }, { PERSISTED_DOCUMENTS: MANIFEST, PERSISTED_DOCUMENTS_ONLY: 'true', INTROSPECTION: 'false', POLL_INTERVAL_MS: '20' });
});

afterAll(async () => {
  await gateway.close();
  await polos.close();
});

describe('the example client, sending ids only', () => {
  it('gets typed query results over HTTP', async () => {
    const { execution } = await execute(gateway.url, ExecutionSummaryDocument, { id: ID });
    expect(execution).toEqual({ id: ID, provider: 'POLOS', status: 'RUNNING', progress: null });
  });

  it.each<Transport>(['ws', 'sse'])('follows a subscription to its terminal event over %s', async (transport) => {
    polls = 0;
    const statuses: string[] = [];
    await subscribe(gateway.url, FollowExecutionDocument, { id: `polos:${uuid(transport === 'ws' ? 2 : 3)}` }, ({ executionUpdated }) => void statuses.push(executionUpdated.status), transport);
    expect(statuses).toEqual(['RUNNING', 'COMPLETED']);
  });
});

describe('the same documents as text', () => {
  const text = ExecutionSummaryDocument.toString();
  const required = { message: expect.stringMatching(/PERSISTED_DOCUMENTS_ONLY/), extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } };

  it('are refused over HTTP', async () => {
    const before = polos.count();
    const response = await postGraphQL(gateway.url, { query: text, variables: { id: ID } });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errors: [required] });
    expect(polos.count()).toBe(before);
  });

  it('are refused over graphql-ws', async () => {
    const socket = await openAckedSocket(gateway.url);
    socket.send({ id: '1', type: 'subscribe', payload: { query: FollowExecutionDocument.toString(), variables: { id: ID } } });
    expect(await socket.next((message) => message.id === '1')).toEqual({ id: '1', type: 'error', payload: [required] });
    socket.socket.close(1000);
    await socket.closed;
  });

  it('are refused over graphql-sse', async () => {
    const events = await openEventStream(`${gateway.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: FollowExecutionDocument.toString(), variables: { id: ID } }),
    });
    await events.ended;
    expect(events.events).toEqual([
      { event: 'next', data: { errors: [required] } },
      { event: 'complete', data: null },
    ]);
  });

  it('introspection too, on this locked-down gateway (INTROSPECTION=false)', async () => {
    const response = await postGraphQL(gateway.url, { query: '{ __schema { queryType { name } } }' });
    expect(response.json.errors[0].extensions.code).toBe('PERSISTED_DOCUMENT_REQUIRED');
  });
});
