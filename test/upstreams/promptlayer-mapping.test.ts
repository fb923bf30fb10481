import { describe, expect, it } from 'vitest';
import { isTerminal, type Execution } from '../../src/domain/execution.js';
import { parseBody } from '../../src/upstreams/http/json.js';
import { startedExecution, fromPromptLayerResults } from '../../src/upstreams/promptlayer/mapping.js';
import { PromptLayerResultsBody } from '../../src/upstreams/promptlayer/wire.js';
import {
  PROMPTLAYER_EXECUTION_ID,
  PROMPTLAYER_ID_ABOVE_2_53,
  jsonResponse,
  promptLayerNode,
  promptLayerNodes,
  promptLayerRunningNodes,
  rawResponse,
  type PromptLayerNodeMapPayload,
  type PromptLayerNodePayload,
} from '../support/payloads.js';

/** Through the wire schema, as the adapter does. */
const map = (httpStatus: number, nodes: PromptLayerNodeMapPayload): Execution =>
  fromPromptLayerResults(PROMPTLAYER_EXECUTION_ID, httpStatus, parseBody('promptlayer', jsonResponse(nodes, httpStatus), PromptLayerResultsBody, 'results'));
const single = (httpStatus: number, node: Partial<PromptLayerNodePayload>): Execution => map(httpStatus, promptLayerNodes({ Only: node }));

describe('PromptLayer: the HTTP status decides whether it is finished', () => {
  it('200 with the seed example → COMPLETED, terminal, output of the output node', () => {
    const execution = map(200, promptLayerNodes());
    expect(isTerminal(execution)).toBe(true);
    expect(execution).toMatchObject({ status: 'COMPLETED', upstreamStatus: '200', error: null, progress: { completed: 2, total: 2 } });
    expect(execution.details).toEqual({ steps: [], output: 'Final result' });
  });

  it('202 with the seed example (output node RUNNING) → RUNNING', () => {
    const execution = map(202, promptLayerRunningNodes());
    expect(isTerminal(execution)).toBe(false);
    expect(execution).toMatchObject({ status: 'RUNNING', upstreamStatus: '202', error: null, progress: { completed: 1, total: 2 } });
  });

  it('202 with every node QUEUED → QUEUED', () => {
    const execution = map(202, promptLayerNodes({ A: { status: 'QUEUED', value: null }, B: { status: 'QUEUED', value: null, is_output_node: true } }));
    expect(execution.status).toBe('QUEUED');
    expect(execution.progress).toEqual({ completed: 0, total: 2 });
  });

  it('202 with a mix of QUEUED and finished nodes → RUNNING', () => {
    const execution = map(202, promptLayerNodes({ A: {}, B: { status: 'QUEUED', value: null, is_output_node: true } }));
    expect(execution.status).toBe('RUNNING');
  });

  it('202 where every node already finished is still not terminal (only 200 is)', () => {
    const execution = map(202, promptLayerNodes());
    expect(execution.status).toBe('RUNNING');
    expect(isTerminal(execution)).toBe(false);
  });

  it('204 with an empty map (the adapter passes {}) → not terminal, QUEUED, no progress yet', () => {
    const execution = fromPromptLayerResults(PROMPTLAYER_EXECUTION_ID, 204, {});
    expect(isTerminal(execution)).toBe(false);
    expect(execution.status).toBe('QUEUED');
    expect(execution.upstreamStatus).toBe('204');
    expect(execution.nodes).toEqual([]);
    expect(execution.progress).toEqual({ completed: 0, total: 0 });
    expect(execution.details).toEqual({ steps: [], output: null });
    expect(execution.error).toBeNull();
  });

  it('204 with nodes behaves like 202', () => {
    expect(map(204, promptLayerRunningNodes()).status).toBe('RUNNING');
  });

  it('200 with an empty map → COMPLETED with no output', () => {
    const execution = fromPromptLayerResults(PROMPTLAYER_EXECUTION_ID, 200, {});
    expect(execution.status).toBe('COMPLETED');
    expect(execution.details?.output).toBeNull();
  });

  it('has none of the fields PromptLayer does not send', () => {
    const execution = map(200, promptLayerNodes());
    expect(execution).toMatchObject({
      provider: 'promptlayer',
      upstreamId: PROMPTLAYER_EXECUTION_ID,
      workflowId: null,
      statusReason: null,
      createdAt: null,
      startedAt: null,
      completedAt: null,
      input: null,
      retryCount: null,
      parentId: null,
      rootId: null,
    });
  });

  it('keeps an id above 2^53 as given', () => {
    expect(fromPromptLayerResults(PROMPTLAYER_ID_ABOVE_2_53, 200, {}).upstreamId).toBe(PROMPTLAYER_ID_ABOVE_2_53);
  });
});

