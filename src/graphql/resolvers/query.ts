/** Root query fields. Ids are parsed per field, so one bad id fails only its own path. */
import type { Execution as ExecutionModel } from '../../domain/execution.js';
import type { NodeResolvers, QueryResolvers } from '../../generated/graphql.js';
import { fromProviderEnum } from '../../domain/ids.js';
import { listConnection } from './connection.js';

export const queryResolvers: QueryResolvers = {
  execution: (_root, { id }, context) => context.loaders.loadExecution(id),
  // Each item is its own promise, so a failed one becomes null plus an error at its own index;
  // the generated type cannot express that. A failure is resolved as an Error value rather than
  // rejected: both executors read an Error item as that item's error, but graphql-jit 0.8 drops a
  // rejected last item from the list instead of nulling it (test/server/pipeline/executors.test.ts).
  executions: (_root, { ids }, context) =>
    ids.map((id) => context.loaders.loadExecution(id).catch(asError)) as unknown as ExecutionModel[],
  node: (_root, { id }, context) => context.loaders.loadExecution(id),
  executionsConnection: (_root, { provider, workflowId, status, first, after }, context) => {
    const upstream = fromProviderEnum(provider);
    return listConnection(
      { provider: upstream, workflowId: workflowId ?? null, status: status ?? null, first, after: after ?? null },
      (request) => context.reader.listExecutions(upstream, { ...request, tally: context.facts }),
    );
  },
};

/** Executions are the only Node type. */
export const nodeResolvers: NodeResolvers = {
  __resolveType: () => 'Execution',
};

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));
