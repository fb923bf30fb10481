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
