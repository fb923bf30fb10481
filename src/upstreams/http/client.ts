/**
 * The one HTTP client every adapter uses. It owns what is the same for all three upstreams:
 * a keep-alive connection pool per origin, timeouts and an overall deadline, a response size
 * cap, retries with backoff for idempotent calls, a retry budget, a circuit breaker and a
 * bulkhead, and the mapping of transport failures to gateway error codes. What a status code
 * *means* (Flowker 422 FLK-0502, PromptLayer 202, Polos' empty 500) is left to the adapters:
 * every response the client does not treat as a failure is handed back to them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BulkheadPolicy,
  CircuitBreakerPolicy,
  CircuitState,
  ConsecutiveBreaker,
  bulkhead,
  circuitBreaker,
  handleWhen,
  isBrokenCircuitError,
  isBulkheadRejectedError,
} from 'cockatiel';
import { Pool, errors as undiciErrors } from 'undici';
import { GatewayError } from '../../domain/errors.js';
import { providerName, type Provider } from '../../domain/ids.js';
import { exchange, type Exchange } from './exchange.js';
import { RetryBudget } from './retry-budget.js';

/** Timeouts, limits and resilience settings: the same shape for every upstream (see config.ts). */
export interface HttpTuning {
  readonly connectTimeoutMs: number;
  /** Per attempt: how long to wait for response headers, and for the body to finish. */
  readonly attemptTimeoutMs: number;
  /** Whole call, retries and back-off included: no caller waits longer than this. */
  readonly deadlineMs: number;
  readonly maxResponseBytes: number;
  /** Keep-alive connections per origin; further requests wait in the bulkhead queue. */
  readonly maxConnections: number;
  readonly maxQueued: number;
  /** Total attempts for idempotent requests (1 = no retry). */
  readonly maxAttempts: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Upper bound for a 429's Retry-After that the client is willing to wait. */
  readonly maxRetryAfterMs: number;
  /** Consecutive failed attempts that open the circuit, and how long it stays open before a probe. */
  readonly breakerThreshold: number;
  readonly breakerHalfOpenAfterMs: number;
}

export interface HttpClientOptions extends HttpTuning {
  readonly provider: Provider;
  /** Origin with an optional path prefix, e.g. `https://polos.example.com/tenant-a`. */
  readonly baseUrl: string;
  /** Sent on every request. Holds the upstream credentials: never logged, never echoed. */
  readonly headers: Readonly<Record<string, string>>;
  readonly observer?: HttpObserver | undefined;
}

/** Hooks for metrics, logs and traces; the client does not know about prom-client, pino or OpenTelemetry. */
export interface HttpObserver {
  onAttempt?(event: { provider: Provider; endpoint: string; outcome: string; durationMs: number }): void;
  onBreakerStateChange?(provider: Provider, state: 'closed' | 'open' | 'half_open'): void;
  /**
   * Called as a request starts, in its caller's context (before any queueing, which would lose
   * it): a tracer returns what starts each attempt's span. Unset, tracing costs nothing here.
   */
  traceRequest?(request: { provider: Provider; endpoint: string; method: string; origin: string }): AttemptTracer;
}

/** Starts the span of attempt `resendCount` (0: the first). */
export type AttemptTracer = (resendCount: number) => AttemptSpan;

export interface AttemptSpan {
  /** Sent upstream with the attempt (the trace context). */
  readonly headers: Readonly<Record<string, string>>;
  /** With the attempt's outcome, as `onAttempt` reports it (a status code, `timeout`…). */
  end(outcome: string): void;
}

/**
 * Whom an upstream call is made for (an operation, or a batched HTTP request): every attempt adds
 * one, and the operation's log line and span report the total. Passed down explicitly rather than
 * found through AsyncLocalStorage, whose promise hooks cost every promise in the process (≈ a fifth
 * of a 10-call operation's CPU on Node 20: docs/benchmarks.md).
 */
export interface CallTally {
  upstreamCalls: number;
}

export interface RequestOptions {
  readonly method?: 'GET' | 'POST';
  /** Path below the base URL's prefix, starting with `/`. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** A short name for metrics (`execution`, `results`…): never the raw path, which holds ids. */
  readonly endpoint: string;
  /** Whether the request may be sent again after a failure. Defaults to true for GET only. */
  readonly idempotent?: boolean;
  /**
   * Statuses the adapter interprets itself even though they look like failures (e.g. Polos'
   * empty 500 for an unknown id): returned as they are, not retried, not counted by the breaker.
   */
  readonly handles?: (status: number, body: string) => boolean;
  /** Counts this call's attempts; none for the gateway's own calls (polls, pushes). */
  readonly tally?: CallTally | undefined;
}

