/**
 * Prometheus metrics (prom-client), in a registry of the gateway's own so that several
 * gateways in one process (tests) do not collide. The rest of the code only sees the small
 * observer interfaces it already exposes; this module adapts them to counters and gauges.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Provider } from '../domain/ids.js';
import type { CacheObserver } from '../executions/terminal-cache.js';
import type { LiveObserver } from '../live/live-executions.js';
import type { HttpObserver } from '../upstreams/http/client.js';

const CIRCUIT_STATE = { closed: 0, half_open: 1, open: 2 } as const;
const REDIS_STATES = ['disabled', 'connected', 'degraded'] as const;
/** Operation names are client-chosen: past this many distinct ones, the rest are "other". */
const MAX_OPERATION_NAMES = 200;

export class Metrics {
  readonly registry = new Registry();
  private readonly operationNames = new Set<string>();

  private readonly operations = new Counter({
    name: 'graphql_operations_total',
    help: 'GraphQL operations by operation name, type and outcome (success, error, refused), over every transport.',
    labelNames: ['operation', 'type', 'outcome'],
    registers: [this.registry],
  });
  private readonly operationDuration = new Histogram({
    name: 'graphql_operation_duration_seconds',
    help: 'GraphQL query and mutation duration, over every transport.',
    labelNames: ['operation'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly upstreamRequests = new Counter({
    name: 'upstream_requests_total',
    help: 'Upstream HTTP attempts by provider, endpoint and outcome (HTTP status, timeout or network_error).',
    labelNames: ['provider', 'endpoint', 'outcome'],
    registers: [this.registry],
  });
  private readonly upstreamDuration = new Histogram({
    name: 'upstream_request_duration_seconds',
    help: 'Upstream HTTP attempt duration.',
    labelNames: ['provider', 'endpoint'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly circuitState = new Gauge({
    name: 'upstream_circuit_state',
    help: 'Circuit breaker state per upstream: 0 closed, 1 half-open, 2 open.',
    labelNames: ['provider'],
    registers: [this.registry],
  });
  private readonly cacheLookups = new Counter({
    name: 'terminal_cache_lookups_total',
    help: 'Terminal-execution cache lookups by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly activeSubscriptions = new Gauge({
    name: 'live_subscriptions_active',
    help: 'Live execution watches (one per execution per subscription).',
    registers: [this.registry],
  });
  private readonly activePollers = new Gauge({
    name: 'live_pollers_active',
    help: 'Executions being polled by this process.',
    registers: [this.registry],
  });
  private readonly pushStreams = new Gauge({
    name: 'live_push_streams_open',
    help: 'Upstream event streams held by this process (Polos: one per watched execution tree, reconnecting ones included).',
    labelNames: ['provider'],
    registers: [this.registry],
  });
  private readonly pushFrames = new Counter({
    name: 'live_push_stream_frames_total',
    help: 'Upstream event stream frames by kind (activity, keepalive, ignored, closed, malformed).',
    labelNames: ['provider', 'kind'],
    registers: [this.registry],
  });
  private readonly pushFailures = new Counter({
    name: 'live_push_stream_failures_total',
    help: 'Upstream event streams refused (not opened) or dropped (after opening); each is retried with backoff.',
    labelNames: ['provider', 'reason'],
    registers: [this.registry],
  });
  private readonly pushCallbacks = new Counter({
    name: 'live_push_callbacks_total',
    help: 'Upstream callbacks received, by outcome (accepted, replayed, unknown_token, too_large, bad_body).',
    labelNames: ['provider', 'outcome'],
    registers: [this.registry],
  });
  private readonly pushReads = new Counter({
    name: 'live_push_triggered_reads_total',
    help: 'Executions read again at once because their upstream pushed (source: stream or callback).',
    labelNames: ['provider', 'source'],
    registers: [this.registry],
  });

  /** Read at scrape time: the Redis link changes state on its own. */
  private readRedisStatus: () => string = () => 'disabled';
  private readonly redisState = new Gauge({
    name: 'redis_coordination_state',
    help: 'Coordination with other replicas through Redis: 1 for the current state (disabled, connected or degraded), 0 for the others.',
    labelNames: ['state'],
    registers: [this.registry],
    collect: () => {
      const current = this.readRedisStatus();
      for (const state of REDIS_STATES) this.redisState.set({ state }, state === current ? 1 : 0);
    },
  });

  constructor(providers: readonly Provider[]) {
    collectDefaultMetrics({ register: this.registry });
    for (const provider of providers) this.circuitState.set({ provider }, CIRCUIT_STATE.closed);
  }

  readonly http: HttpObserver = {
    onAttempt: ({ provider, endpoint, outcome, durationMs }) => {
      this.upstreamRequests.inc({ provider, endpoint, outcome });
      this.upstreamDuration.observe({ provider, endpoint }, durationMs / 1000);
    },
    onBreakerStateChange: (provider, state) => this.circuitState.set({ provider }, CIRCUIT_STATE[state]),
  };

  readonly cache: CacheObserver = {
    onLookup: (hit) => this.cacheLookups.inc({ result: hit ? 'hit' : 'miss' }),
  };

  readonly live: LiveObserver = {
    onPollersChanged: (count) => this.activePollers.set(count),
    onSubscribersChanged: (delta) => this.activeSubscriptions.inc(delta),
    onStreamsChanged: (provider, open) => this.pushStreams.set({ provider }, open),
    onStreamFrame: (provider, kind) => this.pushFrames.inc({ provider, kind }),
    onStreamFailure: (provider, reason) => this.pushFailures.inc({ provider, reason }),
    onCallback: (provider, outcome) => this.pushCallbacks.inc({ provider, outcome }),
    onTriggeredRead: (provider, source) => this.pushReads.inc({ provider, source }),
  };

  observeRedis(read: () => string): void {
    this.readRedisStatus = read;
  }

  recordOperation(name: string | null | undefined, type: string, outcome: 'success' | 'error' | 'refused', durationSeconds?: number): void {
    const operation = this.boundedName(name);
    this.operations.inc({ operation, type, outcome });
    if (durationSeconds !== undefined) this.operationDuration.observe({ operation }, durationSeconds);
  }

  private boundedName(name: string | null | undefined): string {
    if (!name) return 'anonymous';
    if (this.operationNames.has(name)) return name;
    if (this.operationNames.size >= MAX_OPERATION_NAMES || !/^[A-Za-z_]\w{0,99}$/.test(name)) return 'other';
    this.operationNames.add(name);
    return name;
  }
}
