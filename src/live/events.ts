/**
 * What flows from a poller to its subscribers. Plain data (no class instances), so that a
 * distributed pub/sub can carry it as JSON.
 */
import type { Execution } from '../domain/execution.js';
import type { GatewayErrorCode } from '../domain/errors.js';

export type LiveEvent = (
  /** A new observable state. A terminal snapshot is the last event of the stream. */
  | { readonly type: 'snapshot'; readonly execution: Execution }
  /** Polling keeps failing; the poller goes on trying and the stream stays open. */
  | { readonly type: 'error'; readonly globalId: string; readonly code: GatewayErrorCode; readonly message: string }
  /** The upstream says the execution does not exist: the last event of the stream. */
  | { readonly type: 'not_found'; readonly globalId: string }
) & {
  /** With tracing on, the W3C trace context (`traceparent`…) of the poll that produced it: pushes link to it, across replicas too. */
  readonly trace?: TraceCarrier;
};

export type TraceCarrier = Readonly<Record<string, string>>;

export const topicFor = (globalId: string): string => `execution:${globalId}`;
