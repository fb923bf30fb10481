/**
 * One pipeline, two transports: the same bad inputs get the same answer over HTTP and over
 * WebSocket (graphql-transport-ws), limits named by their variable, and an unexpected error is
 * masked on both with an error id that the operation's log line repeats next to the cause.
 */
import { GraphQLError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { executionResolvers } from '../../src/graphql/resolvers/execution.js';
import { createLogger } from '../../src/logger.js';
import type { Gateway } from '../../src/server/gateway.js';
import type { PipelinePlugin } from '../../src/server/pipeline/index.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { startGatewayForTest, testEnv } from '../support/gateway.js';
import { healthyPolos, openAckedSocket, postGraphQL, type RawSocket } from '../support/server-helpers.js';
import { eventually } from '../support/subscriptions.js';
import { uuid } from '../support/payloads.js';

/** Its statusReason resolver fails the way a bug would: with a message that must not reach clients. */
const BROKEN = `polos:${uuid(666)}`;
const CAUSE = 'statusReason exploded reading /var/lib/gateway/secret.db';

let depthBomb = 'id';
for (let i = 0; i < 15; i++) depthBomb = `${i % 2 ? 'root' : 'parent'} { ${depthBomb} }`;

const BAD_INPUTS: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  'a depth bomb (15 nested lookups)': { query: `{ execution(id: "polos:${uuid(1)}") { ${depthBomb} } }` },
  '1,000 aliases': { query: `{ execution(id: "polos:${uuid(1)}") { ${Array.from({ length: 1_000 }, (_, i) => `a${i}: id`).join(' ')} } }` },
  '1,000 aliased lookups (10,000 tokens)': { query: `{ ${Array.from({ length: 1_000 }, (_, i) => `a${i}: execution(id: "polos:${uuid(1)}") { id }`).join(' ')} }` },
  '150 ids in one call': {
    query: 'query Many($ids: [ID!]!) { executions(ids: $ids) { id } }',
    variables: { ids: Array.from({ length: 150 }, (_, i) => `polos:${uuid(i + 1)}`) },
  },
  'a 6,000-token document': { query: `{ ${'__typename '.repeat(6_000)} }` },
};

/** A pipeline plugin as issue 17's persisted documents will be one: `extensions.documentId` → stored text, or a refusal. */
const STORED: Record<string, string> = { 'doc-1': `query Stored { execution(id: "polos:${uuid(3)}") { id status } }` };
const storedDocuments: PipelinePlugin = {
  name: 'stored-documents',
  resolveDocument: (operation) => {
    const id = (operation.request.extensions as { documentId?: unknown } | undefined)?.documentId;
    if (id === undefined) return undefined;
    return (typeof id === 'string' && STORED[id]) || new GraphQLError(`No stored document ${String(id)}.`, { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } });
  },
};

const logLines: Record<string, any>[] = [];
let polos: FakeUpstream;
let gateway: Gateway;
let socket: RawSocket;

beforeAll(async () => {
  polos = await startFakeUpstream(healthyPolos);
  const config = loadConfig(testEnv({ polos: polos.baseUrl }, { LOG_LEVEL: 'info', POLL_INTERVAL_MS: '20', POLL_MAX_INTERVAL_MS: '40' }));
  gateway = await startGatewayForTest(config, {
    logger: createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) }),
    plugins: [storedDocuments],
    resolvers: {
      Execution: {
        statusReason: (execution, args, context, info) => {
          if (`${execution.provider}:${execution.upstreamId}` === BROKEN) throw new Error(CAUSE);
          return typeof executionResolvers.statusReason === 'function' ? executionResolvers.statusReason(execution, args, context, info) : execution.statusReason;
        },
      },
    },
  });
  socket = await openAckedSocket(gateway.url);
});

afterAll(async () => {
  socket?.socket.close(1000);
  await gateway?.close();
  await polos?.close();
});

let nextId = 0;
/** One operation over the socket: its `error` payload, or its `next` payloads until `complete`. */
async function overWebSocket(operation: { query: string; variables?: Record<string, unknown> }): Promise<{ error?: any[]; next: any[] }> {
  const id = `op${nextId++}`;
  socket.send({ id, type: 'subscribe', payload: operation });
  const end = await socket.next((m) => m.id === id && (m.type === 'error' || m.type === 'complete'));
  const next = socket.messages.filter((m) => m.id === id && m.type === 'next').map((m) => m.payload);
  return end.type === 'error' ? { error: end.payload, next } : { next };
}