describe('PromptLayer node status', () => {
  it.each([
    ['QUEUED', 'QUEUED'],
    ['RUNNING', 'RUNNING'],
    ['SUCCESS', 'COMPLETED'],
    ['FAILED', 'FAILED'],
    ['FAILURE', 'FAILED'],
    ['SKIPPED', 'SKIPPED'],
    ['PENDING', 'RUNNING'],
    ['success', 'RUNNING'],
    ['', 'RUNNING'],
  ] as const)('%j → %s, raw value kept', (raw, status) => {
    const node = single(202, { status: raw }).nodes[0];
    expect(node?.status).toBe(status);
    expect(node?.upstreamStatus).toBe(raw);
  });

  it('maps every node field', () => {
    const execution = map(
      200,
      promptLayerNodes({
        Fetch: { status: 'FAILED', value: null, error_message: 'Timeout calling tool', raw_error_message: 'httpx.ReadTimeout: …', is_output_node: false },
        Answer: { status: 'SKIPPED', value: null, is_output_node: true },
      }),
    );
    expect(execution.nodes).toEqual([
      { name: 'Fetch', status: 'FAILED', upstreamStatus: 'FAILED', value: null, error: 'Timeout calling tool', rawError: 'httpx.ReadTimeout: …', isOutput: false },
      { name: 'Answer', status: 'SKIPPED', upstreamStatus: 'SKIPPED', value: null, error: null, rawError: null, isOutput: true },
    ]);
  });

  it('optional node fields default to null / false', () => {
    const body = parseBody('promptlayer', rawResponse('{"N":{"status":"SUCCESS"}}'), PromptLayerResultsBody, 'results');
    expect(fromPromptLayerResults('1', 200, body).nodes).toEqual([
      { name: 'N', status: 'COMPLETED', upstreamStatus: 'SUCCESS', value: null, error: null, rawError: null, isOutput: false },
    ]);
  });

  it('node names are kept exactly, including unusual ones', () => {
    const names = ['Node 1', 'ñandú 🦤', '', 'constructor', 'a.b', '0'];
    const execution = map(200, Object.fromEntries(names.map((name) => [name, promptLayerNode()])));
    expect(execution.nodes.map((node) => node.name).sort()).toEqual([...names].sort());
  });
});

describe('PromptLayer: finished (200) → COMPLETED or FAILED', () => {
  it.each([
    ['a non-output node FAILED', { A: { status: 'FAILED', error_message: 'boom' }, Out: { is_output_node: true } }, 'FAILED'],
    ['a non-output node FAILURE (synonym)', { A: { status: 'FAILURE', error_message: 'boom' }, Out: { is_output_node: true } }, 'FAILED'],
    ['the output node FAILED', { A: {}, Out: { status: 'FAILED', is_output_node: true } }, 'FAILED'],
    ['the output node FAILURE', { A: {}, Out: { status: 'FAILURE', is_output_node: true } }, 'FAILED'],
    ['the output node SKIPPED', { A: {}, Out: { status: 'SKIPPED', value: null, is_output_node: true } }, 'FAILED'],
    ['the output node still RUNNING', { A: {}, Out: { status: 'RUNNING', value: null, is_output_node: true } }, 'FAILED'],
    ['the output node has an unknown status', { A: {}, Out: { status: 'WEIRD', is_output_node: true } }, 'FAILED'],
    ['a non-output node SKIPPED (branch not taken)', { A: { status: 'SKIPPED', value: null }, Out: { is_output_node: true } }, 'COMPLETED'],
    ['every node SUCCESS', { A: {}, Out: { is_output_node: true } }, 'COMPLETED'],
    ['no output node at all, all SUCCESS', { A: {}, B: {} }, 'COMPLETED'],
    ['one of two output nodes SKIPPED', { Out1: { is_output_node: true }, Out2: { status: 'SKIPPED', is_output_node: true } }, 'FAILED'],
  ] as const)('%s → %s', (_label, nodes, status) => {
    const execution = map(200, promptLayerNodes(nodes as Record<string, Partial<PromptLayerNodePayload>>));
    expect(execution.status).toBe(status);
    expect(isTerminal(execution)).toBe(true);
    if (status === 'FAILED') expect(execution.error).not.toBeNull();
    else expect(execution.error).toBeNull();
  });

  it('the error names the failed node and uses its error message', () => {
    const execution = map(200, promptLayerNodes({ Fetch: { status: 'FAILED', error_message: 'Timeout calling tool' }, Out: { status: 'SKIPPED', is_output_node: true } }));
    expect(execution.error).toEqual({ code: null, message: 'Node "Fetch": Timeout calling tool' });
  });

  it('a FAILED node wins over an output node that did not succeed, for the error', () => {
    const execution = map(200, promptLayerNodes({ Out: { status: 'SKIPPED', is_output_node: true }, Fetch: { status: 'FAILURE', error_message: 'x' } }));
    expect(execution.error?.message).toBe('Node "Fetch": x');
  });

  it('an output node that did not succeed, without message, says how it ended', () => {
    const execution = map(200, promptLayerNodes({ Out: { status: 'SKIPPED', value: null, is_output_node: true } }));
    expect(execution.error).toEqual({ code: null, message: 'Node "Out": ended SKIPPED' });
  });

  it('a FAILED node at 202 does not fail the execution yet', () => {
    const execution = map(202, promptLayerNodes({ A: { status: 'FAILED' }, Out: { status: 'RUNNING', is_output_node: true } }));
    expect(execution.status).toBe('RUNNING');
    expect(execution.error).toBeNull();
  });
});

