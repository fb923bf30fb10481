/** Root query fields. Ids are parsed per field, so one bad id fails only its own path. */
import type { Execution as ExecutionModel } from '../../domain/execution.js';
import type { NodeResolvers, QueryResolvers } from '../../generated/graphql.js';
import { checkIdCount } from './ids.js';

export const queryResolvers: QueryResolvers = {
  execution: (_root, { id }, context) => context.loaders.loadExecution(id),
  // Each item is its own promise, so a rejected one becomes null plus an error at its own index
  // (graphql-js completes list items one by one); the generated type cannot express that.
  executions: (_root, { ids }, context) =>
    checkIdCount(ids, context).map((id) => context.loaders.loadExecution(id)) as unknown as ExecutionModel[],
  node: (_root, { id }, context) => context.loaders.loadExecution(id),
};

/** Executions are the only Node type. */
export const nodeResolvers: NodeResolvers = {
  __resolveType: () => 'Execution',
};
