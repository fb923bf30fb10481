/**
 * Simulated Polos orchestrator: run (`POST /api/v1/workflows/{workflow_id}/run`), the full
 * `ExecutionResponse` (`GET /api/v1/executions/{id}`), cancel (`POST /api/v1/executions/{id}/cancel`),
 * the runs list (`GET /api/v1/workflows/runs`) and the event stream of an execution tree
 * (`GET /api/v1/events/stream`, server-sent events as `api/events/handlers.rs` sends them), with the state transitions its database code
 * writes (polos-dev/polos, `orchestrator/src/db/executions.rs` and `workers.rs`; the handlers in
 * `api/executions/handlers.rs` and `api/workflows/handlers.rs`).
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../domain/execution.js';
import {
  empty,
  eventStream,
  isJsonObject,
  json,
  parseJsonBody,
  parseUuid,
  text,
  textIn,
  type DemoExample,
  type DemoRequest,
  type DemoResponse,
  type DemoUpstream,
  type DemoWorkflow,
} from './http.js';
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

/** A workflow deployed on the demo orchestrator, and what one run of it does. */
export interface PolosWorkflow {
  readonly id: string;
  readonly description: string;
  readonly exampleInput: JsonValue;
  /** The executions one run creates: the started one first, then the sub-workflows it invokes. */
  readonly run: (root: { readonly id: string; readonly payload: JsonValue; readonly sessionId: string }, newId: () => string) => readonly PolosRunPlan[];
}

export interface PolosCredentials {
  readonly apiKey: string;
  readonly projectId: string;
}

