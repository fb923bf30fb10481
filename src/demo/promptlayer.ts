/**
 * Simulated PromptLayer: `POST /workflows/{workflow_name}/run` (201 with the new execution's id;
 * 202 with a callback_url, which it then POSTs `{workflow_version_execution_id, final_output}`
 * to once, when the run finishes) and `GET /workflow-version-execution-results`, a map of nodes
 * keyed by node name, answered 202 while any node is QUEUED or RUNNING and 200 once all are final. Errors
 * take the shapes of its OpenAPI: `{success:false, message}`, and FastAPI's `{detail:[…]}` for 422.
 * There is no list and no cancel, as in PromptLayer.
 *
 * Ids are int64 and stay decimal strings throughout, never JS numbers: 9007199254740993 is 2^53+1,
 * which a number would silently turn into 9007199254740992, a different execution. The ids of new
 * runs are BigInts above 2^53 and odd, so that not one of them survives a round trip through a double.
 */
import { request as httpRequest } from 'undici';
import type { JsonValue } from '../domain/execution.js';
import { isJsonObject, json, parseJsonBody, textIn, type DemoExample, type DemoRequest, type DemoResponse, type DemoUpstream, type DemoWorkflow } from './http.js';
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
type JsonObject = { readonly [key: string]: JsonValue };

/** A workflow of the demo, found by name or by numeric id, as PromptLayer's run path accepts both. */
export interface PromptLayerWorkflow {
  readonly name: string;
  readonly id: string;
  readonly description: string;
  /** The variables its prompts use: a run without one of them, or with others, gets a `warning`. */
  readonly inputVariables: readonly string[];
  readonly exampleInput: JsonObject;
  readonly nodes: (input: JsonObject) => readonly PromptLayerNodePlan[];
}

const RESULTS_PATH = '/workflow-version-execution-results';
const RUN_PATH = /^\/workflows\/([^/]+)\/run$/;
/** 2^53 + 100001: odd, and every later id too (they go up by 2), so none is a double. */
const FIRST_RUN_ID = 2n ** 53n + 100_001n;
const ID_PARAM = 'workflow_version_execution_id';
const CANONICAL_ID = /^[1-9][0-9]*$/;
/** What pydantic accepts as an int in a query string; BigInt then canonicalizes it exactly. */
const INTEGER = /^\s*[+-]?[0-9]+\s*$/;
const TRUE = new Set(['1', 'on', 't', 'true', 'y', 'yes']);
const FALSE = new Set(['0', 'off', 'f', 'false', 'n', 'no']);

