/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and `/graphql` path,
 * held to the same rules as HTTP: the gateway key at `connection_init` (else close 4403), the
 * same parse, validation and cost limits per subscribe, and a cap on subscriptions per socket.
 */
import type { Server } from 'node:http';
import { GraphQLError, getOperationAST, parse, specifiedRules, validate, type ExecutionArgs, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayContext } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import type { KeyCheck } from './auth.js';
import { costError, operationCost, type OperationLimits } from './limits.js';
import type { Metrics } from './metrics.js';

export interface WebSocketOptions {
  readonly schema: GraphQLSchema;
  readonly context: () => GatewayContext;
  readonly connectionInitWaitTimeoutMs: number;
  readonly keyCheck: KeyCheck;
  readonly limits: OperationLimits & { readonly maxSubscriptionsPerSocket: number };
  readonly validationRules: readonly ValidationRule[];
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export interface WebSocketHandle {
  /** Closes every socket (1001 Going away) and stops accepting new ones. */
  dispose(): Promise<void>;
}

const limitError = (message: string, code: string) => [new GraphQLError(message, { extensions: { code } })];

const asValidationError = (error: GraphQLError): GraphQLError =>
  new GraphQLError(error.message, { nodes: error.nodes ?? null, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });

export function attachWebSocketServer(httpServer: Server, options: WebSocketOptions): WebSocketHandle {
  const { schema, limits } = options;
  const rules = [...specifiedRules, ...options.validationRules];
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: limits.maxTokens * 64 });
  const cleanup = useServer(
    {
      schema,
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs,
      // false → graphql-ws closes the socket with 4403 Forbidden.
      onConnect: (ctx) => options.keyCheck(ctx.connectionParams?.authorization),
      onSubscribe: (ctx, id, payload): ExecutionArgs | readonly GraphQLError[] => {
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerSocket) {
          return limitError(`At most ${limits.maxSubscriptionsPerSocket} subscriptions per connection (MAX_SUBSCRIPTIONS_PER_SOCKET).`, 'TOO_MANY_SUBSCRIPTIONS');
        }
        let document;
        try {
          document = parse(payload.query, { maxTokens: limits.maxTokens });
        } catch (error) {
          return [error instanceof GraphQLError ? error : new GraphQLError('The query could not be parsed.')];
        }
        const errors = validate(schema, document, rules);
        // Same code as Apollo gives these errors over HTTP.
        if (errors.length > 0) return errors.map(asValidationError);
        const variables = payload.variables ?? {};
        const tooCostly = costError(operationCost(schema, document, variables, payload.operationName ?? undefined), limits);
        if (tooCostly) return [tooCostly];
        const operation = getOperationAST(document, payload.operationName);
        options.metrics.recordOperation(operation?.name?.value, operation?.operation ?? 'unknown', 'success');
        options.logger.debug({ subscriptionId: id, operationName: operation?.name?.value ?? null }, 'subscribe');
        return {
          schema,
          document,
          variableValues: variables,
          operationName: payload.operationName ?? null,
          contextValue: options.context(),
        };
      },
    },
    wsServer,
  );
  return { dispose: async () => cleanup.dispose() };
}
