/**
 * Simulated Flowker: start (`POST /v1/workflows/{workflowId}/executions`), list
 * (`GET /v1/executions`), status (`GET /v1/executions/{id}`) and results
 * (`GET /v1/executions/{id}/results`), with the bodies, error codes, messages and checks, in
 * their order, of Flowker v1.0.2 (LerianStudio/flowker: `internal/adapters/http/in/execution/
 * handler.go`, `internal/services/command/execute_workflow.go` and `execution_repository.go`,
 * `internal/adapters/mongodb/execution/repository.go`, `pkg/net/http/cursor.go`).
 */
import { randomUUID } from 'node:crypto';
import type { JsonValue } from '../domain/execution.js';
import { isJsonObject, json, parseJsonBody, parseUuid, text, textIn, type DemoExample, type DemoRequest, type DemoResponse, type DemoUpstream, type DemoWorkflow } from './http.js';
import { ExecutionStore, type DemoClock, type Moment, type WallTime } from './timeline.js';

type JsonObject = { readonly [key: string]: JsonValue };

export interface FlowkerStepPlan {
  readonly nodeId: string;
  /** Flowker names a step after its node's type and id, e.g. `executor_charge-card`. */
  readonly stepName: string;
  readonly durationMs: number;
  /** An error makes this the step that fails the execution; the steps after it never run. */
  readonly outcome: { readonly output: JsonObject } | { readonly error: string };
}

export interface FlowkerRunPlan {
  readonly id: string;
  readonly workflowId: string;
  /**
   * How long the execution stays `pending` before its first step. 0 for a started one: Flowker
   * moves it to `running` before answering the POST, so `pending` is never seen.
   */
  readonly pendingMs: number;
  /** Every executable node: as in Flowker, totalSteps counts them all, including the ones that never run. */
  readonly steps: readonly FlowkerStepPlan[];
  readonly finalOutput?: JsonObject;
}

/** A workflow of the demo: what one execution of it does with its input. */
export interface FlowkerWorkflow {
  readonly id: string;
  readonly name: string;
  /** Starting an inactive workflow is 422 FLK-0501. */
  readonly active: boolean;
  readonly description: string;
  readonly exampleInput: JsonObject;
  readonly run: (input: JsonObject, executionId: string) => Pick<FlowkerRunPlan, 'steps' | 'finalOutput'>;
}
type FlowkerStatus = 'pending' | 'running' | 'completed' | 'failed';

interface StatusBody {
  readonly executionId: string;
  readonly workflowId: string;
  readonly status: FlowkerStatus;
  readonly currentStepNumber: number;
  readonly totalSteps: number;
  readonly startedAt: string;
  readonly completedAt?: string;
  readonly errorMessage?: string;
}

interface StepResultBody {
  readonly stepNumber: number;
  readonly stepName: string;
  readonly nodeId: string;
  readonly status: 'completed' | 'failed';
  readonly output?: JsonObject;
  readonly errorMessage?: string;
  readonly executedAt: string;
  readonly durationMs: number;
}

interface ResultsBody {
  readonly executionId: string;
  readonly workflowId: string;
  readonly status: FlowkerStatus;
  readonly stepResults: readonly StepResultBody[];
  readonly finalOutput?: JsonObject;
  readonly startedAt: string;
  readonly completedAt: string;
}

interface FlowkerState {
  readonly status: StatusBody;
  /** The `/results` body, which only exists once the execution is terminal. */
  readonly results: ResultsBody | null;
}

const EXECUTION_PATH = /^\/v1\/executions\/([^/]+)(\/results)?$/;
/** Fiber routes are not strict: a trailing slash names the same route. */
const START_PATH = /^\/v1\/workflows\/([^/]+)\/executions\/?$/;
const LIST_PATH = /^\/v1\/executions\/?$/;

