/**
 * The operation pipeline: every per-operation concern of the gateway, written once and used by
 * every transport (HTTP through graphql-http, WebSocket through our graphql-transport-ws server,
 * Server-Sent Events through graphql-sse, and whatever comes next). Phases, one module each, in this order:
 *
 *   plugins' resolveDocument → parse.ts (MAX_TOKENS) → validate.ts (graphql-js rules, MAX_DEPTH,
 *   MAX_ALIASES, MAX_DIRECTIVES, INTROSPECTION) → operation resolution → cost.ts (MAX_COST,
 *   MAX_IDS_PER_CALL) → execute.ts (graphql-jit, graphql-js fallback) → mask.ts (error ids)
 *
 * Parsing, validation, cost and compilation are remembered per document text / DocumentNode, so
 * a repeated operation only executes. The request context (request id, upstream calls), the log
 * line (plugins/log-line.ts) and metrics (plugins/metrics.ts) hang off the same operation object.
 *
 * How a transport plugs in (see src/server/http-transport.ts and src/server/websocket.ts):
 *
 *   const operation = pipeline.begin({ transport: 'sse', request: { query, operationName, variables, extensions } });
 *   const prepared = await operation.prepare();
 *   if (!prepared.ok) → send prepared.errors (client-safe GraphQLErrors; the operation has ended, as refused)
 *   const result = await operation.execute(contextValue);
 *   → an ExecutionResult with masked errors, or (subscriptions) an AsyncIterable of them that ends
 *     the operation when it finishes or is returned; send it as the wire wants it
 *
 * and `operation.refuse(error)` for a refusal of its own (a per-socket cap). A transport never
 * masks, logs or counts: ending the operation does that, the same way for all. Libraries with
 * graphql-ws's hook shape (graphql-http, graphql-sse) wire up as http-transport.ts and sse.ts do:
 * `onSubscribe` begins and prepares, their `execute`/`subscribe` options call `operation.execute`,
 * and the (already masked) results go out unchanged. A transport may pass `headers` (its request
 * headers; WebSocket: the connection_init payload), where a tracing plugin finds `traceparent`.
 *
 * How a plugin plugs in: an entry in `plugins` (small and named, like plugins/*.ts):
 *
 *   { name, resolveDocument?(operation), onOperation?(operation) → { onPrepared?, onResult?, onEnd?, around? } }
 *
 * The hooks get the operation as their last argument, so a plugin with nothing of its own per
 * operation returns one shared hooks object (10,000 subscriptions hold no closures of it).
 *
 * `resolveDocument` runs before parsing and may return the document text (a persisted-document id
 * in `operation.request` → its text) or a GraphQLError to refuse; `onOperation` runs when an
 * operation begins (a tracing plugin starts its span there and ends it in `onEnd`, where the
 * outcome, errors, failures and events are known; its `around` runs execution and the end hooks
 * inside the span's context, so that upstream calls and the log line belong to it).
 */
import {
  createSourceEventStream,
  execute as graphqlExecute,
  getOperationAST,
  GraphQLError,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationTypeNode,
} from 'graphql';
import { isJsonObject } from '../../domain/execution.js';
import type { OperationLimits } from '../limits.js';
import type { RequestFacts } from '../../graphql/context.js';
import { newRequestId } from '../request-context.js';
import { createCostCheck, type CostCheck } from './cost.js';
import { createExecutor, type Executor, type ExecutorFactory, type ExecutorName } from './execute.js';
import { maskError, type Failure } from './mask.js';
import { createParser, type Parsed } from './parse.js';
import { createValidator } from './validate.js';

export type { Executor, ExecutorFactory, ExecutorName } from './execute.js';
export type { Failure } from './mask.js';

/** Where an operation came from; a label in logs and metrics. */
export type Transport = 'http' | 'ws' | 'sse';

