/**
 * Simulated PromptLayer: `GET /workflow-version-execution-results`, a map of nodes keyed by node
 * name, answered 202 while any node is QUEUED or RUNNING and 200 once all are final. Errors take
 * the shapes of its OpenAPI: `{success:false, message}`, and FastAPI's `{detail:[…]}` for 422.
 *
 * Ids are int64 and stay decimal strings throughout, never JS numbers: 9007199254740993 is 2^53+1,
 * which a number would silently turn into 9007199254740992, a different execution.
 */
import type { JsonValue } from '../domain/execution.js';
import { json, type DemoExample, type DemoRequest, type DemoResponse, type DemoUpstream } from './http.js';
import { ExecutionStore, type DemoClock, type Moment } from './timeline.js';

export interface PromptLayerNodePlan {
  readonly name: string;
  readonly isOutput: boolean;
  /** QUEUED before startMs, RUNNING until endMs, then final. A node that never runs has startMs = endMs. */
  readonly startMs: number;
  readonly endMs: number;
  readonly outcome: { readonly value: JsonValue } | { readonly error: string; readonly rawError: string } | 'skipped';
}

export interface PromptLayerRunPlan {
  /** Canonical decimal: the form every query is reduced to before the lookup. */
  readonly id: string;
  readonly nodes: readonly PromptLayerNodePlan[];
}

interface NodeBody {
  readonly status: 'QUEUED' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'SKIPPED';
  readonly value: JsonValue;
  readonly error_message: string | null;
  readonly raw_error_message: string | null;
  readonly is_output_node: boolean;
}

type NodeMap = Readonly<Record<string, NodeBody>>;

const RESULTS_PATH = '/workflow-version-execution-results';
const ID_PARAM = 'workflow_version_execution_id';
const CANONICAL_ID = /^[1-9][0-9]*$/;
/** What pydantic accepts as an int in a query string; BigInt then canonicalizes it exactly. */
const INTEGER = /^\s*[+-]?[0-9]+\s*$/;
const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export function createPromptLayer(clock: DemoClock, apiKey: string): DemoUpstream<PromptLayerRunPlan> {
  const store = new ExecutionStore<NodeMap>(clock);
  return {
    add(plan, startMs) {
      if (!CANONICAL_ID.test(plan.id)) throw new Error(`PromptLayer ids are positive decimals, not "${plan.id}".`);
      store.add(plan.id, () => moments(plan), startMs);
    },
    handle(request) {
      // FastAPI: an unknown route is a 404 before any dependency (the API key check) runs.
      if (request.path !== RESULTS_PATH || request.method !== 'GET') return json(404, { detail: 'Not Found' });
      if (request.header('x-api-key') !== apiKey) return json(401, { success: false, message: 'Invalid API key' });
      const query = parseQuery(request);
      if ('invalid' in query) return query.invalid;
      const nodes = store.stateOf(query.id);
      if (!nodes) return json(404, { success: false, message: `Workflow version execution ${query.id} not found` });
      const finished = Object.values(nodes).every((node) => node.status !== 'QUEUED' && node.status !== 'RUNNING');
      // Without return_all_outputs the body is the main output's bare value, null until it exists.
      const body = query.allOutputs ? nodes : (Object.values(nodes).find((node) => node.is_output_node)?.value ?? null);
      return json(finished ? 200 : 202, body);
    },
  };
}

