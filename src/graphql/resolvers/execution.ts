/** Field resolvers for Execution. Scalar fields map one to one and use the default resolver. */
import { durationMs, isTerminal, type Execution } from '../../domain/execution.js';
import { GatewayError } from '../../domain/errors.js';
import { formatGlobalId } from '../../domain/ids.js';
import type { ExecutionResolvers, Provider, StepResultResolvers } from '../../generated/graphql.js';
import type { GatewayContext } from '../context.js';
import { durationMsField, durationSecondsField } from './durations.js';

/** Steps and output cost a second call for some providers: made only when selected. */
const details = (execution: Execution, context: GatewayContext) =>
  execution.details ? Promise.resolve(execution.details) : context.loaders.details.load(execution);

/** Parent and root are executions of the same provider, loaded through the same loader. */
const related = (execution: Execution, upstreamId: string | null, context: GatewayContext) =>
  upstreamId === null ? null : context.loaders.execution.load(formatGlobalId({ provider: execution.provider, upstreamId }));

export const executionResolvers: ExecutionResolvers = {
  id: (execution) => formatGlobalId(execution),
  provider: (execution) => execution.provider.toUpperCase() as Provider,
  terminal: (execution) => isTerminal(execution),
  durationMs: (execution) => durationMsField(durationMs(execution)),
  durationSeconds: (execution) => durationSecondsField(durationMs(execution)),
  output: async (execution, _args, context) => (await details(execution, context))?.output ?? null,
  steps: async (execution, _args, context) => (await details(execution, context))?.steps ?? [],
  parent: (execution, _args, context) => related(execution, execution.parentId, context),
  root: (execution, _args, context) => related(execution, execution.rootId, context),
  children: async (execution, { scan }, context) => {
    if (execution.provider !== 'polos') return [];
    const recent = scan ?? 200;
    if (!Number.isInteger(recent) || recent < 1 || recent > MAX_CHILDREN_SCAN) {
      throw new GatewayError('BAD_USER_INPUT', `scan must be between 1 and ${MAX_CHILDREN_SCAN}.`);
    }
    const page = await context.reader.listExecutions('polos', { workflowId: null, status: null, first: recent, after: null });
    return page.executions.filter((candidate) => candidate.rootId === execution.upstreamId && candidate.upstreamId !== execution.upstreamId);
  },
};

const MAX_CHILDREN_SCAN = 500;

export const stepResultResolvers: StepResultResolvers = {
  durationMs: (step) => durationMsField(step.durationMs),
  durationSeconds: (step) => durationSecondsField(step.durationMs),
};