describe('PromptLayer output', () => {
  it('one output node → its value', () => {
    expect(map(200, promptLayerNodes({ A: { value: 'ignored' }, Out: { value: { answer: 42 }, is_output_node: true } })).details?.output).toEqual({ answer: 42 });
  });

  it('several output nodes → an object keyed by node name', () => {
    const execution = map(
      200,
      promptLayerNodes({
        A: { value: 'not an output' },
        Summary: { value: 'short', is_output_node: true },
        Score: { value: 0.93, is_output_node: true },
        Tags: { value: ['x', 'y'], is_output_node: true },
      }),
    );
    expect(execution.details?.output).toEqual({ Summary: 'short', Score: 0.93, Tags: ['x', 'y'] });
  });

  it('no output node → null', () => {
    expect(map(200, promptLayerNodes({ A: {}, B: {} })).details?.output).toBeNull();
  });

  it('an output node without a value → null', () => {
    expect(map(202, promptLayerRunningNodes()).details?.output).toBeNull();
  });

  it.each(['text', 0, false, null, [1, [2]], { nested: { deep: true } }])('passes any JSON value through: %j', (value) => {
    expect(single(200, { value, is_output_node: true }).details?.output).toEqual(value);
  });

  it('keeps integers above 2^53 in values exact (as decimal strings)', () => {
    const body = parseBody('promptlayer', rawResponse('{"Out":{"status":"SUCCESS","value":{"id":9007199254740993,"n":7},"is_output_node":true}}'), PromptLayerResultsBody, 'results');
    expect(fromPromptLayerResults('1', 200, body).details?.output).toEqual({ id: '9007199254740993', n: 7 });
  });
});

describe('PromptLayer progress', () => {
  it.each([
    [{ A: { status: 'SUCCESS' }, B: { status: 'FAILED' }, C: { status: 'SKIPPED' }, D: { status: 'FAILURE' } }, 4, 4],
    [{ A: { status: 'SUCCESS' }, B: { status: 'RUNNING' }, C: { status: 'QUEUED' } }, 1, 3],
    [{ A: { status: 'QUEUED' } }, 0, 1],
    [{ A: { status: 'SUCCESS' }, B: { status: 'UNKNOWN' } }, 1, 2],
  ] as const)('%j → %d of %d', (nodes, completed, total) => {
    expect(map(202, promptLayerNodes(nodes)).progress).toEqual({ completed, total });
  });
});

describe('PromptLayer startedExecution', () => {
  it('is PENDING with nothing known yet', () => {
    const execution = startedExecution(PROMPTLAYER_ID_ABOVE_2_53);
    expect(execution).toMatchObject({
      provider: 'promptlayer',
      upstreamId: PROMPTLAYER_ID_ABOVE_2_53,
      status: 'PENDING',
      upstreamStatus: null,
      progress: null,
      details: null,
      error: null,
      nodes: [],
    });
    expect(isTerminal(execution)).toBe(false);
  });
});

/** Regression, as in flowker-mapping.test.ts: `NODE_STATUS[node.status]` in promptlayer/mapping.ts has the same flaw. */
describe('PromptLayer node statuses named like Object.prototype members', () => {
  it.each(['constructor', 'toString', '__proto__'])('node status %j is unknown (RUNNING)', (raw) => {
    const node = single(202, { status: raw }).nodes[0];
    expect(node?.status).toBe('RUNNING');
    expect(node?.upstreamStatus).toBe(raw);
  });
});