/** The GraphQL request as every transport receives it (GraphQL over HTTP's request parameters). */
export interface OperationRequest {
  readonly query?: unknown;
  readonly operationName?: unknown;
  readonly variables?: unknown;
  readonly extensions?: unknown;
  /** GraphQL over HTTP's persisted-document id (also accepted in a graphql-ws subscribe payload). */
  readonly documentId?: unknown;
}

/**
 * Request headers (or WebSocket connection_init fields) by lower-case name: Fetch's `Headers` and
 * graphql-sse's request headers are these as they are, so a transport passes one object per
 * request or socket rather than a closure per operation.
 */
export interface RequestHeaders {
  get(name: string): string | null | undefined;
}

export type Outcome = 'success' | 'error' | 'refused';

export interface OperationHooks {
  /** The document is valid and the operation known (`operationName`, `operationType`, `document`). */
  onPrepared?(operation: Operation): void;
  /** A result (a subscription event) is about to be sent, its errors masked. */
  onResult?(result: FormattedExecutionResult, operation: Operation): void;
  /** Once per operation, refused, answered or stream finished: everything about it is known. */
  onEnd?(operation: Operation): void;
  /** Runs execution (a subscription: its start) and the end hooks; must call `run` and return its value. */
  around?<T>(run: () => T): T;
}

export interface PipelinePlugin {
  readonly name: string;
  /** Before parsing: the document text for this request (undefined: the request's own `query`), or a refusal. */
  resolveDocument?(operation: Operation): string | GraphQLError | undefined | Promise<string | GraphQLError | undefined>;
  onOperation?(operation: Operation): OperationHooks | void;
}

export interface PipelineOptions {
  readonly schema: GraphQLSchema;
  readonly limits: OperationLimits;
  readonly introspection: boolean;
  /** graphql-jit (default), graphql-js, or an executor of the caller's; the differential test runs both. */
  readonly executor?: ExecutorName | ExecutorFactory;
  readonly plugins?: readonly PipelinePlugin[];
}

export interface BeginOptions {
  readonly transport: Transport;
  readonly request: OperationRequest;
  /** The transport's request facts (HTTP: one per request, shared by a batch); fresh ones otherwise. */
  readonly facts?: RequestFacts;
  readonly headers?: RequestHeaders | undefined;
}

export type Prepared =
  | { readonly ok: true; readonly document: DocumentNode; readonly operationType: OperationTypeNode }
  | { readonly ok: false; readonly errors: readonly GraphQLError[] };

export type OperationResult = FormattedExecutionResult | AsyncIterable<FormattedExecutionResult>;

export interface Pipeline {
  begin(options: BeginOptions): Operation;
  readonly executor: Executor;
}

interface Phases {
  /**
   * The last operation's hooks. Plugins with nothing of their own per operation return the same
   * hooks object every time, so most operations' hook lists are equal: they share this one array
   * (its own per operation would be 184 bytes held by each of 10,000 subscriptions).
   */
  sharedHooks: readonly OperationHooks[];
  readonly schema: GraphQLSchema;
  readonly parse: (source: string) => Parsed;
  readonly validate: (document: DocumentNode) => readonly GraphQLError[];
  readonly checkCost: CostCheck;
  readonly executor: Executor;
  readonly plugins: readonly PipelinePlugin[];
}

export function createPipeline(options: PipelineOptions): Pipeline {
  const phases: Phases = {
    sharedHooks: noHooks,
    schema: options.schema,
    parse: createParser(options.limits.maxTokens),
    validate: createValidator(options.schema, options),
    checkCost: createCostCheck(options.schema, options.limits),
    executor: typeof options.executor === 'function' ? options.executor(options.schema) : createExecutor(options.schema, options.executor ?? 'jit'),
    plugins: options.plugins ?? [],
  };
  return {
    executor: phases.executor,
    begin: ({ transport, request, facts, headers }) =>
      new Operation(phases, transport, request, facts ?? { requestId: newRequestId(), upstreamCalls: 0 }, headers ?? noHeaders),
  };
}