/** Fiber checks `len(c.Body()) > 1 << 20` first of all. */
const MAX_START_BODY_BYTES = 1 << 20;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
const STATUSES: ReadonlySet<string> = new Set<FlowkerStatus>(['pending', 'running', 'completed', 'failed']);
const SORT_FIELDS: ReadonlySet<string> = new Set(['startedAt', 'completedAt']);
/** Go's `2006-01-02T15:04:05.000Z`, the cursor's sort value format: what toISOString writes. */
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** Go's time.Time{} (year 1), which the cursor decodes an empty completedAt to. */
const ZERO_TIME = new Date(0).setUTCFullYear(1, 0, 1);

const problem = (status: number, code: string, title: string, message: string): DemoResponse => json(status, { code, title, message });

export function createFlowker(clock: DemoClock, apiKey: string): DemoUpstream<FlowkerRunPlan> {
  const store = new ExecutionStore<FlowkerState>(clock);
  /** Idempotency key → execution id. Flowker's index is unique across workflows, and so is this. */
  const keys = new Map<string, string>();
  const add = (plan: FlowkerRunPlan, startMs?: number) => store.add(plan.id, (wallTime) => moments(plan, wallTime), startMs);

  function start(request: DemoRequest, rawWorkflowId: string): DemoResponse {
    if (Buffer.byteLength(request.body) > MAX_START_BODY_BYTES) {
      return problem(413, 'FLK-0506', 'Payload Too Large', 'request body must not exceed 1 MB');
    }
    const workflowId = parseUuid(rawWorkflowId);
    if (workflowId === null) return problem(400, 'FLK-0002', 'Bad Request', 'invalid workflow ID');
    // Fiber's BodyParser into `{inputData map[string]any}`: any other JSON shape fails to decode.
    const parsed = parseJsonBody(request.body);
    const inputData = parsed && isJsonObject(parsed.value) ? (parsed.value.inputData ?? {}) : undefined;
    if (!isJsonObject(inputData)) return problem(400, 'FLK-0001', 'Bad Request', 'invalid request body');
    const key = request.header('idempotency-key')?.trim() ?? '';
    if (key === '') return problem(400, 'FLK-0509', 'Bad Request', 'Idempotency-Key header is required');

    // The key is looked up before the workflow (Flowker's fast path), so a known key returns its
    // execution whatever the path says. Flowker v1.0.2 answers 200 only when that execution has
    // finished; for one still running it answers 201 with it (or, when two first requests race,
    // 409 FLK-0505). The demo simply answers 200 with the same execution either way, so that a
    // replay always reads as one.
    const existing = keys.get(key);
    const replayed = existing === undefined ? undefined : store.stateOf(existing);
    if (replayed) return json(200, createOutput(replayed.status));

    const workflow = FLOWKER_WORKFLOWS.find((candidate) => candidate.id === workflowId);
    if (!workflow) return problem(404, 'FLK-0100', 'Not Found', 'workflow not found');
    if (!workflow.active) return problem(422, 'FLK-0501', 'Unprocessable Entity', 'workflow is not active');

    const id = randomUUID();
    add({ id, workflowId, pendingMs: 0, ...workflow.run(inputData, id) });
    keys.set(key, id);
    const started = store.stateOf(id);
    if (!started) throw new Error(`Flowker demo execution ${id} did not start.`);
    return json(201, createOutput(started.status));
  }

  function list(query: URLSearchParams): DemoResponse {
    const filter = parseListQuery(query);
    if ('invalid' in filter) return filter.invalid;
    const { limit, workflowId, status, sort } = filter;
    const key = (body: StatusBody): number | null => {
      const value = sort.by === 'completedAt' ? body.completedAt : body.startedAt;
      return value === undefined ? null : Date.parse(value);
    };
    // Mongo's sort: the field, then executionId, both in the one direction; a missing completedAt
    // (null) sorts below every date.
    const direction = sort.order === 'ASC' ? 1 : -1;
    const order = (a: number | string, b: number | string): number => (a < b ? -1 : a > b ? 1 : 0);
    const compare = (a: StatusBody, b: StatusBody): number =>
      direction * (order(key(a) ?? -Infinity, key(b) ?? -Infinity) || order(a.executionId, b.executionId));
    // Keyset paging: strictly after the cursor's item in sort order. A null field never matches
    // the range condition, as in Mongo (`$lt`/`$gt` against a date skip null).
    const afterCursor = (body: StatusBody): boolean => {
      if (!sort.after) return true;
      const value = key(body);
      if (value === null) return false;
      const beyond = (a: number | string, b: number | string) => (direction < 0 ? a < b : a > b);
      return beyond(value, sort.after.value) || (value === sort.after.value && beyond(body.executionId, sort.after.id));
    };
    const matching = store
      .current()
      .map(({ state }) => state.status)
      .filter((body) => (workflowId === null || body.workflowId === workflowId) && (status === null || body.status === status))
      .filter(afterCursor)
      .sort(compare);
    const items = matching.slice(0, limit);
    const hasMore = matching.length > limit;
    const last = items.at(-1);
    const nextCursor =
      hasMore && last
        ? encodeCursor({ id: last.executionId, sv: (sort.by === 'completedAt' ? last.completedAt : last.startedAt) ?? '', sb: sort.by, so: sort.order, pn: true })
        : '';
    return json(200, { items, nextCursor, hasMore });
  }

  return {
    add,
    handle(request) {
      // Fiber runs the API-key middleware before routing, and answers missing and wrong keys alike.
      if (request.header('x-api-key') !== apiKey) {
        return json(401, { code: 'UNAUTHORIZED', title: 'Unauthorized', message: 'API Key missing or invalid' });
      }
      const startMatch = START_PATH.exec(request.path);
      if (request.method === 'POST' && startMatch?.[1]) return start(request, startMatch[1]);
      if (request.method === 'GET' && LIST_PATH.test(request.path)) return list(request.query);
      const match = EXECUTION_PATH.exec(request.path);
      if (request.method !== 'GET' || !match?.[1]) return text(404, `Cannot ${request.method} ${request.path}`);
      const id = parseUuid(match[1]);
      if (id === null) return problem(400, 'FLK-0002', 'Bad Request', 'invalid execution ID');
      const state = store.stateOf(id);
      if (!state) return problem(404, 'FLK-0500', 'Not Found', 'execution not found');
      if (!match[2]) return json(200, state.status);
      return state.results ? json(200, state.results) : problem(422, 'FLK-0502', 'Unprocessable Entity', 'execution is still in progress');
    },
  };
}