function parseQuery(request: DemoRequest): { id: string; allOutputs: boolean } | { invalid: DemoResponse } {
  const rawId = request.query.get(ID_PARAM);
  const rawAll = request.query.get('return_all_outputs');
  const problems: JsonValue[] = [];
  if (rawId === null) {
    problems.push({ type: 'missing', loc: ['query', ID_PARAM], msg: 'Field required', input: null });
  } else if (!INTEGER.test(rawId)) {
    problems.push({ type: 'int_parsing', loc: ['query', ID_PARAM], msg: 'Input should be a valid integer, unable to parse string as an integer', input: rawId });
  }
  const all = rawAll?.toLowerCase();
  if (all !== undefined && !TRUE.has(all) && !FALSE.has(all)) {
    problems.push({ type: 'bool_parsing', loc: ['query', 'return_all_outputs'], msg: 'Input should be a valid boolean, unable to interpret input', input: rawAll });
  }
  if (rawId === null || problems.length > 0) return { invalid: json(422, { detail: problems }) };
  return { id: BigInt(rawId.trim()).toString(), allOutputs: all !== undefined && TRUE.has(all) };
}

/** One moment at every node start and end: in between, nothing in the map changes. */
function moments(plan: PromptLayerRunPlan): Moment<NodeMap>[] {
  const offsets = [...new Set([0, ...plan.nodes.flatMap((node) => [node.startMs, node.endMs])])];
  return offsets.map((atMs) => ({ atMs, state: Object.fromEntries(plan.nodes.map((node) => [node.name, nodeAt(node, atMs)])) }));
}

function nodeAt(node: PromptLayerNodePlan, atMs: number): NodeBody {
  const body = { value: null, error_message: null, raw_error_message: null, is_output_node: node.isOutput };
  if (atMs < node.startMs) return { status: 'QUEUED', ...body };
  if (atMs < node.endMs) return { status: 'RUNNING', ...body };
  if (node.outcome === 'skipped') return { status: 'SKIPPED', ...body };
  if ('error' in node.outcome) {
    return { status: 'FAILED', ...body, error_message: node.outcome.error, raw_error_message: node.outcome.rawError };
  }
  return { status: 'SUCCESS', ...body, value: node.outcome.value };
}

export const PROMPTLAYER_DEMO: readonly DemoExample<PromptLayerRunPlan>[] = [
  {
    description: 'PromptLayer: id above 2^53; nodes QUEUED, RUNNING (202), all SUCCESS (200)',
    plan: {
      id: '9007199254740993',
      nodes: [
        {
          name: 'Retrieve context',
          isOutput: false,
          startMs: 1_000,
          endMs: 6_000,
          outcome: { value: ['Refund policy v3, section 2', 'Order #58213: delivered 2026-04-28'] },
        },
        { name: 'Moderation', isOutput: false, startMs: 6_000, endMs: 10_000, outcome: { value: { flagged: false } } },
        {
          name: 'Draft answer',
          isOutput: false,
          startMs: 6_000,
          endMs: 16_000,
          outcome: { value: 'You can return the order within 30 days of delivery, so until 2026-05-28.' },
        },
        { name: 'Critique', isOutput: false, startMs: 16_000, endMs: 21_000, outcome: { value: { grounded: true, tone: 'ok' } } },
        {
          name: 'Final answer',
          isOutput: true,
          startMs: 21_000,
          endMs: 26_000,
          outcome: { value: 'Yes: order #58213 can be returned until 2026-05-28 (30 days after delivery). Start the return from your orders page.' },
        },
      ],
    },
  },
  {
    description: 'PromptLayer: node "Classify intent" FAILED, output node SKIPPED',
    plan: {
      id: '98765',
      nodes: [
        { name: 'Load ticket', isOutput: false, startMs: 500, endMs: 3_000, outcome: { value: { ticket: 'SUP-4471', subject: 'Charged twice' } } },
        {
          name: 'Classify intent',
          isOutput: false,
          startMs: 3_000,
          endMs: 12_000,
          outcome: {
            error: 'Rate limit reached for gpt-4o. Please try again later.',
            rawError: "Error code: 429 - {'error': {'message': 'Rate limit reached for gpt-4o', 'type': 'requests', 'code': 'rate_limit_exceeded'}}",
          },
        },
        { name: 'Draft reply', isOutput: true, startMs: 12_000, endMs: 12_000, outcome: 'skipped' },
      ],
    },
  },
];
