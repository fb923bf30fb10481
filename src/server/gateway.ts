/**
 * Wires the gateway: adapters → reader (cache, dedup) → schema, served by Apollo over Express
 * for HTTP and by graphql-ws for WebSocket, on one port and one path, with the same auth and
 * limits on both. Everything started here is released by `close()`, in the order a graceful
 * shutdown needs: stop accepting, let in-flight operations finish, close sockets, then pools.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError, NoSchemaIntrospectionCustomRule } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { Config } from '../config.js';
import { ExecutionCommands } from '../executions/commands.js';
import { ExecutionReader } from '../executions/reader.js';
import type { GatewayContext } from '../graphql/context.js';
import { formatError } from '../graphql/errors.js';
import { createLoaders } from '../graphql/loaders.js';
import { buildSchema } from '../graphql/schema.js';
import { LiveExecutions } from '../live/live-executions.js';
import { createPush } from '../live/push-channels.js';
import { startCoordination, type RedisStatus } from '../live/redis-coordination.js';
import { createLogger, type Logger } from '../logger.js';
import type { HttpObserver } from '../upstreams/http/client.js';
import { createAdapters } from '../upstreams/registry.js';
import { createKeyCheck } from './auth.js';
import { createCallbackHandler } from './callbacks.js';
import { createHttpApp } from './http-app.js';
import { armorFor, costError, createCostMeter } from './limits.js';
import { loggingPlugin } from './logging.js';
import { Metrics } from './metrics.js';
import { countUpstreamCall } from './request-context.js';
import { mountUi } from './ui.js';
import { attachWebSocketServer } from './websocket.js';

export interface Gateway {
  /** `http://host:port/graphql` */
  readonly url: string;
  readonly port: number;
  readonly reader: ExecutionReader;
  readonly live: LiveExecutions;
  readonly metrics: Metrics;
  /** Shared state with other replicas: `degraded` still serves correctly, each replica on its own. */
  readonly redis: RedisStatus;
  /** Graceful: in-flight HTTP operations get SHUTDOWN_TIMEOUT_MS to finish. */
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly logger?: Logger;
}

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = new Metrics(config.upstreams.map((upstream) => upstream.provider));
  const streams = { maxStreams: config.push.polosMaxStreams, idleTimeoutMs: config.push.streamIdleTimeoutMs };
  const adapters = createAdapters(config.upstreams, config.http, withCallCounting(metrics.http), streams);
  const coordination = await startCoordination(config, { logger, cacheObserver: metrics.cache });
  metrics.observeRedis(() => coordination.redis);
  const reader = new ExecutionReader(adapters, coordination.terminalCache);
  const push = createPush(config, { reader, callbackStore: coordination.callbackStore, observer: metrics.live, logger, pushed: (ref) => live.pushed(ref) });
  const commands = new ExecutionCommands(reader, push.startCallbacks);
  const live = new LiveExecutions(reader, coordination.pubsub, config.poll, metrics.live, coordination.pollCoordinator, push.channels);
  const contextFor = (memoize: boolean): GatewayContext => ({
    loaders: createLoaders(reader, { memoize }),
    reader,
    commands,
    live,
    maxIds: config.limits.maxIds,
  });
  const keyCheck = createKeyCheck(config.gatewayApiKeys);
  if (config.gatewayApiKeys.length === 0) logger.warn('GATEWAY_API_KEYS is not set: the gateway accepts unauthenticated requests');

  const schema = buildSchema();
  const armor = armorFor(config.limits);
  const operationCost = createCostMeter(schema);
  const httpServer = createServer();
  const webSocket = attachWebSocketServer(httpServer, {
    schema,
    context: () => contextFor(false),
    connectionInitWaitTimeoutMs: config.ws.connectionInitTimeoutMs,
    keyCheck,
    limits: config.limits,
    validationRules: config.introspection ? armor.validationRules : [...armor.validationRules, NoSchemaIntrospectionCustomRule],
    metrics,
    logger,
  });

  const apollo = new ApolloServer<GatewayContext>({
    schema,
    formatError,
    introspection: config.introspection,
    includeStacktraceInErrorResponses: false,
    // main.ts owns the signals: Apollo's own handler would stop the server before gateway.close() runs.
    stopOnTerminationSignals: false,
    // Token limit at parse time: a client error (400), which Armor's plugin would report as a 500.
    parseOptions: { maxTokens: config.limits.maxTokens },
    allowBatchedHttpRequests: true, // bounded by MAX_BATCH_OPERATIONS in http-app
    validationRules: armor.validationRules,
    plugins: [
      ...armor.plugins,
      {
        // The schema-aware cost limit; needs the variables, so it runs once the operation is resolved.
        requestDidStart: async () => ({
          didResolveOperation: async ({ document, request, operationName }) => {
            const error = costError(operationCost(document, request.variables ?? {}, operationName ?? undefined), config.limits);
            // `http.status` makes Apollo answer 400, a client error, and is not sent to the client.
            if (error) throw new GraphQLError(error.message, { extensions: { ...error.extensions, http: { status: 400 } } });
          },
        }),
      },
      metrics.apolloPlugin(),
      loggingPlugin(logger),
      // Apollo's landing page loads from a CDN; browsers get the bundled GraphiQL (src/server/ui.ts).
      ApolloServerPluginLandingPageDisabled(),
      // No resolver sets cache hints, and the plugin costs a hook per resolved field.
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: config.shutdownTimeoutMs }),
      { serverWillStart: async () => ({ drainServer: () => webSocket.dispose() }) },
    ],
  });
  await apollo.start();

  let stopping = false;
  const app = createHttpApp({
    apollo,
    context: () => contextFor(true),
    keyCheck,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxBatchOperations: config.limits.maxBatchOperations,
    metrics,
    readiness: () => ({ ready: !stopping, details: { providers: reader.providers, redis: coordination.redis, push: push.status() } }),
    callbacks: push.callbacks && createCallbackHandler(push.callbacks, { maxBodyBytes: config.http.maxResponseBytes }),
    beforeGraphQL: (app) => mountUi(app, { enabled: config.graphiqlEnabled }),
  });
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
    metrics,
    get redis() {
      return coordination.redis;
    },
    async close() {
      stopping = true;
      await apollo.stop(); // stops accepting, drains HTTP, closes WebSockets (1001)
      await live.close(); // gives up its leases: other replicas take over at once
      push.close();
      await coordination.close();
      await reader.close();
    },
  };
}

/** Adds per-operation upstream call counting (for the operation log line) to the metrics observer. */
const withCallCounting = (observer: HttpObserver): HttpObserver => ({
  ...observer,
  onAttempt: (event) => {
    countUpstreamCall();
    observer.onAttempt?.(event);
  },
});
