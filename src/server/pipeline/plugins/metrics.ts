/** Counts every operation once, when it ends, by name, type and outcome (success, error, refused). */
import type { Metrics } from '../../metrics.js';
import type { OperationHooks, PipelinePlugin } from '../index.js';

export function metricsPlugin(metrics: Metrics): PipelinePlugin {
  // One hooks object for every operation: the operation comes as onEnd's argument.
  const hooks: OperationHooks = {
    onEnd: (operation) => {
      const type = operation.operationType ?? 'unknown';
      // A subscription's duration is how long a client watched, not how fast the gateway answered.
      const seconds = type === 'subscription' ? undefined : operation.durationMs / 1000;
      metrics.recordOperation(operation.operationName, type, operation.outcome, seconds);
    },
  };
  return { name: 'metrics', onOperation: () => hooks };
}
