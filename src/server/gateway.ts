/**
 * Wires the gateway: adapters → reader (cache, dedup) → schema → the operation pipeline, served
 * by graphql-http on node:http for HTTP, by our graphql-transport-ws server on ws for WebSocket
 * (same port and path) and by graphql-sse for Server-Sent Events (`/graphql/stream`), with the same
 * auth, limits, masking, log line and metrics on all three (src/server/pipeline/). Everything started here is released by
 * `close()`, in the order a graceful shutdown needs: stop accepting, let in-flight operations
 * finish, close sockets and streams, then pools, and export the last spans; and by a start-up
 * that fails half-way (the port is taken), which then rejects with one message.
 */
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Config } from '../config.js';
import { OpenedResources, StartupError } from '../lifecycle.js';
import { ExecutionCommands } from '../executions/commands.js';
import { IdempotentStarts } from '../executions/idempotency.js';
import { ExecutionReader } from '../executions/reader.js';
import type { Resolvers } from '../generated/graphql.js';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import { createLoaders } from '../graphql/loaders.js';
import { buildSchema } from '../graphql/schema.js';
import { LiveExecutions } from '../live/live-executions.js';
import { createPush } from '../live/push-channels.js';
import { createLogger, stdoutDestination, type Logger } from '../logger.js';
import { startTracing } from '../tracing/index.js';
import { createAdapters } from '../upstreams/registry.js';
import { createKeyCheck } from './auth.js';
import { startCoordination, type RedisStatus } from './coordination.js';
import { createCallbackHandler } from './callbacks.js';
import { drainHttpServer } from './drain.js';
import { createHttpApp } from './http-app.js';
import { createHttpTransport } from './http-transport.js';
import { Metrics } from './metrics.js';
import { createPipeline, type ExecutorFactory, type ExecutorName, type PipelinePlugin } from './pipeline/index.js';
import { logLinePlugin } from './pipeline/plugins/log-line.js';
import { metricsPlugin } from './pipeline/plugins/metrics.js';
import { loadPersistedDocuments, persistedDocumentsPlugin } from './pipeline/plugins/persisted-documents.js';
import { createSseTransport } from './sse.js';
import { mountUi } from './ui.js';
import { attachWebSocketServer, type WebSocketHandle } from './websocket.js';

export interface Gateway {
  /** `http://host:port/graphql` */
  readonly url: string;
  readonly port: number;
  readonly reader: ExecutionReader;
  readonly live: LiveExecutions;
  readonly metrics: Metrics;
  /** Shared state with other replicas: `degraded` still serves correctly, each replica on its own. */
  readonly redis: RedisStatus;
  /**
   * Graceful: in-flight HTTP operations get SHUTDOWN_TIMEOUT_MS to finish. Every step runs even
   * when one fails; the failures are then reported together (an AggregateError).
   */
  close(): Promise<void>;
}

export interface GatewayOptions {
  readonly logger?: Logger;
  /** graphql-jit (default), graphql-js, or an executor of the caller's (the tests' differential one). */
  readonly executor?: ExecutorName | ExecutorFactory;
  /** Resolvers merged over the schema's own, per type (tests: a field that fails unexpectedly). */
  readonly resolvers?: Partial<Resolvers>;
  /** Pipeline plugins run before the built-in ones (src/server/pipeline/index.ts says how they plug in). */
  readonly plugins?: readonly PipelinePlugin[];
}

export async function startGateway(config: Config, options: GatewayOptions = {}): Promise<Gateway> {
  const logger = options.logger ?? createLogger(config.logLevel, stdoutDestination(config.logBufferBytes));
  const opened = new OpenedResources();
  try {
    return await openGateway(config, options, logger, opened);
  } catch (error) {
    await opened.release().catch((releaseError: unknown) => logger.warn({ err: releaseError }, 'start-up failed, and releasing what it opened failed too'));
    throw listenFailure(error, config) ?? error;
  }
}

