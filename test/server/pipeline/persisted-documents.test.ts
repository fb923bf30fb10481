/**
 * Trusted documents end to end: a manifest in graphql-codegen's format on disk, real gateways
 * (PERSISTED_DOCUMENTS_ONLY on and off), and every transport: HTTP (POST, GET, batches), graphql-ws
 * and graphql-sse. Ids are accepted as GraphQL over HTTP's `documentId` (`sha256:<hex>` or bare
 * hex) and as Apollo's `extensions.persistedQuery`; anything else is refused with a code, before
 * any upstream call. A bad manifest stops start-up with one message naming PERSISTED_DOCUMENTS.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config.js';
import { createLogger } from '../../../src/logger.js';
import { startGateway, type Gateway } from '../../../src/server/gateway.js';
import { openEventStream } from '../../support/event-stream.js';
import { startFakeUpstream, type FakeUpstream } from '../../support/fake-upstream.js';
import { startTestGateway, testEnv } from '../../support/gateway.js';
import { healthyPolos, httpRequest, openAckedSocket, postGraphQL } from '../../support/server-helpers.js';
import { record, wsClient } from '../../support/subscriptions.js';
import { uuid } from '../../support/payloads.js';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const QUERY = 'query Status($id: ID!) { execution(id: $id) { id status } }';
const WATCH = 'subscription Watch($id: ID!) { executionUpdated(id: $id) { status terminal } }';
const QUERY_ID = `sha256:${sha256(QUERY)}`;
const WATCH_ID = `sha256:${sha256(WATCH)}`;
const ID = `polos:${uuid(1)}`;
const DONE = `polos:${uuid(2)}`;
const UNKNOWN_ID = `sha256:${'0'.repeat(64)}`;
const INTROSPECTION = '{ __schema { queryType { name } } }';

let directory: string;
let manifest: string;
let polos: FakeUpstream;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'persisted-documents-'));
  manifest = join(directory, 'persisted-documents.json');
  // graphql-codegen's shape: `sha256:`-prefixed ids, pretty-printed.
  await writeFile(manifest, JSON.stringify({ [QUERY_ID]: QUERY, [WATCH_ID]: WATCH }, null, 2));
  polos = await startFakeUpstream((request) =>
    request.path.endsWith(uuid(2)) ? { body: { ...(healthyPolos(request) as { body: object }).body, status: 'completed' } } : healthyPolos(request),
  );
});

afterAll(async () => {
  await polos.close();
});

const codesOf = (body: { errors?: { extensions?: { code?: unknown } }[] }) => body.errors?.map((error) => error.extensions?.code);

describe('PERSISTED_DOCUMENTS_ONLY=true', () => {
  let gateway: Gateway;
  const logLines: Record<string, any>[] = [];
  beforeAll(async () => {
    const config = loadConfig(testEnv({ polos: polos.baseUrl }, { PERSISTED_DOCUMENTS: manifest, PERSISTED_DOCUMENTS_ONLY: 'true', LOG_LEVEL: 'info', POLL_INTERVAL_MS: '20' }));
    gateway = await startGateway(config, { logger: createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) }) });
  });
  afterAll(async () => {
    await gateway.close();
  });

  describe('HTTP', () => {
    it('runs a document named by documentId, with or without the sha256: prefix', async () => {
      for (const documentId of [QUERY_ID, sha256(QUERY), QUERY_ID.toUpperCase().replace('SHA256:', 'sha256:')]) {
        const response = await postGraphQL(gateway.url, { documentId, variables: { id: ID } });
        expect(response.status, documentId).toBe(200);
        expect(response.json).toEqual({ data: { execution: { id: ID, status: 'RUNNING' } } });
      }
    });

    it("runs a document named by Apollo's persistedQuery extension (version 1)", async () => {
      const response = await postGraphQL(gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(QUERY) } }, variables: { id: ID } });
      expect(response.status).toBe(200);
      expect(response.json.data.execution.status).toBe('RUNNING');
    });

    it('runs one over GET (?documentId=) and in a batch', async () => {
      const search = new URLSearchParams({ documentId: QUERY_ID, variables: JSON.stringify({ id: ID }) });
      const get = await httpRequest(`${gateway.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect(get.status).toBe(200);
      expect(get.json.data.execution.id).toBe(ID);
      const batch = await postGraphQL(gateway.url, [
        { documentId: QUERY_ID, variables: { id: ID } },
        { query: QUERY, variables: { id: ID } },
      ]);
      expect(batch.json.map((part: any) => part.data?.execution?.status ?? codesOf(part))).toEqual(['RUNNING', ['PERSISTED_DOCUMENT_REQUIRED']]);
    });

    it('refuses document text (PERSISTED_DOCUMENT_REQUIRED) before any upstream call, and logs the refusal', async () => {
      const before = polos.count();
      const response = await postGraphQL(gateway.url, { query: QUERY, variables: { id: ID }, operationName: 'Status' }, { 'x-request-id': 'text-refused' });
      expect(response.status).toBe(400);
      expect(response.json).toEqual({
        errors: [{ message: expect.stringMatching(/trusted documents only \(PERSISTED_DOCUMENTS_ONLY\).*documentId/), extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } }],
      });
      expect(polos.count()).toBe(before);
      expect(logLines.find((line) => line.requestId === 'text-refused')).toMatchObject({ outcome: 'refused', errorCodes: ['PERSISTED_DOCUMENT_REQUIRED'], operationName: 'Status' });
    });

    it('refuses an id not in the manifest, or not a sha256 id (PERSISTED_DOCUMENT_NOT_FOUND)', async () => {
      const unknown = await postGraphQL(gateway.url, { documentId: UNKNOWN_ID });
      expect(unknown.status).toBe(400);
      expect(unknown.json.errors).toEqual([{ message: `No trusted document has the id "${UNKNOWN_ID}".`, extensions: { code: 'PERSISTED_DOCUMENT_NOT_FOUND' } }]);
      const malformed = await postGraphQL(gateway.url, { extensions: { persistedQuery: { version: 1, sha256Hash: 'abc' } } });
      expect(malformed.json.errors).toEqual([{ message: expect.stringMatching(/sha256:<64 hex digits>/), extensions: { code: 'PERSISTED_DOCUMENT_NOT_FOUND' } }]);
      const version = await postGraphQL(gateway.url, { extensions: { persistedQuery: { version: 2, sha256Hash: sha256(QUERY) } } });
      expect(codesOf(version.json)).toEqual(['BAD_REQUEST']);
    });

    it('lets introspection text through while INTROSPECTION is on, but not text that also selects data', async () => {
      const introspection = await postGraphQL(gateway.url, { query: INTROSPECTION });
      expect(introspection.json).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
      const mixed = await postGraphQL(gateway.url, { query: `{ __typename execution(id: "${ID}") { id } }` });
      expect(codesOf(mixed.json)).toEqual(['PERSISTED_DOCUMENT_REQUIRED']);
    });
  });

  describe('WebSocket', () => {
    it('subscribes by documentId (graphql-ws needs a `query` string: an empty one) or by persistedQuery', async () => {
      const client = wsClient(gateway.url);
      const byId = record({ subscribe: (payload, sink) => client.subscribe({ ...payload, query: '', documentId: WATCH_ID } as never, sink) }, '', { id: DONE });
      const byExtension = record(
        { subscribe: (payload, sink) => client.subscribe({ ...payload, query: '', extensions: { persistedQuery: { version: 1, sha256Hash: sha256(WATCH) } } }, sink) },
        '',
        { id: DONE },
      );
      await Promise.all([byId.done, byExtension.done]);
      await client.dispose();
      expect(byId.events).toEqual([{ data: { executionUpdated: { status: 'COMPLETED', terminal: true } } }]);
      expect(byExtension.events).toEqual(byId.events);
    });

    it('refuses document text in the subscribe message', async () => {
      const socket = await openAckedSocket(gateway.url);
      socket.send({ id: 'text', type: 'subscribe', payload: { query: WATCH, variables: { id: ID } } });
      const refused = await socket.next((message) => message.id === 'text');
      expect(refused).toEqual({ id: 'text', type: 'error', payload: [expect.objectContaining({ extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } })] });
      socket.socket.close(1000);
      await socket.closed;
    });
  });

  describe('SSE', () => {
    const stream = () => `${gateway.url}/stream`;
    it('streams a document named by documentId, in a POST body or GET search', async () => {
      const posted = await openEventStream(stream(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ documentId: WATCH_ID, variables: { id: DONE } }) });
      const search = new URLSearchParams({ documentId: WATCH_ID, variables: JSON.stringify({ id: DONE }) });
      const got = await openEventStream(`${stream()}?${search}`);
      await Promise.all([posted.ended, got.ended]);
      for (const events of [posted, got]) {
        expect(events.events).toEqual([
          { event: 'next', data: { data: { executionUpdated: { status: 'COMPLETED', terminal: true } } } },
          { event: 'complete', data: null },
        ]);
      }
    });

    it('refuses document text: the stream carries the refusal, then completes', async () => {
      const events = await openEventStream(stream(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: WATCH, variables: { id: ID } }) });
      await events.ended;
      expect(events.events.map((event) => event.event)).toEqual(['next', 'complete']);
      expect(codesOf(events.events[0]!.data)).toEqual(['PERSISTED_DOCUMENT_REQUIRED']);
    });
  });
});

describe('PERSISTED_DOCUMENTS without _ONLY', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startTestGateway({ polos: polos.baseUrl }, { PERSISTED_DOCUMENTS: manifest });
  });
  afterAll(async () => {
    await gateway.close();
  });

  it('runs ids from the manifest and any document text', async () => {
    expect((await postGraphQL(gateway.url, { documentId: QUERY_ID, variables: { id: ID } })).json.data.execution.status).toBe('RUNNING');
    expect((await postGraphQL(gateway.url, { query: QUERY, variables: { id: ID } })).json.data.execution.status).toBe('RUNNING');
  });

  it('an unknown id runs the text sent along with it, and is NOT_FOUND without one', async () => {
    expect((await postGraphQL(gateway.url, { documentId: UNKNOWN_ID, query: '{ __typename }' })).json).toEqual({ data: { __typename: 'Query' } });
    expect(codesOf((await postGraphQL(gateway.url, { documentId: UNKNOWN_ID })).json)).toEqual(['PERSISTED_DOCUMENT_NOT_FOUND']);
  });
});

describe('PERSISTED_DOCUMENTS_ONLY=true with INTROSPECTION=false', () => {
  it('refuses introspection text too: nothing but the manifest runs', async () => {
    const gateway = await startTestGateway({ polos: polos.baseUrl }, { PERSISTED_DOCUMENTS: manifest, PERSISTED_DOCUMENTS_ONLY: 'true', INTROSPECTION: 'false' });
    try {
      expect(codesOf((await postGraphQL(gateway.url, { query: INTROSPECTION })).json)).toEqual(['PERSISTED_DOCUMENT_REQUIRED']);
      expect((await postGraphQL(gateway.url, { documentId: QUERY_ID, variables: { id: ID } })).status).toBe(200);
    } finally {
      await gateway.close();
    }
  });
});

describe('a bad manifest', () => {
  const startWith = async (content: string | null) => {
    const path = join(directory, `manifest-${Math.random().toString(36).slice(2)}.json`);
    if (content !== null) await writeFile(path, content);
    return startTestGateway({ polos: polos.baseUrl }, { PERSISTED_DOCUMENTS: path, PERSISTED_DOCUMENTS_ONLY: 'true' });
  };

  it.each([
    ['a missing file', null, /PERSISTED_DOCUMENTS cannot be read \(ENOENT: /],
    ['not JSON', '{ "sha256:', /PERSISTED_DOCUMENTS is not JSON/],
    ['an array', '["{ __typename }"]', /PERSISTED_DOCUMENTS must be a JSON object/],
    ['a key that is not a sha256 id', JSON.stringify({ [sha256(QUERY).slice(0, 40)]: QUERY }), /PERSISTED_DOCUMENTS has a key that is not a sha256 document id/],
    ['a value that is not a string', JSON.stringify({ [QUERY_ID]: { query: QUERY } }), /PERSISTED_DOCUMENTS maps "sha256:[0-9a-f]+" to a object, not a document string/],
    ['a document that does not hash to its id', JSON.stringify({ [QUERY_ID]: `${QUERY} ` }), /PERSISTED_DOCUMENTS maps "sha256:[0-9a-f]+" to a document whose sha256 is [0-9a-f]{64}: the manifest does not match/],
  ])('%s stops start-up with one ConfigError naming PERSISTED_DOCUMENTS', async (_case, content, message) => {
    const failure = await startWith(content).then(
      () => null,
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toMatch(/^Invalid configuration: PERSISTED_DOCUMENTS /);
    expect((failure as Error).message).toMatch(message);
  });

  it('PERSISTED_DOCUMENTS_ONLY without PERSISTED_DOCUMENTS is a configuration error', () => {
    expect(() => loadConfig(testEnv({}, { PERSISTED_DOCUMENTS_ONLY: 'true' }))).toThrow(/PERSISTED_DOCUMENTS_ONLY needs PERSISTED_DOCUMENTS/);
  });

  it('npm start prints that one line, nothing else, and exits 1', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, ...testEnv({ polos: polos.baseUrl }), PERSISTED_DOCUMENTS: join(directory, 'nowhere.json') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([expect.stringMatching(/^Invalid configuration: PERSISTED_DOCUMENTS cannot be read \(ENOENT: .*nowhere\.json\)\.$/)]);
    expect(stdout).toBe(''); // read before anything starts, or logs
  });
});
