/**
 * The one way the gateway reads executions, for queries and live pollers alike:
 * terminal cache first, then an upstream call shared by every caller that asks for the same
 * resource while it is in flight. Per-operation batching sits above this (DataLoader); the
 * retry/breaker/bulkhead machinery below it (the HTTP client). A `tally` names whom a call is
 * made for (an operation's log line counts them); a shared call counts for the caller that made it.
 */
import type { Execution, ExecutionDetails } from '../domain/execution.js';
import { isTerminal } from '../domain/execution.js';
import { GatewayError } from '../domain/errors.js';
import type { ExecutionRef, Provider } from '../domain/ids.js';
import { formatGlobalId } from '../domain/ids.js';
import { supported, type ExecutionAdapter, type ListPage, type ListRequest } from '../upstreams/adapter.js';
import type { CallTally } from '../upstreams/http/client.js';
import type { TerminalCache } from './terminal-cache.js';

export class ExecutionReader {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly adapters: ReadonlyMap<Provider, ExecutionAdapter>;

  constructor(
    adapters: Iterable<ExecutionAdapter>,
    private readonly cache: TerminalCache,
  ) {
    this.adapters = new Map([...adapters].map((adapter) => [adapter.provider, adapter]));
  }

  get providers(): Provider[] {
    return [...this.adapters.keys()];
  }

  /** Throws BAD_USER_INPUT for a provider this gateway has no configuration for. */
  assertConfigured(ref: ExecutionRef): void {
    this.adapter(ref.provider);
  }

  /**
   * The execution's current state, from the terminal cache when it is there (a terminal
   * execution never changes), else fetched; null when the upstream says it does not exist.
   */
  async cachedExecution(ref: ExecutionRef, tally?: CallTally): Promise<Execution | null> {
    const key = formatGlobalId(ref);
    const cached = await this.cache.get(key);
    if (cached) return cached;
    return this.freshExecution(ref, tally);
  }

  /** A terminal execution this process already holds, at once (by its global id); undefined: it must be read (`cachedExecution`). */
  heldExecution(globalId: string): Execution | undefined {
    return this.cache.peek?.(globalId);
  }

  /** Always from the upstream (shared while in flight): for pollers that must see its latest state. */
  freshExecution(ref: ExecutionRef, tally?: CallTally): Promise<Execution | null> {
    const key = formatGlobalId(ref);
    const adapter = this.adapter(ref.provider);
    return this.shared(`execution ${key}`, async () => {
      const execution = await adapter.fetchExecution(ref.upstreamId, tally);
      if (execution && isTerminal(execution)) await this.cache.set(key, execution);
      return execution;
    });
  }

  /**
   * Steps and output. Free when the snapshot already carries them; otherwise one call, made only
   * for terminal executions (Flowker has no results before that), and the cached snapshot is
   * completed with them so the next reader pays nothing.
   */
  async getDetails(execution: Execution, tally?: CallTally): Promise<ExecutionDetails | null> {
    if (execution.details) return execution.details;
    if (!isTerminal(execution)) return null;
    const key = formatGlobalId(execution);
    const cached = await this.cache.get(key);
    if (cached?.details) return cached.details;
    const adapter = this.adapter(execution.provider);
    return this.shared(`details ${key}`, async () => {
      const details = await adapter.fetchDetails(execution.upstreamId, tally);
      if (details) await this.cache.set(key, { ...execution, details });
      return details;
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.adapters.values()].map((adapter) => adapter.close()));
  }

  /** A page of a provider's executions, as full snapshots; NOT_SUPPORTED where its adapter cannot list. */
  async listExecutions(provider: Provider, request: ListRequest): Promise<ListPage> {
    const adapter = this.adapter(provider);
    supported(adapter, request.status === null ? 'list' : 'listByStatus');
    return this.complete(adapter, await adapter.listExecutions!(request), request.tally);
  }

  /** The executions started under this one, where its provider knows of any (else none). */
  async children(execution: Execution, scan: number, tally?: CallTally): Promise<readonly Execution[]> {
    const adapter = this.adapter(execution.provider);
    if (!adapter.capabilities.children) return [];
    return (await this.complete(adapter, await adapter.listChildren!(execution.upstreamId, scan, tally), tally)).executions;
  }

  /** The configured adapter, or BAD_USER_INPUT naming the provider. */
  adapter(provider: Provider): ExecutionAdapter {
    const adapter = this.adapters.get(provider);
    if (!adapter) throw new GatewayError('BAD_USER_INPUT', `Provider "${provider}" is not configured on this gateway.`, provider);
    return adapter;
  }

  /**
   * Where the upstream's list items are partial (Polos), each is completed by a read, concurrent,
   * shared and cached like any other. An execution deleted between the list and the read is left out.
   */
  private async complete(adapter: ExecutionAdapter, page: ListPage, tally: CallTally | undefined): Promise<ListPage> {
    if (!adapter.capabilities.partialListItems) return page;
    const full = await Promise.all(page.executions.map((execution) => this.cachedExecution(execution, tally)));
    return { ...page, executions: full.filter((execution) => execution !== null) };
  }

  /** Single-flight: concurrent identical requests share one promise, dropped once it settles. */
  private shared<T>(key: string, load: () => Promise<T>): Promise<T> {
    const existing = this.inFlight.get(key);
    if (existing) return existing as Promise<T>;
    const promise = load().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, promise);
    return promise;
  }
}