/** `ExecutionCreateOutput`, the body of both 201 and 200. */
const createOutput = ({ executionId, workflowId, status, startedAt }: StatusBody) => ({ executionId, workflowId, status, startedAt });

interface Cursor {
  readonly id: string;
  readonly sv: string;
  readonly sb: string;
  readonly so: string;
  readonly pn: boolean;
}

interface ListQuery {
  readonly limit: number;
  readonly workflowId: string | null;
  readonly status: string | null;
  readonly sort: { readonly by: string; readonly order: 'ASC' | 'DESC'; readonly after: { readonly value: number; readonly id: string } | null };
}

/** Go's StdEncoding (padded) over the JSON of `nethttp.Cursor`, fields in declaration order. */
const encodeCursor = (cursor: Cursor): string => Buffer.from(JSON.stringify(cursor)).toString('base64');

/** The handler's parsing and `ExecutionListFilter.Validate`, then the repository's cursor checks, in that order. */
function parseListQuery(query: URLSearchParams): ListQuery | { invalid: DemoResponse } {
  const cursor = query.get('cursor') ?? '';
  const sortBy = query.get('sortBy') ?? '';
  const sortOrder = query.get('sortOrder') ?? '';
  const rawLimit = query.get('limit') ?? '';
  // Fiber's QueryInt(key, 10): strconv.Atoi, and the default when that fails.
  const limit = rawLimit === '' || !/^[+-]?\d{1,18}$/.test(rawLimit) ? DEFAULT_LIMIT : Number(rawLimit);
  const rawWorkflowId = query.get('workflowId') ?? '';
  const workflowId = rawWorkflowId === '' ? null : parseUuid(rawWorkflowId);
  if (rawWorkflowId !== '' && workflowId === null) return { invalid: problem(400, 'FLK-0002', 'Bad Request', 'invalid workflowId filter') };
  const status = query.get('status') || null;

  if (limit < 1) return { invalid: problem(400, 'FLK-0309', 'Invalid Limit', 'limit must be at least 1') };
  if (limit > MAX_LIMIT) return { invalid: problem(400, 'FLK-0309', 'Pagination Limit Exceeded', `limit must not exceed ${MAX_LIMIT}`) };
  if (status !== null && !STATUSES.has(status)) {
    return { invalid: problem(400, 'FLK-0304', 'Invalid Status Filter', 'status must be one of [pending, running, completed, failed]') };
  }
  if (sortBy !== '' && !SORT_FIELDS.has(sortBy)) {
    return { invalid: problem(400, 'FLK-0304', 'Invalid Sort Field', 'sortBy must be one of [startedAt, completedAt]') };
  }
  if (sortOrder !== '' && !['ASC', 'DESC'].includes(sortOrder.toUpperCase())) {
    return { invalid: problem(400, 'FLK-0310', 'Invalid Sort Order', 'sortOrder must be ASC or DESC') };
  }
  if (cursor !== '' && (sortBy !== '' || sortOrder !== '')) {
    return {
      invalid: problem(400, 'FLK-0304', 'Invalid Pagination Parameters', 'sortBy and sortOrder cannot be used with cursor; cursor already contains sort configuration'),
    };
  }
  if (cursor === '') {
    return { limit, workflowId, status, sort: { by: sortBy || 'startedAt', order: sortOrder.toUpperCase() === 'ASC' ? 'ASC' : 'DESC', after: null } };
  }

  // A ValidationError without a title: the handler writes it as it is.
  const badCursor = (message: string) => ({ invalid: json(400, { code: 'INVALID_CURSOR', title: '', message }) });
  const decoded = decodeCursor(cursor);
  if (!decoded) return badCursor('invalid cursor format');
  if (decoded.sb !== '' && !SORT_FIELDS.has(decoded.sb)) return badCursor('invalid cursor sortBy');
  if (decoded.so !== '' && !['ASC', 'DESC'].includes(decoded.so.toUpperCase())) return badCursor('invalid cursor sortOrder');
  const by = decoded.sb || 'startedAt';
  const order = decoded.so.toUpperCase() === 'ASC' ? 'ASC' : 'DESC';
  let value: number;
  if (by === 'completedAt' && decoded.sv === '') value = ZERO_TIME;
  else if (CURSOR_TIME.test(decoded.sv) && !Number.isNaN(Date.parse(decoded.sv))) value = Date.parse(decoded.sv);
  else return badCursor('invalid cursor sort value');
  return { limit, workflowId, status, sort: { by, order, after: { value, id: decoded.id } } };
}

