/**
 * GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and `/graphql` path: a
 * thin adapter from graphql-ws's hooks to the operation pipeline, which parses, validates,
 * limits, executes, masks, logs and counts exactly as it does for HTTP. What is the socket's own:
 * the gateway key at `connection_init` (else close 4403) and MAX_SUBSCRIPTIONS_PER_SOCKET. The
 * connection_init payload stands for the request headers (`traceparent` for tracing).
 */
import type { Server } from 'node:http';
import type { ExecutionArgs, ExecutionResult, FormattedExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import type { KeyCheck } from './auth.js';
import { limitExceeded } from './limits.js';
import type { Operation, Pipeline } from './pipeline/index.js';

export interface WebSocketOptions {
  readonly schema: GraphQLSchema;
  readonly pipeline: Pipeline;
  readonly context: (facts: RequestFacts) => GatewayContext;
  readonly connectionInitWaitTimeoutMs: number;
  readonly keyCheck: KeyCheck;
  readonly maxSubscriptionsPerSocket: number;
  /** Frames larger than this close the socket (1009) before anything parses them. */
  readonly maxPayloadBytes: number;
}

export interface WebSocketHandle {
  /** Closes every socket (1001 Going away) and stops accepting new ones. */
  dispose(): Promise<void>;
}

export function attachWebSocketServer(httpServer: Server, options: WebSocketOptions): WebSocketHandle {
  const { schema, pipeline, maxSubscriptionsPerSocket } = options;
  /** graphql-ws hands the arguments onSubscribe returned to execute/subscribe: that is how they find their operation. */
  const operations = new WeakMap<ExecutionArgs, Operation>();
  const run = (args: ExecutionArgs) => {
    const operation = operations.get(args);
    if (!operation) throw new Error('execution arguments that did not come from onSubscribe');
    operations.delete(args); // found once: no entry kept for the subscription's life
    // The pipeline's results are formatted already; graphql-ws sends them as they are (see onNext).
    return operation.execute(args.contextValue) as Promise<ExecutionResult | AsyncIterableIterator<ExecutionResult>>;
  };
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: options.maxPayloadBytes });
  const cleanup = useServer(
    {
      schema,
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs,
      // false → graphql-ws closes the socket with 4403 Forbidden.
      onConnect: (ctx) => options.keyCheck(ctx.connectionParams?.authorization),
      onSubscribe: async (ctx, _id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
        const params = ctx.connectionParams;
        const operation = pipeline.begin({ transport: 'ws', request: payload, headers: (name) => (typeof params?.[name] === 'string' ? params[name] : undefined) });
        // graphql-ws has registered this subscription already: more than the cap means one too many.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptionsPerSocket) {
          return operation.refuse(limitExceeded('MAX_SUBSCRIPTIONS_PER_SOCKET', maxSubscriptionsPerSocket, 'This connection has as many subscriptions as it may hold'));
        }
        const prepared = await operation.prepare();
        if (!prepared.ok) return prepared.errors;
        const args: ExecutionArgs = { schema, document: prepared.document, operationName: payload.operationName ?? null, variableValues: operation.variables, contextValue: options.context(operation.facts) };
        operations.set(args, operation);
        return args;
      },
      execute: run,
      subscribe: run,
      // Already masked by the pipeline: returning the result makes graphql-ws send it unchanged.
      onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
    },
    wsServer,
  );
  return { dispose: async () => cleanup.dispose() };
}
