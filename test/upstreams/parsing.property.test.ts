/**
 * Whatever an upstream sends, the wire schemas plus the mappings (and the adapters around them)
 * either produce a well-formed domain object or fail with UPSTREAM_BAD_RESPONSE: never a
 * TypeError, a SyntaxError from a JSON parser or a zod error escaping.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { GatewayError, type GatewayErrorCode } from '../../src/domain/errors.js';
import type { Execution, ExecutionDetails } from '../../src/domain/execution.js';
import { normalizeUpstreamId, type Provider } from '../../src/domain/ids.js';
import { EXECUTION_STATUSES, STEP_STATUSES } from '../../src/domain/status.js';
import type { ExecutionAdapter } from '../../src/upstreams/adapter.js';
import { FlowkerAdapter } from '../../src/upstreams/flowker/adapter.js';
import * as flowker from '../../src/upstreams/flowker/mapping.js';
import { FlowkerExecutionStatusBody, FlowkerListBody, FlowkerResultsBody } from '../../src/upstreams/flowker/wire.js';
import type { RequestOptions, UpstreamHttpClient, UpstreamResponse } from '../../src/upstreams/http/client.js';
import { parseBody, parseJsonLossless, upstreamIdFrom } from '../../src/upstreams/http/json.js';
import { PolosAdapter } from '../../src/upstreams/polos/adapter.js';
import * as polos from '../../src/upstreams/polos/mapping.js';
import { PolosExecutionBody, PolosRunBody, PolosRunsBody } from '../../src/upstreams/polos/wire.js';
import { PromptLayerAdapter } from '../../src/upstreams/promptlayer/adapter.js';
import * as promptlayer from '../../src/upstreams/promptlayer/mapping.js';
import { PromptLayerResultsBody, PromptLayerRunBody } from '../../src/upstreams/promptlayer/wire.js';
import {
  FLOWKER_EXECUTION_ID,
  INT64_MAX,
  INT64_MAX_PLUS_ONE,
  POLOS_EXECUTION_ID,
  PROMPTLAYER_EXECUTION_ID,
  PROMPTLAYER_ID_ABOVE_2_53,
  flowkerError,
  flowkerList,
  flowkerResults,
  flowkerStatus,
  flowkerStillRunning,
  jsonResponse,
  polosExecution,
  polosRun,
  polosRunItem,
  promptLayerNodes,
  promptLayerRunText,
  rawResponse,
} from '../support/payloads.js';

const RUNS = 100;

// ---------------------------------------------------------------------------------------------
// Invariants of a mapped domain object

const ISO = /^[+-]?\d{4,6}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/**
 * A raw status named like an Object.prototype member hits the known lookup-table bug (see
 * flowker-mapping.test.ts); the enum checks skip those so that these properties test the rest.
 */
const isPrototypeKey = (value: string | null): boolean => value !== null && value in Object.prototype;

function expectExecution(execution: Execution, provider: Provider): void {
  expect(execution.provider).toBe(provider);
  expect(normalizeUpstreamId(provider, execution.upstreamId)).toBe(execution.upstreamId);
  if (!isPrototypeKey(execution.upstreamStatus)) expect(EXECUTION_STATUSES).toContain(execution.status);
  expect(execution.upstreamStatus === null || typeof execution.upstreamStatus === 'string').toBe(true);
  for (const time of [execution.createdAt, execution.startedAt, execution.completedAt]) {
    if (time !== null) expect(time).toMatch(ISO);
  }
  if (execution.progress !== null) {
    expectInt(execution.progress.completed);
    expectInt(execution.progress.total);
  }
  if (execution.error !== null) expect(typeof execution.error.message).toBe('string');
  if (execution.retryCount !== null) expectInt(execution.retryCount);
  for (const node of execution.nodes) {
    if (!isPrototypeKey(node.upstreamStatus)) expect(STEP_STATUSES).toContain(node.status);
    expect(typeof node.isOutput).toBe('boolean');
  }
  for (const id of [execution.parentId, execution.rootId]) if (id !== null) expect(normalizeUpstreamId(provider, id)).toBe(id);
  if (execution.details !== null) expectDetails(execution.details);
  // Snapshots are cached and sent to Redis as JSON.
  expect(() => JSON.stringify(execution)).not.toThrow();
}