/** base64.StdEncoding.DecodeString then json.Unmarshal into the struct: strict padding, typed fields, missing ones zero. */
function decodeCursor(raw: string): Cursor | null {
  if (raw.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(raw)) return null;
  const parsed = parseJsonBody(Buffer.from(raw, 'base64').toString('utf8'));
  if (!parsed || !isJsonObject(parsed.value)) return null;
  const { id = '', sv = '', sb = '', so = '', pn = false } = parsed.value;
  if (typeof id !== 'string' || typeof sv !== 'string' || typeof sb !== 'string' || typeof so !== 'string' || typeof pn !== 'boolean') return null;
  return { id, sv, sb, so, pn };
}

function moments(plan: FlowkerRunPlan, wallTime: WallTime): Moment<FlowkerState>[] {
  // Flowker sets startedAt when it creates the execution, pending included.
  const head = { executionId: plan.id, workflowId: plan.workflowId };
  const progress = { totalSteps: plan.steps.length, startedAt: wallTime(0).toISOString() };
  const inProgress = (atMs: number, status: FlowkerStatus, currentStepNumber: number): Moment<FlowkerState> => ({
    atMs,
    state: { status: { ...head, status, currentStepNumber, ...progress }, results: null },
  });

  const timeline = plan.pendingMs > 0 ? [inProgress(0, 'pending', 0)] : [];
  const stepResults: StepResultBody[] = [];
  let atMs = plan.pendingMs;
  let errorMessage: string | null = null;
  for (const [index, step] of plan.steps.entries()) {
    timeline.push(inProgress(atMs, 'running', index + 1));
    const executedAt = wallTime(atMs);
    atMs += step.durationMs;
    const durationMs = wallTime(atMs).getTime() - executedAt.getTime();
    const common = { stepNumber: index + 1, stepName: step.stepName, nodeId: step.nodeId };
    if ('error' in step.outcome) {
      stepResults.push({ ...common, status: 'failed', errorMessage: step.outcome.error, executedAt: executedAt.toISOString(), durationMs });
      errorMessage = `FLK-0504: node "${step.nodeId}" failed: ${step.outcome.error}`;
      break;
    }
    stepResults.push({ ...common, status: 'completed', output: step.outcome.output, executedAt: executedAt.toISOString(), durationMs });
  }

  const status: FlowkerStatus = errorMessage === null ? 'completed' : 'failed';
  const completedAt = wallTime(atMs).toISOString();
  // Go's omitempty: no errorMessage on success, no finalOutput on failure.
  const finalOutput = errorMessage === null && plan.finalOutput ? { finalOutput: plan.finalOutput } : {};
  timeline.push({
    atMs,
    state: {
      status: { ...head, status, currentStepNumber: stepResults.length, ...progress, completedAt, ...(errorMessage === null ? {} : { errorMessage }) },
      results: { ...head, status, stepResults, ...finalOutput, startedAt: progress.startedAt, completedAt },
    },
  });
  return timeline;
}