/** One upstream answer: the exchange's, its body scrubbed of the gateway's credentials. */
export type UpstreamResponse = Exchange;

/**
 * The least time an attempt is started with (half the deadline when that is shorter). A caller
 * whose deadline leaves less (spent queued behind busy connections, or in back-off) is answered
 * at once instead: an attempt with a few milliseconds left could only time out, and its timeout
 * would count against the circuit breaker.
 */
const MIN_ATTEMPT_MS = 50;

/** Thrown inside an attempt to mark it retryable; never escapes the client. */
class RetryableFailure extends Error {
  constructor(
    readonly error: GatewayError,
    readonly retryAfterMs: number | null = null,
  ) {
    super(error.message);
  }
}

export class UpstreamHttpClient {
  readonly provider: Provider;
  private readonly origin: string;
  private readonly pool: Pool;
  private readonly pathPrefix: string;
  private readonly breaker: CircuitBreakerPolicy;
  private readonly bulkhead: BulkheadPolicy;
  private readonly retryBudget = new RetryBudget();
  private readonly minAttemptMs: number;
  /** Credential values, scrubbed from bodies so that an upstream echoing them cannot leak them. */
  private readonly secrets: readonly string[];
  /** `accept` and the credentials: the same object for every request that adds no header. */
  private readonly baseHeaders: Readonly<Record<string, string>>;

  constructor(private readonly options: HttpClientOptions) {
    validateOptions(options);
    this.provider = options.provider;
    const base = new URL(options.baseUrl);
    this.origin = base.origin;
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
    this.secrets = credentialValues(options.headers);
    this.baseHeaders = Object.freeze({ accept: 'application/json', ...options.headers });
    this.minAttemptMs = Math.min(MIN_ATTEMPT_MS, options.deadlineMs / 2);
    this.pool = new Pool(base.origin, {
      connections: options.maxConnections,
      pipelining: 1,
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.attemptTimeoutMs,
      bodyTimeout: options.attemptTimeoutMs,
      keepAliveTimeout: 30_000,
    });
    this.bulkhead = bulkhead(options.maxConnections, options.maxQueued);
    this.breaker = circuitBreaker(
      // Rate limiting is the upstream protecting itself, not an outage: it does not open the circuit.
      handleWhen((error) => error instanceof RetryableFailure && error.error.code !== 'UPSTREAM_RATE_LIMITED'),
      { halfOpenAfter: options.breakerHalfOpenAfterMs, breaker: new ConsecutiveBreaker(options.breakerThreshold) },
    );
    const report = (state: 'closed' | 'open' | 'half_open') => options.observer?.onBreakerStateChange?.(this.provider, state);
    this.breaker.onBreak(() => report('open'));
    this.breaker.onHalfOpen(() => report('half_open'));
    this.breaker.onReset(() => report('closed'));
  }

  get circuitState(): 'closed' | 'open' | 'half_open' {
    const state = this.breaker.state;
    if (state === CircuitState.Closed) return 'closed';
    return state === CircuitState.HalfOpen ? 'half_open' : 'open';
  }

