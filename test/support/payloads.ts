/**
 * Builders for upstream response bodies, shaped like the seeds in /work/shared/seeds and the
 * notes in docs/upstreams.md. Every builder returns a fresh plain object (safe to mutate) and
 * takes overrides for any of its fields:
 *
 *   polosExecution({ status: 'queued', error: 'boom', retry_count: 1 })
 *   flowkerStatus({ status: 'failed', errorMessage: 'execution timeout after 5m' })
 *   promptLayerNodes({ 'Node 2': { status: 'FAILED', error_message: 'x' } })
 *
 * Bodies are plain JSON values: send them with `JSON.stringify`, or wrap them in an
 * `UpstreamResponse` with `jsonResponse`. For bodies JSON cannot express (ids above 2^53 as bare
 * numbers, broken JSON) use `rawResponse` with hand-written text.
 */
import type { JsonValue } from '../../src/domain/execution.js';
import type { UpstreamResponse } from '../../src/upstreams/http/client.js';

export type { JsonValue };
type Overrides<T> = Partial<T>;

// ---------------------------------------------------------------------------------------------
// Ids

/** Ids from the Flowker seed (000). */
export const FLOWKER_EXECUTION_ID = 'f7e6d5c4-b3a2-1098-7654-321fedcba098';
export const FLOWKER_WORKFLOW_ID = 'a1b2c3d4-e5f6-7890-abcd-ef1234567890';
/** Polos execution ids are UUID v4. */
export const POLOS_EXECUTION_ID = '3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f';
export const POLOS_PARENT_ID = '0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d';
export const POLOS_ROOT_ID = '9e8d7c6b-5a49-4382-b716-05f4e3d2c1b0';
/** PromptLayer ids are int64, exposed as decimal strings. */
export const PROMPTLAYER_EXECUTION_ID = '98765';
/** 2^53 + 1: the first integer a double cannot hold. */
export const PROMPTLAYER_ID_ABOVE_2_53 = '9007199254740993';
export const INT64_MAX = '9223372036854775807';
export const INT64_MAX_PLUS_ONE = '9223372036854775808';

/** A deterministic UUID (v4 layout) from a small number, for tests that need many ids. */
export const uuid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

// ---------------------------------------------------------------------------------------------
// Flowker (seed 000, docs/upstreams.md §2)

/** `GET /v1/executions/{id}` (and the start response, and list items). */
export interface FlowkerStatusPayload {
  executionId: string;
  workflowId: string | null;
  status: string;
  currentStepNumber: number | null;
  totalSteps: number | null;
  startedAt: string | null;
  completedAt?: string | null;
  errorMessage?: string | null;
}

export function flowkerStatus(overrides: Overrides<FlowkerStatusPayload> = {}): FlowkerStatusPayload {
  return {
    executionId: FLOWKER_EXECUTION_ID,
    workflowId: FLOWKER_WORKFLOW_ID,
    status: 'running',
    currentStepNumber: 1,
    totalSteps: 3,
    startedAt: '2026-03-17T14:35:00Z',
    ...overrides,
  };
}

/** One `StepResultOutput` of `/results`. */
export interface FlowkerStepPayload {
  stepNumber: number | null;
  stepName: string;
  nodeId: string | null;
  status: string;
  output?: JsonValue;
  errorMessage?: string | null;
  executedAt: string | null;
  durationMs: number | null;
}

export function flowkerStep(overrides: Overrides<FlowkerStepPayload> = {}): FlowkerStepPayload {
  return {
    stepNumber: 1,
    stepName: 'action_log-event',
    nodeId: 'log-event',
    status: 'completed',
    output: { action: 'log' },
    executedAt: '2026-03-17T14:35:00Z',
    durationMs: 0,
    ...overrides,
  };
}

/** `GET /v1/executions/{id}/results` (seed 000's `ExecutionResultsOutput` example): the status fields but progress, plus steps and output. */
export interface FlowkerResultsPayload extends Pick<FlowkerStatusPayload, 'executionId' | 'workflowId' | 'status' | 'startedAt' | 'completedAt'> {
  stepResults: FlowkerStepPayload[] | null;
  finalOutput?: JsonValue;
}

export function flowkerResults(overrides: Overrides<FlowkerResultsPayload> = {}): FlowkerResultsPayload {
  return {
    executionId: FLOWKER_EXECUTION_ID,
    workflowId: FLOWKER_WORKFLOW_ID,
    status: 'completed',
    stepResults: [flowkerStep()],
    finalOutput: {
      workflow: {
        transactionId: 'txn-98765',
        amount: 1500,
        currency: 'BRL',
        customerId: 'cust-12345',
        message: 'Payment received',
      },
    },
    startedAt: '2026-03-17T14:35:00Z',
    completedAt: '2026-03-17T14:35:12Z',
    ...overrides,
  };
}

