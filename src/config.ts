/**
 * Configuration from the environment, validated once at start-up. A bad value stops the process
 * with one message naming the variable; nothing downstream re-reads process.env.
 */
import { z } from 'zod';
import type { Provider } from './domain/ids.js';
import type { OperationLimits } from './server/limits.js';
import type { HttpTuning } from './upstreams/http/client.js';

const httpUrl = z
  .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://api.example.com' })
  .transform((value) => value.replace(/\/+$/, ''));
const secret = z.string().trim().min(1, 'must not be empty');
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (typeof value === 'string' && value.trim() === '' ? undefined : value), schema.optional());
const otlpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. http://collector:4318' });
/** What the Node SDK's OTLP trace exporters speak. */
const otlpProtocol = z.enum(['http/protobuf', 'http/json', 'grpc'], { error: 'must be http/protobuf, http/json or grpc' });
/** The samplers the JavaScript SDK implements (OTEL_TRACES_SAMPLER). */
const SAMPLERS = ['always_on', 'always_off', 'traceidratio', 'parentbased_always_on', 'parentbased_always_off', 'parentbased_traceidratio'] as const;

const EnvSchema = z.object({
  PORT: int(4000).pipe(z.number().max(65535)),
  HOST: z.string().default('0.0.0.0'),
  /** Serve the embedded demo upstreams (src/demo/); see wantsDemo. */
  DEMO: optional(z.stringbool()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Log lines are written in batches of this many bytes (and at least every second); 0 writes each as it comes. */
  LOG_BUFFER_BYTES: int(4096, 0).pipe(z.number().max(16_383, { error: 'must be below 16384 (pino writes at most 16 KiB at a time)' })),

  FLOWKER_BASE_URL: optional(httpUrl),
  FLOWKER_API_KEY: optional(secret),
  PROMPTLAYER_BASE_URL: optional(httpUrl),
  PROMPTLAYER_API_KEY: optional(secret),
  POLOS_BASE_URL: optional(httpUrl),
  POLOS_API_KEY: optional(secret),
  POLOS_PROJECT_ID: optional(z.uuid({ error: 'must be the Polos project UUID' })),

  POLL_INTERVAL_MS: int(1000, 10),
  /** Idle executions are polled less often, up to this interval. */
  POLL_MAX_INTERVAL_MS: int(10_000, 10),
  /** Consecutive failed polls after which subscribers get an error event. */
  POLL_ERROR_THRESHOLD: int(3, 1),
  /** Across every poller, per upstream: live traffic never exceeds this rate. */
  POLL_MAX_PER_SECOND: int(200, 1),
  /** While an execution's upstream push is healthy (Polos stream, PromptLayer callback), it is polled only this often. */
  POLL_SAFETY_INTERVAL_MS: int(15_000, 10),
  /** Polos event streams held at once per process (one per watched execution tree); 0 turns them off. */
  POLOS_MAX_STREAMS: int(10, 0),
  /** Where PromptLayer can reach this gateway: with it, runs started here report their end to a callback URL. */
  GATEWAY_PUBLIC_URL: optional(httpUrl),
  WS_CONNECTION_INIT_TIMEOUT_MS: int(3_000, 1),
  /** WebSocket pings: a socket that has not answered the previous ping by the next one is closed. */
  WS_KEEPALIVE_MS: int(12_000, 10),

  TERMINAL_CACHE_MAX: int(10_000, 1),
  TERMINAL_CACHE_TTL_MS: int(3_600_000, 1),
  /** How long a start's idempotency key is remembered (24 h). */
  IDEMPOTENCY_TTL_MS: int(86_400_000, 1),
  /** Without Redis: most keys kept in memory; past it the least recently used are forgotten early. */
  IDEMPOTENCY_MAX_KEYS: int(100_000, 1),

  UPSTREAM_CONNECT_TIMEOUT_MS: int(2_000, 1),
  UPSTREAM_ATTEMPT_TIMEOUT_MS: int(5_000, 1),
  UPSTREAM_DEADLINE_MS: int(10_000, 1),
  UPSTREAM_MAX_RESPONSE_BYTES: int(5 * 1024 * 1024, 1024),
  UPSTREAM_MAX_CONNECTIONS: int(16, 1),
  UPSTREAM_MAX_QUEUED: int(1_000, 0),
  UPSTREAM_MAX_ATTEMPTS: int(3, 1),
  UPSTREAM_BACKOFF_BASE_MS: int(100, 1),
  UPSTREAM_BACKOFF_MAX_MS: int(2_000, 1),
  UPSTREAM_MAX_RETRY_AFTER_MS: int(5_000, 0),
  UPSTREAM_BREAKER_THRESHOLD: int(5, 1),
  UPSTREAM_BREAKER_HALF_OPEN_MS: int(10_000, 1),

  GATEWAY_API_KEYS: optional(z.string()),
  /** Comma-separated allowed browser origins; `*` for any. Unset: no cross-origin access. */
  CORS_ORIGINS: optional(z.string()),
  INTROSPECTION: z.stringbool().default(true),
  /** GraphiQL on `GET /graphql` and the `/executions/<id>` progress page (browser UI). */
  GRAPHIQL_ENABLED: z.stringbool().default(true),
  MAX_DEPTH: int(10, 1),
  MAX_ALIASES: int(50, 1),
  MAX_TOKENS: int(5_000, 1),
  MAX_DIRECTIVES: int(20, 1),
  MAX_COST: int(5_000, 1),
  MAX_IDS_PER_CALL: int(100, 1),
  MAX_BODY_BYTES: int(1_000_000, 1_024),
  MAX_BATCH_OPERATIONS: int(10, 1),
  MAX_SUBSCRIPTIONS_PER_SOCKET: int(100, 1),
  /** How long SIGTERM waits for in-flight operations before closing connections. */
  SHUTDOWN_TIMEOUT_MS: int(10_000, 0),
  REDIS_URL: optional(z.url({ protocol: /^rediss?$/, error: 'must be a redis:// or rediss:// URL' })),
  /** Prefix of every Redis key and channel: shared by the replicas of one deployment, by nothing else. */
  REDIS_KEY_PREFIX: z.string().min(1).default('execution-gateway:'),
  /** Per-execution poll lease: renewed every third of it; a replica that stops renewing loses it after this. */
  REDIS_LEASE_MS: int(5_000, 30),
  /** A Redis command slower than this fails, and the gateway carries on as if Redis were away. */
  REDIS_COMMAND_TIMEOUT_MS: int(500, 10),

  /** A manifest of trusted documents, `{ "<sha256>": "<document>" }` (graphql-codegen's persisted-documents.json). */
  PERSISTED_DOCUMENTS: optional(z.string().trim().min(1)),
  /** Refuse any document text that is not in the manifest, on every transport. */
  PERSISTED_DOCUMENTS_ONLY: z.stringbool().default(false),

  // OpenTelemetry's own variables, validated here; the SDK reads them (and its others) itself.
  OTEL_SDK_DISABLED: z.stringbool().default(false),
  OTEL_EXPORTER_OTLP_ENDPOINT: optional(otlpUrl),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: optional(otlpUrl),
  OTEL_EXPORTER_OTLP_PROTOCOL: optional(otlpProtocol),
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: optional(otlpProtocol),
  OTEL_TRACES_SAMPLER: optional(z.enum(SAMPLERS, { error: `must be one of ${SAMPLERS.join(', ')}` })),
  OTEL_TRACES_SAMPLER_ARG: optional(z.coerce.number().min(0).max(1, 'must be a ratio from 0 to 1')),
  /** Not an OpenTelemetry variable: the GraphQL document text on operation spans (`graphql.document`). */
  OTEL_GRAPHQL_INCLUDE_DOCUMENT: z.stringbool().default(false),
});

export interface UpstreamConfig {
  readonly provider: Provider;
  readonly baseUrl: string;
  /** Credentials headers for this upstream. Secret: never log this object. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  readonly logBufferBytes: number;
  readonly upstreams: readonly UpstreamConfig[];
  readonly http: HttpTuning;
  readonly poll: {
    readonly intervalMs: number;
    readonly maxIntervalMs: number;
    readonly errorThreshold: number;
    readonly maxPollsPerSecond: number;
    readonly safetyIntervalMs: number;
  };
  /** Upstream push: Polos event streams and PromptLayer callbacks (see src/live/push.ts). */
  readonly push: {
    readonly polosMaxStreams: number;
    /** A Polos stream silent this long (Polos sends keepalives every 50–200 ms) is dead. */
    readonly streamIdleTimeoutMs: number;
    /** GATEWAY_PUBLIC_URL; null: no callbacks. */
    readonly publicUrl: string | null;
  };
  readonly ws: { readonly connectionInitTimeoutMs: number; readonly keepAliveMs: number };
  readonly terminalCache: { readonly max: number; readonly ttlMs: number };
  readonly idempotency: { readonly ttlMs: number; readonly maxKeys: number };
  readonly gatewayApiKeys: readonly string[];
  readonly corsOrigins: readonly string[];
  readonly introspection: boolean;
  /** Serve the browser UI: GraphiQL and the execution progress page (GRAPHIQL_ENABLED). */
  readonly graphiqlEnabled: boolean;
  readonly limits: OperationLimits & {
    readonly maxBodyBytes: number;
    readonly maxBatchOperations: number;
    readonly maxSubscriptionsPerSocket: number;
  };
  readonly shutdownTimeoutMs: number;
  readonly redisUrl: string | null;
  /** Used only when redisUrl is set. */
  readonly redis: { readonly keyPrefix: string; readonly leaseMs: number; readonly commandTimeoutMs: number };
  /** Trusted documents: the manifest's path, and whether only its documents may run. */
  readonly persistedDocuments: { readonly path: string; readonly only: boolean } | null;
  /** Traces are exported when an OTLP endpoint is set (and the SDK is not disabled); null: tracing is off. */
  readonly tracing: { readonly includeDocument: boolean } | null;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`);
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}.`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    logLevel: e.LOG_LEVEL,
    logBufferBytes: e.LOG_BUFFER_BYTES,
    upstreams: upstreamsFrom(e),
    http: {
      connectTimeoutMs: e.UPSTREAM_CONNECT_TIMEOUT_MS,
      attemptTimeoutMs: e.UPSTREAM_ATTEMPT_TIMEOUT_MS,
      deadlineMs: e.UPSTREAM_DEADLINE_MS,
      maxResponseBytes: e.UPSTREAM_MAX_RESPONSE_BYTES,
      maxConnections: e.UPSTREAM_MAX_CONNECTIONS,
      maxQueued: e.UPSTREAM_MAX_QUEUED,
      maxAttempts: e.UPSTREAM_MAX_ATTEMPTS,
      backoffBaseMs: e.UPSTREAM_BACKOFF_BASE_MS,
      backoffMaxMs: e.UPSTREAM_BACKOFF_MAX_MS,
      maxRetryAfterMs: e.UPSTREAM_MAX_RETRY_AFTER_MS,
      breakerThreshold: e.UPSTREAM_BREAKER_THRESHOLD,
      breakerHalfOpenAfterMs: e.UPSTREAM_BREAKER_HALF_OPEN_MS,
    },
    poll: {
      intervalMs: e.POLL_INTERVAL_MS,
      maxIntervalMs: Math.max(e.POLL_MAX_INTERVAL_MS, e.POLL_INTERVAL_MS),
      errorThreshold: e.POLL_ERROR_THRESHOLD,
      maxPollsPerSecond: e.POLL_MAX_PER_SECOND,
      safetyIntervalMs: e.POLL_SAFETY_INTERVAL_MS,
    },
    push: { polosMaxStreams: e.POLOS_MAX_STREAMS, streamIdleTimeoutMs: STREAM_IDLE_TIMEOUT_MS, publicUrl: e.GATEWAY_PUBLIC_URL ?? null },
    ws: { connectionInitTimeoutMs: e.WS_CONNECTION_INIT_TIMEOUT_MS, keepAliveMs: e.WS_KEEPALIVE_MS },
    terminalCache: { max: e.TERMINAL_CACHE_MAX, ttlMs: e.TERMINAL_CACHE_TTL_MS },
    idempotency: { ttlMs: e.IDEMPOTENCY_TTL_MS, maxKeys: e.IDEMPOTENCY_MAX_KEYS },
    gatewayApiKeys: commaList(e.GATEWAY_API_KEYS),
    corsOrigins: commaList(e.CORS_ORIGINS),
    introspection: e.INTROSPECTION,
    graphiqlEnabled: e.GRAPHIQL_ENABLED,
    limits: {
      maxDepth: e.MAX_DEPTH,
      maxAliases: e.MAX_ALIASES,
      maxTokens: e.MAX_TOKENS,
      maxDirectives: e.MAX_DIRECTIVES,
      maxCost: e.MAX_COST,
      maxIds: e.MAX_IDS_PER_CALL,
      maxBodyBytes: e.MAX_BODY_BYTES,
      maxBatchOperations: e.MAX_BATCH_OPERATIONS,
      maxSubscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
    },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    redisUrl: e.REDIS_URL ?? null,
    redis: { keyPrefix: e.REDIS_KEY_PREFIX, leaseMs: e.REDIS_LEASE_MS, commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS },
    persistedDocuments: persistedDocumentsFrom(e),
    tracing: (e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? e.OTEL_EXPORTER_OTLP_ENDPOINT) && !e.OTEL_SDK_DISABLED ? { includeDocument: e.OTEL_GRAPHQL_INCLUDE_DOCUMENT } : null,
  };
}

