/**
 * OpenTelemetry traces end to end, for both OTLP encodings: the gateway configured only by the
 * standard OTEL_* variables exports to an in-process OTLP receiver; what the receiver decodes is
 * asserted span by span (names, kinds, parents, links, attributes), together with the trace
 * context the fake upstreams received and the ids on the log lines. Without an endpoint, nothing
 * of it exists: no span, no propagation, no ids in logs.
 */
import { context, ROOT_CONTEXT, trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { startGateway, type Gateway } from '../../src/server/gateway.js';
import { openEventStream } from '../support/event-stream.js';
import { startFakeUpstream, type FakeUpstream } from '../support/fake-upstream.js';
import { testEnv } from '../support/gateway.js';
import { startOtlpReceiver, SPAN_KIND, type OtlpReceiver, type ReceivedSpan } from '../support/otlp-receiver.js';
import { polosIdOf, postGraphQL } from '../support/server-helpers.js';
import { eventually, record, wsClient } from '../support/subscriptions.js';
import { flowkerStatus, polosBody, uuid } from '../support/payloads.js';

const CALLER_TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const CALLER_SPAN = '00f067aa0ba902b7';
const TRACEPARENT = `00-${CALLER_TRACE}-${CALLER_SPAN}-01`;
const TRACESTATE = 'caller=t61rcWkgMzE';

/** Each protocol's run has ids of its own (uuid(base + n)); the fake upstream reads n. */
const FLAKY = 503; // 503 once, then fine: two attempts
const DENIED = 401;
const FINISHING = 600; // running twice, then completed

let polos: FakeUpstream;
let flowker: FakeUpstream;

beforeAll(async () => {
  const served = new Map<string, number>();
  polos = await startFakeUpstream((request) => {
    const id = polosIdOf(request.path);
    const count = (served.get(id) ?? 0) + 1;
    served.set(id, count);
    const n = Number(id.slice(-12)) % 1000;
    if (n === FLAKY && count === 1) return { status: 503, body: '' };
    if (n === DENIED) return { status: 401, body: { error: 'no' } };
    if (n === FINISHING) return { body: polosBody(id, count >= 3 ? 'completed' : 'running') };
    return { body: polosBody(id) };
  });
  flowker = await startFakeUpstream((request) => ({ body: flowkerStatus({ executionId: request.path.split('/').pop()! }) }));
});

afterAll(async () => {
  await Promise.all([polos.close(), flowker.close()]);
});

/** Spans are exported in batches (OTEL_BSP_SCHEDULE_DELAY=20 below): waits until the wanted ones have arrived. */
async function spansWhere(receiver: OtlpReceiver, predicate: (span: ReceivedSpan) => boolean, count = 1): Promise<ReceivedSpan[]> {
  await eventually(() => receiver.spans.filter(predicate).length >= count);
  return receiver.spans.filter(predicate);
}

const children = (receiver: OtlpReceiver, parent: ReceivedSpan) => receiver.spans.filter((span) => span.parentSpanId === parent.spanId && span.traceId === parent.traceId);

describe.each([
  { protocol: 'http/protobuf', contentType: 'application/x-protobuf', includeDocument: false, base: 1000 },
  { protocol: 'http/json', contentType: 'application/json', includeDocument: true, base: 2000 },
])('traces over OTLP $protocol', ({ protocol, contentType, includeDocument, base }) => {
  const id = (n: number) => uuid(base + n);
  const requestId = `two-${base}`;
  let receiver: OtlpReceiver;
  let gateway: Gateway;
  const logLines: Record<string, any>[] = [];

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    // The SDK reads the process environment, as it does in production; loadConfig sees the same values.
    const otel = {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
      OTEL_SERVICE_NAME: 'gateway-under-test',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test,service.namespace=platform',
      OTEL_TRACES_SAMPLER: 'parentbased_always_on',
      OTEL_BSP_SCHEDULE_DELAY: '20',
      OTEL_GRAPHQL_INCLUDE_DOCUMENT: String(includeDocument),
    };
    for (const [name, value] of Object.entries(otel)) vi.stubEnv(name, value);
    const config = loadConfig(testEnv({ polos: polos.baseUrl, flowker: flowker.baseUrl }, { ...otel, LOG_LEVEL: 'info', POLL_INTERVAL_MS: '20', POLL_MAX_INTERVAL_MS: '40' }));
    gateway = await startGateway(config, { logger: createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) }) });
  });

  afterAll(async () => {
    await gateway?.close();
    vi.unstubAllEnvs();
    await receiver?.close();
  });

  it("a two-provider query continues the caller's trace: one SERVER span, a CLIENT span per upstream call, traceparent sent upstream", async () => {
    const query = `query TwoProviders { p: execution(id: "polos:${id(1)}") { status } f: execution(id: "flowker:${id(2)}") { status } }`;
    const response = await postGraphQL(gateway.url, { query }, { traceparent: TRACEPARENT, tracestate: TRACESTATE, 'x-request-id': requestId });
    expect(response.json.data).toEqual({ p: { status: 'RUNNING' }, f: { status: 'RUNNING' } });

    const [operation] = await spansWhere(receiver, (span) => span.name === 'query TwoProviders');
    expect(operation).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN, kind: SPAN_KIND.server, status: { code: 0 } });
    expect(operation!.attributes).toMatchObject({
      'graphql.operation.name': 'TwoProviders',
      'graphql.operation.type': 'query',
      'gateway.transport': 'http',
      'gateway.request_id': requestId,
      'gateway.outcome': 'success',
      'gateway.upstream_calls': 2,
    });
    expect(operation!.attributes['graphql.document']).toBe(includeDocument ? query : undefined);
    expect(operation!.resource).toMatchObject({ 'service.name': 'gateway-under-test', 'deployment.environment.name': 'test', 'service.namespace': 'platform' });

    await eventually(() => children(receiver, operation!).length === 2);
    const calls = children(receiver, operation!).sort((a, b) => a.name.localeCompare(b.name));
    expect(calls.map((span) => [span.name, span.kind])).toEqual([
      ['GET flowker execution', SPAN_KIND.client],
      ['GET polos execution', SPAN_KIND.client],
    ]);
    for (const [span, upstream] of [
      [calls[0]!, flowker],
      [calls[1]!, polos],
    ] as const) {
      expect(span.attributes).toMatchObject({
        'http.request.method': 'GET',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(upstream.baseUrl).port),
        'gateway.upstream.provider': span.name.split(' ')[1],
        'gateway.upstream.endpoint': 'execution',
      });
      expect(span.attributes['http.request.resend_count']).toBeUndefined();
      // The upstream saw the attempt's own span as the parent, and the caller's tracestate.
      const sent = upstream.requests.find((request) => request.headers.traceparent === `00-${CALLER_TRACE}-${span.spanId}-01`);
      expect(sent?.headers.tracestate).toBe(TRACESTATE);
    }

    // The operation's log line carries its ids.
    expect(logLines.find((line) => line.requestId === requestId)).toMatchObject({ msg: 'graphql operation', traceId: CALLER_TRACE, spanId: operation!.spanId });
    expect(receiver.contentTypes.every((type) => type.startsWith(contentType))).toBe(true);
  });

  it('a retried call is one CLIENT span per attempt, the retry with http.request.resend_count', async () => {
    await postGraphQL(gateway.url, { query: `query Flaky { execution(id: "polos:${id(FLAKY)}") { status } }` });
    const [operation] = await spansWhere(receiver, (span) => span.name === 'query Flaky');
    await eventually(() => children(receiver, operation!).length === 2);
    const [first, retry] = children(receiver, operation!).sort((a, b) => Number(a.attributes['http.request.resend_count'] ?? 0) - Number(b.attributes['http.request.resend_count'] ?? 0));
    expect(first!.attributes).toMatchObject({ 'http.response.status_code': 503, 'error.type': '503' });
    expect(first!.status.code).toBe(2);
    expect(retry!.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.request.resend_count': 1 });
    expect(retry!.status.code).toBe(0);
    expect(operation!.traceId).not.toBe(CALLER_TRACE); // no traceparent: a trace of its own
    expect(operation!.parentSpanId).toBe('');
  });

  it('errors and refusals: the outcome and error codes on the operation span', async () => {
    await postGraphQL(gateway.url, { query: `query Denied { execution(id: "polos:${id(DENIED)}") { status } }` });
    await postGraphQL(gateway.url, { query: '{ execution(id: ' });
    const [denied] = await spansWhere(receiver, (span) => span.name === 'query Denied');
    expect(denied!.attributes).toMatchObject({ 'gateway.outcome': 'error', 'gateway.error_codes': ['UPSTREAM_UNAUTHORIZED'], 'error.type': 'UPSTREAM_UNAUTHORIZED' });
    expect(denied!.status).toEqual({ code: 2, message: 'UPSTREAM_UNAUTHORIZED' });
    const [refused] = await spansWhere(receiver, (span) => span.name === 'GraphQL Operation' && span.attributes['error.type'] === 'GRAPHQL_PARSE_FAILED');
    expect(refused!.attributes).toMatchObject({ 'gateway.outcome': 'refused', 'gateway.error_codes': ['GRAPHQL_PARSE_FAILED'], 'gateway.upstream_calls': 0 });
    expect(refused!.status.code).toBe(0); // the client's mistake, like a 4xx
  });

  it('a WebSocket subscription continues the trace of connection_init; polls are traces of their own, each push links to its poll', async () => {
    const client = wsClient(gateway.url, { traceparent: TRACEPARENT });
    const stream = record(client, `subscription Follow { executionUpdated(id: "polos:${id(FINISHING)}") { status } }`);
    await stream.done;
    await client.dispose();
    expect(stream.events.map((event) => event.data!.executionUpdated.status)).toEqual(['RUNNING', 'COMPLETED']);

    const [subscription] = await spansWhere(receiver, (span) => span.name === 'subscription Follow');
    expect(subscription).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN, kind: SPAN_KIND.server });
    expect(subscription!.attributes).toMatchObject({ 'gateway.transport': 'ws', 'gateway.outcome': 'success', 'gateway.events': 2 });
    expect(subscription!.attributes['gateway.upstream_calls']).toBeUndefined(); // the polls are not its own

    const polls = await spansWhere(receiver, (span) => span.name === 'poll execution' && span.attributes['gateway.execution.id'] === `polos:${id(FINISHING)}`, 3);
    for (const poll of polls) {
      expect(poll).toMatchObject({ parentSpanId: '', kind: SPAN_KIND.internal });
      expect(poll.traceId).not.toBe(CALLER_TRACE);
      expect(poll.attributes['gateway.upstream.provider']).toBe('polos');
    }
    expect(polls.map((poll) => poll.attributes['gateway.poll.outcome'])).toEqual(['changed', 'unchanged', 'terminal']);
    await eventually(() => polls.every((poll) => children(receiver, poll).length === 1));
    for (const poll of polls) expect(children(receiver, poll).map((span) => span.name)).toEqual(['GET polos execution']);

    const pushes = await spansWhere(receiver, (span) => span.name === 'push execution' && span.parentSpanId === subscription!.spanId, 2);
    for (const push of pushes) {
      expect(push).toMatchObject({ traceId: CALLER_TRACE, kind: SPAN_KIND.consumer });
      expect(push.attributes).toMatchObject({ 'gateway.execution.id': `polos:${id(FINISHING)}`, 'gateway.live.event': 'snapshot' });
    }
    // The first event came from the first poll, the terminal one from the last.
    expect(pushes.map((push) => push.links)).toEqual([
      [{ traceId: polls[0]!.traceId, spanId: polls[0]!.spanId }],
      [{ traceId: polls[2]!.traceId, spanId: polls[2]!.spanId }],
    ]);
  });

  it('an SSE request continues the trace of its traceparent header', async () => {
    const events = await openEventStream(`${gateway.url}/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: TRACEPARENT },
      body: JSON.stringify({ query: `query OverSse { execution(id: "polos:${id(7)}") { status } }` }),
    });
    await events.ended;
    const [operation] = await spansWhere(receiver, (span) => span.name === 'query OverSse');
    expect(operation).toMatchObject({ traceId: CALLER_TRACE, parentSpanId: CALLER_SPAN });
    expect(operation!.attributes['gateway.transport']).toBe('sse');
  });
});

describe('with no OTLP endpoint set', () => {
  it('tracing is off: the no-op API, no trace context upstream, no ids in logs', async () => {
    const logLines: Record<string, any>[] = [];
    const gateway = await startGateway(loadConfig(testEnv({ polos: polos.baseUrl }, { LOG_LEVEL: 'info' })), {
      logger: createLogger('info', { write: (line: string) => void logLines.push(JSON.parse(line)) }),
    });
    try {
      const before = polos.requests.length;
      await postGraphQL(gateway.url, { query: `{ execution(id: "polos:${uuid(8)}") { status } }` }, { traceparent: TRACEPARENT, 'x-request-id': 'untraced' });
      const sent = polos.requests.slice(before);
      expect(sent).toHaveLength(1);
      expect(sent[0]!.headers.traceparent).toBeUndefined();
      expect(logLines.find((line) => line.requestId === 'untraced')).not.toHaveProperty('traceId');
      // Nothing registered: a span from the global API records nothing and has no valid context.
      const span = trace.getTracer('probe').startSpan('probe');
      expect(span.isRecording()).toBe(false);
      expect(trace.isSpanContextValid(span.spanContext())).toBe(false);
      // …and no context manager: a context made active is not even kept (no AsyncLocalStorage at work).
      const caller = trace.setSpanContext(ROOT_CONTEXT, { traceId: CALLER_TRACE, spanId: CALLER_SPAN, traceFlags: 1 });
      expect(context.with(caller, () => trace.getActiveSpan())).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });
});

describe('configuration: the standard variables, validated at start-up', () => {
  const configWith = (extra: Record<string, string>) => loadConfig(testEnv({}, extra));

  it('tracing is on with either endpoint variable, and off with none or with OTEL_SDK_DISABLED', () => {
    expect(configWith({}).tracing).toBeNull();
    expect(configWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).tracing).toEqual({ includeDocument: false });
    expect(configWith({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces', OTEL_GRAPHQL_INCLUDE_DOCUMENT: 'true' }).tracing).toEqual({ includeDocument: true });
    expect(configWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }).tracing).toBeNull();
  });

  it.each([
    ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
    ['OTEL_EXPORTER_OTLP_PROTOCOL', 'http/xml'],
    ['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL', 'udp'],
    ['OTEL_TRACES_SAMPLER', 'sometimes'],
    ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
  ])('a bad %s stops start-up with one message naming it', (name, value) => {
    expect(() => configWith({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', [name]: value })).toThrow(new RegExp(`^Invalid configuration: ${name} `));
  });
});
