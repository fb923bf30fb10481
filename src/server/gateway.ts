/**
 * Wires the gateway: adapters → reader (cache, dedup) → schema, served by Apollo over Express
 * for HTTP and by graphql-ws for WebSocket, on one port and one path. Everything started here
 * is released by `close()`.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { Config } from '../config.js';
import { ExecutionReader } from '../executions/reader.js';
import { MemoryTerminalCache } from '../executions/terminal-cache.js';
import type { GatewayContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import { createLoaders } from '../graphql/loaders.js';
import { buildSchema } from '../graphql/schema.js';
import type { LiveEvent } from '../live/events.js';
import { LiveExecutions } from '../live/live-executions.js';
import { MemoryPubSub } from '../live/pubsub.js';
import { createLogger, type Logger } from '../logger.js';
import { createAdapters } from '../upstreams/registry.js';
import { attachWebSocketServer } from './websocket.js';

export interface Gateway {
  /** `http://host:port/graphql` */
  readonly url: string;
  readonly port: number;
  readonly reader: ExecutionReader;
  readonly live: LiveExecutions;
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly logger?: Logger;
}

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const adapters = createAdapters(config.upstreams, config.http);
  const reader = new ExecutionReader(adapters, new MemoryTerminalCache(config.terminalCache));
  const pubsub = new MemoryPubSub<LiveEvent>();
  const live = new LiveExecutions(reader, pubsub, config.poll);
  const contextFor = (memoize: boolean): GatewayContext => ({ loaders: createLoaders(reader, { memoize }), reader, live });

  const schema = buildSchema();
  const httpServer = createServer();
  const webSocket = attachWebSocketServer(httpServer, {
    schema,
    context: () => contextFor(false),
    connectionInitWaitTimeoutMs: config.ws.connectionInitTimeoutMs,
  });

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      { serverWillStart: async () => ({ drainServer: () => webSocket.dispose() }) },
    ],
  });
  await apollo.start();

  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => void res.json({ status: 'ready', providers: reader.providers }));
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo, { context: async () => contextFor(true) }));
  httpServer.on('request', app);

  httpServer.listen(config.port, config.host);
  await once(httpServer, 'listening');
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  logger.info({ port, providers: reader.providers }, 'gateway listening');

  return {
    url: `http://${host}:${port}/graphql`,
    port,
    reader,
    live,
    async close() {
      await apollo.stop();
      await live.close();
      await pubsub.close();
      await reader.close();
    },
  };
}