/** `GET /v1/executions`: cursor paged, `nextCursor` is "" on the last page. */
export interface FlowkerListPayload {
  items: FlowkerStatusPayload[];
  nextCursor: string | null;
  hasMore: boolean | null;
}

export function flowkerList(overrides: Overrides<FlowkerListPayload> = {}): FlowkerListPayload {
  return { items: [flowkerStatus()], nextCursor: '', hasMore: false, ...overrides };
}

/** Flowker's `ErrorResponse`: `{code, title, message}` (`code` is `FLK-xxxx` or `UNAUTHORIZED`). */
export interface FlowkerErrorPayload {
  code: string;
  title: string;
  message: string;
}

export function flowkerError(overrides: Overrides<FlowkerErrorPayload> = {}): FlowkerErrorPayload {
  return { code: 'FLK-0500', title: 'Not Found', message: 'Execution not found', ...overrides };
}

/** The 422 `/results` answers while the execution is not terminal: "still running", not an error. */
export const flowkerStillRunning = (): FlowkerErrorPayload =>
  flowkerError({ code: 'FLK-0502', title: 'Unprocessable Entity', message: 'Execution is not in a terminal state' });

// ---------------------------------------------------------------------------------------------
// PromptLayer (seeds 001, 003, 004, docs/upstreams.md §3)

/** One node of the `return_all_outputs=true` results map. */
export interface PromptLayerNodePayload {
  status: string;
  value: JsonValue;
  error_message: string | null;
  raw_error_message: string | null;
  is_output_node: boolean;
}

export function promptLayerNode(overrides: Overrides<PromptLayerNodePayload> = {}): PromptLayerNodePayload {
  return {
    status: 'SUCCESS',
    value: 'First node result',
    error_message: null,
    raw_error_message: null,
    is_output_node: false,
    ...overrides,
  };
}

export type PromptLayerNodeMapPayload = Record<string, PromptLayerNodePayload>;

/**
 * The results node map keyed by node display name. Without arguments: the seeds' finished
 * (HTTP 200) example, "Node 1" (SUCCESS) and the output node "Node 2" (SUCCESS, "Final result").
 * With a map: exactly those nodes, each built from `promptLayerNode` plus its overrides.
 */
export function promptLayerNodes(nodes?: Readonly<Record<string, Overrides<PromptLayerNodePayload>>>): PromptLayerNodeMapPayload {
  const spec = nodes ?? {
    'Node 1': {},
    'Node 2': { value: 'Final result', is_output_node: true },
  };
  return Object.fromEntries(Object.entries(spec).map(([name, node]) => [name, promptLayerNode(node)]));
}

/** The seeds' 202 example: Node 1 finished, the output node "Node 2" still RUNNING. */
export const promptLayerRunningNodes = (): PromptLayerNodeMapPayload =>
  promptLayerNodes({
    'Node 1': {},
    'Node 2': { status: 'RUNNING', value: null, is_output_node: true },
  });

/** `POST /workflows/{name}/run` → 201 (202 with a callback URL). */
export interface PromptLayerRunPayload {
  success: boolean;
  message: string;
  warning: string | null;
  workflow_version_execution_id: number;
}

export function promptLayerRun(overrides: Overrides<PromptLayerRunPayload> = {}): PromptLayerRunPayload {
  return {
    success: true,
    message: 'Workflow execution created successfully',
    warning: null,
    workflow_version_execution_id: Number(PROMPTLAYER_EXECUTION_ID),
    ...overrides,
  };
}

/** The run response as raw text with the id written as a bare JSON integer of any size. */
export const promptLayerRunText = (id: string): string =>
  `{"success":true,"message":"Workflow execution created successfully","warning":null,"workflow_version_execution_id":${id}}`;

/** PromptLayer's `ErrorResponse` (`{success:false, message, error}`). */
export interface PromptLayerErrorPayload {
  success: false;
  message: string;
  error?: string;
}

export function promptLayerError(overrides: Overrides<PromptLayerErrorPayload> = {}): PromptLayerErrorPayload {
  return { success: false, message: 'Workflow not found', ...overrides };
}

// ---------------------------------------------------------------------------------------------
// Polos (seed 002, docs/upstreams.md §1)