export function createPromptLayer(clock: DemoClock, apiKey: string): DemoUpstream<PromptLayerRunPlan> {
  const store = new ExecutionStore<NodeMap>(clock);
  const callbacks = new Set<NodeJS.Timeout>();
  let runs = 0n;

  /** When the run's last node is final: one POST, not signed, not retried (as PromptLayer documents nothing more). */
  function callBack(id: string, url: string): void {
    const timer = setTimeout(() => {
      callbacks.delete(timer);
      // The id as a bare JSON integer, as an int64 is sent.
      const body = `{"workflow_version_execution_id":${id},"final_output":${JSON.stringify(store.stateOf(id) ?? {})}}`;
      void httpRequest(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body }).then(
        (response) => response.body.dump(),
        () => {}, // lost: the gateway's safety-net poll finds the end
      );
    }, Math.max(0, (store.endsAt(id) ?? clock.now()) - clock.now()));
    callbacks.add(timer);
  }
  const add = (plan: PromptLayerRunPlan, startMs?: number) => {
    if (!CANONICAL_ID.test(plan.id)) throw new Error(`PromptLayer ids are positive decimals, not "${plan.id}".`);
    store.add(plan.id, () => moments(plan), startMs);
  };

  function run(request: DemoRequest, rawName: string): DemoResponse {
    const body = parseRunBody(request.body);
    if ('invalid' in body) return body.invalid;
    const name = decodePathSegment(rawName);
    const workflow = PROMPTLAYER_WORKFLOWS.find((candidate) => candidate.name === name || candidate.id === name);
    if (!workflow) return json(404, { success: false, message: `Workflow ${name ?? rawName} not found` });

    const id = (FIRST_RUN_ID + 2n * runs).toString();
    runs += 1n;
    add({ id, nodes: workflow.nodes(body.inputVariables) });
    const given = Object.keys(body.inputVariables);
    const missing = workflow.inputVariables.filter((variable) => !given.includes(variable));
    const unused = given.filter((variable) => !workflow.inputVariables.includes(variable));
    const warnings = [
      ...(missing.length > 0 ? [`Missing input variables: ${missing.join(', ')}`] : []),
      ...(unused.length > 0 ? [`Unused input variables: ${unused.join(', ')}`] : []),
    ];
    // With a callback_url PromptLayer answers 202 and POSTs the results there when the run ends.
    if (body.callbackUrl) callBack(id, body.callbackUrl);
    const status = body.callbackUrl ? 202 : 201;
    const head = JSON.stringify({ success: true, message: 'Workflow execution created successfully', warning: warnings.length > 0 ? warnings.join('; ') : null });
    // The id goes out as a bare JSON integer, as an int64 does: JSON.stringify cannot write one above 2^53.
    return { status, contentType: 'application/json', body: `${head.slice(0, -1)},"workflow_version_execution_id":${id}}` };
  }

  return {
    add,
    close() {
      for (const timer of callbacks) clearTimeout(timer);
      callbacks.clear();
    },
    handle(request) {
      // FastAPI: an unknown route is a 404 before any dependency (the API key check) runs.
      const runMatch = RUN_PATH.exec(request.path);
      const route = request.method === 'POST' && runMatch?.[1] ? 'run' : request.path === RESULTS_PATH && request.method === 'GET' ? 'results' : null;
      if (route === null) return json(404, { detail: 'Not Found' });
      if (request.header('x-api-key') !== apiKey) return json(401, { success: false, message: 'Invalid API key' });
      if (route === 'run') return run(request, runMatch?.[1] ?? '');
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

const decodePathSegment = (segment: string): string | null => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
};

/** The run body: every field optional; FastAPI's 422 for JSON it cannot read or fields of the wrong type. */
function parseRunBody(text: string): { inputVariables: JsonObject; callbackUrl: string | null } | { invalid: DemoResponse } {
  if (text.trim() === '') return { inputVariables: {}, callbackUrl: null };
  const parsed = parseJsonBody(text);
  if (!parsed) {
    return { invalid: json(422, { detail: [{ type: 'json_invalid', loc: ['body', 0], msg: 'JSON decode error', input: {}, ctx: { error: 'Expecting value' } }] }) };
  }
  if (!isJsonObject(parsed.value)) {
    return { invalid: json(422, { detail: [{ type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: parsed.value as JsonValue }] }) };
  }
  const { input_variables: inputVariables = {}, callback_url: callbackUrl = null } = parsed.value;
  const problems: JsonValue[] = [];
  if (inputVariables !== null && !isJsonObject(inputVariables)) {
    problems.push({ type: 'dict_type', loc: ['body', 'input_variables'], msg: 'Input should be a valid dictionary', input: inputVariables });
  }
  if (callbackUrl !== null && (typeof callbackUrl !== 'string' || !/^https?:\/\/[^\s]+$/.test(callbackUrl))) {
    problems.push({ type: 'url_parsing', loc: ['body', 'callback_url'], msg: 'Input should be a valid URL', input: callbackUrl });
  }
  if (problems.length > 0) return { invalid: json(422, { detail: problems }) };
  return { inputVariables: isJsonObject(inputVariables) ? inputVariables : {}, callbackUrl: typeof callbackUrl === 'string' ? callbackUrl : null };
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

const REFUND_NODES: readonly PromptLayerNodePlan[] = [
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
];

/** The workflows the demo PromptLayer runs, by name (or numeric id). */
const PROMPTLAYER_WORKFLOWS: readonly PromptLayerWorkflow[] = [
  {
    name: 'support-triage',
    id: '3101',
    description: 'PromptLayer "support-triage": load ticket, classify, draft reply (~20 s)',
    inputVariables: ['ticket', 'message'],
    exampleInput: { ticket: 'SUP-5120', message: 'I was charged twice for order #60017.' },
    nodes: (input) => {
      const ticket = textIn(input, 'ticket', 'SUP-5120');
      const message = textIn(input, 'message', 'I was charged twice.');
      return [
        { name: 'Load ticket', isOutput: false, startMs: 1_000, endMs: 4_000, outcome: { value: { ticket, message } } },
        { name: 'Classify intent', isOutput: false, startMs: 4_000, endMs: 11_000, outcome: { value: { intent: 'billing.duplicate_charge', confidence: 0.93 } } },
        {
          name: 'Draft reply',
          isOutput: true,
          startMs: 11_000,
          endMs: 20_000,
          outcome: { value: `Re ${ticket}: sorry about that. The duplicate charge has been refunded; it shows on your statement within 5 business days.` },
        },
      ];
    },
  },
  {
    name: 'refund-assistant',
    id: '3102',
    description: 'PromptLayer "refund-assistant": retrieve, moderate, draft, critique, answer (~26 s)',
    inputVariables: ['question'],
    exampleInput: { question: 'Can I still return order #58213?' },
    nodes: () => REFUND_NODES,
  },
];

/** The workflows `startExecution` can start, for the start-up banner. */
export const PROMPTLAYER_STARTABLE: readonly DemoWorkflow[] = PROMPTLAYER_WORKFLOWS.map(({ name, description, exampleInput }) => ({
  workflowId: name,
  description,
  input: exampleInput,
}));

export const PROMPTLAYER_DEMO: readonly DemoExample<PromptLayerRunPlan>[] = [
  {
    description: 'PromptLayer: id above 2^53; nodes QUEUED, RUNNING (202), all SUCCESS (200)',
    plan: { id: '9007199254740993', nodes: REFUND_NODES },
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
