/** UpstreamHttpClient against real HTTP servers on port 0 (the suite's fake upstream). */
import { afterEach, describe, expect, it } from 'vitest';
import { GatewayError, type GatewayErrorCode } from '../../src/domain/errors.js';
import { UpstreamHttpClient, parseRetryAfter, type HttpClientOptions, type HttpTuning } from '../../src/upstreams/http/client.js';
import { RetryBudget } from '../../src/upstreams/http/retry-budget.js';
import { gatewayExtensions } from '../../src/server/pipeline/mask.js';
import { closedPort, startFakeUpstream, type FakeHandler, type FakeResponse, type FakeUpstream } from '../support/fake-upstream.js';

// ---------------------------------------------------------------------------------------------
// Upstreams: the suite's fake upstream (test/support/fake-upstream.ts), closed after each test

const servers: FakeUpstream[] = [];
const clients: UpstreamHttpClient[] = [];

async function startServer(handler: FakeHandler): Promise<FakeUpstream & { readonly origin: string }> {
  const server = await startFakeUpstream(handler);
  servers.push(server);
  return Object.assign(server, { origin: server.baseUrl });
}

/** A JSON answer (`{}` unless told), or text sent as is. */
const answer = (status: number, body: unknown = {}, headers: Record<string, string> = {}): FakeResponse => ({ status, body, headers });

// ---------------------------------------------------------------------------------------------
// Clients

const SECRET = 'flk_live_SUPER-secret-api-key-0123456789';

const TUNING: HttpTuning = {
  connectTimeoutMs: 500,
  attemptTimeoutMs: 1_000,
  deadlineMs: 3_000,
  maxResponseBytes: 64 * 1024,
  maxConnections: 4,
  maxQueued: 16,
  maxAttempts: 3,
  backoffBaseMs: 1,
  backoffMaxMs: 5,
  maxRetryAfterMs: 100,
  breakerThreshold: 100,
  breakerHalfOpenAfterMs: 60_000,
};

function client(baseUrl: string, overrides: Partial<HttpClientOptions> = {}): UpstreamHttpClient {
  const created = new UpstreamHttpClient({ ...TUNING, provider: 'flowker', baseUrl, headers: { 'x-api-key': SECRET }, ...overrides });
  clients.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await Promise.all(clients.splice(0).map((each) => each.close()));
});

const GET = { path: '/v1/executions/abc', endpoint: 'execution' } as const;

/** Awaits a rejection, checks its code and that no form of it leaks the API key. */
async function rejection(promise: Promise<unknown>, code: GatewayErrorCode): Promise<GatewayError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected a rejection').toBeInstanceOf(GatewayError);
  const error = caught as GatewayError;
  expect(error.code).toBe(code);
  expect(error.provider).toBe('flowker');
  expectNoSecret(error);
  return error;
}

function expectNoSecret(error: GatewayError): void {
  const cause = error.cause as { message?: unknown; stack?: unknown } | undefined;
  const forms = [error.message, String(error), error.stack ?? '', JSON.stringify(error), JSON.stringify(gatewayExtensions(error)), String(cause?.message ?? ''), String(cause?.stack ?? '')];
  for (const form of forms) {
    expect(form).not.toContain(SECRET);
    expect(form).not.toContain('SUPER-secret');
  }
}

// ---------------------------------------------------------------------------------------------

