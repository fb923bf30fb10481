/** Root query fields. Ids are parsed per field, so one bad id fails only its own path. */
import type { Execution as ExecutionModel } from '../../domain/execution.js';
import type { NodeResolvers, QueryResolvers } from '../../generated/graphql.js';
import type { Provider } from '../../domain/ids.js';
import { listConnection } from './connection.js';
import { checkIdCount } from './ids.js';

export const queryResolvers: QueryResolvers = {
  execution: (_root, { id }, context) => context.loaders.loadExecution(id),
  // Each item is its own promise, so a rejected one becomes null plus an error at its own index
  // (graphql-js completes list items one by one); the generated type cannot express that.
  executions: (_root, { ids }, context) =>
    checkIdCount(ids, context).map((id) => context.loaders.loadExecution(id)) as unknown as ExecutionModel[],
  node: (_root, { id }, context) => context.loaders.loadExecution(id),
  executionsConnection: (_root, { provider, workflowId, status, first, after }, context) => {
    const upstream = provider.toLowerCase() as Provider;
    return listConnection(
      { provider: upstream, workflowId: workflowId ?? null, status: status ?? null, first: first ?? 20, after: after ?? null },
      (request) => context.reader.listExecutions(upstream, request),
    );
  },
};

/** Executions are the only Node type. */
export const nodeResolvers: NodeResolvers = {
  __resolveType: () => 'Execution',
};
