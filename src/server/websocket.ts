/** GraphQL over WebSocket (graphql-transport-ws) on the HTTP server's port and `/graphql` path. */
import type { Server } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { GatewayContext } from '../graphql/context.js';

export interface WebSocketOptions {
  readonly schema: GraphQLSchema;
  readonly context: () => GatewayContext;
  readonly connectionInitWaitTimeoutMs: number;
}

export interface WebSocketHandle {
  /** Closes every socket (1001 Going away) and stops accepting new ones. */
  dispose(): Promise<void>;
}

export function attachWebSocketServer(httpServer: Server, options: WebSocketOptions): WebSocketHandle {
  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql' });
  const cleanup = useServer(
    {
      schema: options.schema,
      context: () => options.context() as unknown as Record<string, unknown>,
      connectionInitWaitTimeout: options.connectionInitWaitTimeoutMs,
    },
    wsServer,
  );
  return { dispose: async () => cleanup.dispose() };
}