/** `ExecutionResponse` of `GET /api/v1/executions/{id}`: every field of seed 002. */
export interface PolosExecutionPayload {
  created_at: string;
  id: string;
  payload: JsonValue;
  retry_count: number;
  status: string;
  workflow_id: string;
  assigned_to_worker: string | null;
  batch_id: string | null;
  cancelled_at: string | null;
  cancelled_by: string | null;
  completed_at: string | null;
  concurrency_key: string | null;
  deployment_id: string | null;
  error: string | null;
  output_schema_name: string | null;
  parent_execution_id: string | null;
  queue_name: string | null;
  result: JsonValue;
  root_execution_id: string | null;
  run_timeout_seconds: number | null;
  session_id: string | null;
  started_at: string | null;
  step_key: string | null;
  user_id: string | null;
}

/** A running child execution; override `status`, `result`, `error`… for other states. */
export function polosExecution(overrides: Overrides<PolosExecutionPayload> = {}): PolosExecutionPayload {
  return {
    created_at: '2026-02-24T10:00:00Z',
    id: POLOS_EXECUTION_ID,
    payload: { question: 'What is 6 x 7?' },
    retry_count: 0,
    status: 'running',
    workflow_id: 'research_agent',
    assigned_to_worker: 'worker-7f3a',
    batch_id: null,
    cancelled_at: null,
    cancelled_by: null,
    completed_at: null,
    concurrency_key: null,
    deployment_id: 'deploy-2026-02-24',
    error: null,
    output_schema_name: null,
    parent_execution_id: POLOS_PARENT_ID,
    queue_name: 'research_agent',
    result: null,
    root_execution_id: POLOS_ROOT_ID,
    run_timeout_seconds: 3600,
    session_id: 'session-1',
    started_at: '2026-02-24T10:00:01Z',
    step_key: 'research',
    user_id: 'user-42',
    ...overrides,
  };
}

/**
 * A top-level Polos execution as the gateway tests poll it: the given id and status, no parent
 * or root, and the result `{ answer: 42 }` once completed.
 */
export const polosBody = (id: string, status = 'running', overrides: Overrides<PolosExecutionPayload> = {}): PolosExecutionPayload =>
  polosExecution({
    id,
    status,
    workflow_id: 'wf',
    created_at: '2026-03-17T14:35:00Z',
    started_at: null,
    payload: { n: 1 },
    result: status === 'completed' ? { answer: 42 } : null,
    parent_execution_id: null,
    root_execution_id: null,
    ...overrides,
  });

/** `POST /api/v1/workflows/{workflow_id}/run` → 200 `{execution_id, created_at}`. */
export interface PolosRunPayload {
  execution_id: string;
  created_at: string | null;
}

export function polosRun(overrides: Overrides<PolosRunPayload> = {}): PolosRunPayload {
  return { execution_id: POLOS_EXECUTION_ID, created_at: '2026-02-24T10:00:00Z', ...overrides };
}

/** One item of `GET /api/v1/workflows/runs` (a JSON array of these). */
export interface PolosRunItemPayload {
  id: string;
  root_execution_id: string | null;
  workflow_id: string;
  session_id: string | null;
  created_at: string;
  status: string;
  completed_at: string | null;
  payload: JsonValue;
  result: JsonValue;
  error: string | null;
}

export function polosRunItem(overrides: Overrides<PolosRunItemPayload> = {}): PolosRunItemPayload {
  return {
    id: POLOS_EXECUTION_ID,
    root_execution_id: POLOS_ROOT_ID,
    workflow_id: 'research_agent',
    session_id: 'session-1',
    created_at: '2026-02-24T10:00:00Z',
    status: 'running',
    completed_at: null,
    payload: { question: 'What is 6 x 7?' },
    result: null,
    error: null,
    ...overrides,
  };
}

/** Polos' error body for auth failures and cancel: `{error, error_type}`. */
export interface PolosErrorPayload {
  error: string;
  error_type: string;
}

export function polosError(overrides: Overrides<PolosErrorPayload> = {}): PolosErrorPayload {
  return { error: 'Execution not found', error_type: 'NOT_FOUND', ...overrides };
}

// ---------------------------------------------------------------------------------------------
// Responses, as the HTTP client hands them to the adapters

/** An `UpstreamResponse` whose body is `value` serialized as JSON. */
export function jsonResponse(value: unknown, status = 200, headers: UpstreamResponse['headers'] = {}): UpstreamResponse {
  return { status, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(value) ?? '' };
}

/** An `UpstreamResponse` with a body sent as is (broken JSON, big bare integers, empty bodies). */
export function rawResponse(body: string, status = 200, headers: UpstreamResponse['headers'] = {}): UpstreamResponse {
  return { status, headers, body };
}