/** Served as GraphQL `Int`: an integer in the signed 32-bit range, or the field would fail to serialize. */
function expectInt(value: number): void {
  expect(Number.isInteger(value)).toBe(true);
  expect(Math.abs(value)).toBeLessThanOrEqual(2 ** 31 - 1);
}

function expectDetails(details: ExecutionDetails): void {
  for (const step of details.steps) {
    if (step.number !== null) expectInt(step.number);
    if (!isPrototypeKey(step.status)) expect(STEP_STATUSES).toContain(step.status);
    expect(typeof step.name).toBe('string');
    if (step.startedAt !== null) expect(step.startedAt).toMatch(ISO);
  }
  expect(() => JSON.stringify(details)).not.toThrow();
}

/** Runs `fn`; an exception must be a GatewayError with one of `codes` naming the provider. */
function outcome<T>(provider: Provider, codes: readonly GatewayErrorCode[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw new Error(`escaped a non-GatewayError: ${String(error)}`, { cause: error });
    expect(codes).toContain(error.code);
    expect(error.provider).toBe(provider);
    return undefined;
  }
}

async function outcomeAsync<T>(provider: Provider, codes: readonly GatewayErrorCode[], fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (error) {
    if (!(error instanceof GatewayError)) throw new Error(`escaped a non-GatewayError: ${String(error)}`, { cause: error });
    expect(codes).toContain(error.code);
    expect(error.provider).toBe(provider);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Every body parser + mapping the adapters use, as a function of one response

const BAD: readonly GatewayErrorCode[] = ['UPSTREAM_BAD_RESPONSE'];

interface Target {
  readonly name: string;
  readonly provider: Provider;
  readonly run: (response: UpstreamResponse) => void;
}

/** Parses the response's body as the provider's adapter does (`schema`), and checks what the mapping makes of it. */
type Check = (body: <Schema extends z.ZodType>(schema: Schema) => z.infer<Schema>, execution: (execution: Execution) => void) => void;

const target = (name: string, provider: Provider, check: Check): Target => ({
  name,
  provider,
  run: (response) =>
    check(
      (schema) => parseBody(provider, response, schema, 'x'),
      (execution) => expectExecution(execution, provider),
    ),
});

const TARGETS: readonly Target[] = [
  target('Flowker status', 'flowker', (body, execution) => execution(flowker.fromFlowkerStatus(FLOWKER_EXECUTION_ID, body(FlowkerExecutionStatusBody)))),
  target('Flowker start (id from the body)', 'flowker', (body, execution) => {
    const status = body(FlowkerExecutionStatusBody);
    execution(flowker.fromFlowkerStatus(upstreamIdFrom('flowker', status.executionId), status));
  }),
  target('Flowker results', 'flowker', (body) => expectDetails(flowker.toDetails(body(FlowkerResultsBody)))),
  target('Flowker list', 'flowker', (body, execution) => {
    for (const item of body(FlowkerListBody).items) execution(flowker.fromFlowkerStatus(upstreamIdFrom('flowker', item.executionId), item));
  }),
  ...[200, 202, 204].map((status) =>
    target(`PromptLayer results (${status})`, 'promptlayer', (body, execution) =>
      execution(promptlayer.fromPromptLayerResults(PROMPTLAYER_EXECUTION_ID, status, body(PromptLayerResultsBody))),
    ),
  ),
  target('PromptLayer run', 'promptlayer', (body, execution) =>
    execution(promptlayer.startedExecution(upstreamIdFrom('promptlayer', body(PromptLayerRunBody).workflow_version_execution_id))),
  ),
  target('Polos execution', 'polos', (body, execution) => execution(polos.fromPolosExecution(POLOS_EXECUTION_ID, body(PolosExecutionBody)))),
  target('Polos list', 'polos', (body, execution) => {
    for (const item of body(PolosRunsBody)) execution(polos.fromPolosExecution(upstreamIdFrom('polos', item.id), item));
  }),
  target('Polos run', 'polos', (body, execution) => {
    const run = body(PolosRunBody);
    execution(polos.startedExecution(upstreamIdFrom('polos', run.execution_id), 'wf', run.created_at));
  }),
];

// ---------------------------------------------------------------------------------------------
// Bodies

/** JSON text in which bigint leaves are written as bare integers of any size. */
function toJsonText(value: unknown): string | undefined {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, (_key, leaf: unknown) => (typeof leaf === 'bigint' ? `@@BIG(${leaf})@@` : leaf));
  } catch {
    return undefined; // not serializable (e.g. a cycle): not a body an upstream could send
  }
  return text?.replace(/"@@BIG\((-?\d+)\)@@"/g, '$1');
}