/** One GraphQL operation on its way through the pipeline: what plugins read, what transports drive. */
export class Operation {
  readonly startedAt = performance.now();
  /** The document text, once known (a plugin may have supplied it). */
  source: string | undefined;
  document: DocumentNode | undefined;
  /** The operation's name as the document gives it (null: anonymous, or not resolved). */
  operationName: string | null = null;
  operationType: OperationTypeNode | null = null;
  variables: Record<string, unknown> = noVariables;
  /** Results sent: 1 for a query or mutation, the number of events for a subscription. */
  events = 0;
  outcome: Outcome = 'success';
  durationMs = 0;
  private ended = false;
  // Made on the first error: most operations (and every idle subscription) have none.
  private errorList: GraphQLFormattedError[] | undefined;
  private failureList: Failure[] | undefined;
  private readonly hooks: readonly OperationHooks[];
  /** The plugins' `around` hooks, outermost first (usually none). */
  private readonly arounds: readonly OperationHooks[];

  constructor(
    private readonly phases: Phases,
    readonly transport: Transport,
    readonly request: OperationRequest,
    readonly facts: RequestFacts,
    readonly headers: RequestHeaders,
  ) {
    const hooks: OperationHooks[] = [];
    for (const plugin of phases.plugins) {
      const pluginHooks = plugin.onOperation?.(this);
      if (pluginHooks) hooks.push(pluginHooks);
    }
    this.hooks = sameHooks(hooks, phases.sharedHooks) ? phases.sharedHooks : (phases.sharedHooks = hooks);
    this.arounds = hooks.some((pluginHooks) => pluginHooks.around) ? hooks.filter((pluginHooks) => pluginHooks.around) : noHooks;
  }

  /** Every error the client was sent, masked. */
  get errors(): readonly GraphQLFormattedError[] {
    return this.errorList ?? noErrors;
  }

  /** The causes behind masked errors, for the log line. */
  get failures(): readonly Failure[] {
    return this.failureList ?? noFailures;
  }

  get requestId(): string {
    return this.facts.requestId;
  }

  /** Document resolution, parse, validation, operation resolution and cost; a refusal ends the operation. */
  async prepare(): Promise<Prepared> {
    const source = await this.resolveSource();
    if (source instanceof GraphQLError) return this.refuseWith([source]);
    this.source = source;
    const parsed = this.phases.parse(source);
    if (parsed.errors) return this.refuseWith(parsed.errors);
    const { document } = parsed;
    this.document = document;
    // Resolved before validation so that a refused operation is still logged under its name.
    const requestedName = typeof this.request.operationName === 'string' ? this.request.operationName : undefined;
    const operation = getOperationAST(document, requestedName);
    this.operationName = operation?.name?.value ?? null;
    this.operationType = operation?.operation ?? null;
    const invalid = this.phases.validate(document);
    if (invalid.length > 0) return this.refuseWith(invalid);
    if (!operation) return this.refuseWith([unresolvedOperation(requestedName)]);
    this.variables = isJsonObject(this.request.variables) ? this.request.variables : {};
    for (const hooks of this.hooks) hooks.onPrepared?.(this);
    const tooCostly = this.costRefusal(document, requestedName);
    if (tooCostly) return this.refuseWith([tooCostly]);
    return { ok: true, document, operationType: operation.operation };
  }

  /** A refusal by the transport itself (e.g. MAX_SUBSCRIPTIONS_PER_SOCKET); ends the operation. */
  refuse(error: GraphQLError): readonly GraphQLError[] {
    this.refuseWith([error]);
    return [error];
  }

