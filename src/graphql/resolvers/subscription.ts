/**
 * Subscription fields: parse and check ids up front (an error at subscribe time), then map the
 * live layer's events to payloads. An error event becomes a payload with `errors` and null
 * data, which keeps the stream open; graphql-js copies the GatewayError's code into it.
 */
import type { Execution } from '../../domain/execution.js';
import { GatewayError } from '../../domain/errors.js';
import { parseGlobalId, providerOfGlobalId, type ExecutionRef } from '../../domain/ids.js';
import type { SubscriptionResolvers } from '../../generated/graphql.js';
import type { LiveEvent } from '../../live/events.js';
import type { GatewayContext } from '../context.js';

function checkedRef(id: string, context: GatewayContext): ExecutionRef {
  const ref = parseGlobalId(id);
  context.reader.assertConfigured(ref);
  return ref;
}

function executionOrThrow(event: LiveEvent): Execution {
  if (event.type === 'snapshot') return event.execution;
  const provider = providerOfGlobalId(event.globalId);
  if (event.type === 'not_found') {
    throw new GatewayError('NOT_FOUND', `Execution ${event.globalId} does not exist upstream.`, provider);
  }
  throw new GatewayError(event.code, `${event.message} (still retrying ${event.globalId})`, provider);
}

export const subscriptionResolvers: SubscriptionResolvers = {
  executionUpdated: {
    subscribe: (_root, { id }, context) => context.live.watch(checkedRef(id, context)) as AsyncIterableIterator<never>,
    resolve: (event: LiveEvent) => executionOrThrow(event),
  },
  executionsUpdated: {
    subscribe: (_root, { ids }, context) =>
      context.live.watchMany(ids.map((id) => checkedRef(id, context))) as AsyncIterableIterator<never>,
    resolve: (event: LiveEvent) => executionOrThrow(event),
  },
};