const json = fc.jsonValue({ maxDepth: 4 });
const bigInteger = fc.oneof(
  fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }),
  fc.constantFrom(2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, 10n ** 30n),
);
/** A field: a plausible value most of the time, anything JSON (or a huge integer) otherwise. */
const field = (...valid: fc.Arbitrary<unknown>[]): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 30, arbitrary: fc.oneof(...valid) }, { weight: 1, arbitrary: json }, { weight: 1, arbitrary: bigInteger });
const timestamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('2026-03-17T14:35:00Z', '2026-02-24T10:00:00.123456+00:00', '2026-03-17T14:35:00.123456789Z', '', '<string>', 'soon', null),
  fc.string(),
);
/** Counts just past, and far past, what GraphQL's 32-bit `Int` holds. */
const beyondInt32 = fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 40, 22_351_557_705);
const text = fc.oneof(fc.string(), fc.constantFrom('execution timeout', 'FLK-0504: node failed', 'boom', ''));
const nullable = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: null });
/** Every key present most of the time; sometimes any of them missing. */
const shaped = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) =>
  fc.oneof({ weight: 3, arbitrary: fc.record(model) }, { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) });

const flowkerStatusShape = shaped({
  executionId: field(fc.uuid(), fc.uuid().map((id) => id.toUpperCase()), fc.string()),
  workflowId: field(nullable(fc.uuid())),
  status: field(fc.constantFrom('pending', 'running', 'completed', 'failed'), fc.string()),
  currentStepNumber: field(nullable(fc.integer({ min: -1, max: 50 })), beyondInt32),
  totalSteps: field(nullable(fc.integer({ min: 0, max: 50 })), beyondInt32),
  startedAt: field(timestamp),
  completedAt: field(timestamp),
  errorMessage: field(nullable(text)),
});
const flowkerStepShape = shaped({
  stepNumber: field(nullable(fc.integer({ min: 0, max: 50 })), beyondInt32),
  stepName: field(fc.string()),
  nodeId: field(nullable(fc.string())),
  status: field(fc.constantFrom('running', 'completed', 'failed', 'skipped'), fc.string()),
  output: json,
  errorMessage: field(nullable(text)),
  executedAt: field(timestamp),
  durationMs: field(nullable(fc.integer({ min: 0, max: 10_000 })), fc.double()),
});
const flowkerResultsShape = shaped({
  executionId: field(fc.uuid()),
  status: field(fc.constantFrom('completed', 'failed'), fc.string()),
  stepResults: field(nullable(fc.array(flowkerStepShape, { maxLength: 4 }))),
  finalOutput: json,
});
const flowkerListShape = shaped({
  items: field(fc.array(flowkerStatusShape, { maxLength: 3 })),
  nextCursor: field(nullable(fc.string())),
  hasMore: field(nullable(fc.boolean())),
});
const promptLayerNodeShape = shaped({
  status: field(fc.constantFrom('QUEUED', 'RUNNING', 'SUCCESS', 'FAILED', 'FAILURE', 'SKIPPED'), fc.string()),
  value: json,
  error_message: field(nullable(text)),
  raw_error_message: field(nullable(text)),
  is_output_node: field(nullable(fc.boolean())),
});
const promptLayerMapShape = fc.dictionary(fc.string(), field(promptLayerNodeShape), { maxKeys: 5 });
const promptLayerRunShape = shaped({
  workflow_version_execution_id: field(fc.integer({ min: -5, max: 2 ** 31 }), bigInteger, fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String), fc.double()),
  warning: field(nullable(fc.string())),
});
const polosExecutionShape = shaped({
  id: field(fc.uuid()),
  workflow_id: field(fc.string()),
  status: field(fc.constantFrom('pending', 'queued', 'claimed', 'running', 'waiting', 'pending_cancel', 'completed', 'failed', 'cancelled'), fc.string()),
  created_at: field(timestamp),
  payload: json,
  result: json,
  error: field(nullable(text)),
  retry_count: field(fc.integer({ min: -1, max: 5 }), beyondInt32),
  started_at: field(timestamp),
  completed_at: field(timestamp),
  cancelled_at: field(timestamp),
  cancelled_by: field(nullable(fc.constantFrom('manual', 'timeout')), fc.string()),
  parent_execution_id: field(nullable(fc.uuid()), fc.string()),
  root_execution_id: field(nullable(fc.uuid()), fc.string()),
  run_timeout_seconds: field(nullable(fc.integer())),
});
const polosRunShape = shaped({ execution_id: field(fc.uuid(), fc.string()), created_at: field(timestamp) });

