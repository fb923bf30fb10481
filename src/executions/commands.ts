/**
 * Starting and cancelling executions. Kept apart from the reader because these change the
 * upstreams' state: they are never shared between callers or served from a cache, and only the
 * adapters know which of them are safe to retry (see each adapter's `startExecution`). A start
 * with an idempotency key goes through the gateway's keys (idempotency.ts), for every provider.
 */
import type { Execution } from '../domain/execution.js';
import { GatewayError } from '../domain/errors.js';
import { formatGlobalId, type ExecutionRef, type Provider } from '../domain/ids.js';
import { supported, type StartRequest, type StartResult } from '../upstreams/adapter.js';
import type { IdempotentStarts } from './idempotency.js';
import type { ExecutionReader } from './reader.js';

export class ExecutionCommands {
  constructor(
    private readonly reader: ExecutionReader,
    private readonly idempotency: IdempotentStarts,
  ) {}

  start(provider: Provider, request: StartRequest): Promise<StartResult> {
    const adapter = this.reader.adapter(provider);
    const { workflowId, input, idempotencyKey: key } = request;
    if (key === null) return adapter.startExecution(request);
    const nativeKey = adapter.capabilities.nativeIdempotencyKey;
    return this.idempotency.start({ provider, workflowId, key, input, nativeKey }, () => adapter.startExecution(request));
  }

  /** Requests cancellation, then reads the execution again so the caller sees its new state. */
  async cancel(ref: ExecutionRef): Promise<Execution> {
    const adapter = this.reader.adapter(ref.provider);
    supported(adapter, 'cancel');
    await adapter.cancelExecution!(ref.upstreamId);
    const execution = await this.reader.freshExecution(ref);
    if (!execution) throw new GatewayError('NOT_FOUND', `Execution ${formatGlobalId(ref)} does not exist upstream.`, ref.provider);
    return execution;
  }
}
