/** Mutations: start and cancel. Never retried here; the adapters decide what is safe to retry. */
import type { JsonValue } from '../../domain/execution.js';
import { fromProviderEnum, parseGlobalId } from '../../domain/ids.js';
import type { MutationResolvers } from '../../generated/graphql.js';

export const mutationResolvers: MutationResolvers = {
  startExecution: async (_root, { input }, context) => {
    const result = await context.commands.start(fromProviderEnum(input.provider), {
      workflowId: input.workflowId,
      input: (input.input ?? null) as JsonValue | null,
      idempotencyKey: input.idempotencyKey ?? null,
      tally: context.facts,
    });
    return { execution: result.execution, idempotencyKey: result.idempotencyKey, replayed: result.replayed };
  },
  cancelExecution: async (_root, { id }, context) => ({ execution: await context.commands.cancel(parseGlobalId(id), context.facts) }),
};
