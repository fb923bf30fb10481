/**
 * What the rest of the gateway needs from an upstream. Each provider folder implements it:
 * the adapter makes the HTTP calls, validates the bodies and maps them to the domain model,
 * so nothing past this interface ever sees upstream JSON. Not every upstream can do everything:
 * each adapter declares what it can in `capabilities`, the reader and the commands read that
 * (`supported` below), and whatever is not declared fails with NOT_SUPPORTED, said one way.
 */
import type { Execution, ExecutionDetails, JsonValue } from '../domain/execution.js';
import { GatewayError } from '../domain/errors.js';
import { providerName, type Provider } from '../domain/ids.js';
import type { ExecutionStatus } from '../domain/status.js';
import type { CallTally, UpstreamHttpClient } from './http/client.js';

export interface StartRequest {
  readonly workflowId: string;
  readonly input: JsonValue | null;
  readonly idempotencyKey: string | null;
  /** Where the upstream should report the run's end, when it can (PromptLayer `callback_url`). */
  readonly callbackUrl?: string | undefined;
  readonly tally?: CallTally | undefined;
}

export interface StartResult {
  /** As the upstream reported it at start (no extra call). */
  readonly execution: Execution;
  readonly idempotencyKey: string | null;
  /** The upstream returned an execution it had already started for this idempotency key. */
  readonly replayed: boolean;
}

export interface ListRequest {
  readonly workflowId: string | null;
  readonly status: ExecutionStatus | null;
  readonly first: number;
  /** The upstream's own position (Flowker cursor, Polos offset) from the previous page. */
  readonly after: string | null;
  readonly tally?: CallTally | undefined;
}

export interface ListPage {
  /** Full snapshots, or partial ones where the capabilities say `partialListItems`. */
  readonly executions: readonly Execution[];
  /** Where the next page starts, in the upstream's terms; null on the last page. */
  readonly next: string | null;
}

/** What an upstream can do, declared by its adapter (the README's "Providers" table says the same). */
export interface Capabilities {
  /** `startExecution`: every provider. */
  readonly start: boolean;
  /**
   * The upstream checks idempotency keys itself (Flowker): the key is passed through, and a start
   * repeated with it returns the same execution. Every provider has the gateway's keys
   * (src/executions/idempotency.ts); this says whether the upstream's own stand behind them.
   */
  readonly nativeIdempotencyKey: boolean;
  /** `cancelExecution`. */
  readonly cancel: boolean;
  /** `listExecutions`. */
  readonly list: boolean;
  /** `listExecutions` with a status filter. */
  readonly listByStatus: boolean;
  /** List items lack fields a full read has (Polos: retry count, start, parent): each costs a read. */
  readonly partialListItems: boolean;
  /** `listChildren`: the upstream knows which executions ran under another (Polos). */
  readonly children: boolean;
  /** The upstream can push changes (Polos' event stream, PromptLayer's callbacks; see src/live/push.ts), not only be polled. */
  readonly push: boolean;
}

/** An adapter's declaration: what it names it can do; everything else it cannot. */
export const capabilities = (granted: Partial<Capabilities>): Capabilities => ({
  start: false,
  nativeIdempotencyKey: false,
  cancel: false,
  list: false,
  listByStatus: false,
  partialListItems: false,
  children: false,
  push: false,
  ...granted,
});

/**
 * What an upstream's event stream says, once each frame is parsed and validated at the adapter
 * edge. Events are triggers, never state: the live layer re-reads the execution they name.
 */
export type UpstreamEvent =
  /** Something happened to an execution of the tree (`executionId` null: the root). `ended`: it finished or was cancelled. */
  | { readonly kind: 'activity'; readonly sequence: number; readonly executionId: string | null; readonly ended: boolean }
  /** The upstream's idle frame: the stream is alive, nothing happened. */
  | { readonly kind: 'keepalive' }
  /** A valid frame that cannot change any status (streamed model tokens), or one without a sequence. */
  | { readonly kind: 'ignored'; readonly sequence: number | null }
  /** The upstream ends the stream for good (Polos' error frame: the run failed). */
  | { readonly kind: 'closed'; readonly message: string }
  /** Not what the upstream documents: skipped, and counted. */
  | { readonly kind: 'malformed' };