  /**
   * Runs the prepared operation. Queries and mutations: the masked result, and the operation has
   * ended. Subscriptions: a stream of masked results, ending the operation when it finishes or the
   * transport returns it; an error inside the stream becomes its last event.
   */
  async execute(contextValue: unknown): Promise<OperationResult> {
    const { document } = this;
    if (!document || this.ended) throw new Error('Operation.execute needs a prepared, unfinished operation');
    const args: ExecutionArgs = {
      schema: this.phases.schema,
      document,
      operationName: typeof this.request.operationName === 'string' ? this.request.operationName : null,
      variableValues: this.variables,
      contextValue,
    };
    try {
      if (this.operationType !== 'subscription') {
        const result = this.deliver(await this.aroundPlugins(() => this.phases.executor.execute(args)));
        this.end();
        return result;
      }
      // In the plugins' context (a tracer's span), which a subscriber's pushes belong to. The poller
      // a subscription starts is shared by every subscriber of that execution: it reads without a
      // tally, so its upstream calls are counted for none of them.
      const events = await this.aroundPlugins(() => createSourceEventStream(args));
      if (!isAsyncIterable(events)) {
        const result = this.deliver(events);
        this.end();
        return result;
      }
      return new SubscriptionStream(events[Symbol.asyncIterator](), args, this);
    } catch (error) {
      const result = this.deliver({ errors: [asInternal(error)] });
      this.end();
      return result;
    }
  }

  /** Whether it has ended (refused, answered, or its stream finished). */
  get isEnded(): boolean {
    return this.ended;
  }

  /** The document text: the first plugin's that supplies one, else the request's `query`. */
  private async resolveSource(): Promise<string | GraphQLError> {
    for (const plugin of this.phases.plugins) {
      const resolved = await plugin.resolveDocument?.(this);
      if (resolved !== undefined) return resolved;
    }
    const { query, extensions } = this.request;
    if (typeof query === 'string' && query.length > 0) return query;
    // Apollo's words and code for a persisted-query hash no plugin resolved: APQ clients then send the text.
    if (isJsonObject(extensions) && extensions.persistedQuery !== undefined) {
      return new GraphQLError('PersistedQueryNotSupported', { extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } });
    }
    return new GraphQLError('GraphQL operations must contain a non-empty `query`.', { extensions: { code: 'BAD_REQUEST' } });
  }

  private costRefusal(document: DocumentNode, operationName: string | undefined): GraphQLError | null {
    try {
      return this.phases.checkCost(document, this.variables, operationName);
    } catch (error) {
      // Variables that do not fit the document: execution refuses them, naming the variable.
      if (error instanceof GraphQLError) return null;
      throw error;
    }
  }

  private aroundPlugins<T>(run: () => T, index = 0): T {
    const hooks = this.arounds[index];
    return hooks ? hooks.around!(() => this.aroundPlugins(run, index + 1)) : run();
  }

  /** Masks, records and passes a result to the plugins; SubscriptionStream's too, for each event. */
  deliver(result: ExecutionResult): FormattedExecutionResult {
    this.events++;
    const formatted: FormattedExecutionResult = result.errors?.length
      ? { errors: result.errors.map((error) => maskError(error, (this.failureList ??= []))), ...('data' in result ? { data: result.data } : {}) }
      : { data: result.data ?? null };
    if (result.extensions) (formatted as { extensions?: unknown }).extensions = result.extensions;
    if (formatted.errors) {
      (this.errorList ??= []).push(...formatted.errors);
      this.outcome = 'error';
    }
    for (const hooks of this.hooks) hooks.onResult?.(formatted, this);
    return formatted;
  }

  private refuseWith(errors: readonly GraphQLError[]): { ok: false; errors: readonly GraphQLError[] } {
    this.outcome = 'refused';
    (this.errorList ??= []).push(...errors.map((error) => error.toJSON()));
    this.end();
    return { ok: false, errors };
  }

  /** Ends it once: the end hooks run in the plugins' context. SubscriptionStream's too, when its stream finishes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.durationMs = performance.now() - this.startedAt;
    this.aroundPlugins(() => {
      for (const hooks of this.hooks) hooks.onEnd?.(this);
    });
  }
}

const noHeaders: RequestHeaders = { get: () => undefined };
// Shared by every operation that has none (most of them): one each would be 10,000 at scale.
const noHooks: readonly OperationHooks[] = Object.freeze([]);
const noErrors: readonly GraphQLFormattedError[] = Object.freeze([]);
const noFailures: readonly Failure[] = Object.freeze([]);
const noVariables: Record<string, unknown> = Object.freeze({});

const sameHooks = (a: readonly OperationHooks[], b: readonly OperationHooks[]): boolean => a.length === b.length && a.every((hooks, i) => hooks === b[i]);

const isAsyncIterable = (value: unknown): value is AsyncIterable<unknown> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/** graphql-js's words, with the code Apollo Server gives them. */
const unresolvedOperation = (name: string | undefined): GraphQLError =>
  new GraphQLError(name ? `Unknown operation named "${name}".` : 'Must provide operation name if query contains multiple operations.', {
    extensions: { code: 'OPERATION_RESOLUTION_FAILURE' },
  });

