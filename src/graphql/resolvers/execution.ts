/** Field resolvers for Execution. Scalar fields map one to one and use the default resolver. */
import { durationMs, isTerminal, type Execution } from '../../domain/execution.js';
import { GatewayError } from '../../domain/errors.js';
import { formatGlobalId, toProviderEnum } from '../../domain/ids.js';
import type { ExecutionResolvers, StepResultResolvers } from '../../generated/graphql.js';
import type { GatewayContext } from '../context.js';
import { durationMsField, durationSecondsField } from './durations.js';

/** How many recent runs `children(scan)` may read (the schema says so too). */
export const MAX_CHILDREN_SCAN = 500;

/** Steps and output cost a second call for some providers: made only when selected. */
const details = (execution: Execution, context: GatewayContext) =>
  execution.details ? Promise.resolve(execution.details) : context.loaders.details.load(execution);

/** Parent and root are executions of the same provider, loaded through the same loader. */
const related = (execution: Execution, upstreamId: string | null, context: GatewayContext) =>
  upstreamId === null ? null : context.loaders.execution.load({ provider: execution.provider, upstreamId });

export const executionResolvers: ExecutionResolvers = {
  id: (execution) => formatGlobalId(execution),
  provider: (execution) => toProviderEnum(execution.provider),
  terminal: (execution) => isTerminal(execution),
  durationMs: (execution) => durationMsField(durationMs(execution)),
  durationSeconds: (execution) => durationSecondsField(durationMs(execution)),
  output: async (execution, _args, context) => (await details(execution, context))?.output ?? null,
  steps: async (execution, _args, context) => (await details(execution, context))?.steps ?? [],
  parent: (execution, _args, context) => related(execution, execution.parentId, context),
  root: (execution, _args, context) => related(execution, execution.rootId, context),
  children: async (execution, { scan }, context) => {
    if (scan < 1 || scan > MAX_CHILDREN_SCAN) throw new GatewayError('BAD_USER_INPUT', `scan must be between 1 and ${MAX_CHILDREN_SCAN}.`);
    return context.reader.children(execution, scan, context.facts);
  },
};

export const stepResultResolvers: StepResultResolvers = {
  durationMs: (step) => durationMsField(step.durationMs),
  durationSeconds: (step) => durationSecondsField(step.durationMs),
};
