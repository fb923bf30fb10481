/**
 * Starting and cancelling executions. Kept apart from the reader because these change the
 * upstreams' state: they are never shared between callers or served from a cache, and only the
 * adapters know which of them are safe to retry (see each adapter's `startExecution`). A start
 * with an idempotency key goes through the gateway's keys (idempotency.ts), for every provider.
 * A run of an upstream that can report its end (PromptLayer, with GATEWAY_PUBLIC_URL) is started
 * with a callback URL of its own (see src/live/callbacks.ts).
 */
import type { Execution } from '../domain/execution.js';
import { GatewayError } from '../domain/errors.js';
import { formatGlobalId, type ExecutionRef, type Provider } from '../domain/ids.js';
import { supported, type ExecutionAdapter, type StartRequest, type StartResult } from '../upstreams/adapter.js';
import type { CallTally } from '../upstreams/http/client.js';
import type { IdempotentStarts } from './idempotency.js';
import type { ExecutionReader } from './reader.js';

/** A run's callback URL, and what to do once its start was answered. */
export interface StartCallback {
  readonly url: string;
  started(execution: Execution): Promise<void>;
  failed(): Promise<void>;
}

export type StartCallbacks = Partial<Record<Provider, { prepare(): Promise<StartCallback> }>>;

export class ExecutionCommands {
  constructor(
    private readonly reader: ExecutionReader,
    private readonly idempotency: IdempotentStarts,
    private readonly callbacks: StartCallbacks = {},
  ) {}

  start(provider: Provider, request: StartRequest): Promise<StartResult> {
    const adapter = this.reader.adapter(provider);
    const { workflowId, input, idempotencyKey: key } = request;
    if (key === null) return this.startRun(provider, adapter, request);
    const nativeKey = adapter.capabilities.nativeIdempotencyKey;
    return this.idempotency.start({ provider, workflowId, key, input, nativeKey }, () => this.startRun(provider, adapter, request));
  }

  /** Requests cancellation, then reads the execution again so the caller sees its new state. */
  async cancel(ref: ExecutionRef, tally?: CallTally): Promise<Execution> {
    const adapter = this.reader.adapter(ref.provider);
    supported(adapter, 'cancel');
    await adapter.cancelExecution!(ref.upstreamId, tally);
    const execution = await this.reader.freshExecution(ref, tally);
    if (!execution) throw new GatewayError('NOT_FOUND', `Execution ${formatGlobalId(ref)} does not exist upstream.`, ref.provider);
    return execution;
  }

  /** One upstream start; with the provider's callback URL when it has one (a replayed start makes none). */
  private async startRun(provider: Provider, adapter: ExecutionAdapter, request: StartRequest): Promise<StartResult> {
    const callback = (await this.callbacks[provider]?.prepare()) ?? null;
    if (!callback) return adapter.startExecution(request);
    let result: StartResult;
    try {
      result = await adapter.startExecution({ ...request, callbackUrl: callback.url });
    } catch (error) {
      await callback.failed();
      throw error;
    }
    await callback.started(result.execution);
    return result;
  }
}