type Env = z.infer<typeof EnvSchema>;

const STREAM_IDLE_TIMEOUT_MS = 5_000;

const commaList = (value: string | undefined): string[] => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);

/** Each provider is optional, but one that has a URL must have all of its credentials. */
function upstreamsFrom(e: Env): UpstreamConfig[] {
  const upstreams: UpstreamConfig[] = [];
  const require = (name: keyof Env, value: string | undefined, because: keyof Env): string => {
    if (value === undefined) throw new ConfigError(`Invalid configuration: ${name} is required when ${because} is set.`);
    return value;
  };
  if (e.FLOWKER_BASE_URL) {
    const key = require('FLOWKER_API_KEY', e.FLOWKER_API_KEY, 'FLOWKER_BASE_URL');
    upstreams.push({ provider: 'flowker', baseUrl: e.FLOWKER_BASE_URL, headers: { 'x-api-key': key } });
  }
  if (e.PROMPTLAYER_BASE_URL) {
    const key = require('PROMPTLAYER_API_KEY', e.PROMPTLAYER_API_KEY, 'PROMPTLAYER_BASE_URL');
    upstreams.push({ provider: 'promptlayer', baseUrl: e.PROMPTLAYER_BASE_URL, headers: { 'x-api-key': key } });
  }
  if (e.POLOS_BASE_URL) {
    const key = require('POLOS_API_KEY', e.POLOS_API_KEY, 'POLOS_BASE_URL');
    const project = require('POLOS_PROJECT_ID', e.POLOS_PROJECT_ID, 'POLOS_BASE_URL');
    upstreams.push({ provider: 'polos', baseUrl: e.POLOS_BASE_URL, headers: { authorization: `Bearer ${key}`, 'x-project-id': project } });
  }
  return upstreams;
}

