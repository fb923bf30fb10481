/**
 * Simulated Flowker: `GET /v1/executions/{id}` and `GET /v1/executions/{id}/results`, with the
 * bodies, error codes and messages of Flowker v1.0.2's execution handler (LerianStudio/flowker,
 * `internal/adapters/http/in/execution/handler.go`, `pkg/model/execution_output.go`).
 */
import type { JsonValue } from '../domain/execution.js';
import { json, parseUuid, text, type DemoExample, type DemoUpstream } from './http.js';
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
  /** How long the execution stays `pending` before its first step. */
  readonly pendingMs: number;
  /** Every executable node: as in Flowker, totalSteps counts them all, including the ones that never run. */
  readonly steps: readonly FlowkerStepPlan[];
  readonly finalOutput?: JsonObject;
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

export function createFlowker(clock: DemoClock, apiKey: string): DemoUpstream<FlowkerRunPlan> {
  const store = new ExecutionStore<FlowkerState>(clock);
  return {
    add: (plan, startMs) => store.add(plan.id, (wallTime) => moments(plan, wallTime), startMs),
    handle(request) {
      // Fiber runs the API-key middleware before routing, and answers missing and wrong keys alike.
      if (request.header('x-api-key') !== apiKey) {
        return json(401, { code: 'UNAUTHORIZED', title: 'Unauthorized', message: 'API Key missing or invalid' });
      }
      const match = EXECUTION_PATH.exec(request.path);
      if (request.method !== 'GET' || !match?.[1]) return text(404, `Cannot ${request.method} ${request.path}`);
      const id = parseUuid(match[1]);
      if (id === null) return json(400, { code: 'FLK-0002', title: 'Bad Request', message: 'invalid execution ID' });
      const state = store.stateOf(id);
      if (!state) return json(404, { code: 'FLK-0500', title: 'Not Found', message: 'execution not found' });
      if (!match[2]) return json(200, state.status);
      return state.results
        ? json(200, state.results)
        : json(422, { code: 'FLK-0502', title: 'Unprocessable Entity', message: 'execution is still in progress' });
    },
  };
}

function moments(plan: FlowkerRunPlan, wallTime: WallTime): Moment<FlowkerState>[] {
  // Flowker sets startedAt when it creates the execution, pending included.
  const head = { executionId: plan.id, workflowId: plan.workflowId };
  const progress = { totalSteps: plan.steps.length, startedAt: wallTime(0).toISOString() };
  const inProgress = (atMs: number, status: FlowkerStatus, currentStepNumber: number): Moment<FlowkerState> => ({
    atMs,
    state: { status: { ...head, status, currentStepNumber, ...progress }, results: null },
  });

  const timeline = [inProgress(0, 'pending', 0)];
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

export const FLOWKER_DEMO: readonly DemoExample<FlowkerRunPlan>[] = [
  {
    description: 'Flowker: pending, running steps 1-4 of 4, completed with step results',
    plan: {
      id: '0d000000-0000-4000-8000-000000000001',
      workflowId: '0d000000-0000-4000-8000-0000000000f1',
      pendingMs: 2_000,
      steps: [
        {
          nodeId: 'fetch-transactions',
          stepName: 'executor_fetch-transactions',
          durationMs: 5_000,
          outcome: { output: { transactions: 1485, source: 'acquirer-settlement-2026-05-01.csv' } },
        },
        { nodeId: 'match-ledger', stepName: 'executor_match-ledger', durationMs: 7_000, outcome: { output: { matched: 1482, unmatched: 3 } } },
        { nodeId: 'flag-discrepancies', stepName: 'conditional_flag-discrepancies', durationMs: 4_000, outcome: { output: { branch: 'has-discrepancies' } } },
        { nodeId: 'notify-finance', stepName: 'action_notify-finance', durationMs: 5_000, outcome: { output: { action: 'notify', channel: '#finance-ops' } } },
      ],
      finalOutput: { workflow: { matched: 1482, unmatched: 3, unmatchedIds: ['txn-20931', 'txn-21007', 'txn-21514'], notified: '#finance-ops' } },
    },
  },
  {
    description: 'Flowker: fails at step 3 of 4 (FLK-0504 on node "charge-card")',
    plan: {
      id: '0d000000-0000-4000-8000-000000000002',
      workflowId: '0d000000-0000-4000-8000-0000000000f2',
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