const PAYMENT_APPROVAL = '0d000000-0000-4000-8000-0000000000f1';
const SETTLEMENT_RECONCILIATION = '0d000000-0000-4000-8000-0000000000f2';
const LEGACY_PAYOUT = '0d000000-0000-4000-8000-0000000000f3';

const numberIn = (input: JsonObject, key: string, fallback: number): number => {
  const value = input[key];
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
};

const RECONCILIATION_STEPS: readonly FlowkerStepPlan[] = [
  {
    nodeId: 'fetch-transactions',
    stepName: 'executor_fetch-transactions',
    durationMs: 5_000,
    outcome: { output: { transactions: 1485, source: 'acquirer-settlement-2026-05-01.csv' } },
  },
  { nodeId: 'match-ledger', stepName: 'executor_match-ledger', durationMs: 7_000, outcome: { output: { matched: 1482, unmatched: 3 } } },
  { nodeId: 'flag-discrepancies', stepName: 'conditional_flag-discrepancies', durationMs: 4_000, outcome: { output: { branch: 'has-discrepancies' } } },
  { nodeId: 'notify-finance', stepName: 'action_notify-finance', durationMs: 5_000, outcome: { output: { action: 'notify', channel: '#finance-ops' } } },
];

/** The workflows the demo Flowker knows: two active, one inactive (to see FLK-0501). */
const FLOWKER_WORKFLOWS: readonly FlowkerWorkflow[] = [
  {
    id: PAYMENT_APPROVAL,
    name: 'payment-approval',
    active: true,
    description: 'Flowker "payment-approval": validate, fraud check, charge, receipt (~19 s)',
    exampleInput: { amount: 1500, currency: 'BRL', customer: 'cus_8841' },
    run: (input, executionId) => {
      const amount = numberIn(input, 'amount', 1500);
      const currency = textIn(input, 'currency', 'BRL');
      const chargeId = `ch_${executionId.slice(0, 8)}`;
      return {
        steps: [
          { nodeId: 'validate-payment', stepName: 'executor_validate-payment', durationMs: 3_000, outcome: { output: { valid: true, amount, currency } } },
          { nodeId: 'fraud-check', stepName: 'executor_fraud-check', durationMs: 5_000, outcome: { output: { score: 0.07, decision: 'approve' } } },
          { nodeId: 'charge-card', stepName: 'executor_charge-card', durationMs: 7_000, outcome: { output: { chargeId, status: 'captured', amount, currency } } },
          { nodeId: 'send-receipt', stepName: 'action_send-receipt', durationMs: 4_000, outcome: { output: { action: 'email', chargeId } } },
        ],
        // With no set_output node, Flowker's final output is the workflow context: the input under `workflow`, and the steps' additions.
        finalOutput: { workflow: input, payment: { decision: 'approved', chargeId, captured: amount, currency } },
      };
    },
  },
  {
    id: SETTLEMENT_RECONCILIATION,
    name: 'settlement-reconciliation',
    active: true,
    description: 'Flowker "settlement-reconciliation": fetch, match, flag, notify (~21 s)',
    exampleInput: { settlementDate: '2026-05-01' },
    run: (input) => ({
      steps: RECONCILIATION_STEPS,
      finalOutput: { workflow: { ...input, matched: 1482, unmatched: 3, unmatchedIds: ['txn-20931', 'txn-21007', 'txn-21514'], notified: '#finance-ops' } },
    }),
  },
  {
    id: LEGACY_PAYOUT,
    name: 'legacy-payout',
    active: false,
    description: 'Flowker "legacy-payout": inactive, starting it is 422 FLK-0501',
    exampleInput: {},
    run: () => ({ steps: [] }),
  },
];