const withoutErrorIds = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === 'errorId' ? '<id>' : v)));

describe('the same bad input, the same answer on both transports', () => {
  it.each(Object.keys(BAD_INPUTS))('%s: refused before any upstream call, naming the limit, identically', async (name) => {
    const operation = BAD_INPUTS[name]!;
    const before = polos.count();
    const http = await postGraphQL(gateway.url, operation);
    const ws = await overWebSocket(operation);
    expect(http.status).toBe(400);
    expect(http.json.data).toBeUndefined();
    expect(http.json.errors).toHaveLength(1);
    const [refusal] = http.json.errors;
    expect(refusal.extensions.code).toBe('LIMIT_EXCEEDED');
    expect(refusal.message).toContain(`${refusal.extensions.limit}=${refusal.extensions.max}`);
    expect(ws).toEqual({ error: http.json.errors, next: [] });
    expect(polos.count()).toBe(before);
  });

  it('names the limit each one hits', async () => {
    const limits: Record<string, string> = {};
    for (const [name, operation] of Object.entries(BAD_INPUTS)) limits[name] = (await postGraphQL(gateway.url, operation)).json.errors[0].extensions.limit;
    expect(limits).toEqual({
      'a depth bomb (15 nested lookups)': 'MAX_DEPTH',
      '1,000 aliases': 'MAX_ALIASES',
      '1,000 aliased lookups (10,000 tokens)': 'MAX_TOKENS',
      '150 ids in one call': 'MAX_IDS_PER_CALL',
      'a 6,000-token document': 'MAX_TOKENS',
    });
  });

  it('a refusal is logged and counted as refused, with its code, on both transports', async () => {
    const operation = { query: `query Deep { execution(id: "polos:${uuid(1)}") { ${depthBomb} } }` };
    await postGraphQL(gateway.url, operation);
    await overWebSocket(operation);
    const lines = logLines.filter((line) => line.operationName === 'Deep');
    expect(lines.map((line) => [line.transport, line.outcome, line.errorCodes])).toEqual([
      ['http', 'refused', ['LIMIT_EXCEEDED']],
      ['ws', 'refused', ['LIMIT_EXCEEDED']],
    ]);
    const metrics = await (await fetch(gateway.url.replace(/\/graphql$/, '/metrics'))).text();
    expect(metrics).toContain('graphql_operations_total{operation="Deep",type="query",outcome="refused"} 2');
  });
});

describe('an unexpected error', () => {
  const query = `query Broken { ok: execution(id: "polos:${uuid(2)}") { status } broken: execution(id: "${BROKEN}") { status statusReason } }`;

  it('is masked with an error id on both transports; siblings still resolve', async () => {
    const http = await postGraphQL(gateway.url, { query });
    const ws = await overWebSocket({ query });
    expect(http.status).toBe(200);
    expect(http.json).toEqual({
      data: { ok: { status: 'RUNNING' }, broken: { status: 'RUNNING', statusReason: null } },
      errors: [
        {
          message: 'Internal server error.',
          locations: [{ line: 1, column: query.indexOf('statusReason') + 1 }],
          path: ['broken', 'statusReason'],
          extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: expect.stringMatching(/^[0-9a-f-]{36}$/) },
        },
      ],
    });
    expect(ws.error).toBeUndefined();
    expect(ws.next).toHaveLength(1);
    expect(withoutErrorIds(ws.next[0])).toEqual(withoutErrorIds(http.json));
    expect(JSON.stringify([http.json, ws.next])).not.toContain('secret');
  });

  it('the log line has the cause (message, stack, path) under the id the client got, at level error', async () => {
    const http = await postGraphQL(gateway.url, { query });
    const ws = await overWebSocket({ query });
    for (const [transport, errorId] of [
      ['http', http.json.errors[0].extensions.errorId],
      ['ws', ws.next[0].errors[0].extensions.errorId],
    ]) {
      const line = logLines.find((candidate) => candidate.failures?.some((failure: any) => failure.errorId === errorId));
      expect(line, transport).toMatchObject({ level: 50, msg: 'graphql operation', transport, operationName: 'Broken', outcome: 'error', errorCodes: ['INTERNAL_SERVER_ERROR'] });
      expect(line?.failures).toEqual([{ errorId, message: CAUSE, path: ['broken', 'statusReason'], stack: expect.stringContaining(`Error: ${CAUSE}\n    at `) }]);
    }
  });

  it('in a subscription event: masked, the stream goes on, and one line when the stream ends', async () => {
    const id = 'watch-broken';
    socket.send({ id, type: 'subscribe', payload: { query: `subscription WatchBroken { executionUpdated(id: "${BROKEN}") { status statusReason } }` } });
    const first = await socket.next((m) => m.id === id && m.type === 'next');
    expect(first.payload).toEqual({
      data: { executionUpdated: { status: 'RUNNING', statusReason: null } },
      errors: [expect.objectContaining({ message: 'Internal server error.', path: ['executionUpdated', 'statusReason'], extensions: { code: 'INTERNAL_SERVER_ERROR', errorId: expect.any(String) } })],
    });
    expect(logLines.filter((line) => line.operationName === 'WatchBroken')).toEqual([]); // not before the stream ends
    socket.send({ id, type: 'complete' });
    await eventually(() => logLines.some((line) => line.operationName === 'WatchBroken'));
    const [line] = logLines.filter((candidate) => candidate.operationName === 'WatchBroken');
    expect(line).toMatchObject({ transport: 'ws', operationType: 'subscription', outcome: 'error', events: 1, requestId: expect.any(String) });
    expect(line!.failures[0].errorId).toBe(first.payload.errors[0].extensions.errorId);
    expect(line!.durationMs).toBeGreaterThan(0);
    await eventually(() => gateway.live.activePollers === 0);
  });
});