/** Bodies for a target: its own shape, the other shapes, any JSON, anything, and plain text. */
const bodies = (shape: fc.Arbitrary<unknown>): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: shape.map(toJsonText) },
    { weight: 2, arbitrary: json.map(toJsonText) },
    { weight: 1, arbitrary: fc.anything({ withBigInt: true, maxDepth: 3 }).map(toJsonText) },
    {
      weight: 1,
      arbitrary: fc.oneof(flowkerStatusShape, flowkerResultsShape, promptLayerMapShape, polosExecutionShape, polosRunShape).map(toJsonText),
    },
    { weight: 1, arbitrary: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', 'null', '{', '[]', '{"a":1,"a":2}', 'NaN', '1e999', '"\\ud800"')) },
  ).map((body) => body ?? '');

const SHAPES: Readonly<Record<string, fc.Arbitrary<unknown>>> = {
  'Flowker status': flowkerStatusShape,
  'Flowker start (id from the body)': flowkerStatusShape,
  'Flowker results': flowkerResultsShape,
  'Flowker list': flowkerListShape,
  'PromptLayer results (200)': promptLayerMapShape,
  'PromptLayer results (202)': promptLayerMapShape,
  'PromptLayer results (204)': promptLayerMapShape,
  'PromptLayer run': promptLayerRunShape,
  'Polos execution': polosExecutionShape,
  'Polos list': fc.array(polosExecutionShape, { maxLength: 3 }),
  'Polos run': polosRunShape,
};

describe('parseBody + mapping never throw anything but UPSTREAM_BAD_RESPONSE', () => {
  it.each(TARGETS.map((target) => [target.name, target] as const))('%s', (_name, target) => {
    const shape = SHAPES[target.name];
    expect(shape).toBeDefined();
    fc.assert(
      fc.property(bodies(shape!), (body) => {
        outcome(target.provider, BAD, () => target.run({ status: 200, headers: {}, body }));
      }),
      { numRuns: RUNS },
    );
  });

  it.each(TARGETS.map((target) => [target.name, target] as const))('%s: the seed-shaped body maps', (_name, target) => {
    const seeds: Record<string, unknown> = {
      'Flowker status': flowkerStatus(),
      'Flowker start (id from the body)': flowkerStatus(),
      'Flowker results': flowkerResults(),
      'Flowker list': flowkerList(),
      'PromptLayer results (200)': promptLayerNodes(),
      'PromptLayer results (202)': promptLayerNodes(),
      'PromptLayer results (204)': promptLayerNodes(),
      'PromptLayer run': { workflow_version_execution_id: 98765 },
      'Polos execution': polosExecution(),
      'Polos list': [polosRunItem()],
      'Polos run': polosRun(),
    };
    expect(() => target.run(jsonResponse(seeds[target.name]))).not.toThrow();
  });

  it('the error names the provider and what was being parsed, without dumping the body', () => {
    const secretish = 'x'.repeat(5_000);
    for (const body of [`{"status":"${secretish}"`, JSON.stringify({ executionId: 1, status: secretish })]) {
      const error = outcome('flowker', BAD, () => parseBody('flowker', rawResponse(body), FlowkerExecutionStatusBody, 'status response'));
      expect(error).toBeUndefined();
      try {
        parseBody('flowker', rawResponse(body), FlowkerExecutionStatusBody, 'status response');
      } catch (thrown) {
        expect((thrown as GatewayError).message).toMatch(/^Flowker status response /);
        expect((thrown as GatewayError).message).not.toContain(secretish.slice(0, 100));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------
// parseJsonLossless

describe('parseJsonLossless', () => {
  it.each([
    ['2^53 + 1', PROMPTLAYER_ID_ABOVE_2_53],
    ['int64 max', INT64_MAX],
    ['int64 max + 1', INT64_MAX_PLUS_ONE],
    ['2^53', '9007199254740992'],
    ['negative', '-9007199254740993'],
    ['30 digits', '123456789012345678901234567890'],
  ])('keeps the unsafe integer %s as its decimal string', (_label, digits) => {
    expect(parseJsonLossless(digits)).toBe(digits);
    expect(parseJsonLossless(`{"id":${digits},"nested":[${digits}]}`)).toEqual({ id: digits, nested: [digits] });
  });

  it.each([0, 1, -1, 42, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 0.1, 1.5, -2.25, 1e-7, 5e-324, 0.30000000000000004, 3.141592653589793])(
    'leaves the safe number %d as a number',
    (value) => {
      expect(parseJsonLossless(JSON.stringify(value))).toBe(value);
    },
  );

  it('parses everything else like JSON.parse', () => {
    const value = { a: [1, 'two', null, true, { b: false }], 'ünï': '\u2028', empty: {} };
    expect(parseJsonLossless(JSON.stringify(value))).toEqual(value);
  });

  it.each(['', '{', 'undefined', "{'a':1}", '{"a":1,}', 'NaN', '[1,]', '[012345678901234567]', '[-012345678901234567]'])('rejects %j with an exception (parseBody maps it)', (textBody) => {
    expect(() => parseJsonLossless(textBody)).toThrow();
  });

  it('reads a duplicate key as JSON.parse does (the last one wins; RFC 8259 leaves it to the parser)', () => {
    expect(parseJsonLossless('{"a":1,"a":2}')).toEqual({ a: 2 });
    expect(parseJsonLossless('{"a":1,"a":12345678901234567890}')).toEqual({ a: '12345678901234567890' });
  });

  it('leaves digits inside strings alone, escaped quotes included', () => {
    const value = { s: '12345678901234567890', t: 'say \\"12345678901234567890\\" twice', u: ['x', '99999999999999999'] };
    expect(parseJsonLossless(JSON.stringify(value))).toEqual(value);
    expect(parseJsonLossless('{"s":"a\\\\","n":12345678901234567890}')).toEqual({ s: 'a\\', n: '12345678901234567890' });
  });

  it('property: any JSON value with big integers parses like JSON.parse, but for the unsafe integers kept exact', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }).filter((value) => !/\d{16}/.test(JSON.stringify(value))), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), (value, big) => {
        const digits = big.toString();
        const safe = big >= BigInt(-Number.MAX_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER);
        expect(parseJsonLossless(`{"value":${JSON.stringify(value)},"big":${digits},"text":"${digits}"}`)).toEqual({
          value: JSON.parse(JSON.stringify(value)),
          big: safe ? Number(digits) : digits,
          text: digits,
        });
      }),
      { numRuns: 1_000 },
    );
  });

  it('property: safe integers come back as numbers, unsafe ones as exact decimal strings', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }), (value) => {
        const digits = value.toString();
        const safe = value >= BigInt(-Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
        expect(parseJsonLossless(`[${digits}]`)).toEqual([safe ? Number(digits) : digits]);
      }),
      { numRuns: 1_000 },
    );
  });

  it('property: JSON without big numbers parses exactly like JSON.parse', () => {
    const small = fc.jsonValue({ maxDepth: 4 }).filter((value) => {
      const textValue = JSON.stringify(value);
      return !/\d{16,}|e[+-]?\d/i.test(textValue);
    });
    fc.assert(
      fc.property(small, (value) => {
        const textValue = JSON.stringify(value);
        expect(parseJsonLossless(textValue)).toEqual(JSON.parse(textValue));
      }),
      { numRuns: 500 },
    );
  });

  it('property: any string either parses or throws, it never hangs or crashes the process', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (textBody) => {
        try {
          parseJsonLossless(textBody);
        } catch {
          // fine: parseBody turns this into UPSTREAM_BAD_RESPONSE
        }
      }),
      { numRuns: 1_000 },
    );
  });

  it('deeply nested input throws (stack overflow is caught by parseBody), not crashes', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(outcome('polos', BAD, () => parseBody('polos', rawResponse(deep), PolosExecutionBody, 'x'))).toBeUndefined();
  });

  /**
   * Regression (src/upstreams/http/json.ts, parseJsonLossless): every number lossless-json deems
   * "unsafe" was returned as its source text, so `{"mass": 1.5e300}` reached clients as
   * `{"mass": "1.5e300"}`. Only digit-only integers beyond 2^53 stay strings.
   */
  it.each([
    ['6.02e23', 6.02e23],
    ['1.5e300', 1.5e300],
    ['1e+21', 1e21],
    ['1.7976931348623157e308', Number.MAX_VALUE],
    ['12345678901234567.5', 12345678901234567.5],
  ])('the non-integer literal %s stays a number', (literal, value) => {
    expect(parseJsonLossless(literal)).toBe(value);
  });
});

