/**
 * Polls one execution until it is terminal, publishing each observable change. There is one
 * poller per execution however many subscribers watch it (see LiveExecutions); it adapts its
 * pace: quick while the execution changes, slower (bounded, jittered) while it does not, and
 * backing off, honouring Retry-After, while the upstream fails. Where the upstream pushes (see
 * push.ts), a push triggers an immediate read, and while the push channel is healthy the poller
 * only polls as a safety net, every `safetyIntervalMs`: the read stays the source of truth.
 */
import { isTerminal, type Execution } from '../domain/execution.js';
import { GatewayError } from '../domain/errors.js';
import { formatGlobalId, type ExecutionRef } from '../domain/ids.js';
import type { ExecutionReader } from '../executions/reader.js';
import { hasObservableChange } from './change.js';
import type { LiveEvent, TraceCarrier } from './events.js';

export interface PollerOptions {
  readonly intervalMs: number;
  readonly maxIntervalMs: number;
  /** Consecutive failures before subscribers are told (once per failure streak). */
  readonly errorThreshold: number;
  /** The pace while a push channel is healthy: pushes are lost sometimes, and some changes send none. */
  readonly safetyIntervalMs: number;
}

export interface PollerDeps {
  readonly reader: ExecutionReader;
  readonly publish: (event: LiveEvent) => Promise<void>;
  /** Resolves when the provider's poll rate allows one more request. */
  readonly gate: () => Promise<void>;
  /** Called once when the poller ends by itself (terminal or not found). */
  readonly onFinished: () => void;
  /** Runs each read (a tracer: inside a span whose context `read` is given, to stamp the events it publishes). */
  readonly observePoll?: PollObserver | undefined;
}

/** What one poll came to. */
export type PollOutcome =
  | { readonly outcome: 'changed' | 'unchanged' | 'terminal' | 'not_found' | 'stopped' }
  | { readonly outcome: 'failed'; readonly error: GatewayError };

export type PollObserver = (poller: ExecutionPoller, read: (trace: TraceCarrier | undefined) => Promise<PollOutcome>) => Promise<void>;

/** Polls at the base interval for this many unchanged polls before slowing down. */
const STEADY_POLLS = 3;
const SLOWDOWN = 1.5;
const JITTER = 0.1;

export class ExecutionPoller {
  private lastSnapshot: Execution | null = null;
  private timer: NodeJS.Timeout | undefined;
  private unchangedPolls = 0;
  private failures = 0;
  private polls = 0;
  private stopped = false;
  private inFlight = false;
  /** A trigger arrived during a poll: poll again once it is done (what it read may predate the push). */
  private again = false;
  private pushHealthy = false;
  /** The trace context of the read in progress, stamped on what it publishes. */
  private trace: TraceCarrier | undefined;
  readonly globalId: string;

  constructor(
    readonly ref: ExecutionRef,
    private readonly options: PollerOptions,
    private readonly deps: PollerDeps,
  ) {
    this.globalId = formatGlobalId(ref);
  }

  start(): void {
    this.schedule(0);
  }

  /** Idempotent. A poll already in flight finishes, but publishes nothing. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Reads again now: the upstream pushed something about this execution. */
  trigger(): void {
    if (this.stopped) return;
    if (this.inFlight) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** A push channel became healthy (poll only as a safety net) or failed (poll at once, then as usual). */
  setPushHealthy(healthy: boolean): void {
    if (this.pushHealthy === healthy) return;
    this.pushHealthy = healthy;
    if (!healthy) this.trigger(); // pushes may have been lost while it failed
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.poll(), delayMs);
  }

  private async poll(): Promise<void> {
    this.inFlight = true;
    try {
      await this.pollOnce();
    } finally {
      this.inFlight = false;
    }
    if (this.again) {
      this.again = false;
      this.schedule(0);
    }
  }

  private async pollOnce(): Promise<void> {
    await this.deps.gate();
    if (this.stopped) return;
    const { observePoll } = this.deps;
    if (observePoll) await observePoll(this, (trace) => this.read(trace));
    else await this.read(undefined);
  }

  private async read(trace: TraceCarrier | undefined): Promise<PollOutcome> {
    this.trace = trace;
    try {
      const snapshot = await readSnapshot(this.deps.reader, this.ref, this.polls++ === 0);
      if (this.stopped) return { outcome: 'stopped' };
      this.failures = 0;
      if (snapshot === null) {
        await this.finish({ type: 'not_found', globalId: this.globalId });
        return { outcome: 'not_found' };
      }
      if (!hasObservableChange(this.lastSnapshot, snapshot)) {
        this.unchangedPolls++;
        this.schedule(this.nextDelay());
        return { outcome: 'unchanged' };
      }
      this.lastSnapshot = snapshot;
      this.unchangedPolls = 0;
      if (isTerminal(snapshot)) {
        await this.finish({ type: 'snapshot', execution: snapshot });
        return { outcome: 'terminal' };
      }
      await this.emit({ type: 'snapshot', execution: snapshot });
      this.schedule(this.nextDelay());
      return { outcome: 'changed' };
    } catch (error) {
      if (this.stopped) return { outcome: 'stopped' };
      return { outcome: 'failed', error: await this.recordFailure(error) };
    }
  }

  private async recordFailure(error: unknown): Promise<GatewayError> {
    this.failures++;
    const gatewayError =
      error instanceof GatewayError ? error : new GatewayError('UPSTREAM_UNAVAILABLE', 'Polling failed.', this.ref.provider);
    if (this.failures === this.options.errorThreshold) {
      // After an error event the next good snapshot is sent even if unchanged: it tells the
      // client the upstream is back.
      this.lastSnapshot = null;
      await this.emit({ type: 'error', globalId: this.globalId, code: gatewayError.code, message: gatewayError.message });
    }
    const backoff = Math.min(this.options.maxIntervalMs, this.options.intervalMs * 2 ** this.failures);
    this.schedule(jitter(Math.max(backoff, gatewayError.retryAfterMs ?? 0)));
    return gatewayError;
  }

  private nextDelay(): number {
    if (this.pushHealthy) return jitter(this.options.safetyIntervalMs);
    const slowdown = SLOWDOWN ** Math.max(0, this.unchangedPolls - STEADY_POLLS);
    return jitter(Math.min(this.options.maxIntervalMs, this.options.intervalMs * slowdown));
  }

  private async emit(event: LiveEvent): Promise<void> {
    await this.deps.publish(this.trace ? { ...event, trace: this.trace } : event);
  }

  private async finish(event: LiveEvent): Promise<void> {
    await this.emit(event);
    this.stop();
    this.deps.onFinished();
  }
}

/**
 * One read of an execution for its subscribers. The first read of a watch may be served by the
 * terminal cache (`cached`); later ones must see the upstream. A terminal snapshot is completed
 * with its details (Flowker `/results`, once).
 */
export async function readSnapshot(reader: ExecutionReader, ref: ExecutionRef, cached: boolean): Promise<Execution | null> {
  const execution = cached ? await reader.cachedExecution(ref) : await reader.freshExecution(ref);
  if (!execution || !isTerminal(execution) || execution.details) return execution;
  const details = await reader.getDetails(execution);
  return details ? { ...execution, details } : execution;
}

const jitter = (delayMs: number): number => Math.round(delayMs * (1 - JITTER + Math.random() * 2 * JITTER));
