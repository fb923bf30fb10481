/**
 * Abuse over real sockets: operations built to be expensive (depth, aliases, tokens, cost, id
 * lists), malformed or oversized HTTP bodies and batches, garbage WebSocket frames, and too many
 * subscriptions per socket. Each is refused with its code before any upstream call, the refusal
 * touches only the offending request or socket, and the gateway keeps serving everyone else.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, startTestGateway } from '../support/gateway.js';
import { httpRequest, openAckedSocket, openRawSocket, polosIdOf, postGraphQL, type RawSocket } from '../support/server-helpers.js';
import { eventually, record, wsClient } from '../support/subscriptions.js';
import { polosBody, uuid } from '../support/payloads.js';

/** Ids from 500 up flip between running and waiting on every request: a stream that never goes quiet. */
const FLAPPING_FROM = 500;
const flaps = new Map<string, number>();

let polos: FakeUpstream;

beforeAll(async () => {
  polos = await startFakeUpstream((request) => {
    const id = polosIdOf(request.path);
    const n = Number(id.slice(-12));
    if (n >= FLAPPING_FROM) {
      const served = (flaps.get(id) ?? 0) + 1;
      flaps.set(id, served);
      return { body: polosBody(id, served % 2 === 1 ? 'running' : 'waiting') };
    }
    return { body: polosBody(id, 'running') };
  });
});

afterAll(async () => {
  await polos.close();
});

const ids = (count: number, from = 1) => Array.from({ length: count }, (_, i) => `polos:${uuid(from + i)}`);
const NORMAL = `{ execution(id: "polos:${uuid(1)}") { id status } }`;

/** Nested parent/root 15 deep: a depth bomb. */
let depthBomb = 'id';
for (let i = 0; i < 15; i++) depthBomb = `${i % 2 ? 'root' : 'parent'} { ${depthBomb} }`;
const DEPTH_BOMB = `{ execution(id: "polos:${uuid(1)}") { ${depthBomb} } }`;
/** 100 ids (the per-call maximum), each looked up with four nested lookups: cost 100 × 55 = 5,500 > 5,000. */
const COSTLY_SELECTION = '{ id parent { id root { id parent { id root { id } } } } }';