/** The workflows `startExecution` can start, for the start-up banner. */
export const FLOWKER_STARTABLE: readonly DemoWorkflow[] = FLOWKER_WORKFLOWS.filter((workflow) => workflow.active).map(
  ({ id, description, exampleInput }) => ({ workflowId: id, description, input: exampleInput }),
);

export const FLOWKER_DEMO: readonly DemoExample<FlowkerRunPlan>[] = [
  {
    description: 'Flowker: pending, running steps 1-4 of 4, completed with step results',
    plan: {
      id: '0d000000-0000-4000-8000-000000000001',
      workflowId: SETTLEMENT_RECONCILIATION,
      pendingMs: 2_000,
      steps: RECONCILIATION_STEPS,
      finalOutput: { workflow: { matched: 1482, unmatched: 3, unmatchedIds: ['txn-20931', 'txn-21007', 'txn-21514'], notified: '#finance-ops' } },
    },
  },
  {
    description: 'Flowker: fails at step 3 of 4 (FLK-0504 on node "charge-card")',
    plan: {
      id: '0d000000-0000-4000-8000-000000000002',
      workflowId: PAYMENT_APPROVAL,
      pendingMs: 1_000,
      steps: [
        { nodeId: 'validate-payment', stepName: 'executor_validate-payment', durationMs: 3_000, outcome: { output: { valid: true, amount: 1500, currency: 'BRL' } } },
        { nodeId: 'fraud-check', stepName: 'executor_fraud-check', durationMs: 5_000, outcome: { output: { score: 0.07, decision: 'approve' } } },
        { nodeId: 'charge-card', stepName: 'executor_charge-card', durationMs: 6_000, outcome: { error: 'upstream returned 502' } },
        { nodeId: 'send-receipt', stepName: 'action_send-receipt', durationMs: 2_000, outcome: { output: { action: 'email' } } },
      ],
    },
  },
];