function persistedDocumentsFrom(e: Env): Config['persistedDocuments'] {
  if (e.PERSISTED_DOCUMENTS) return { path: e.PERSISTED_DOCUMENTS, only: e.PERSISTED_DOCUMENTS_ONLY };
  if (e.PERSISTED_DOCUMENTS_ONLY) throw new ConfigError('Invalid configuration: PERSISTED_DOCUMENTS_ONLY needs PERSISTED_DOCUMENTS (the manifest of trusted documents).');
  return null;
}

const UPSTREAM_URLS = ['FLOWKER_BASE_URL', 'PROMPTLAYER_BASE_URL', 'POLOS_BASE_URL'] as const;

/**
 * Whether to serve the embedded demo upstreams. `DEMO=1` asks for them anywhere, production
 * included; outside production they also start when no upstream is configured, so that a fresh
 * clone has something to query. In production, a deployment without upstreams has lost its
 * configuration: it must not look healthy while serving invented executions, so it stops with
 * one message naming what to set (as does `DEMO=0` with nothing configured).
 */
export function wantsDemo(env: NodeJS.ProcessEnv = process.env): boolean {
  const demo = EnvSchema.shape.DEMO.safeParse(env.DEMO);
  if (!demo.success) throw new ConfigError('Invalid configuration: DEMO must be a boolean (1/0, true/false).');
  const configured = UPSTREAM_URLS.filter((name) => env[name]?.trim());
  if (configured.length > 0) {
    if (demo.data !== true) return false;
    throw new ConfigError(`Invalid configuration: DEMO serves the embedded demo upstreams, but ${configured.join(', ')} is set too; unset one or the other.`);
  }
  if (demo.data === true) return true;
  if (demo.data === false || env.NODE_ENV === 'production') throw noUpstream(env);
  return true;
}

function noUpstream(env: NodeJS.ProcessEnv): ConfigError {
  const where = env.NODE_ENV === 'production' ? ' (NODE_ENV=production never starts the demo by itself)' : '';
  return new ConfigError(
    `No upstream is configured${where}. Set at least one provider: FLOWKER_BASE_URL and FLOWKER_API_KEY; ` +
      'PROMPTLAYER_BASE_URL and PROMPTLAYER_API_KEY; or POLOS_BASE_URL, POLOS_API_KEY and POLOS_PROJECT_ID. ' +
      'To run the embedded demo upstreams on purpose, set DEMO=1.',
  );
}
