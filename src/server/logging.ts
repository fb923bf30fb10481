/** One structured log line per GraphQL operation over HTTP: id, name, duration, upstream calls, outcome. */
import type { ApolloServerPlugin } from '@apollo/server';
import type { Logger } from '../logger.js';
import { requestContext } from './request-context.js';

export function loggingPlugin(logger: Logger): ApolloServerPlugin {
  return {
    requestDidStart: async () => {
      const started = performance.now();
      return {
        willSendResponse: async ({ operationName, operation, errors }) => {
          const facts = requestContext.getStore();
          logger.info(
            {
              requestId: facts?.requestId,
              operationName: operationName ?? null,
              operationType: operation?.operation ?? null,
              durationMs: Math.round((performance.now() - started) * 10) / 10,
              upstreamCalls: facts?.upstreamCalls ?? 0,
              errorCodes: errors?.map((error) => error.extensions?.code ?? 'INTERNAL_SERVER_ERROR'),
            },
            'graphql operation',
          );
        },
      };
    },
  };
}