/** An execution tree, as an event stream is opened for it: its root's workflow and id. */
export interface EventTree {
  readonly workflowId: string;
  readonly rootId: string;
}

/** An upstream's push channel by event stream (Polos): one stream per execution tree. */
export interface EventStreamSource {
  /**
   * Resolves once the upstream accepted the stream (else rejects with a GatewayError); then
   * `onEvent` hears each frame, those after `afterSequence` (from the start when null). `ended`
   * resolves when the upstream closes the stream or the signal aborts, and rejects when it drops.
   */
  open(tree: EventTree, afterSequence: number | null, signal: AbortSignal, onEvent: (event: UpstreamEvent) => void): Promise<{ readonly ended: Promise<void> }>;
  /** Streams held at most at once (the size of their connection pool). */
  readonly maxStreams: number;
  close(): Promise<void>;
}

export interface ExecutionAdapter {
  readonly provider: Provider;
  readonly capabilities: Capabilities;
  /** The upstream's event stream, when it has one and streams are enabled (Polos, POLOS_MAX_STREAMS > 0). */
  readonly events?: EventStreamSource | undefined;
  /** The execution's current state, or null when the upstream says it does not exist. */
  fetchExecution(upstreamId: string, tally?: CallTally): Promise<Execution | null>;
  /**
   * Steps and output of an execution whose snapshot came without them (Flowker `/results`).
   * Null when they are not available (yet): not found, or not terminal.
   */
  fetchDetails(upstreamId: string, tally?: CallTally): Promise<ExecutionDetails | null>;
  startExecution(request: StartRequest): Promise<StartResult>;
  /** With `capabilities.cancel`. Asks for cancellation; the caller re-reads the execution for its new state. */
  cancelExecution?(upstreamId: string, tally?: CallTally): Promise<void>;
  /** With `capabilities.list`. */
  listExecutions?(request: ListRequest): Promise<ListPage>;
  /** With `capabilities.children`: executions started under this one, among the `scan` most recent. */
  listChildren?(upstreamId: string, scan: number, tally?: CallTally): Promise<ListPage>;
  /** Circuit state of the adapter's upstream, for health and metrics. */
  readonly circuitState: 'closed' | 'open' | 'half_open';
  close(): Promise<void>;
}

/** What NOT_SUPPORTED says a provider cannot do. */
const UNSUPPORTED: Readonly<Record<'cancel' | 'list' | 'listByStatus', string>> = {
  cancel: 'cancelling executions',
  list: 'listing executions',
  listByStatus: 'filtering executions by status',
};

/** Throws NOT_SUPPORTED unless the adapter declares the capability. */
export function supported(adapter: ExecutionAdapter, capability: keyof typeof UNSUPPORTED): void {
  if (!adapter.capabilities[capability]) {
    throw new GatewayError('NOT_SUPPORTED', `${providerName(adapter.provider)} does not support ${UNSUPPORTED[capability]}.`, adapter.provider);
  }
}

/** The part every HTTP adapter shares: the client's lifecycle, circuit state and defaults. */
export abstract class HttpExecutionAdapter implements ExecutionAdapter {
  abstract readonly provider: Provider;
  abstract readonly capabilities: Capabilities;

  constructor(protected readonly http: UpstreamHttpClient) {}

  get circuitState() {
    return this.http.circuitState;
  }

  abstract fetchExecution(upstreamId: string, tally?: CallTally): Promise<Execution | null>;
  abstract startExecution(request: StartRequest): Promise<StartResult>;

  /** For upstreams whose one execution body already holds steps/nodes and output. */
  async fetchDetails(upstreamId: string, tally?: CallTally): Promise<ExecutionDetails | null> {
    return (await this.fetchExecution(upstreamId, tally))?.details ?? null;
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