/** Field for field, and in order, the orchestrator's `ExecutionResponse`. */
interface ExecutionResponse {
  readonly id: string;
  readonly workflow_id: string;
  readonly status: 'queued' | 'claimed' | 'running' | 'waiting' | 'pending_cancel' | 'completed' | 'failed' | 'cancelled';
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
const CANCEL_PATH = /^\/api\/v1\/executions\/([^/]+)\/cancel$/;
const RUN_PATH = /^\/api\/v1\/workflows\/([^/]+)\/run$/;
const RUNS_PATH = '/api/v1/workflows/runs';
const EVENTS_PATH = '/api/v1/events/stream';
/** The orchestrator sends its literal `keepalive` frame every 50–200 ms while nothing happens. */
const KEEPALIVE_MS = 100;
const DEPLOYMENT_ID = 'demo-deployment-1';
/** How long a worker takes to confirm a cancel (nominal ms): `pending_cancel` until then. */
const CANCEL_CONFIRM_MS = 2_000;
/** What `cancel_execution` accepts, and marks in the tree; anything else "cannot be cancelled". */
const CANCELLABLE: ReadonlySet<ExecutionResponse['status']> = new Set(['queued', 'running', 'waiting', 'claimed', 'pending_cancel']);
const DEFAULT_RUNS_LIMIT = 50;

const error = (status: number, message: string, errorType: string): DemoResponse => json(status, { error: message, error_type: errorType });
// chrono's to_rfc3339 writes the UTC offset as +00:00, not Z.
const rfc3339 = (date: Date): string => date.toISOString().replace('Z', '+00:00');

export function createPolos(clock: DemoClock, credentials: PolosCredentials): DemoUpstream<PolosRunPlan> {
  const store = new ExecutionStore<ExecutionResponse>(clock);
  /** Every plan by execution id: the parent links that cancel walks, both ways. */
  const plans = new Map<string, PolosRunPlan>();
  const add = (plan: PolosRunPlan, startMs?: number) => {
    store.add(plan.id, (wallTime) => moments(plan, wallTime), startMs);
    plans.set(plan.id, plan);
  };
  const ancestors = (id: string): string[] => {
    const found: string[] = [];
    for (let parent = plans.get(id)?.parent?.id; parent !== undefined && !found.includes(parent); parent = plans.get(parent)?.parent?.id) found.push(parent);
    return found;
  };

  function run(request: DemoRequest, rawWorkflowId: string): DemoResponse {
    // axum's Json extractor: 415 without a JSON content type, 400 for bad JSON, 422 for the wrong shape.
    if (!/^application\/([\w.+-]+\+)?json\b/i.test(request.header('content-type') ?? '')) {
      return text(415, 'Expected request with `Content-Type: application/json`');
    }
    const parsed = parseJsonBody(request.body);
    if (!parsed) return text(400, 'Failed to parse the request body as JSON');
    if (!isJsonObject(parsed.value) || !('payload' in parsed.value)) {
      return text(422, 'Failed to deserialize the JSON body into the target type: missing field `payload`');
    }
    const workflowId = decodePathSegment(rawWorkflowId);
    const sessionId = typeof parsed.value.session_id === 'string' ? parsed.value.session_id : randomUUID();
    const root = { id: randomUUID(), payload: parsed.value.payload ?? null, sessionId };
    const workflow = POLOS_WORKFLOWS.find((candidate) => candidate.id === workflowId) ?? (DEPLOYED.has(workflowId) ? genericWorkflow(workflowId) : null);
    // Polos does not check the workflow id: the run of an unknown one is created all the same, and
    // stays queued, since no worker serves it (nor does the runs list show it: it joins deployed workflows).
    const created = workflow ? workflow.run(root, randomUUID) : [{ ...root, workflowId, events: [{ atMs: 0, to: 'queued' as const }] }];
    const startMs = clock.now();
    for (const plan of created) add(plan, startMs);
    const execution = store.stateOf(root.id);
    if (!execution) throw new Error(`Polos demo execution ${root.id} did not start.`);
    return json(200, { execution_id: root.id, created_at: execution.created_at });
  }

  /**
   * `cancel_execution`: the target, its descendants and its ancestors (not its siblings), those
   * not yet terminal, become `pending_cancel` with cancelled_at and cancelled_by "manual"; the
   * handler then marks those without a worker `cancelled` at once, and a worker confirms the
   * others a little later. Sub-workflows not spawned yet never will be.
   */
  function cancel(rawId: string): DemoResponse {
    const id = parseUuid(rawId);
    if (id === null) return error(400, 'Invalid execution ID', 'BAD_REQUEST');
    const target = store.stateOf(id);
    if (!target) return error(404, 'Execution not found', 'CANCELLATION_ERROR');
    if (!CANCELLABLE.has(target.status)) return error(400, `Execution cannot be cancelled (status: ${target.status})`, 'CANCELLATION_ERROR');

    const tree = new Set([id, ...ancestors(id)]);
    const below = [id];
    for (let current = below.pop(); current !== undefined; current = below.pop()) {
      for (const plan of plans.values()) {
        if (plan.parent?.id === current && !tree.has(plan.id)) {
          tree.add(plan.id);
          below.push(plan.id);
        }
      }
    }
    // Sub-workflows that a cancelled ancestor had yet to spawn: it never will (its existing ones stay).
    for (let grew = true; grew; ) {
      grew = false;
      for (const plan of plans.values()) {
        if (plan.parent && tree.has(plan.parent.id) && !tree.has(plan.id) && store.stateOf(plan.id) === undefined) {
          tree.add(plan.id);
          grew = true;
        }
      }
    }
    for (const member of tree) {
      store.rewrite(member, (state, nowMs, wallTime) => {
        if (!CANCELLABLE.has(state.status)) return [];
        const pending: ExecutionResponse = { ...state, status: 'pending_cancel', cancelled_at: rfc3339(wallTime(nowMs)), cancelled_by: 'manual' };
        const cancelled: ExecutionResponse = { ...pending, status: 'cancelled', assigned_to_worker: null };
        // A worker holds it while claimed or running; queued and waiting executions have none to ask.
        const hasWorker = state.assigned_to_worker !== null && ['claimed', 'running', 'pending_cancel'].includes(state.status);
        return hasWorker ? [{ atMs: nowMs, state: pending }, { atMs: nowMs + CANCEL_CONFIRM_MS, state: cancelled }] : [{ atMs: nowMs, state: cancelled }];
      });
    }
    const after = store.stateOf(id);
    if (!after) throw new Error(`Polos demo execution ${id} vanished on cancel.`);
    return json(200, { execution_id: rawId, status: after.status, cancelled_at: after.cancelled_at ?? rfc3339(new Date(clock.now())) });
  }

  /**
   * `get_workflow_runs`: deployed workflows of type `workflow` only, newest first, by offset.
   * (The real handler guards this route with a user session check; the demo takes the API key.)
   */
  function runs(query: URLSearchParams): DemoResponse {
    const numbers: Record<'limit' | 'offset', number> = { limit: DEFAULT_RUNS_LIMIT, offset: 0 };
    for (const name of ['limit', 'offset'] as const) {
      const raw = query.get(name);
      if (raw === null) continue;
      if (!/^[+-]?\d{1,18}$/.test(raw)) return text(400, `Failed to deserialize query string: ${name}: invalid digit found in string`);
      numbers[name] = Number(raw);
    }
    // Postgres refuses a negative LIMIT or OFFSET; the handler answers its error as a 500.
    const workflowType = query.get('workflow_type') ?? 'workflow';
    if (numbers.limit < 0 || numbers.offset < 0) return error(500, `Failed to get ${workflowType} executions`, 'INTERNAL_ERROR');
    const workflowId = query.get('workflow_id');
    // Unparseable times are ignored, as the handler's `.ok()` does.
    const since = Date.parse(query.get('start_time') ?? '');
    const until = Date.parse(query.get('end_time') ?? '');
    const items = store
      .current()
      .reverse()
      .map(({ state }) => state)
      .filter((execution) => workflowType === 'workflow' && DEPLOYED.has(execution.workflow_id))
      .filter((execution) => workflowId === null || execution.workflow_id === workflowId)
      .filter((execution) => (Number.isNaN(since) || Date.parse(execution.created_at) >= since) && (Number.isNaN(until) || Date.parse(execution.created_at) <= until))
      // ORDER BY created_at DESC; among equal times, the later added first (the sort is stable).
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at))
      .slice(numbers.offset, numbers.offset + numbers.limit)
      .map(({ id, root_execution_id, workflow_id, session_id, created_at, status, completed_at, payload, result, error: failure }) => ({
        id,
        root_execution_id,
        workflow_id,
        session_id,
        created_at,
        status,
        completed_at,
        payload,
        result,
        error: failure,
      }));
    return json(200, items);
  }

  /**
   * What the workers published for a tree, in order: the events of every execution whose root it
   * is (the SDK publishes them all on the root's topic), as far as the clock has come.
   */
  function treeEvents(rootId: string, workflowId: string): string[] {
    const published: { at: number; executionId: string; workflowId: string; type: string }[] = [];
    for (const plan of plans.values()) {
      if (plan.id !== rootId && plan.parent?.rootId !== rootId) continue;
      let previous: ExecutionResponse | undefined;
      for (const { at, state } of store.history(plan.id)) {
        const type = publishedEvent(previous, state);
        if (type) published.push({ at, executionId: plan.id, workflowId: plan.workflowId, type });
        previous = state;
      }
    }
    published.sort((a, b) => a.at - b.at);
    return published.map((event, index) =>
      JSON.stringify({
        id: `${rootId}-${index + 1}`,
        sequence_id: index + 1,
        topic: `workflow/${workflowId}/${rootId}`,
        event_type: event.type,
        data: { _metadata: { execution_id: event.executionId, workflow_id: event.workflowId } },
        created_at: rfc3339(new Date(event.at)),
      }),
    );
  }

  /**
   * `stream_events` for `workflow_id` + `workflow_run_id`: the topic's events after
   * `last_sequence_id`, then each new one as it comes, keepalives in between; for a failed root,
   * once everything is sent, the error frame and the end. Never ends otherwise.
   */
  function events(query: URLSearchParams): DemoResponse {
    const rootId = parseUuid(query.get('workflow_run_id') ?? '');
    const workflowId = query.get('workflow_id');
    if (rootId === null || !workflowId) return empty(400);
    let sent = Math.max(0, Number(query.get('last_sequence_id') ?? 0) || 0);
    return eventStream(KEEPALIVE_MS, () => {
      const fresh = treeEvents(rootId, workflowId).slice(sent);
      sent += fresh.length;
      if (store.stateOf(rootId)?.status === 'failed') return { data: [...fresh, JSON.stringify({ type: 'error', message: 'Workflow execution failed' })], end: true };
      return { data: fresh.length > 0 ? fresh : ['keepalive'], end: false };
    });
  }

  return {
    add,
    handle(request) {
      const denied = authenticate(request, credentials);
      if (denied) return denied;
      if (request.method === 'GET' && request.path === EVENTS_PATH) return events(request.query);
      const runMatch = RUN_PATH.exec(request.path);
      if (request.method === 'POST' && runMatch?.[1]) return run(request, runMatch[1]);
      const cancelMatch = CANCEL_PATH.exec(request.path);
      if (request.method === 'POST' && cancelMatch?.[1]) return cancel(cancelMatch[1]);
      if (request.method === 'GET' && request.path === RUNS_PATH) return runs(request.query);
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

const decodePathSegment = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
};

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
  const at = (atMs: number) => rfc3339(wallTime(atMs));
  const [first] = plan.events;
  if (!first) throw new Error(`Polos demo execution ${plan.id} has no events.`);
  let execution: ExecutionResponse = {
    id: plan.id,
    workflow_id: plan.workflowId,
    status: 'queued',
    payload: plan.payload,
    result: null,
    error: null,
    created_at: at(first.atMs),
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
    execution = apply(execution, event, at(event.atMs));
    return { atMs: event.atMs, state: execution };
  });
}