// ---------------------------------------------------------------------------------------------
// Adapters over a fake HTTP client (the client's own status handling is tested in http-client.test.ts)

interface FakeHttp {
  readonly http: UpstreamHttpClient;
  readonly calls: RequestOptions[];
}

/** Answers every request with `response`, as the real client would hand it to the adapter. */
function fakeHttp(provider: Provider, response: UpstreamResponse): FakeHttp {
  const calls: RequestOptions[] = [];
  const http = {
    provider,
    circuitState: 'closed',
    request: async (request: RequestOptions) => {
      calls.push(request);
      return response;
    },
    close: async () => {},
  };
  return { http: http as unknown as UpstreamHttpClient, calls };
}

type AdapterFactory = (http: UpstreamHttpClient) => ExecutionAdapter;
const ADAPTERS: Readonly<Record<Provider, AdapterFactory>> = {
  flowker: (http) => new FlowkerAdapter(http),
  promptlayer: (http) => new PromptLayerAdapter(http),
  polos: (http) => new PolosAdapter(http),
};
const IDS: Readonly<Record<Provider, string>> = { flowker: FLOWKER_EXECUTION_ID, promptlayer: PROMPTLAYER_EXECUTION_ID, polos: POLOS_EXECUTION_ID };
const EXECUTION_SHAPES: Readonly<Record<Provider, fc.Arbitrary<unknown>>> = {
  flowker: flowkerStatusShape,
  promptlayer: promptLayerMapShape,
  polos: polosExecutionShape,
};