describe('what an operation is charged for, on both transports', () => {
  // Each operation's upstream calls travel with it (its context's tally), not through ambient state.
  it('a query\'s log line counts the upstream calls it made, and only those', async () => {
    const query = (name: string, n: number) => `query ${name} { a: execution(id: "polos:${uuid(n)}") { id } b: execution(id: "polos:${uuid(n + 1)}") { id } }`;
    const [http, ws] = await Promise.all([postGraphQL(gateway.url, { query: query('ChargedHttp', 40) }), overWebSocket({ query: query('ChargedWs', 50) })]);
    expect(http.json.errors).toBeUndefined();
    expect(ws.next[0].errors).toBeUndefined();
    await eventually(() => logLines.some((line) => line.operationName === 'ChargedWs'));
    const charged = logLines.filter((line) => line.operationName?.startsWith('Charged')).map(({ operationName, transport, upstreamCalls }) => ({ operationName, transport, upstreamCalls }));
    expect(charged.sort((x, y) => x.operationName.localeCompare(y.operationName))).toEqual([
      { operationName: 'ChargedHttp', transport: 'http', upstreamCalls: 2 },
      { operationName: 'ChargedWs', transport: 'ws', upstreamCalls: 2 },
    ]);
  });
});

describe('a pipeline plugin that resolves documents (the extension point for persisted documents)', () => {
  it('serves the stored text on both transports, with no query in the request', async () => {
    const http = await postGraphQL(gateway.url, { extensions: { documentId: 'doc-1' } });
    const ws = await overWebSocket({ query: '', extensions: { documentId: 'doc-1' } } as never);
    expect(http.status).toBe(200);
    expect(http.json).toEqual({ data: { execution: { id: `polos:${uuid(3)}`, status: 'RUNNING' } } });
    expect(ws).toEqual({ next: [http.json] });
    expect(logLines.filter((line) => line.operationName === 'Stored').map((line) => line.transport)).toEqual(['http', 'ws']);
  });

  it('sends its refusal on both transports, and a hash no plugin resolves is PERSISTED_QUERY_NOT_SUPPORTED', async () => {
    const http = await postGraphQL(gateway.url, { extensions: { documentId: 'nope' } });
    const ws = await overWebSocket({ query: '', extensions: { documentId: 'nope' } } as never);
    expect(http.status).toBe(400);
    expect(http.json).toEqual({ errors: [{ message: 'No stored document nope.', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
    expect(ws).toEqual({ error: http.json.errors, next: [] });
    const apq = await postGraphQL(gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } });
    expect(apq.json.errors).toEqual([{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }]);
  });
});