/** An exception outside any resolver (a bug): masked like a resolver's, with a path to keep the cause. */
const asInternal = (error: unknown): GraphQLError =>
  new GraphQLError(error instanceof Error ? error.message : String(error), { path: [], originalError: error instanceof Error ? error : null });

/**
 * A subscription's stream: what graphql-js's `subscribe` returns, with the operation's `deliver`
 * on each result. Each event of the source (the resolver's stream) executes the document with the
 * event as root value (graphql-js, as `subscribe` does), the result passes through `deliver`, and
 * the operation ends when the stream finishes. `return()` goes straight to the source (not queued
 * behind a pending `next()` as an async generator's would be), so a client leaving an idle
 * subscription stops its poller at once. One object per subscriber: graphql-js's own mapping
 * (mapAsyncIterator) is seven closures and their contexts, and a stream of its own to map.
 */
class SubscriptionStream implements AsyncIterableIterator<FormattedExecutionResult> {
  private finished = false;

  constructor(
    private readonly events: AsyncIterator<unknown>,
    private readonly args: ExecutionArgs,
    private readonly operation: Operation,
  ) {}

  [Symbol.asyncIterator](): this {
    return this;
  }

  /**
   * A promise chain, not an async function: an idle subscription always has a `next()` waiting,
   * and a suspended async function holds about twice the heap of a pending `then` (≈ 430 B).
   */
  next(): Promise<IteratorResult<FormattedExecutionResult, undefined>> {
    if (this.finished) return Promise.resolve({ done: true, value: undefined });
    return this.events.next().then(
      (step) => this.stepped(step),
      (error: unknown) => this.failed(error),
    );
  }

  async return(): Promise<IteratorReturnResult<undefined>> {
    await this.events.return?.();
    return this.finish();
  }

  async throw(error: unknown): Promise<never> {
    await this.events.return?.();
    this.finish();
    throw error;
  }

  private async stepped(step: IteratorResult<unknown>): Promise<IteratorResult<FormattedExecutionResult, undefined>> {
    try {
      if (step.done) return this.finish();
      const result = await graphqlExecute({ ...this.args, rootValue: step.value });
      return { done: false, value: this.operation.deliver(result) };
    } catch (error) {
      // As graphql-js when an event fails to execute: the source is closed (a failure to close ignored).
      await this.events.return?.().catch(() => undefined);
      return this.failed(error);
    }
  }

  /** An error inside the stream becomes its last event. */
  private failed(error: unknown): IteratorResult<FormattedExecutionResult, undefined> {
    if (this.finished) return { done: true, value: undefined };
    const last = this.operation.deliver({ errors: [asInternal(error)] });
    this.finish();
    return { done: false, value: last };
  }

  private finish(): IteratorReturnResult<undefined> {
    if (!this.finished) {
      this.finished = true;
      this.operation.end();
    }
    return { done: true, value: undefined };
  }
}