/** Statuses the client passes on to adapters (it turns 401/403/429/5xx into errors itself). */
const passedStatus = fc.constantFrom(200, 200, 200, 201, 202, 204, 206, 302, 304, 400, 404, 409, 410, 413, 422);

describe('adapters: any passed-on response → Execution, null, or a GatewayError', () => {
  it.each(['flowker', 'promptlayer', 'polos'] as const)('%s fetchExecution', async (provider) => {
    await fc.assert(
      fc.asyncProperty(passedStatus, bodies(EXECUTION_SHAPES[provider]), async (status, body) => {
        const { http } = fakeHttp(provider, rawResponse(body, status));
        const execution = await outcomeAsync(provider, BAD, () => ADAPTERS[provider](http).fetchExecution(IDS[provider]));
        if (execution) {
          expectExecution(execution, provider);
          expect(execution.upstreamId).toBe(IDS[provider]);
        }
        if (status === 404) expect(execution).toBeNull();
      }),
      { numRuns: RUNS },
    );
  });

  it('flowker fetchDetails', async () => {
    const body = fc.oneof(bodies(flowkerResultsShape), fc.constant(JSON.stringify(flowkerStillRunning())), fc.constant(JSON.stringify(flowkerError())));
    await fc.assert(
      fc.asyncProperty(passedStatus, body, async (status, text) => {
        const { http } = fakeHttp('flowker', rawResponse(text, status));
        const details = await outcomeAsync('flowker', BAD, () => new FlowkerAdapter(http).fetchDetails(FLOWKER_EXECUTION_ID));
        if (details) expectDetails(details);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['flowker', flowkerStatusShape],
    ['promptlayer', promptLayerRunShape],
    ['polos', polosRunShape],
  ] as const)('%s startExecution', async (provider, shape) => {
    const startStatus = fc.constantFrom(200, 201, 201, 202, 204, 302, 400, 404, 409, 422);
    await fc.assert(
      fc.asyncProperty(startStatus, bodies(shape), async (status, body) => {
        const { http } = fakeHttp(provider, rawResponse(body, status));
        const request = { workflowId: provider === 'flowker' ? FLOWKER_EXECUTION_ID : 'wf', input: { a: 1 }, idempotencyKey: null };
        const result = await outcomeAsync(provider, ['UPSTREAM_BAD_RESPONSE', 'BAD_USER_INPUT'], () => ADAPTERS[provider](http).startExecution(request));
        if (result) expectExecution(result.execution, provider);
      }),
      { numRuns: RUNS },
    );
  });

  it.each([
    ['flowker', flowkerListShape],
    ['polos', fc.array(polosExecutionShape, { maxLength: 4 })],
  ] as const)('%s listExecutions', async (provider, shape) => {
    await fc.assert(
      fc.asyncProperty(passedStatus, bodies(shape), async (status, body) => {
        const { http } = fakeHttp(provider, rawResponse(body, status));
        const page = await outcomeAsync(provider, ['UPSTREAM_BAD_RESPONSE', 'BAD_USER_INPUT'], () =>
          ADAPTERS[provider](http).listExecutions!({ workflowId: null, status: null, first: 3, after: null }),
        );
        if (page) {
          expect(page.executions.length).toBeLessThanOrEqual(3);
          for (const execution of page.executions) expectExecution(execution, provider);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe('adapters: examples', () => {
  it('Flowker: 422 FLK-0502 on /results means "not yet", another 422 is a bad response, 404 is not found', async () => {
    const details = (response: UpstreamResponse) => new FlowkerAdapter(fakeHttp('flowker', response).http).fetchDetails(FLOWKER_EXECUTION_ID);
    await expect(details(jsonResponse(flowkerStillRunning(), 422))).resolves.toBeNull();
    await expect(details(jsonResponse(flowkerError({ code: 'FLK-0503', message: 'timeout' }), 422))).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    await expect(details(rawResponse('', 422))).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    await expect(details(jsonResponse(flowkerError(), 404))).resolves.toBeNull();
    await expect(details(jsonResponse(flowkerResults()))).resolves.toMatchObject({ output: flowkerResults().finalOutput });
  });

  it('Flowker: requests /v1/executions/{id} and /results', async () => {
    const fake = fakeHttp('flowker', jsonResponse(flowkerStatus()));
    await new FlowkerAdapter(fake.http).fetchExecution(FLOWKER_EXECUTION_ID);
    expect(fake.calls[0]).toMatchObject({ path: `/v1/executions/${FLOWKER_EXECUTION_ID}` });
  });

  it('PromptLayer: asks for all outputs, and 202/204 with no body are not terminal', async () => {
    const fetch = (response: UpstreamResponse) => {
      const fake = fakeHttp('promptlayer', response);
      return { fake, result: new PromptLayerAdapter(fake.http).fetchExecution(PROMPTLAYER_ID_ABOVE_2_53) };
    };
    const { fake, result } = fetch(rawResponse('', 204));
    await expect(result).resolves.toMatchObject({ status: 'QUEUED', upstreamStatus: '204', upstreamId: PROMPTLAYER_ID_ABOVE_2_53 });
    expect(fake.calls[0]).toMatchObject({
      path: '/workflow-version-execution-results',
      query: { workflow_version_execution_id: PROMPTLAYER_ID_ABOVE_2_53, return_all_outputs: 'true' },
    });
    await expect(fetch(rawResponse('  ', 202)).result).resolves.toMatchObject({ status: 'QUEUED', upstreamStatus: '202' });
    await expect(fetch(jsonResponse(promptLayerNodes(), 202)).result).resolves.toMatchObject({ status: 'RUNNING' });
    await expect(fetch(jsonResponse(promptLayerNodes(), 200)).result).resolves.toMatchObject({ status: 'COMPLETED' });
    await expect(fetch(rawResponse('', 200)).result).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    // A bare output value (return_all_outputs=false) is not a node map.
    await expect(fetch(jsonResponse('Final result', 200)).result).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
    await expect(fetch(jsonResponse({}, 404)).result).resolves.toBeNull();
    await expect(fetch(jsonResponse({ detail: [] }, 422)).result).rejects.toMatchObject({ code: 'UPSTREAM_BAD_RESPONSE' });
  });

  it.each([
    ['98765', '98765'],
    [PROMPTLAYER_ID_ABOVE_2_53, PROMPTLAYER_ID_ABOVE_2_53],
    [INT64_MAX, INT64_MAX],
  ])('PromptLayer run: a bare integer id %s keeps every digit', async (raw, expected) => {
    const adapter = new PromptLayerAdapter(fakeHttp('promptlayer', rawResponse(promptLayerRunText(raw), 201)).http);
    const result = await adapter.startExecution({ workflowId: 'my workflow', input: null, idempotencyKey: null });
    expect(result.execution.upstreamId).toBe(expected);
    expect(result.execution.status).toBe('PENDING');
  });

  it.each([INT64_MAX_PLUS_ONE, '0', '-1', '1.5', '1e30', '"abc"', 'null', '"0123"'])('PromptLayer run: id %s is a bad response', async (raw) => {
    const adapter = new PromptLayerAdapter(fakeHttp('promptlayer', rawResponse(promptLayerRunText(raw), 201)).http);
    await expect(adapter.startExecution({ workflowId: 'wf', input: null, idempotencyKey: null })).rejects.toMatchObject({
      code: 'UPSTREAM_BAD_RESPONSE',
      provider: 'promptlayer',
    });
  });

  it('Polos: an empty 500 is "not found" (and the client is told not to treat it as a failure)', async () => {
    const fake = fakeHttp('polos', rawResponse('', 500));
    await expect(new PolosAdapter(fake.http).fetchExecution(POLOS_EXECUTION_ID)).resolves.toBeNull();
    const handles = fake.calls[0]?.handles;
    expect(handles?.(500, '')).toBe(true);
    expect(handles?.(500, '{"error":"x"}')).toBe(false);
    expect(handles?.(502, '')).toBe(false);
    expect(fake.calls[0]?.path).toBe(`/api/v1/executions/${POLOS_EXECUTION_ID}`);
  });

  it('Polos: queued + error + retry_count through the adapter → QUEUED + RETRYING', async () => {
    const fake = fakeHttp('polos', jsonResponse(polosExecution({ status: 'queued', error: 'boom', retry_count: 1 })));
    await expect(new PolosAdapter(fake.http).fetchExecution(POLOS_EXECUTION_ID)).resolves.toMatchObject({
      status: 'QUEUED',
      statusReason: 'RETRYING',
      error: { message: 'boom' },
    });
  });
});
