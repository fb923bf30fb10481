/**
 * Simulated Polos orchestrator: `GET /api/v1/executions/{id}`, the full `ExecutionResponse`
 * with the state transitions its database code writes (polos-dev/polos, `orchestrator/src/db/
 * executions.rs` and `workers.rs`; the handler in `api/executions/handlers.rs`).
 */
import type { JsonValue } from '../domain/execution.js';
import { empty, json, parseUuid, type DemoExample, type DemoRequest, type DemoResponse, type DemoUpstream } from './http.js';
import { ExecutionStore, type DemoClock, type Moment, type WallTime } from './timeline.js';

/** What happens to an execution at one moment; the first event creates it. */
export type PolosEvent = { readonly atMs: number } & (
  | { readonly to: 'queued' | 'running' | 'waiting' }
  | { readonly to: 'claimed'; readonly worker: string }
  /** A worker reported a retryable failure: back to queued, with the error kept. */
  | { readonly to: 'retry'; readonly error: string }
  | { readonly to: 'completed'; readonly result: JsonValue }
  | { readonly to: 'failed'; readonly error: string }
);

export interface PolosRunPlan {
  readonly id: string;
  readonly workflowId: string;
  readonly payload: JsonValue;
  readonly sessionId: string;
  /** For a sub-workflow its parent waits on (`invoke_and_wait`): the step that spawned it. */
  readonly parent?: { readonly id: string; readonly rootId: string; readonly stepKey: string };
  readonly events: readonly PolosEvent[];
}

export interface PolosCredentials {
  readonly apiKey: string;
  readonly projectId: string;
}

/** Field for field, and in order, the orchestrator's `ExecutionResponse`. */
interface ExecutionResponse {
  readonly id: string;
  readonly workflow_id: string;
  readonly status: 'queued' | 'claimed' | 'running' | 'waiting' | 'completed' | 'failed';
  readonly payload: JsonValue;
  readonly result: JsonValue;
  readonly error: string | null;
  readonly created_at: string;
  readonly started_at: string | null;
  readonly completed_at: string | null;
  readonly deployment_id: string | null;
  readonly assigned_to_worker: string | null;
  readonly parent_execution_id: string | null;
  readonly root_execution_id: string | null;
  readonly retry_count: number;
  readonly step_key: string | null;
  readonly queue_name: string | null;
  readonly concurrency_key: string | null;
  readonly batch_id: string | null;
  readonly session_id: string | null;
  readonly user_id: string | null;
  readonly output_schema_name: string | null;
  readonly cancelled_at: string | null;
  readonly cancelled_by: string | null;
  readonly run_timeout_seconds: number | null;
}

const EXECUTION_PATH = /^\/api\/v1\/executions\/([^/]+)$/;
const DEPLOYMENT_ID = 'demo-deployment-1';

const error = (status: number, message: string, errorType: string): DemoResponse => json(status, { error: message, error_type: errorType });

export function createPolos(clock: DemoClock, credentials: PolosCredentials): DemoUpstream<PolosRunPlan> {
  const store = new ExecutionStore<ExecutionResponse>(clock);
  return {
    add: (plan, startMs) => store.add(plan.id, (wallTime) => moments(plan, wallTime), startMs),
    handle(request) {
      const denied = authenticate(request, credentials);
      if (denied) return denied;
      const match = EXECUTION_PATH.exec(request.path);
      if (request.method !== 'GET' || !match?.[1]) return empty(404);
      const id = parseUuid(match[1]);
      if (id === null) return empty(400);
      const execution = store.stateOf(id);
      // The handler first looks up the execution's project, and that query fails for an unknown id.
      return execution ? json(200, execution) : empty(500);
    },
  };
}

/**
 * The orchestrator's messages. It reads the project from the key and ignores X-Project-ID on this
 * route; the demo checks the header too (with the messages Polos uses for it elsewhere), so that
 * a gateway that forgets it fails here rather than against a real deployment.
 */
function authenticate(request: DemoRequest, { apiKey, projectId }: PolosCredentials): DemoResponse | null {
  const token = request.header('authorization')?.match(/^Bearer (.+)$/)?.[1];
  if (token === undefined) {
    return error(401, 'Authentication required. Provide either an API key (Bearer sk_...) or a JWT token in cookie', 'UNAUTHORIZED');
  }
  if (!token.startsWith('sk_')) return error(401, 'Invalid authentication token', 'UNAUTHORIZED');
  if (token !== apiKey) return error(401, 'Invalid API key', 'UNAUTHORIZED');
  const project = parseUuid(request.header('x-project-id') ?? request.header('project-id') ?? '');
  if (project === null) return error(400, 'X-Project-ID header is required', 'BAD_REQUEST');
  if (project !== projectId) return error(403, 'Project does not match execution project', 'FORBIDDEN');
  return null;
}

function moments(plan: PolosRunPlan, wallTime: WallTime): Moment<ExecutionResponse>[] {
  // chrono's to_rfc3339 writes the UTC offset as +00:00, not Z.
  const rfc3339 = (atMs: number) => wallTime(atMs).toISOString().replace('Z', '+00:00');
  const [first] = plan.events;
  if (!first) throw new Error(`Polos demo execution ${plan.id} has no events.`);
  let execution: ExecutionResponse = {
    id: plan.id,
    workflow_id: plan.workflowId,
    status: 'queued',
    payload: plan.payload,
    result: null,
    error: null,
    created_at: rfc3339(first.atMs),
    started_at: null,
    completed_at: null,
    deployment_id: DEPLOYMENT_ID,
    assigned_to_worker: null,
    parent_execution_id: plan.parent?.id ?? null,
    // A top-level execution has no root of its own: only its descendants point at it.
    root_execution_id: plan.parent?.rootId ?? null,
    retry_count: 0,
    step_key: plan.parent?.stepKey ?? null,
    queue_name: plan.workflowId,
    concurrency_key: null,
    batch_id: null,
    session_id: plan.sessionId,
    user_id: null,
    output_schema_name: null,
    cancelled_at: null,
    cancelled_by: null,
    run_timeout_seconds: null,
  };
  return plan.events.map((event) => {
    execution = apply(execution, event, rfc3339(event.atMs));
    return { atMs: event.atMs, state: execution };
  });
}

