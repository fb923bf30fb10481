/**
 * Fault injection against fake upstreams on real sockets: 5xx storms, hangs, resets, 429s,
 * malformed and oversized bodies, a circuit breaker and a bulkhead. Every failure maps to its
 * code, its sibling fields from healthy upstreams still resolve, the load the gateway puts on a
 * failing upstream stays bounded (counted at the fake), and the gateway keeps serving afterwards.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../../src/server/gateway.js';
import { startFakeUpstream, type FakeResponse, type FakeUpstream } from '../support/fake-upstream.js';
import { graphql, startTestGateway, type GraphQLResponse } from '../support/gateway.js';
import { ConcurrencyTracker, healthyFlowker, metricValue, polosIdOf, scrapeMetrics } from '../support/server-helpers.js';
import { sleep } from '../support/subscriptions.js';
import { polosBody, uuid } from '../support/payloads.js';

const HEALTHY_POLOS = uuid(1);
const HEALTHY_FLOWKER = uuid(2);

/** The query for one faulty Polos execution, with two healthy siblings in the same operation. */
const withSiblings = (faultyId: string) => `{
  faulty: execution(id: "polos:${faultyId}") { id status }
  polosSibling: execution(id: "polos:${HEALTHY_POLOS}") { id status }
  flowkerSibling: execution(id: "flowker:${HEALTHY_FLOWKER}") { id status }
}`;

const expectSiblingsResolved = (response: GraphQLResponse<Record<string, any>>) => {
  expect(response.status).toBe(200);
  expect(response.data!.polosSibling).toEqual({ id: `polos:${HEALTHY_POLOS}`, status: 'RUNNING' });
  expect(response.data!.flowkerSibling).toEqual({ id: `flowker:${HEALTHY_FLOWKER}`, status: 'RUNNING' });
  expect(response.errors!.every((error) => error.path![0] === 'faulty')).toBe(true);
};

const codeOf = (response: GraphQLResponse<Record<string, any>>, field = 'faulty') =>
  response.errors?.find((error) => error.path?.[0] === field)?.extensions;

