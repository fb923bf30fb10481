/** Polos wire → domain. Polos writes eight statuses although its docs list five. */
import type { Execution, JsonValue } from '../../domain/execution.js';
import { toDateTime } from '../../domain/execution.js';
import { normalizeUpstreamId } from '../../domain/ids.js';
import { executionStatusFrom, type ExecutionStatus, type ExecutionStatusReason, type StatusTable } from '../../domain/status.js';
import type { PolosExecutionBody, PolosRunItem } from './wire.js';

/** The full body of GET by id, or a list item, which lacks retry count, start and parent. */
type PolosExecutionLike = PolosRunItem & Partial<PolosExecutionBody>;

const EXECUTION_STATUS: StatusTable<ExecutionStatus> = new Map([
  ['pending', 'PENDING'], // documented, never written by the server
  ['queued', 'QUEUED'],
  ['claimed', 'QUEUED'], // a worker took it but has not started
  ['running', 'RUNNING'],
  ['waiting', 'WAITING'],
  ['pending_cancel', 'CANCELLING'],
  ['completed', 'COMPLETED'],
  ['failed', 'FAILED'],
  ['cancelled', 'CANCELLED'],
]);

export function fromPolosExecution(upstreamId: string, body: PolosExecutionLike): Execution {
  const { status, reason: unknownStatus } = executionStatusFrom(EXECUTION_STATUS, body.status);
  return {
    provider: 'polos',
    upstreamId,
    workflowId: body.workflow_id,
    status,
    upstreamStatus: body.status,
    statusReason: unknownStatus ?? reason(status, body),
    createdAt: toDateTime(body.created_at),
    startedAt: toDateTime(body.started_at),
    // cancelled_at is set when the cancel is requested; it is the end only once the status says so.
    completedAt: toDateTime(body.completed_at ?? (status === 'CANCELLED' ? body.cancelled_at : null)),
    progress: null,
    input: (body.payload ?? null) as JsonValue | null,
    // With status queued a non-null error is the last attempt's, kept while Polos retries.
    // complete_execution never clears it either: a run that succeeded on a retry is not in error.
    error: body.error && body.status !== 'completed' ? { code: null, message: body.error } : null,
    retryCount: body.retry_count ?? null,
    nodes: [],
    parentId: sameProviderId(body.parent_execution_id),
    rootId: sameProviderId(body.root_execution_id),
    details: { steps: [], output: (body.result ?? null) as JsonValue | null },
  };
}

function reason(status: ExecutionStatus, body: PolosExecutionLike): ExecutionStatusReason | null {
  if (status === 'QUEUED' && (body.retry_count ?? 0) > 0 && body.error) return 'RETRYING';
  if (status === 'CANCELLED' && body.cancelled_by === 'timeout') return 'TIMEOUT';
  if (status === 'CANCELLED' && body.cancelled_by === 'manual') return 'MANUAL_CANCEL';
  return null;
}

/** Just started: Polos creates executions `queued` and answers with only the id. */
export function startedExecution(upstreamId: string, workflowId: string, createdAt: string | null | undefined): Execution {
  return { ...fromPolosExecution(upstreamId, { id: upstreamId, workflow_id: workflowId, status: 'queued', created_at: createdAt ?? '' }), upstreamStatus: null };
}

/** Parent and root ids are Polos execution ids; anything else is dropped rather than passed on. */
const sameProviderId = (id: string | null | undefined): string | null => (id ? normalizeUpstreamId('polos', id) : null);