function apply(execution: ExecutionResponse, event: PolosEvent, at: string): ExecutionResponse {
  switch (event.to) {
    case 'queued':
    case 'waiting':
      return { ...execution, status: event.to };
    case 'claimed':
      return { ...execution, status: 'claimed', assigned_to_worker: event.worker };
    case 'running':
      return { ...execution, status: 'running', started_at: execution.started_at ?? at };
    case 'retry':
      return { ...execution, status: 'queued', error: event.error, retry_count: execution.retry_count + 1, assigned_to_worker: null };
    case 'completed':
      // complete_execution leaves `error` alone: a run that succeeded on a retry still shows the last failure.
      return { ...execution, status: 'completed', result: event.result, completed_at: at };
    case 'failed':
      // fail_execution counts the last failure too: with POLOS_MAX_RETRIES=2, retry_count ends at 3.
      return { ...execution, status: 'failed', error: event.error, retry_count: execution.retry_count + 1, completed_at: at };
  }
}

const PARENT_ID = '0d000000-0000-4000-8000-000000000011';
const WORKER_A = '0d0000aa-0000-4000-8000-000000000001';
const WORKER_B = '0d0000aa-0000-4000-8000-000000000002';

export const POLOS_DEMO: readonly DemoExample<PolosRunPlan>[] = [
  {
    description: 'Polos parent: runs, waits on its child, then completes',
    plan: {
      id: PARENT_ID,
      workflowId: 'research_report',
      payload: { topic: 'Durable execution for AI agents', depth: 'brief' },
      sessionId: '0d0000cc-0000-4000-8000-000000000011',
      events: [
        { atMs: 0, to: 'queued' },
        { atMs: 1_000, to: 'claimed', worker: WORKER_A },
        { atMs: 2_000, to: 'running' },
        { atMs: 6_000, to: 'waiting' },
        // The child's completion re-queues the parent, which then runs again from its step outputs.
        { atMs: 18_000, to: 'queued' },
        { atMs: 19_000, to: 'claimed', worker: WORKER_A },
        { atMs: 20_000, to: 'running' },
        {
          atMs: 26_000,
          to: 'completed',
          result: { title: 'Durable execution for AI agents', sections: 3, summary: 'Checkpoint every step; resume, never restart.' },
        },
      ],
    },
  },
  {
    description: 'Polos child of that parent (step_key "summarize_sources"), from 6 s',
    plan: {
      id: '0d000000-0000-4000-8000-000000000012',
      workflowId: 'summarize_sources',
      payload: { urls: ['https://polos.dev/docs', 'https://example.org/durable-agents'] },
      sessionId: '0d0000cc-0000-4000-8000-000000000011',
      parent: { id: PARENT_ID, rootId: PARENT_ID, stepKey: 'summarize_sources' },
      events: [
        { atMs: 6_000, to: 'queued' },
        { atMs: 7_000, to: 'claimed', worker: WORKER_B },
        { atMs: 8_000, to: 'running' },
        { atMs: 18_000, to: 'completed', result: { summaries: 2, keyPoint: 'Persist step outputs so that a resumed run skips finished work.' } },
      ],
    },
  },
  {
    description: 'Polos retry: queued again with error and retry_count 1, then completes',
    plan: {
      id: '0d000000-0000-4000-8000-000000000013',
      workflowId: 'sync_crm_contacts',
      payload: { since: '2026-04-30T00:00:00Z' },
      sessionId: '0d0000cc-0000-4000-8000-000000000013',
      events: [
        { atMs: 0, to: 'queued' },
        { atMs: 1_000, to: 'claimed', worker: WORKER_A },
        { atMs: 2_000, to: 'running' },
        { atMs: 7_000, to: 'retry', error: 'TimeoutError: CRM API did not answer within 30s' },
        { atMs: 11_000, to: 'claimed', worker: WORKER_B },
        { atMs: 12_000, to: 'running' },
        { atMs: 19_000, to: 'completed', result: { synced: 214, created: 9, updated: 205 } },
      ],
    },
  },
  {
    description: 'Polos failure: retried twice, then failed',
    plan: {
      id: '0d000000-0000-4000-8000-000000000014',
      workflowId: 'charge_invoice',
      payload: { invoice: 'INV-2026-0042', amountCents: 129900 },
      sessionId: '0d0000cc-0000-4000-8000-000000000014',
      events: [
        { atMs: 0, to: 'queued' },
        { atMs: 1_000, to: 'claimed', worker: WORKER_B },
        { atMs: 2_000, to: 'running' },
        { atMs: 5_000, to: 'retry', error: 'PaymentGatewayError: 503 Service Unavailable' },
        { atMs: 7_000, to: 'claimed', worker: WORKER_A },
        { atMs: 8_000, to: 'running' },
        { atMs: 11_000, to: 'retry', error: 'PaymentGatewayError: 503 Service Unavailable' },
        { atMs: 13_000, to: 'claimed', worker: WORKER_B },
        { atMs: 14_000, to: 'running' },
        { atMs: 17_000, to: 'failed', error: 'PaymentGatewayError: 503 Service Unavailable' },
      ],
    },
  },
];