describe('fault injection (breaker disabled: threshold 1000)', () => {
  type Mode = (id: string) => FakeResponse;
  const modes = new Map<string, Mode>();
  let polos: FakeUpstream;
  let flowker: FakeUpstream;
  let gateway: Gateway;
  const calls = (id: string) => polos.count(`/api/v1/executions/${id}`);
  let nextBadId = 1_000;

  beforeAll(async () => {
    polos = await startFakeUpstream((request) => {
      const id = polosIdOf(request.path);
      return modes.get(id)?.(id) ?? { body: polosBody(id) };
    });
    flowker = await startFakeUpstream(healthyFlowker);
    gateway = await startTestGateway(
      { polos: polos.baseUrl, flowker: flowker.baseUrl },
      { UPSTREAM_ATTEMPT_TIMEOUT_MS: '300', UPSTREAM_DEADLINE_MS: '800', UPSTREAM_MAX_RESPONSE_BYTES: '2048' },
    );
  });

  afterAll(async () => {
    await gateway.close();
    await Promise.all([polos.close(), flowker.close()]);
  });

  it('a 500 storm is UPSTREAM_UNAVAILABLE after exactly MAX_ATTEMPTS (3) calls; siblings resolve', async () => {
    modes.set(uuid(10), () => ({ status: 500, body: 'internal error' }));
    const response = await graphql(gateway.url, withSiblings(uuid(10)));
    expect(response.data!.faulty).toBeNull();
    expect(codeOf(response)).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
    expectSiblingsResolved(response);
    expect(calls(uuid(10))).toBe(3);
  });

  it('502/503/504 storms on concurrent requests stay within attempts × requests', async () => {
    const statuses = [502, 503, 504];
    const faulty = Array.from({ length: 9 }, (_, i) => uuid(20 + i));
    faulty.forEach((id, i) => modes.set(id, () => ({ status: statuses[i % 3]!, body: 'bad gateway' })));
    const responses = await Promise.all(faulty.map((id) => graphql(gateway.url, withSiblings(id))));
    for (const response of responses) {
      expect(codeOf(response)).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
      expectSiblingsResolved(response);
    }
    const total = faulty.reduce((sum, id) => sum + calls(id), 0);
    expect(total).toBeGreaterThanOrEqual(faulty.length);
    expect(total).toBeLessThanOrEqual(faulty.length * 3);
  });

  it('the retry budget caps retries during a long storm: 50 sequential queries make far fewer than 150 calls', async () => {
    const id = uuid(30);
    modes.set(id, () => ({ status: 503, body: 'down' }));
    for (let i = 0; i < 50; i++) {
      const response = await graphql(gateway.url, `{ execution(id: "polos:${id}") { id } }`);
      expect(codeOf(response, 'execution')).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
    }
    // 50 first attempts + at most (10 reserve tokens + 50 × 0.2 earned) retries = 70; without a budget, 150.
    expect(calls(id)).toBeGreaterThanOrEqual(50);
    expect(calls(id)).toBeLessThanOrEqual(70);
  });

  it('a hang is UPSTREAM_TIMEOUT within the deadline (800 ms; generous bound 5 s); siblings resolve', async () => {
    modes.set(uuid(40), () => ({ hang: true }));
    const started = Date.now();
    const response = await graphql(gateway.url, withSiblings(uuid(40)));
    const elapsed = Date.now() - started;
    expect(codeOf(response)).toEqual({ code: 'UPSTREAM_TIMEOUT', provider: 'POLOS' });
    expectSiblingsResolved(response);
    expect(elapsed).toBeLessThan(5_000);
    expect(calls(uuid(40))).toBeGreaterThanOrEqual(1);
    expect(calls(uuid(40))).toBeLessThanOrEqual(3);
  });

  it('a slow upstream that answers within the attempt timeout is not a failure', async () => {
    modes.set(uuid(41), (id) => ({ body: polosBody(id, 'waiting'), delayMs: 100 }));
    const response = await graphql(gateway.url, withSiblings(uuid(41)));
    expect(response.errors).toBeUndefined();
    expect(response.data!.faulty).toEqual({ id: `polos:${uuid(41)}`, status: 'WAITING' });
    expect(calls(uuid(41))).toBe(1);
  });

  it('connection resets are UPSTREAM_UNAVAILABLE; siblings resolve', async () => {
    modes.set(uuid(50), () => ({ reset: true }));
    const response = await graphql(gateway.url, withSiblings(uuid(50)));
    expect(codeOf(response)).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
    expectSiblingsResolved(response);
    expect(calls(uuid(50))).toBeGreaterThanOrEqual(1);
    expect(calls(uuid(50))).toBeLessThanOrEqual(3);
  });

  it('a 429 storm is UPSTREAM_RATE_LIMITED; siblings resolve', async () => {
    modes.set(uuid(60), () => ({ status: 429, headers: { 'retry-after': '0' }, body: { message: 'slow down' } }));
    const response = await graphql(gateway.url, withSiblings(uuid(60)));
    expect(codeOf(response)).toEqual({ code: 'UPSTREAM_RATE_LIMITED', provider: 'POLOS' });
    expectSiblingsResolved(response);
    expect(calls(uuid(60))).toBeGreaterThanOrEqual(1);
    expect(calls(uuid(60))).toBeLessThanOrEqual(3);
  });

  it.each([
    ['malformed JSON', (): FakeResponse => ({ body: '{"id": "x", "status": ' })],
    ['HTML instead of JSON', (): FakeResponse => ({ body: '<html>502 Bad Gateway</html>', headers: { 'content-type': 'text/html' } })],
    ['a schema-violating body', (): FakeResponse => ({ body: { id: 5, status: ['running'] } })],
    ['an empty 200', (): FakeResponse => ({ body: '' })],
  ])('%s is UPSTREAM_BAD_RESPONSE after one call (not retried); siblings resolve', async (_label, mode) => {
    const id = uuid(nextBadId++);
    modes.set(id, mode);
    const response = await graphql(gateway.url, withSiblings(id));
    expect(codeOf(response)).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'POLOS' });
    expectSiblingsResolved(response);
    expect(calls(id)).toBe(1);
  });

  it('an oversized body (> UPSTREAM_MAX_RESPONSE_BYTES 2048) is UPSTREAM_BAD_RESPONSE after one call; siblings resolve', async () => {
    modes.set(uuid(80), (id) => ({ body: polosBody(id, 'running', { payload: { blob: 'x'.repeat(64 * 1024) } }) }));
    const response = await graphql(gateway.url, withSiblings(uuid(80)));
    expect(codeOf(response)).toEqual({ code: 'UPSTREAM_BAD_RESPONSE', provider: 'POLOS' });
    expect(response.errors!.find((e) => e.path![0] === 'faulty')!.message).toMatch(/larger than 2048 bytes/);
    expectSiblingsResolved(response);
    expect(calls(uuid(80))).toBe(1);
  });

  it('a body just under the cap is accepted', async () => {
    modes.set(uuid(81), (id) => ({ body: polosBody(id, 'running', { payload: { blob: 'x'.repeat(1_000) } }) }));
    const response = await graphql(gateway.url, `{ execution(id: "polos:${uuid(81)}") { status input } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data!.execution.input.blob).toHaveLength(1_000);
  });

  it('after every fault, the gateway keeps serving: the same upstream answers normally again', async () => {
    for (const id of [10, 30, 40, 50, 60, 80].map(uuid)) modes.delete(id);
    const response = await graphql(gateway.url, withSiblings(uuid(40)).replace('faulty', 'recovered'));
    expect(response.errors).toBeUndefined();
    expect(response.data!.recovered).toEqual({ id: `polos:${uuid(40)}`, status: 'RUNNING' });
  });
});

describe('circuit breaker (UPSTREAM_BREAKER_THRESHOLD=3, UPSTREAM_BREAKER_HALF_OPEN_MS=300)', () => {
  let polosMode: 'fail' | 'healthy' = 'healthy';
  let flowkerMode: 'rate-limited' | 'healthy' = 'healthy';
  /** 'start'/'end' per Polos request, in order. */
  const timeline: string[] = [];
  let polos: FakeUpstream;
  let flowker: FakeUpstream;
  let gateway: Gateway;

  const circuit = async (provider: string) => metricValue(await scrapeMetrics(gateway.url), 'upstream_circuit_state', { provider });

  beforeAll(async () => {
    polos = await startFakeUpstream(async (request) => {
      timeline.push('start');
      await sleep(polosMode === 'healthy' ? 100 : 0);
      timeline.push('end');
      const id = polosIdOf(request.path);
      return polosMode === 'fail' ? { status: 500, body: 'internal error' } : { body: polosBody(id) };
    });
    flowker = await startFakeUpstream((request) =>
      flowkerMode === 'rate-limited' ? { status: 429, headers: { 'retry-after': '0' }, body: { message: 'slow down' } } : healthyFlowker(request),
    );
    gateway = await startTestGateway(
      { polos: polos.baseUrl, flowker: flowker.baseUrl },
      { UPSTREAM_BREAKER_THRESHOLD: '3', UPSTREAM_BREAKER_HALF_OPEN_MS: '300' },
    );
  });

  afterAll(async () => {
    await gateway.close();
    await Promise.all([polos.close(), flowker.close()]);
  });

  it('starts closed for every configured upstream', async () => {
    expect(await circuit('polos')).toBe(0);
    expect(await circuit('flowker')).toBe(0);
  });

  it('rate limiting (429) does not open the circuit', async () => {
    flowkerMode = 'rate-limited';
    for (let i = 0; i < 4; i++) {
      const response = await graphql(gateway.url, `{ execution(id: "flowker:${uuid(100 + i)}") { id } }`);
      expect(codeOf(response, 'execution')).toEqual({ code: 'UPSTREAM_RATE_LIMITED', provider: 'FLOWKER' });
    }
    expect(flowker.count()).toBeGreaterThanOrEqual(4); // ≥ 3 consecutive 429s: enough to open it, were they counted
    expect(await circuit('flowker')).toBe(0);
    flowkerMode = 'healthy';
    const before = flowker.count();
    const response = await graphql(gateway.url, `{ execution(id: "flowker:${uuid(110)}") { status } }`);
    expect(response.data).toEqual({ execution: { status: 'RUNNING' } });
    expect(flowker.count()).toBe(before + 1);
  });

  it('a 500 storm opens the circuit after 3 consecutive failed attempts', async () => {
    polosMode = 'fail';
    const response = await graphql(gateway.url, `{ execution(id: "polos:${uuid(200)}") { id } }`);
    expect(codeOf(response, 'execution')).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
    expect(polos.count()).toBe(3);
    expect(await circuit('polos')).toBe(2);
  });

  it('while open: fast UPSTREAM_UNAVAILABLE without upstream calls; other providers unaffected', async () => {
    const before = polos.count();
    const responses = await Promise.all(
      [201, 202, 203, 204, 205].map((n) =>
        graphql(gateway.url, `{ p: execution(id: "polos:${uuid(n)}") { id } f: execution(id: "flowker:${uuid(120)}") { status } }`),
      ),
    );
    for (const response of responses) {
      expect(codeOf(response, 'p')).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
      expect(response.errors!.find((e) => e.path![0] === 'p')!.message).toMatch(/circuit open/);
      expect(response.data!.f).toEqual({ status: 'RUNNING' });
    }
    expect(polos.count()).toBe(before);
    expect(await circuit('polos')).toBe(2);
  });

  it('after the half-open time, one probe goes through; when it fails, the circuit opens again', async () => {
    await sleep(400);
    const before = polos.count();
    const responses = await Promise.all(
      [210, 211, 212].map((n) => graphql(gateway.url, `{ execution(id: "polos:${uuid(n)}") { id } }`)),
    );
    for (const response of responses) expect(codeOf(response, 'execution')).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
    expect(polos.count()).toBe(before + 1); // the probe only
    expect(await circuit('polos')).toBe(2);
  });

  it('after the half-open time, a successful probe closes the circuit and queries succeed again', async () => {
    polosMode = 'healthy';
    await sleep(400);
    timeline.length = 0;
    const before = polos.count();
    const responses = await Promise.all(
      [220, 221, 222].map((n) => graphql(gateway.url, `{ execution(id: "polos:${uuid(n)}") { id status } }`)),
    );
    for (const response of responses) {
      expect(response.errors).toBeUndefined();
      expect(response.data!.execution.status).toBe('RUNNING');
    }
    expect(polos.count()).toBe(before + 3);
    // The probe ran alone: the others were held until it had answered.
    expect(timeline.slice(0, 2)).toEqual(['start', 'end']);
    expect(await circuit('polos')).toBe(0);

    const again = await graphql(gateway.url, `{ execution(id: "polos:${uuid(223)}") { status } }`);
    expect(again.data).toEqual({ execution: { status: 'RUNNING' } });
    expect(polos.count()).toBe(before + 4);
  });
});

describe('bulkhead (UPSTREAM_MAX_CONNECTIONS=2, UPSTREAM_MAX_QUEUED=2)', () => {
  const tracker = new ConcurrencyTracker();
  let polos: FakeUpstream;
  let gateway: Gateway;

  beforeAll(async () => {
    polos = await startFakeUpstream((request) => {
      const id = polosIdOf(request.path);
      return tracker.around(400, () => ({ body: polosBody(id) }));
    });
    gateway = await startTestGateway(
      { polos: polos.baseUrl },
      { UPSTREAM_MAX_CONNECTIONS: '2', UPSTREAM_MAX_QUEUED: '2', UPSTREAM_ATTEMPT_TIMEOUT_MS: '2000', UPSTREAM_DEADLINE_MS: '4000' },
    );
  });

  afterAll(async () => {
    await gateway.close();
    await polos.close();
  });

  it('with a slow upstream, the excess fails fast instead of piling up; the upstream never sees more than 2 at once', async () => {
    const results = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const response = await graphql(gateway.url, `{ execution(id: "polos:${uuid(300 + i)}") { id status } }`);
        // Fail fast: answered before the slow upstream had finished even one request.
        return { response, upstreamFinishedBefore: tracker.finished };
      }),
    );
    const ok = results.filter((r) => r.response.errors === undefined);
    const refused = results.filter((r) => r.response.errors !== undefined);
    expect(ok).toHaveLength(4); // 2 running + 2 queued
    expect(refused).toHaveLength(6);
    for (const { response, upstreamFinishedBefore } of refused) {
      expect(codeOf(response, 'execution')).toEqual({ code: 'UPSTREAM_UNAVAILABLE', provider: 'POLOS' });
      expect(response.errors![0]!.message).toMatch(/queued/);
      expect(upstreamFinishedBefore).toBe(0);
    }
    for (const { response } of ok) expect(response.data!.execution.status).toBe('RUNNING');
    expect(tracker.max).toBe(2);
    expect(polos.count()).toBe(4); // the refused ones never reached it, and were not retried
  });

  it('the gateway serves normally once the burst is over', async () => {
    const response = await graphql(gateway.url, `{ execution(id: "polos:${uuid(399)}") { status } }`);
    expect(response.errors).toBeUndefined();
    expect(response.data).toEqual({ execution: { status: 'RUNNING' } });
  });
});