/**
 * The lifecycle event a worker publishes when an execution moves to a state (the TypeScript SDK's
 * executor and worker): a start, a step (a sub-workflow invoked, a run resumed), a finish or a
 * cancel. Retries and failures publish nothing (failed steps send no event).
 */
function publishedEvent(previous: ExecutionResponse | undefined, next: ExecutionResponse): string | null {
  if (previous?.status === next.status) return null;
  if (next.status === 'running') return previous?.started_at ? 'step_start' : 'workflow_start';
  if (next.status === 'waiting') return 'step_start';
  if (next.status === 'completed') return 'workflow_finish';
  if (next.status === 'cancelled') return 'workflow_cancel';
  return null;
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

/** A worker claims the run at `atMs` and starts running it a second later. */
const claimedBy = (worker: string, atMs: number): PolosEvent[] => [{ atMs, to: 'claimed', worker }, { atMs: atMs + 1_000, to: 'running' }];

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
        ...claimedBy(WORKER_A, 1_000),
        { atMs: 6_000, to: 'waiting' },
        // The child's completion re-queues the parent, which then runs again from its step outputs.
        { atMs: 18_000, to: 'queued' },
        ...claimedBy(WORKER_A, 19_000),
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
        ...claimedBy(WORKER_B, 7_000),
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
        ...claimedBy(WORKER_A, 1_000),
        { atMs: 7_000, to: 'retry', error: 'TimeoutError: CRM API did not answer within 30s' },
        ...claimedBy(WORKER_B, 11_000),
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
        ...claimedBy(WORKER_B, 1_000),
        { atMs: 5_000, to: 'retry', error: 'PaymentGatewayError: 503 Service Unavailable' },
        ...claimedBy(WORKER_A, 7_000),
        { atMs: 11_000, to: 'retry', error: 'PaymentGatewayError: 503 Service Unavailable' },
        ...claimedBy(WORKER_B, 13_000),
        { atMs: 17_000, to: 'failed', error: 'PaymentGatewayError: 503 Service Unavailable' },
      ],
    },
  },
];