describe('UpstreamHttpClient: success and retries', () => {
  it('sends the configured headers and returns status, headers and body', async () => {
    const server = await startServer(() => answer(200, { ok: true }, { 'x-extra': 'yes' }));
    const response = await client(server.origin).request(GET);
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toEqual({ ok: true });
    expect(response.headers['x-extra']).toBe('yes');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/v1/executions/abc' });
    expect(server.requests[0]?.headers['x-api-key']).toBe(SECRET);
    expect(server.requests[0]?.headers.accept).toBe('application/json');
  });

  it('retries a 503 and then succeeds (2 requests)', async () => {
    const outcomes: string[] = [];
    const server = await startServer(({ index }) => (index === 0 ? answer(503, { error: 'down' }) : answer(200, { ok: 1 })));
    const response = await client(server.origin, { observer: { onAttempt: (event) => outcomes.push(`${event.endpoint}:${event.outcome}`) } }).request(GET);
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
    expect(outcomes).toEqual(['execution:503', 'execution:200']);
  });

  it('retries a 429 with Retry-After: 0, then succeeds', async () => {
    const server = await startServer(({ index }) => (index === 0 ? answer(429, { message: 'slow down' }, { 'retry-after': '0' }) : answer(200)));
    const response = await client(server.origin).request(GET);
    expect(response.status).toBe(200);
    expect(server.requests).toHaveLength(2);
  });

  it('a 429 that persists → UPSTREAM_RATE_LIMITED after maxAttempts, with the Retry-After it asked for', async () => {
    const server = await startServer(() => answer(429, {}, { 'retry-after': '0' }));
    const error = await rejection(client(server.origin, { maxAttempts: 2 }).request(GET), 'UPSTREAM_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(0);
    expect(server.requests).toHaveLength(2);
  });

  it('a Retry-After within maxRetryAfterMs is waited for', async () => {
    const server = await startServer(({ index }) => (index === 0 ? answer(429, {}, { 'retry-after': '0.1' }) : answer(200)));
    const started = Date.now();
    await expect(client(server.origin, { maxRetryAfterMs: 1_000 }).request(GET)).resolves.toMatchObject({ status: 200 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    expect(server.requests).toHaveLength(2);
  });

  /**
   * Regression (src/upstreams/http/client.ts, retryDelay): a Retry-After longer than
   * maxRetryAfterMs was clamped and the request retried long before the upstream said it would
   * accept one. When the upstream asks for more than the client is willing to wait, it gives up
   * at once with UPSTREAM_RATE_LIMITED (retryAfterMs tells pollers when to come back).
   */
  it('a Retry-After beyond maxRetryAfterMs is not cut short by an early retry', async () => {
    const server = await startServer(({ index }) => (index === 0 ? answer(429, {}, { 'retry-after': '3600' }) : answer(200)));
    const error = await rejection(client(server.origin, { maxRetryAfterMs: 100 }).request(GET), 'UPSTREAM_RATE_LIMITED');
    expect(error.retryAfterMs).toBe(3_600_000);
    expect(server.requests).toHaveLength(1);
  });

  it('a 5xx that persists → UPSTREAM_UNAVAILABLE after exactly maxAttempts requests', async () => {
    const server = await startServer(() => answer(502, 'bad gateway'));
    await rejection(client(server.origin, { maxAttempts: 3 }).request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(3);
  });

  it('POST is not retried unless marked idempotent', async () => {
    const server = await startServer(() => answer(503));
    await rejection(client(server.origin).request({ method: 'POST', path: '/run', body: { a: 1 }, endpoint: 'run' }), 'UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]?.body ?? '')).toEqual({ a: 1 });

    await rejection(client(server.origin).request({ method: 'POST', path: '/run', body: {}, endpoint: 'run', idempotent: true }), 'UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(1 + TUNING.maxAttempts);
  });

  it.each([400, 404, 409, 422, 204, 202])('returns a %d as it is, without retrying', async (status) => {
    const server = await startServer(() => answer(status, status === 204 ? '' : { code: 'X' }));
    const response = await client(server.origin).request(GET);
    expect(response.status).toBe(status);
    expect(server.requests).toHaveLength(1);
  });

  it.each([401, 403])('%d → UPSTREAM_UNAUTHORIZED without retry (1 request)', async (status) => {
    const server = await startServer(() => answer(status, { code: 'UNAUTHORIZED', message: `bad key ${SECRET}` }));
    const error = await rejection(client(server.origin).request(GET), 'UPSTREAM_UNAUTHORIZED');
    expect(error.message).toContain(String(status));
    expect(server.requests).toHaveLength(1);
  });

  it('the retry budget caps retries when every request fails', async () => {
    const server = await startServer(() => answer(503));
    const http = client(server.origin, { maxAttempts: 3 });
    for (let i = 0; i < 10; i++) await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    // 10 first attempts, the 10 reserve tokens, and 0.2 token earned per request (≈ 2 more).
    expect(server.requests.length).toBeGreaterThanOrEqual(20);
    expect(server.requests.length).toBeLessThanOrEqual(22);
    expect(server.requests.length).toBeLessThan(30);
  });
});

describe('UpstreamHttpClient: failures', () => {
  it('a hanging server → UPSTREAM_TIMEOUT after about attemptTimeout', async () => {
    const server = await startServer(() => ({ hang: true }));
    const started = Date.now();
    await rejection(client(server.origin, { attemptTimeoutMs: 200, maxAttempts: 1 }).request(GET), 'UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.requests).toHaveLength(1);
  });

  it('a hanging server with retries still ends by the deadline, as UPSTREAM_TIMEOUT', async () => {
    const server = await startServer(() => ({ hang: true }));
    const started = Date.now();
    await rejection(client(server.origin, { attemptTimeoutMs: 200, deadlineMs: 700, maxAttempts: 5 }).request(GET), 'UPSTREAM_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
    expect(server.requests.length).toBeLessThanOrEqual(5);
  });

  it('headers then a body that never ends → UPSTREAM_TIMEOUT', async () => {
    const server = await startServer(() => ({
      stream: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"partial":');
      },
    }));
    await rejection(client(server.origin, { attemptTimeoutMs: 200, maxAttempts: 1 }).request(GET), 'UPSTREAM_TIMEOUT');
  });

  it('a body larger than maxResponseBytes → UPSTREAM_BAD_RESPONSE, not retried', async () => {
    const server = await startServer(() => answer(200, { blob: 'x'.repeat(10_000) }));
    const error = await rejection(client(server.origin, { maxResponseBytes: 1_000 }).request(GET), 'UPSTREAM_BAD_RESPONSE');
    expect(error.message).toContain('1000');
    expect(server.requests).toHaveLength(1);
  });

  it('a streamed (chunked) body over the cap → UPSTREAM_BAD_RESPONSE', async () => {
    const server = await startServer(() => ({
      stream: (res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        const chunk = 'y'.repeat(512);
        for (let i = 0; i < 20; i++) res.write(chunk);
        res.end();
      },
    }));
    await rejection(client(server.origin, { maxResponseBytes: 2_000 }).request(GET), 'UPSTREAM_BAD_RESPONSE');
  });

  it('a body exactly at the cap is accepted', async () => {
    const server = await startServer(() => answer(200, 'z'.repeat(1_000)));
    const response = await client(server.origin, { maxResponseBytes: 1_000 }).request(GET);
    expect(response.body).toHaveLength(1_000);
  });

  it('connection refused (a closed port) → UPSTREAM_UNAVAILABLE', async () => {
    const port = await closedPort();
    const error = await rejection(client(`http://127.0.0.1:${port}`, { maxAttempts: 2 }).request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/could not be reached/);
  });

  it('a connection reset without a response → UPSTREAM_UNAVAILABLE', async () => {
    const server = await startServer(() => ({ reset: true }));
    await rejection(client(server.origin, { maxAttempts: 2 }).request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(2);
  });

  it('a full bulkhead rejects at once with UPSTREAM_UNAVAILABLE, naming the limits that were full', async () => {
    const server = await startServer(() => ({ ...answer(200), delayMs: 150 }));
    const http = client(server.origin, { maxConnections: 1, maxQueued: 0 });
    const first = http.request(GET);
    const shed = await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(shed.message).toContain('1 in flight (UPSTREAM_MAX_CONNECTIONS) and 0 queued (UPSTREAM_MAX_QUEUED)');
    await expect(first).resolves.toMatchObject({ status: 200 });
  });
});

describe('UpstreamHttpClient: the deadline bounds time queued in the bulkhead', () => {
  it('one connection, a hung upstream, a 400 ms deadline: the queued caller is answered by then, without an attempt', async () => {
    const server = await startServer(() => ({ hang: true })); // accepts requests, never answers
    const attempts: string[] = [];
    const breaker: string[] = [];
    const http = client(server.origin, {
      maxConnections: 1,
      deadlineMs: 400,
      attemptTimeoutMs: 5_000, // longer than the deadline: the deadline is what must bound the wait
      maxAttempts: 1,
      breakerThreshold: 2,
      observer: { onAttempt: (event) => attempts.push(event.outcome), onBreakerStateChange: (_provider, state) => breaker.push(state) },
    });
    const started = Date.now();
    const first = rejection(http.request(GET), 'UPSTREAM_TIMEOUT');
    const queued = rejection(http.request(GET), 'UPSTREAM_TIMEOUT');
    const queuedError = await queued;
    const queuedAfter = Date.now() - started;
    await first;

    expect(queuedAfter).toBeLessThan(1_500); // generous: the deadline is 400 ms, the attempt timeout 5 s
    expect(queuedError.message).toContain('UPSTREAM_DEADLINE_MS (400 ms)');
    expect(queuedError.notSent).toBe(true);
    // Only the first caller reached the upstream; the queued one was answered without an attempt,
    // so its timeout did not count against the breaker (threshold 2: one failure leaves it closed).
    expect(server.requests).toHaveLength(1);
    expect(attempts).toEqual(['timeout']);
    expect(breaker).toEqual([]);
    expect(http.circuitState).toBe('closed');
  });

  it('the entry of a caller that gave up passes the freed slot on to the next one in the queue', async () => {
    const server = await startServer(({ index }) => (index > 0 ? answer(200, { index }) : { hang: true })); // the first request hangs
    const http = client(server.origin, { maxConnections: 1, deadlineMs: 400, attemptTimeoutMs: 5_000, maxAttempts: 1 });
    const first = rejection(http.request(GET), 'UPSTREAM_TIMEOUT');
    await rejection(http.request(GET), 'UPSTREAM_TIMEOUT'); // gave up in the queue
    const patient = http.request(GET); // queued behind the abandoned entry, with a fresh deadline
    await first;
    await expect(patient).resolves.toMatchObject({ status: 200, body: '{"index":1}' });
    expect(server.requests).toHaveLength(2);
  });
});

describe('UpstreamHttpClient: base URL and paths', () => {
  it.each(['/prefix', '/prefix/'])('a base URL with the path prefix %s keeps it', async (prefix) => {
    const server = await startServer(() => answer(200));
    await client(`${server.origin}${prefix}`).request({ path: '/v1/executions/abc', endpoint: 'execution' });
    expect(server.requests[0]?.url).toBe('/prefix/v1/executions/abc');
  });

  it('a deeper prefix and a query string', async () => {
    const server = await startServer(() => answer(200));
    await client(`${server.origin}/tenant-a/api`).request({
      path: '/workflow-version-execution-results',
      query: { workflow_version_execution_id: '9007199254740993', return_all_outputs: 'true', odd: 'a b&c' },
      endpoint: 'results',
    });
    const url = new URL(server.requests[0]?.url ?? '', 'http://x');
    expect(url.pathname).toBe('/tenant-a/api/workflow-version-execution-results');
    expect(url.searchParams.get('workflow_version_execution_id')).toBe('9007199254740993');
    expect(url.searchParams.get('return_all_outputs')).toBe('true');
    expect(url.searchParams.get('odd')).toBe('a b&c');
  });

  it('an origin without a path sends the path as is', async () => {
    const server = await startServer(() => answer(200));
    await client(`${server.origin}/`).request(GET);
    expect(server.requests[0]?.url).toBe('/v1/executions/abc');
  });

  it.each(['not a url', 'ftp://example.com', ''])('rejects the base URL %j at construction, without echoing secrets', (baseUrl) => {
    expect(() => new UpstreamHttpClient({ ...TUNING, provider: 'flowker', baseUrl, headers: { 'x-api-key': SECRET } })).toThrow(TypeError);
  });

  it.each(['maxAttempts', 'attemptTimeoutMs', 'maxResponseBytes'] as const)('rejects a non-positive %s', (key) => {
    expect(() => new UpstreamHttpClient({ ...TUNING, [key]: 0, provider: 'flowker', baseUrl: 'http://127.0.0.1:1', headers: {} })).toThrow(TypeError);
  });
});

describe('UpstreamHttpClient: handles and the circuit breaker', () => {
  it('a status the adapter `handles` is returned without retry', async () => {
    const server = await startServer(() => answer(500, ''));
    const seen: [number, string][] = [];
    const response = await client(server.origin).request({
      ...GET,
      handles: (status, body) => {
        seen.push([status, body]);
        return status === 500 && body === '';
      },
    });
    expect(response.status).toBe(500);
    expect(response.body).toBe('');
    expect(server.requests).toHaveLength(1);
    expect(seen).toEqual([[500, '']]);
  });

  it('`handles` returning false leaves the usual handling (500 with a body is retried)', async () => {
    const server = await startServer(() => answer(500, { error: 'boom' }));
    await rejection(client(server.origin, { maxAttempts: 2 }).request({ ...GET, handles: (status, body) => status === 500 && body === '' }), 'UPSTREAM_UNAVAILABLE');
    expect(server.requests).toHaveLength(2);
  });

  it('handled responses do not count as failures for the breaker', async () => {
    const server = await startServer(() => answer(500, ''));
    const http = client(server.origin, { breakerThreshold: 1 });
    for (let i = 0; i < 3; i++) await http.request({ ...GET, handles: () => true });
    expect(http.circuitState).toBe('closed');
  });

  it('opens after breakerThreshold consecutive failures, then fails fast without a request', async () => {
    const states: string[] = [];
    const server = await startServer(() => answer(503));
    const http = client(server.origin, {
      breakerThreshold: 2,
      maxAttempts: 1,
      observer: { onBreakerStateChange: (provider, state) => states.push(`${provider}:${state}`) },
    });
    expect(http.circuitState).toBe('closed');
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(http.circuitState).toBe('closed');
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(http.circuitState).toBe('open');
    expect(states).toEqual(['flowker:open']);
    expect(server.requests).toHaveLength(2);

    const error = await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(error.message).toMatch(/circuit open/);
    expect(server.requests).toHaveLength(2);
  });

  it('retries inside one call count towards the threshold', async () => {
    const server = await startServer(() => answer(503));
    const http = client(server.origin, { breakerThreshold: 3, maxAttempts: 3 });
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(http.circuitState).toBe('open');
    expect(server.requests).toHaveLength(3);
  });

  it('a success in between resets the consecutive count', async () => {
    const server = await startServer(({ index }) => (index === 1 ? answer(200) : answer(503)));
    const http = client(server.origin, { breakerThreshold: 2, maxAttempts: 1 });
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    await http.request(GET);
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(http.circuitState).toBe('closed');
  });

  it('429s do not open the circuit', async () => {
    const server = await startServer(() => answer(429, {}, { 'retry-after': '0' }));
    const http = client(server.origin, { breakerThreshold: 1, maxAttempts: 1 });
    for (let i = 0; i < 3; i++) await rejection(http.request(GET), 'UPSTREAM_RATE_LIMITED');
    expect(http.circuitState).toBe('closed');
    expect(server.requests).toHaveLength(3);
  });

  it('after breakerHalfOpenAfterMs a probe goes through and a success closes the circuit', async () => {
    const server = await startServer(({ index }) => (index === 0 ? answer(503) : answer(200)));
    const http = client(server.origin, { breakerThreshold: 1, maxAttempts: 1, breakerHalfOpenAfterMs: 50 });
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(http.circuitState).toBe('open');
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(http.request(GET)).resolves.toMatchObject({ status: 200 });
    expect(http.circuitState).toBe('closed');
  });

  it('timeouts and refused connections open the circuit too', async () => {
    const port = await closedPort();
    const http = client(`http://127.0.0.1:${port}`, { breakerThreshold: 2, maxAttempts: 1 });
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    expect(http.circuitState).toBe('open');
  });
});

describe('UpstreamHttpClient: secrets', () => {
  it('the API key appears in no error, whatever the failure', async () => {
    // Every helper call above already checks this; here the upstream even echoes the key back.
    const echo = await startServer(({ index, headers }) => {
      const key = String(headers['x-api-key']);
      if (index % 3 === 0) return answer(401, { message: `invalid key ${key}` });
      if (index % 3 === 1) return answer(503, { error: `key ${key} suspended` });
      return answer(200, `{"broken json with ${key}`);
    });
    const http = client(echo.origin, { maxAttempts: 1 });
    await rejection(http.request(GET), 'UPSTREAM_UNAUTHORIZED');
    await rejection(http.request(GET), 'UPSTREAM_UNAVAILABLE');
    // Bodies reach the adapters with the credentials scrubbed out.
    const ok = await http.request(GET);
    expect(ok.body).not.toContain(SECRET);
    expect(ok.body).toContain('[redacted]');
    const port = await closedPort();
    await rejection(client(`http://127.0.0.1:${port}`, { maxAttempts: 1 }).request(GET), 'UPSTREAM_UNAVAILABLE');
    const hang = await startServer(() => ({ hang: true }));
    await rejection(client(hang.origin, { maxAttempts: 1, attemptTimeoutMs: 100 }).request(GET), 'UPSTREAM_TIMEOUT');
  });
});

describe('UpstreamHttpClient: credentials scrubbed from bodies', () => {
  it('a Bearer token echoed in a body, handled or not, is replaced', async () => {
    const token = 'sk_polos_0123456789abcdef';
    const server = await startServer(({ index, headers }) => answer(index === 0 ? 200 : 500, { echoed: headers.authorization }));
    const http = new UpstreamHttpClient({ ...TUNING, provider: 'polos', baseUrl: server.origin, headers: { authorization: `Bearer ${token}` } });
    clients.push(http);
    const first = await http.request(GET);
    expect(first.body).not.toContain(token);
    const handled = await http.request({ ...GET, handles: () => true });
    expect(handled.status).toBe(500);
    expect(handled.body).not.toContain(token);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${token}`);
  });
});

describe('parseRetryAfter', () => {
  it.each([
    ['0', 0],
    ['2', 2_000],
    ['1.5', 1_500],
    ['-3', 0],
    [['4', '9'], 4_000],
  ] as const)('%j → %d ms', (header, expected) => {
    expect(parseRetryAfter(header as string | string[])).toBe(expected);
  });

  it.each([undefined, '', '   ', 'soon', []])('%j → null', (header) => {
    expect(parseRetryAfter(header as string | string[] | undefined)).toBeNull();
  });

  it('an HTTP date → the time until then (0 when past)', () => {
    const inFiveSeconds = new Date(Date.now() + 5_000).toUTCString();
    const ms = parseRetryAfter(inFiveSeconds);
    expect(ms).not.toBeNull();
    expect(ms!).toBeGreaterThan(2_000);
    expect(ms!).toBeLessThanOrEqual(5_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT')).toBe(0);
  });
});

describe('RetryBudget', () => {
  it('starts with maxTokens retries in reserve', () => {
    const budget = new RetryBudget(0.2, 10);
    let retries = 0;
    while (budget.tryWithdraw()) retries++;
    expect(retries).toBe(10);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('each request earns `ratio` of a retry', () => {
    const budget = new RetryBudget(0.5, 2);
    budget.tryWithdraw();
    budget.tryWithdraw();
    expect(budget.tryWithdraw()).toBe(false);
    budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(false);
    budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(true);
    expect(budget.tryWithdraw()).toBe(false);
  });

  it('with the default ratio (0.2), five requests earn one retry', () => {
    const budget = new RetryBudget();
    while (budget.tryWithdraw());
    for (let i = 0; i < 4; i++) budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(false);
    budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(true);
  });

  it('never holds more than maxTokens', () => {
    const budget = new RetryBudget(1, 3);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    let retries = 0;
    while (budget.tryWithdraw()) retries++;
    expect(retries).toBe(3);
  });

  it('ratio 0 → only the reserve, ever', () => {
    const budget = new RetryBudget(0, 1);
    expect(budget.tryWithdraw()).toBe(true);
    for (let i = 0; i < 100; i++) budget.recordRequest();
    expect(budget.tryWithdraw()).toBe(false);
  });

  it.each([
    [-0.1, 10],
    [1.1, 10],
    [Number.NaN, 10],
    [0.2, 0],
    [0.2, Number.NaN],
  ])('rejects ratio %d / maxTokens %d', (ratio, maxTokens) => {
    expect(() => new RetryBudget(ratio, maxTokens)).toThrow(TypeError);
  });
});
