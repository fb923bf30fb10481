/**
 * Normalized statuses, shared by every provider. The per-provider mappings live in the
 * adapters; this module only knows which values are terminal.
 */
export const EXECUTION_STATUSES = [
  'PENDING', 'QUEUED', 'RUNNING', 'WAITING', 'CANCELLING', 'COMPLETED', 'FAILED', 'CANCELLED',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const STEP_STATUSES = ['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED'] as const;
export type StepStatus = (typeof STEP_STATUSES)[number];

export type ExecutionStatusReason = 'RETRYING' | 'TIMEOUT' | 'MANUAL_CANCEL' | 'UNKNOWN_UPSTREAM_STATUS';

const TERMINAL_EXECUTION: ReadonlySet<ExecutionStatus> = new Set(['COMPLETED', 'FAILED', 'CANCELLED']);
const TERMINAL_STEP: ReadonlySet<StepStatus> = new Set(['COMPLETED', 'FAILED', 'SKIPPED', 'CANCELLED']);

export const isTerminalExecutionStatus = (status: ExecutionStatus): boolean => TERMINAL_EXECUTION.has(status);
export const isTerminalStepStatus = (status: StepStatus): boolean => TERMINAL_STEP.has(status);

/** An upstream's status names → ours. A Map, not an object: a status such as "constructor" must match no prototype key. */
export type StatusTable<Status> = ReadonlyMap<string, Status>;

/**
 * An upstream execution status, normalized. One the table does not know is not guessed: it stays
 * non-terminal (RUNNING) with UNKNOWN_UPSTREAM_STATUS, and the raw value goes to `upstreamStatus`.
 */
export function executionStatusFrom(table: StatusTable<ExecutionStatus>, upstream: string): { status: ExecutionStatus; reason: ExecutionStatusReason | null } {
  const known = table.get(upstream);
  return known === undefined ? { status: 'RUNNING', reason: 'UNKNOWN_UPSTREAM_STATUS' } : { status: known, reason: null };
}

/** An upstream step or node status, normalized; an unknown one stays non-terminal (RUNNING). */
export const stepStatusFrom = (table: StatusTable<StepStatus>, upstream: string): StepStatus => table.get(upstream) ?? 'RUNNING';