/** The workflows `startExecution` starts on the demo orchestrator. */
const POLOS_WORKFLOWS: readonly PolosWorkflow[] = [
  {
    id: 'research_agent',
    description: 'Polos "research_agent": runs, waits on a "summarize" sub-workflow from 5 s, completes at 20 s; cancel it (or its child) to cancel both',
    exampleInput: { topic: 'Durable execution for AI agents' },
    run: ({ id, payload, sessionId }, newId) => {
      const topic = textIn(payload, 'topic', 'Durable execution for AI agents');
      const child = newId();
      return [
        {
          id,
          workflowId: 'research_agent',
          payload,
          sessionId,
          events: [
            { atMs: 0, to: 'queued' },
            ...claimedBy(WORKER_A, 1_000),
            // invoke_and_wait: the child is created, and the parent waits on it.
            { atMs: 5_000, to: 'waiting' },
            { atMs: 14_000, to: 'queued' },
            ...claimedBy(WORKER_A, 15_000),
            { atMs: 20_000, to: 'completed', result: { topic, sections: 3, summary: 'Checkpoint every step; resume, never restart.' } },
          ],
        },
        {
          id: child,
          workflowId: 'summarize',
          payload: { topic, urls: ['https://polos.dev/docs', 'https://example.org/durable-agents'] },
          sessionId,
          parent: { id, rootId: id, stepKey: 'summarize_sources' },
          events: [
            { atMs: 5_000, to: 'queued' },
            ...claimedBy(WORKER_B, 6_000),
            { atMs: 14_000, to: 'completed', result: { summaries: 2, keyPoint: 'Persist step outputs so that a resumed run skips finished work.' } },
          ],
        },
      ];
    },
  },
  {
    id: 'summarize',
    description: 'Polos "summarize": queued, claimed, running, completed at 10 s',
    exampleInput: { text: 'Polos persists every step, so a crashed worker resumes where it stopped.' },
    run: ({ id, payload, sessionId }) => {
      const input = textIn(payload, 'text', '');
      return [
        {
          id,
          workflowId: 'summarize',
          payload,
          sessionId,
          events: [
            { atMs: 0, to: 'queued' },
            ...claimedBy(WORKER_B, 1_000),
            { atMs: 10_000, to: 'completed', result: { summary: input === '' ? 'Nothing to summarize.' : `${input.split(/\s+/).slice(0, 8).join(' ')}…`, words: input.split(/\s+/).filter(Boolean).length } },
          ],
        },
      ];
    },
  },
];

/** The workflows `startExecution` can start, for the start-up banner. */
export const POLOS_STARTABLE: readonly DemoWorkflow[] = POLOS_WORKFLOWS.map(({ id, description, exampleInput }) => ({ workflowId: id, description, input: exampleInput }));

/** Deployed on the demo orchestrator: the ones above and those of the seeded executions (the runs list shows only these). */
const DEPLOYED: ReadonlySet<string> = new Set([...POLOS_WORKFLOWS.map((workflow) => workflow.id), ...POLOS_DEMO.map((example) => example.plan.workflowId)]);

/** A run of a deployed workflow the demo has no story for (those of the seeded executions): it just completes. */
const genericWorkflow = (workflowId: string): PolosWorkflow => ({
  id: workflowId,
  description: '',
  exampleInput: {},
  run: ({ id, payload, sessionId }) => [
    {
      id,
      workflowId,
      payload,
      sessionId,
      events: [
        { atMs: 0, to: 'queued' },
        ...claimedBy(WORKER_A, 1_000),
        { atMs: 12_000, to: 'completed', result: { ok: true } },
      ],
    },
  ],
});