  async request(request: RequestOptions): Promise<UpstreamResponse> {
    const method = request.method ?? 'GET';
    const idempotent = request.idempotent ?? method === 'GET';
    const deadline = Date.now() + this.options.deadlineMs;
    this.retryBudget.recordRequest();
    const tracer = this.options.observer?.traceRequest?.({ provider: this.provider, endpoint: request.endpoint, method, origin: this.origin });
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.guardedAttempt(request, method, deadline, tracer && (() => tracer(attempt - 1)));
      } catch (error) {
        if (!(error instanceof RetryableFailure)) throw this.toGatewayError(error);
        const delay = this.retryDelay(attempt, error.retryAfterMs);
        // An upstream that asks for a longer pause than we are willing to wait gets it: no early retry.
        const waitTooLong = error.retryAfterMs !== null && error.retryAfterMs > this.options.maxRetryAfterMs;
        const mayRetry =
          idempotent &&
          !waitTooLong &&
          attempt < this.options.maxAttempts &&
          Date.now() + delay + this.minAttemptMs < deadline &&
          this.retryBudget.tryWithdraw();
        if (!mayRetry) throw error.error;
        await sleep(delay);
        // A back-off that overran (a busy event loop) leaves no time for another attempt: report the real failure.
        if (deadline - Date.now() < this.minAttemptMs) throw error.error;
      }
    }
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** One attempt, behind the circuit breaker and the bulkhead. */
  private guardedAttempt(request: RequestOptions, method: 'GET' | 'POST', deadline: number, startSpan?: () => AttemptSpan): Promise<UpstreamResponse> {
    return this.breaker.execute(() => this.withinDeadline(deadline, () => this.attempt(request, method, deadline, startSpan?.())));
  }

  /**
   * Runs `attempt` in the bulkhead, but waits for a free connection only as long as the deadline
   * allows: time queued counts against UPSTREAM_DEADLINE_MS like any other. A caller that gives
   * up leaves its queue entry behind; when that entry's turn comes it returns at once, without
   * an attempt, and the slot passes to the next caller (cockatiel hands a freed slot to one entry).
   */
  private withinDeadline<T>(deadline: number, attempt: () => Promise<T>): Promise<T> {
    const patience = deadline - Date.now() - this.minAttemptMs;
    if (patience <= 0) return Promise.reject(this.deadlineSpent());
    if (this.bulkhead.executionSlots > 0) return this.bulkhead.execute(attempt);
    return new Promise<T>((resolve, reject) => {
      let waiting = true;
      const giveUp = setTimeout(() => {
        waiting = false;
        reject(this.deadlineSpent());
      }, patience);
      this.bulkhead
        .execute(async () => {
          if (!waiting) return;
          waiting = false;
          clearTimeout(giveUp);
          await attempt().then(resolve, reject);
        })
        .catch((error: unknown) => {
          clearTimeout(giveUp);
          reject(error); // the queue is full: BulkheadRejectedError
        });
    });
  }

  private deadlineSpent(): GatewayError {
    const name = providerName(this.provider);
    return new GatewayError(
      'UPSTREAM_TIMEOUT',
      `${name} did not answer in time: the call waited for a free connection until its UPSTREAM_DEADLINE_MS (${this.options.deadlineMs} ms) was spent.`,
      this.provider,
      { notSent: true },
    );
  }

  private async attempt(request: RequestOptions, method: 'GET' | 'POST', deadline: number, span?: AttemptSpan): Promise<UpstreamResponse> {
    const started = performance.now();
    // withinDeadline() left at least minAttemptMs; timer drift must not shrink it to nothing.
    const remaining = Math.max(this.minAttemptMs, deadline - Date.now());
    let outcome = 'error';
    try {
      const response = await exchange(this.pool, {
        method,
        path: this.buildPath(request),
        headers: this.headersFor(request, span),
        body: request.body === undefined ? null : JSON.stringify(request.body),
        timeoutMs: Math.min(remaining, this.options.attemptTimeoutMs),
        maxBodyBytes: this.options.maxResponseBytes,
        tooLarge: this.tooLarge,
      });
      outcome = String(response.status);
      return this.classify(response.status, response.headers, this.scrub(response.body), request);
    } catch (error) {
      if (error instanceof GatewayError || error instanceof RetryableFailure) throw error;
      outcome = transportOutcome(error);
      throw this.transportFailure(error);
    } finally {
      if (request.tally) request.tally.upstreamCalls++;
      this.options.observer?.onAttempt?.({
        provider: this.provider,
        endpoint: request.endpoint,
        outcome,
        durationMs: performance.now() - started,
      });
      span?.end(outcome);
    }
  }

  private readonly tooLarge = (): GatewayError =>
    new GatewayError('UPSTREAM_BAD_RESPONSE', `${providerName(this.provider)} sent a response larger than ${this.options.maxResponseBytes} bytes.`, this.provider);

  /** The client's own headers, shared by every plain GET; a copy only when a request adds to them. */
  private headersFor(request: RequestOptions, span: AttemptSpan | undefined): Readonly<Record<string, string>> {
    if (request.headers === undefined && span === undefined && request.body === undefined) return this.baseHeaders;
    return {
      ...this.baseHeaders,
      ...request.headers,
      ...span?.headers,
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
    };
  }

  private classify(
    status: number,
    headers: UpstreamResponse['headers'],
    body: string,
    request: RequestOptions,
  ): UpstreamResponse {
    if (request.handles?.(status, body)) return { status, headers, body };
    const name = providerName(this.provider);
    if (status === 401 || status === 403) {
      throw new GatewayError('UPSTREAM_UNAUTHORIZED', `${name} rejected the gateway's credentials (HTTP ${status}).`, this.provider);
    }
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(headers['retry-after']);
      throw new RetryableFailure(
        new GatewayError('UPSTREAM_RATE_LIMITED', `${name} is rate limiting the gateway (HTTP 429).`, this.provider, {
          retryAfterMs: retryAfterMs ?? undefined,
        }),
        retryAfterMs,
      );
    }
    if (status >= 500) {
      throw new RetryableFailure(new GatewayError('UPSTREAM_UNAVAILABLE', `${name} failed (HTTP ${status}).`, this.provider));
    }
    return { status, headers, body };
  }

  private transportFailure(error: unknown): RetryableFailure {
    const name = providerName(this.provider);
    const timedOut =
      error instanceof undiciErrors.HeadersTimeoutError ||
      error instanceof undiciErrors.BodyTimeoutError ||
      error instanceof undiciErrors.ConnectTimeoutError ||
      (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'));
    const gatewayError = timedOut
      ? new GatewayError('UPSTREAM_TIMEOUT', `${name} did not answer in time.`, this.provider, { notSent: error instanceof undiciErrors.ConnectTimeoutError })
      : new GatewayError('UPSTREAM_UNAVAILABLE', `${name} could not be reached (${errorCode(error)}).`, this.provider, { notSent: neverConnected(error) });
    return new RetryableFailure(gatewayError);
  }

  private toGatewayError(error: unknown): GatewayError {
    if (error instanceof GatewayError) return error;
    const name = providerName(this.provider);
    if (isBrokenCircuitError(error)) {
      return new GatewayError('UPSTREAM_UNAVAILABLE', `${name} is failing; the gateway is not calling it for now (circuit open).`, this.provider, { notSent: true });
    }
    if (isBulkheadRejectedError(error)) {
      // Load shed by the gateway itself: say which limits were full, so that an operator knows what to raise.
      const { maxConnections, maxQueued } = this.options;
      return new GatewayError(
        'UPSTREAM_UNAVAILABLE',
        `Too many requests to ${name} are waiting in the gateway: ${maxConnections} in flight (UPSTREAM_MAX_CONNECTIONS) and ${maxQueued} queued (UPSTREAM_MAX_QUEUED). Try again shortly.`,
        this.provider,
        { notSent: true },
      );
    }
    return new GatewayError('UPSTREAM_UNAVAILABLE', `${name} call failed.`, this.provider, { cause: error });
  }

  private scrub(body: string): string {
    return this.secrets.reduce((text, secret) => (text.includes(secret) ? text.replaceAll(secret, '[redacted]') : text), body);
  }

  /** Exponential back-off with full jitter; a 429's Retry-After wins when it is longer. */
  private retryDelay(attempt: number, retryAfterMs: number | null): number {
    const ceiling = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (attempt - 1));
    const jittered = Math.random() * ceiling;
    return retryAfterMs === null ? jittered : Math.max(jittered, retryAfterMs);
  }

  private buildPath(request: RequestOptions): string {
    const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
    return `${this.pathPrefix}${request.path}${query}`;
  }
}