/** Opens everything, registering each part in `opened` as soon as it exists (released in reverse). */
async function openGateway(config: Config, options: GatewayOptions, logger: Logger, opened: OpenedResources): Promise<Gateway> {
  // Read first: a bad manifest stops start-up before anything is started (or logged).
  const persisted = config.persistedDocuments;
  const trustedDocuments = persisted
    ? persistedDocumentsPlugin(await loadPersistedDocuments(persisted.path), { only: persisted.only, introspection: config.introspection, maxTokens: config.limits.maxTokens })
    : null;
  // Off (null) unless an OTLP endpoint is set: then nothing of it is installed below.
  const tracing = config.tracing ? await startTracing(config.tracing) : null;
  if (tracing) opened.add('tracing', () => tracing.shutdown()); // released last: exports the last spans
  const metrics = new Metrics(config.upstreams.map((upstream) => upstream.provider));
  const streams = { maxStreams: config.push.polosMaxStreams, idleTimeoutMs: config.push.streamIdleTimeoutMs };
  const coordination = await startCoordination(config, { logger, cacheObserver: metrics.cache });
  opened.add('redis coordination', () => coordination.close());
  metrics.observeRedis(() => coordination.redis);
  const adapters = createAdapters(config.upstreams, config.http, tracing?.traceHttp(metrics.http) ?? metrics.http, streams);
  const reader = new ExecutionReader(adapters, coordination.terminalCache);
  opened.add('upstream connection pools', () => reader.close());
  const push = createPush(config, { reader, callbackStore: coordination.callbackStore, observer: metrics.live, logger, pushed: (ref) => live.pushed(ref) });
  opened.add('upstream push', async () => push.close());
  // A duplicate start waits at most as long as the first one's upstream call can take, and its record's write.
  const idempotentStarts = new IdempotentStarts(coordination.idempotency, { waitMs: config.http.deadlineMs + config.redis.commandTimeoutMs });
  const commands = new ExecutionCommands(reader, idempotentStarts, push.startCallbacks);
  const live = new LiveExecutions({
    reader,
    pubsub: coordination.pubsub,
    options: config.poll,
    observer: tracing?.traceLive(metrics.live) ?? metrics.live,
    coordinator: coordination.pollCoordinator,
    push: push.channels,
  });
  opened.add('live executions', () => live.close()); // gives up its leases: other replicas take over at once
  const contextFor = (memoize: boolean, facts: RequestFacts): GatewayContext => ({
    loaders: createLoaders(reader, { memoize, tally: facts }),
    reader,
    commands,
    live,
    facts,
  });
  const keyCheck = createKeyCheck(config.gatewayApiKeys);

  const schema = buildSchema(options.resolvers);
  const pipeline = createPipeline({
    schema,
    limits: config.limits,
    introspection: config.introspection,
    ...(options.executor ? { executor: options.executor } : {}),
    // Tracing first: its span is active while the others' end hooks run (the log line carries its ids).
    plugins: [...(tracing ? [tracing.plugin] : []), ...(options.plugins ?? []), ...(trustedDocuments ? [trustedDocuments] : []), logLinePlugin(logger), metricsPlugin(metrics)],
  });
  const httpServer = createServer();
  // Attached once the port is bound (below): ws would re-emit a listen error as a WebSocket server error.
  let webSocket: WebSocketHandle | undefined;
  const attachWebSocket = () => attachWebSocketServer(httpServer, {
    pipeline,
    context: (facts) => contextFor(false, facts),
    connectionInitWaitTimeoutMs: config.ws.connectionInitTimeoutMs,
    keyCheck,
    maxSubscriptionsPerSocket: config.limits.maxSubscriptionsPerSocket,
    maxPayloadBytes: config.limits.maxTokens * 64,
    keepAliveMs: config.ws.keepAliveMs,
    logger,
  });
  const sse = createSseTransport({
    schema,
    pipeline,
    context: (facts) => contextFor(false, facts),
    keyCheck,
    logger,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxOperationsPerStream: config.limits.maxSubscriptionsPerSocket,
    reservationTimeoutMs: config.ws.connectionInitTimeoutMs,
  });

  opened.add('http server', () =>
    // Stops accepting, closes WebSockets (1001) and SSE streams, lets in-flight HTTP requests finish.
    drainHttpServer(httpServer, { graceMs: config.shutdownTimeoutMs, closeStreams: () => Promise.all([webSocket?.dispose(), sse.dispose()]) }),
  );

  let stopping = false;
  const app = createHttpApp({
    graphql: createHttpTransport({ schema, pipeline }),
    context: (facts) => contextFor(true, facts),
    keyCheck,
    corsOrigins: config.corsOrigins,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxBatchOperations: config.limits.maxBatchOperations,
    metrics,
    readiness: () => ({ ready: !stopping, details: { providers: reader.providers, redis: coordination.redis, push: push.status() } }),
    callbacks: push.callbacks && createCallbackHandler(push.callbacks, { maxBodyBytes: config.http.maxResponseBytes }),
    beforeGraphQL: (app) => mountUi(app, { enabled: config.graphiqlEnabled }),
  });
  httpServer.on('request', (req, res) => (sse.handles(req) ? sse.handle(req, res) : app(req, res)));

  httpServer.listen(config.port, config.host);
  await once(httpServer, 'listening');
  // In the same tick as 'listening': no connection can have been accepted before the upgrade handler.
  webSocket = attachWebSocket();
  const { port } = httpServer.address() as AddressInfo;
  const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  logger.info({ port, providers: reader.providers }, 'gateway listening');
  if (config.gatewayApiKeys.length === 0) logger.warn('GATEWAY_API_KEYS is not set: the gateway accepts unauthenticated requests');

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
      await opened.release();
    },
  };
}

/** The port cannot be bound: one message saying what to change, instead of a stack trace. */
function listenFailure(error: unknown, config: Config): StartupError | null {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if ((error as NodeJS.ErrnoException | null)?.syscall !== 'listen') return null;
  const where = `${config.host}:${config.port}`;
  const why: Record<string, string> = {
    EADDRINUSE: `the address is already in use (EADDRINUSE): stop what listens there, or set PORT (and HOST) to a free one`,
    EACCES: `permission denied (EACCES): ports below 1024 need privileges; set PORT to 1024 or above`,
    EADDRNOTAVAIL: `HOST is not an address of this machine (EADDRNOTAVAIL)`,
  };
  return new StartupError(`Cannot listen on ${where}: ${(code && why[code]) ?? (error as Error).message}.`, { cause: error });
}
