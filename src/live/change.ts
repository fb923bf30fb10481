/**
 * Change detection on the normalized snapshot: two snapshots are "the same" when nothing a
 * client can observe differs. Upstream noise that the adapters drop (worker ids, re-serialized
 * timestamps) never reaches here, so it never produces an event.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Execution } from '../domain/execution.js';

/** Everything that can change during a run. Identity fields (id, provider, input) cannot. */
const observable = (execution: Execution) => ({
  status: execution.status,
  upstreamStatus: execution.upstreamStatus,
  statusReason: execution.statusReason,
  startedAt: execution.startedAt,
  completedAt: execution.completedAt,
  progress: execution.progress,
  error: execution.error,
  retryCount: execution.retryCount,
  nodes: execution.nodes,
  details: execution.details,
});

export const hasObservableChange = (previous: Execution | null, next: Execution): boolean =>
  previous === null || !isDeepStrictEqual(observable(previous), observable(next));