/** Header values, and the token of `Bearer <token>`, long enough that scrubbing them cannot mangle a body. */
function credentialValues(headers: Readonly<Record<string, string>>): string[] {
  const values = Object.values(headers).flatMap((value) => [value, value.replace(/^Bearer\s+/i, '')]);
  return [...new Set(values)].filter((value) => value.length >= 8);
}

/** Retry-After is either delta-seconds or an HTTP date. */
export function parseRetryAfter(header: string | string[] | undefined): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined || value.trim() === '') return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - Date.now());
}

function transportOutcome(error: unknown): string {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name.includes('Timeout')) ? 'timeout' : 'network_error';
}

/** Failures that happen before a connection exists: the request certainly never reached the upstream. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const neverConnected = (error: unknown): boolean => NOT_CONNECTED.has(errorCode(error));

function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'connection error';
}

function validateOptions(options: HttpClientOptions): void {
  try {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    throw new TypeError(`${providerName(options.provider)} base URL must be an http(s) URL.`);
  }
  for (const key of ['maxConnections', 'maxAttempts', 'attemptTimeoutMs', 'deadlineMs', 'maxResponseBytes'] as const) {
    if (!Number.isInteger(options[key]) || options[key] < 1) {
      throw new TypeError(`HttpClientOptions.${key} must be a positive integer, got ${String(options[key])}.`);
    }
  }
}
