/** Flowker wire → domain. Pure functions: everything here is unit-tested without HTTP. */
import type { Execution, ExecutionDetails, JsonValue, StepResult } from '../../domain/execution.js';
import { toDateTime } from '../../domain/execution.js';
import { executionStatusFrom, stepStatusFrom, type ExecutionStatus, type ExecutionStatusReason, type StatusTable, type StepStatus } from '../../domain/status.js';
import type { FlowkerExecutionStatusBody, FlowkerResultsBody, FlowkerStepResult } from './wire.js';

const EXECUTION_STATUS: StatusTable<ExecutionStatus> = new Map([
  ['pending', 'PENDING'],
  ['running', 'RUNNING'],
  ['completed', 'COMPLETED'],
  ['failed', 'FAILED'],
]);

const STEP_STATUS: StatusTable<StepStatus> = new Map([
  ['pending', 'PENDING'],
  ['running', 'RUNNING'],
  ['completed', 'COMPLETED'],
  ['failed', 'FAILED'],
  ['skipped', 'SKIPPED'],
]);

/** Flowker wraps its error codes into messages, first or last (`cycle detected at node "a": FLK-0508`). */
const ERROR_CODE = /\b(FLK-\d{4})\b/;

export function fromFlowkerStatus(upstreamId: string, body: FlowkerExecutionStatusBody): Execution {
  const { status, reason } = executionStatusFrom(EXECUTION_STATUS, body.status);
  // Flowker sets startedAt when it creates the execution, so it is the creation time as well.
  const startedAt = toDateTime(body.startedAt);
  return {
    provider: 'flowker',
    upstreamId,
    workflowId: body.workflowId ?? null,
    status,
    upstreamStatus: body.status,
    statusReason: reason ?? timeoutReason(status, body.errorMessage),
    createdAt: startedAt,
    startedAt,
    completedAt: toDateTime(body.completedAt),
    progress: body.totalSteps == null ? null : { completed: body.currentStepNumber ?? 0, total: body.totalSteps },
    input: null,
    error: body.errorMessage ? { code: ERROR_CODE.exec(body.errorMessage)?.[1] ?? null, message: body.errorMessage } : null,
    retryCount: null,
    nodes: [],
    parentId: null,
    rootId: null,
    // Steps and output only exist on /results, once the execution is terminal.
    details: null,
  };
}

export function toDetails(body: FlowkerResultsBody): ExecutionDetails {
  return {
    steps: (body.stepResults ?? []).map(toStep),
    output: (body.finalOutput ?? null) as JsonValue | null,
  };
}

function toStep(step: FlowkerStepResult): StepResult {
  return {
    number: step.stepNumber ?? null,
    name: step.stepName,
    nodeId: step.nodeId ?? null,
    status: stepStatusFrom(STEP_STATUS, step.status),
    output: (step.output ?? null) as JsonValue | null,
    error: step.errorMessage ?? null,
    startedAt: toDateTime(step.executedAt),
    durationMs: step.durationMs ?? null,
  };
}

/** Flowker has no timed-out status: its 5-minute limit ends in `failed` with this message. */
function timeoutReason(status: ExecutionStatus, errorMessage: string | null | undefined): ExecutionStatusReason | null {
  return status === 'FAILED' && errorMessage?.toLowerCase().startsWith('execution timeout') ? 'TIMEOUT' : null;
}
