/**
 * The normalized execution model. Adapters build these from upstream JSON; resolvers, the
 * caches and the live layer only ever see these. Plain immutable data, so snapshots can be
 * compared, cached and serialized (Redis) as they are.
 */
import type { Provider } from './ids.js';
import type { ExecutionStatus, ExecutionStatusReason, StepStatus } from './status.js';
import { isTerminalExecutionStatus } from './status.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object (not an array, not null): request parameters, payloads, upstream bodies. */
export const isJsonObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

export interface Progress {
  readonly completed: number;
  readonly total: number;
}

export interface ExecutionError {
  readonly code: string | null;
  readonly message: string;
}

export interface StepResult {
  readonly number: number | null;
  readonly name: string;
  readonly nodeId: string | null;
  readonly status: StepStatus;
  readonly output: JsonValue | null;
  readonly error: string | null;
  readonly startedAt: string | null;
  readonly durationMs: number | null;
}

export interface NodeResult {
  readonly name: string;
  readonly status: StepStatus;
  readonly upstreamStatus: string;
  readonly value: JsonValue | null;
  readonly error: string | null;
  readonly rawError: string | null;
  readonly isOutput: boolean;
}

/**
 * What some upstreams return only from a second, more expensive endpoint (Flowker `/results`).
 * Providers whose one endpoint returns everything fill it in at once.
 */
export interface ExecutionDetails {
  readonly steps: readonly StepResult[];
  readonly output: JsonValue | null;
}

export interface Execution {
  readonly provider: Provider;
  readonly upstreamId: string;
  readonly workflowId: string | null;
  readonly status: ExecutionStatus;
  readonly upstreamStatus: string | null;
  readonly statusReason: ExecutionStatusReason | null;
  readonly createdAt: string | null;
  readonly startedAt: string | null;
  readonly completedAt: string | null;
  readonly progress: Progress | null;
  readonly input: JsonValue | null;
  readonly error: ExecutionError | null;
  readonly retryCount: number | null;
  readonly nodes: readonly NodeResult[];
  /** Upstream ids (same provider) of the parent and root executions, when there are any. */
  readonly parentId: string | null;
  readonly rootId: string | null;
  /** Null when this snapshot came from an endpoint that does not carry them (see ExecutionDetails). */
  readonly details: ExecutionDetails | null;
}

export const isTerminal = (execution: Execution): boolean => isTerminalExecutionStatus(execution.status);

/** Wall-clock duration; for a running execution, up to `now`. */
export function durationMs(execution: Execution, now: number = Date.now()): number | null {
  if (execution.startedAt === null) return null;
  const start = Date.parse(execution.startedAt);
  const end = execution.completedAt === null ? (isTerminal(execution) ? Number.NaN : now) : Date.parse(execution.completedAt);
  const duration = end - start;
  return Number.isFinite(duration) && duration >= 0 ? duration : null;
}

/** RFC 3339 / ISO 8601 date-time; `Date.parse` alone would accept "1" or "garbage 12". */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const HAS_OFFSET = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Normalizes an upstream timestamp to RFC 3339 UTC, or null when it is absent or not a
 * date-time. One without an offset is read as UTC, never as the gateway's local time.
 */
export function toDateTime(value: string | null | undefined): string | null {
  if (value === null || value === undefined || !DATE_TIME.test(value)) return null;
  const time = Date.parse(HAS_OFFSET.test(value) ? value : `${value}Z`);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