describe('operation limits (default MAX_* values)', () => {
  let gateway: Gateway;

  beforeAll(async () => {
    gateway = await startTestGateway(
      { polos: polos.baseUrl },
      { MAX_SUBSCRIPTIONS_PER_SOCKET: '3', POLL_INTERVAL_MS: '25', POLL_MAX_INTERVAL_MS: '50', WS_CONNECTION_INIT_TIMEOUT_MS: '2000' },
    );
  });

  afterAll(async () => {
    await gateway.close();
  });

  afterEach(async () => {
    // Every test cleans up its subscriptions; a leaked poller would skew the next one.
    await eventually(() => gateway.live.activePollers === 0);
  });

  /** Runs `act` and returns how many upstream calls it caused. */
  const upstreamCallsDuring = async <T>(act: () => Promise<T>): Promise<[T, number]> => {
    const before = polos.count();
    const result = await act();
    return [result, polos.count() - before];
  };

  it('a depth bomb (parent/root 15 deep) is refused naming the depth limit, with zero upstream calls', async () => {
    const [response, calls] = await upstreamCallsDuring(() => graphql(gateway.url, DEPTH_BOMB));
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.message).toMatch(/depth limit of 10 exceeded, found \d+ \(MAX_DEPTH=10\)/i);
    expect(response.errors![0]!.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_DEPTH', max: 10 });
    expect(calls).toBe(0);
  });

  it('the depth limit also counts through fragments', async () => {
    let selection = 'id';
    for (let i = 0; i < 12; i++) selection = `parent { ${selection} }`;
    const query = `query { execution(id: "polos:${uuid(1)}") { ...F } } fragment F on Execution { ${selection} }`;
    const [response, calls] = await upstreamCallsDuring(() => graphql(gateway.url, query));
    expect(response.status).toBe(400);
    expect(response.errors![0]!.message).toMatch(/depth limit/i);
    expect(calls).toBe(0);
  });

  it('an alias bomb (60 aliases > MAX_ALIASES 50) is refused with zero upstream calls', async () => {
    const aliases = Array.from({ length: 60 }, (_, i) => `a${i}: execution(id: "polos:${uuid(1)}") { id }`).join(' ');
    const [response, calls] = await upstreamCallsDuring(() => graphql(gateway.url, `{ ${aliases} }`));
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors![0]!.message).toMatch(/aliases limit of 50 exceeded, found 60 \(MAX_ALIASES=50\)/i);
    expect(response.errors![0]!.extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_ALIASES', max: 50 });
    expect(calls).toBe(0);
  });

  it('a token bomb (> MAX_TOKENS 5,000) is refused with zero upstream calls', async () => {
    const query = `{ execution(id: "polos:${uuid(1)}") { ${'id '.repeat(6_000)} } }`;
    const [response, calls] = await upstreamCallsDuring(() => graphql(gateway.url, query));
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      { message: 'The document has more than 5000 tokens (MAX_TOKENS=5000).', extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_TOKENS', max: 5000 } },
    ]);
    expect(calls).toBe(0);
  });

  it('a document that spends graphql-js’s validation budget (1,000 repeated fields, under MAX_TOKENS) is told why, on HTTP and WebSocket', async () => {
    const query = `{ ${'__typename '.repeat(1_000)} }`;
    const expected = [
      {
        message: 'Validation aborted: the document repeats fields or fragments more than graphql-js will compare (its fixed validation budget). Send fewer repeated selections.',
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
      },
    ];
    const response = await graphql(gateway.url, query);
    expect(response.status).toBe(400);
    expect(response.errors).toEqual(expected);
    const socket = await openAckedSocket(gateway.url);
    socket.send({ id: 'budget', type: 'subscribe', payload: { query } });
    expect((await socket.next((m) => m.id === 'budget')).payload).toEqual(expected);
    socket.socket.close(1000);
    await socket.closed;
  });

  it('a token bomb is a client error (HTTP 400), not a server error', async () => {
    const response = await graphql(gateway.url, `{ ${'__typename '.repeat(6_000)} }`);
    expect(response.status).toBe(400);
  });

  it('a cost overflow (100 ids × nested parent/root) is refused as MAX_COST with zero upstream calls', async () => {
    const literal = ids(100).map((id) => `"${id}"`).join(', ');
    const [response, calls] = await upstreamCallsDuring(() => graphql(gateway.url, `{ executions(ids: [${literal}]) ${COSTLY_SELECTION} }`));
    expect(response.data).toBeUndefined();
    expect(response.errors).toHaveLength(1);
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_COST', max: 5_000 });
    expect(response.errors![0]!.extensions!.cost).toBeGreaterThan(5_000);
    expect(response.errors![0]!.message).toMatch(/MAX_COST=5000/);
    expect(calls).toBe(0);
  });

  it('a cost overflow is a client error (HTTP 400), not a server error', async () => {
    const query = `query Costly($ids: [ID!]!) { executions(ids: $ids) ${COSTLY_SELECTION} }`;
    const response = await graphql(gateway.url, query, { ids: ids(100) });
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_COST' });
    expect(response.status).toBe(400);
  });

  it('the cost limit sees ids passed in variables', async () => {
    const query = `query Costly($ids: [ID!]!) { executions(ids: $ids) ${COSTLY_SELECTION} }`;
    const [response, calls] = await upstreamCallsDuring(() => graphql(gateway.url, query, { ids: ids(100) }));
    expect(response.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_COST' });
    expect(calls).toBe(0);
    // The same operation with few ids is affordable and runs.
    const [small, smallCalls] = await upstreamCallsDuring(() => graphql(gateway.url, query, { ids: ids(2) }));
    expect(small.errors).toBeUndefined();
    expect(small.data!.executions).toHaveLength(2);
    expect(smallCalls).toBe(2);
    // The cost is remembered per document and variable shape, not per document: 100 ids again are refused.
    const [again, againCalls] = await upstreamCallsDuring(() => graphql(gateway.url, query, { ids: ids(100, 200) }));
    expect(again.errors![0]!.extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_COST' });
    expect(againCalls).toBe(0);
  });

  it('more than MAX_IDS_PER_CALL (101) ids is refused before execution, with zero upstream calls', async () => {
    const [response, calls] = await upstreamCallsDuring(() =>
      graphql(gateway.url, `query($ids: [ID!]!) { executions(ids: $ids) { id } }`, { ids: ids(101) }),
    );
    expect(response.status).toBe(400);
    expect(response.data).toBeUndefined();
    expect(response.errors).toEqual([
      {
        message: 'A call asks for 101 ids, more than one call may take (MAX_IDS_PER_CALL=100).',
        extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_IDS_PER_CALL', max: 100, ids: 101 },
      },
    ]);
    expect(calls).toBe(0);
  });

  it('a 5 MB body is 413, refused as MAX_BODY_BYTES', async () => {
    const body = JSON.stringify({ query: NORMAL, variables: { padding: 'x'.repeat(5 * 1024 * 1024) } });
    const [response, calls] = await upstreamCallsDuring(() =>
      httpRequest(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }),
    );
    expect(response.status).toBe(413);
    expect(response.json).toEqual({
      errors: [{ message: expect.stringMatching(/MAX_BODY_BYTES=1000000/), extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_BODY_BYTES', max: 1_000_000 } }],
    });
    expect(calls).toBe(0);
  });

  it.each([
    ['truncated JSON', '{"query": "{ __typename }"'],
    ['not JSON at all', 'query { __typename }'],
    ['a bare JSON string', '"{ __typename }"'],
  ])('an invalid JSON body (%s) is 400 BAD_REQUEST', async (_label, body) => {
    const response = await httpRequest(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(response.status).toBe(400);
    expect(response.json).toEqual({ errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }] });
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x'])(
    'a %s POST is refused as a potential CSRF (400 BAD_REQUEST) without running the operation',
    async (contentType) => {
      const [response, calls] = await upstreamCallsDuring(() =>
        httpRequest(gateway.url, { method: 'POST', headers: { 'content-type': contentType }, body: JSON.stringify({ query: NORMAL }) }),
      );
      expect(response.status).toBe(400);
      expect(response.json.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(response.json.data).toBeUndefined();
      expect(calls).toBe(0);
    },
  );

  it('a method other than GET and POST is 405 naming the two, without running anything', async () => {
    for (const method of ['PUT', 'DELETE'] as const) {
      const [response, calls] = await upstreamCallsDuring(() => httpRequest(gateway.url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: NORMAL }) }));
      expect(response.status, method).toBe(405);
      expect(response.headers.allow).toBe('GET, POST');
      expect(response.json.errors[0].extensions.code).toBe('BAD_REQUEST');
      expect(calls).toBe(0);
    }
  });

  it('a 1,000-operation batch is 400, refused as MAX_BATCH_OPERATIONS, with zero upstream calls', async () => {
    const batch = Array.from({ length: 1_000 }, (_, i) => ({ query: `{ execution(id: "polos:${uuid(i + 1)}") { id } }` }));
    const [response, calls] = await upstreamCallsDuring(() => postGraphQL(gateway.url, batch));
    expect(response.status).toBe(400);
    expect(response.json).toEqual({
      errors: [
        {
          message: 'A batched request holds 1000 operations, more than one request may (MAX_BATCH_OPERATIONS=10).',
          extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_BATCH_OPERATIONS', max: 10, operations: 1000 },
        },
      ],
    });
    expect(calls).toBe(0);
  });

  it('a batch one over MAX_BATCH_OPERATIONS (11) is refused; exactly 10 is served', async () => {
    const op = (n: number) => ({ query: `{ execution(id: "polos:${uuid(n)}") { id } }` });
    const over = await postGraphQL(gateway.url, Array.from({ length: 11 }, (_, i) => op(i + 1)));
    expect(over.status).toBe(400);
    expect(over.json.errors[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_BATCH_OPERATIONS' });
    const atLimit = await postGraphQL(gateway.url, Array.from({ length: 10 }, (_, i) => op(i + 1)));
    expect(atLimit.status).toBe(200);
    expect(atLimit.json).toHaveLength(10);
  });

  it('a small batch (2 operations) works and each gets its own result', async () => {
    const [response, calls] = await upstreamCallsDuring(() =>
      postGraphQL(gateway.url, [
        { query: `{ execution(id: "polos:${uuid(11)}") { id status } }` },
        { query: `query Two { execution(id: "polos:${uuid(12)}") { id } }`, operationName: 'Two' },
      ]),
    );
    expect(response.status).toBe(200);
    expect(response.json).toEqual([
      { data: { execution: { id: `polos:${uuid(11)}`, status: 'RUNNING' } } },
      { data: { execution: { id: `polos:${uuid(12)}` } } },
    ]);
    expect(calls).toBe(2);
  });

  it('the limits apply to WebSocket subscribe too, with zero upstream calls and no poller', async () => {
    const socket = await openAckedSocket(gateway.url);
    const before = polos.count();
    socket.send({ id: 'deep', type: 'subscribe', payload: { query: `subscription { executionUpdated(id: "polos:${uuid(1)}") { ${depthBomb} } }` } });
    socket.send({
      id: 'costly',
      type: 'subscribe',
      payload: { query: `subscription($ids: [ID!]!) { executionsUpdated(ids: $ids) ${COSTLY_SELECTION} }`, variables: { ids: ids(100) } },
    });
    socket.send({ id: 'tokens', type: 'subscribe', payload: { query: `subscription { ${'__typename '.repeat(6_000)} }` } });
    const deep = await socket.next((m) => m.id === 'deep' && m.type === 'error');
    const costly = await socket.next((m) => m.id === 'costly' && m.type === 'error');
    const tokens = await socket.next((m) => m.id === 'tokens' && m.type === 'error');
    expect(deep.payload[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_DEPTH', max: 10 });
    expect(costly.payload[0].extensions).toMatchObject({ code: 'LIMIT_EXCEEDED', limit: 'MAX_COST', max: 5_000 });
    expect(tokens.payload).toEqual([
      { message: 'The document has more than 5000 tokens (MAX_TOKENS=5000).', extensions: { code: 'LIMIT_EXCEEDED', limit: 'MAX_TOKENS', max: 5000 } },
    ]);
    expect(polos.count()).toBe(before);
    expect(gateway.live.activePollers).toBe(0);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN); // an error per operation, not a close
    socket.socket.close(1000);
    await socket.closed;
  });

  describe('garbage WebSocket frames', () => {
    /** Opens an authorized socket, sends `frame`, and returns how the server closed it. */
    const closeCodeAfter = async (send: (socket: RawSocket) => void): Promise<number> => {
      const socket = await openAckedSocket(gateway.url);
      send(socket);
      const { code } = await socket.closed;
      return code;
    };

    it('close only the offending socket while another client keeps receiving events', async () => {
      const bystander = wsClient(gateway.url);
      const stream = record(bystander, `subscription($id: ID!) { executionUpdated(id: $id) { status } }`, { id: `polos:${uuid(FLAPPING_FROM)}` });
      await eventually(() => stream.events.length >= 2);

      const codes: Record<string, number> = {
        'non-JSON text': await closeCodeAfter((s) => s.send('}{ this is not JSON')),
        'a binary frame': await closeCodeAfter((s) => s.socket.send(Buffer.from([0xde, 0xad, 0xbe, 0xef]), { binary: true })),
        'an unknown message type': await closeCodeAfter((s) => s.send({ type: 'gimme_everything' })),
        'JSON that is not an object': await closeCodeAfter((s) => s.send('42')),
        'a subscribe without an id': await closeCodeAfter((s) => s.send({ type: 'subscribe', payload: { query: '{ __typename }' } })),
        'a subscribe without a query': await closeCodeAfter((s) => s.send({ id: 'x', type: 'subscribe', payload: {} })),
        'a second connection_init': await closeCodeAfter((s) => s.send({ type: 'connection_init' })),
        'a message only servers send': await closeCodeAfter((s) => s.send({ id: 'x', type: 'next', payload: { data: null } })),
      };
      expect(codes).toEqual({
        'non-JSON text': 4400,
        'a binary frame': 4400,
        'an unknown message type': 4400,
        'JSON that is not an object': 4400,
        'a subscribe without an id': 4400,
        'a subscribe without a query': 4400,
        'a second connection_init': 4429,
        'a message only servers send': 4400,
      });

      // Garbage before connection_init is refused as well.
      const early = await openRawSocket(gateway.url);
      early.send('garbage');
      expect((await early.closed).code).toBe(4400);

      // A frame larger than the socket's maxPayload (MAX_TOKENS × 64 bytes) is refused by ws itself.
      expect(await closeCodeAfter((s) => s.send('x'.repeat(5_000 * 64 + 1)))).toBe(1009);

      // The bystander's stream is still alive: new events keep arriving after all of that.
      const seen = stream.events.length;
      await eventually(() => stream.events.length >= seen + 2);
      expect(stream.events.every((event) => event.errors === undefined)).toBe(true);
      stream.unsubscribe();
      await bystander.dispose();
    });

    it('a duplicate subscription id closes that socket with 4409', async () => {
      const socket = await openAckedSocket(gateway.url);
      const subscribe = { id: 'same', type: 'subscribe', payload: { query: `subscription { executionUpdated(id: "polos:${uuid(700)}") { status } }` } };
      socket.send(subscribe);
      await socket.next((m) => m.id === 'same' && m.type === 'next');
      socket.send(subscribe);
      expect((await socket.closed).code).toBe(4409);
    });

    it('a complete sent right behind its subscribe ends it before it starts: nothing is sent for it, its poller goes, the id is free again', async () => {
      const socket = await openAckedSocket(gateway.url);
      const subscribe = (n: number) => ({ id: 'quick', type: 'subscribe', payload: { query: `subscription { executionUpdated(id: "polos:${uuid(n)}") { id status } }` } });
      socket.send(subscribe(710));
      socket.send({ id: 'quick', type: 'complete' });
      socket.send(subscribe(711));
      await socket.next((m) => m.id === 'quick' && m.type === 'next');
      await eventually(() => gateway.live.activePollers === 1);
      socket.send({ id: 'quick', type: 'complete' });
      await eventually(() => gateway.live.activePollers === 0);
      const named = socket.messages.filter((m) => m.id === 'quick').map((m) => m.payload.data.executionUpdated.id);
      expect(named.length).toBeGreaterThan(0);
      expect(named.every((id: string) => id === `polos:${uuid(711)}`)).toBe(true);
      expect(socket.socket.readyState).toBe(socket.socket.OPEN);
    });
  });

  it('more subscriptions than MAX_SUBSCRIPTIONS_PER_SOCKET (3) on one socket: the extra one gets an error', async () => {
    const socket = await openAckedSocket(gateway.url);
    const subscribe = (id: string, n: number) =>
      socket.send({ id, type: 'subscribe', payload: { query: `subscription { executionUpdated(id: "polos:${uuid(n)}") { id status } }` } });
    for (const n of [1, 2, 3]) {
      subscribe(`s${n}`, 600 + n);
      await socket.next((m) => m.id === `s${n}` && m.type === 'next');
    }
    const pollsBefore = polos.count(`/api/v1/executions/${uuid(604)}`);
    subscribe('s4', 604);
    const refused = await socket.next((m) => m.id === 's4');
    expect(refused.type).toBe('error');
    expect(refused.payload[0].extensions).toEqual({ code: 'LIMIT_EXCEEDED', limit: 'MAX_SUBSCRIPTIONS_PER_SOCKET', max: 3 });
    expect(refused.payload[0].message).toMatch(/MAX_SUBSCRIPTIONS_PER_SOCKET=3/);
    expect(polos.count(`/api/v1/executions/${uuid(604)}`)).toBe(pollsBefore);
    expect(gateway.live.activePollers).toBe(3);
    expect(socket.socket.readyState).toBe(socket.socket.OPEN);

    // Completing one frees a slot.
    socket.send({ id: 's1', type: 'complete' });
    await eventually(() => gateway.live.activePollers === 2);
    subscribe('s5', 605);
    const accepted = await socket.next((m) => m.id === 's5');
    expect(accepted.type).toBe('next');
    expect(accepted.payload.data.executionUpdated.id).toBe(`polos:${uuid(605)}`);

    socket.socket.close(1000);
    await socket.closed;
  });

  it('introspection is on by default', async () => {
    const response = await graphql(gateway.url, '{ __schema { queryType { name } } __type(name: "Execution") { name } }');
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __schema: { queryType: { name: 'Query' } }, __type: { name: 'Execution' } });
  });

  it('without CORS_ORIGINS, a cross-origin preflight gets no access-control-allow-origin', async () => {
    const response = await httpRequest(gateway.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('after all of this, a normal query still succeeds', async () => {
    const response = await graphql(gateway.url, NORMAL);
    expect(response.status).toBe(200);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ execution: { id: `polos:${uuid(1)}`, status: 'RUNNING' } });
    const health = await httpRequest(gateway.url.replace(/\/graphql$/, '/healthz'));
    expect(health.status).toBe(200);
  });
});

describe('INTROSPECTION=false, CORS_ORIGINS=https://app.example, GATEWAY_API_KEYS', () => {
  let gateway: Gateway;
  const auth = { authorization: 'Bearer secret-k' };

  beforeAll(async () => {
    gateway = await startTestGateway(
      { polos: polos.baseUrl },
      { INTROSPECTION: 'false', CORS_ORIGINS: 'https://app.example', GATEWAY_API_KEYS: 'secret-k' },
    );
  });

  afterAll(async () => {
    await gateway.close();
  });

  it.each(['{ __schema { types { name } } }', '{ __type(name: "Execution") { fields { name } } }'])(
    'HTTP introspection (%s) is refused',
    async (query) => {
      const response = await graphql(gateway.url, query, undefined, auth);
      expect(response.status).toBe(400);
      expect(response.data).toBeUndefined();
      expect(response.errors![0]!.extensions).toMatchObject({ code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' });
    },
  );

  it('__typename and ordinary queries still work', async () => {
    const response = await graphql(gateway.url, `{ __typename execution(id: "polos:${uuid(1)}") { status } }`, undefined, auth);
    expect(response.status).toBe(200);
    expect(response.data).toEqual({ __typename: 'Query', execution: { status: 'RUNNING' } });
  });

  // graphql-ws also executes queries: the pipeline's introspection switch holds there too.
  it('WebSocket introspection is refused as well', async () => {
    const socket = await openAckedSocket(gateway.url, auth);
    socket.send({ id: 'i', type: 'subscribe', payload: { query: '{ __schema { types { name } } }' } });
    const answer = await socket.next((m) => m.id === 'i' && (m.type === 'next' || m.type === 'error'));
    socket.socket.close(1000);
    await socket.closed;
    expect(answer.type === 'error' || answer.payload.data === undefined || answer.payload.data === null).toBe(true);
    expect(JSON.stringify(answer)).not.toContain('"types"');
  });

  it('a preflight from the allowed origin gets access-control-allow-origin, without a key', async () => {
    const response = await httpRequest(gateway.url, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,authorization',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(response.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(String(response.headers['access-control-allow-headers']).toLowerCase()).toContain('authorization');
  });

  it('a preflight from another origin gets no access-control-allow-origin', async () => {
    for (const origin of ['https://evil.example', 'https://app.example.evil.example', 'http://app.example']) {
      const response = await httpRequest(gateway.url, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      expect(response.headers['access-control-allow-origin'], origin).toBeUndefined();
    }
  });

  it('actual cross-origin responses carry the header only for the allowed origin', async () => {
    const allowed = await postGraphQL(gateway.url, { query: '{ __typename }' }, { ...auth, origin: 'https://app.example' });
    expect(allowed.status).toBe(200);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    const other = await postGraphQL(gateway.url, { query: '{ __typename }' }, { ...auth, origin: 'https://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });
});
