/**
 * Per-operation DataLoaders. Every execution lookup in one operation (aliases,
 * `executions(ids)`, nested `parent`/`root`) goes through these, so each distinct upstream
 * resource is requested once per operation. They cache for the operation's life only: the
 * next operation sees fresh non-terminal data.
 */
import DataLoader from 'dataloader';
import type { Execution, ExecutionDetails } from '../domain/execution.js';
import { canonicalGlobalId, formatGlobalId, parseGlobalId, type ExecutionRef } from '../domain/ids.js';
import type { ExecutionReader } from '../executions/reader.js';
import type { CallTally } from '../upstreams/http/client.js';

export interface Loaders {
  /** Keyed by the execution's reference (cached by its global id); null when the upstream has no such execution. */
  readonly execution: DataLoader<ExecutionRef, Execution | null, string>;
  /** Steps and output, keyed by the execution itself (only terminal ones cost a call). */
  readonly details: DataLoader<Execution, ExecutionDetails | null, string>;
  /** Parses (BAD_USER_INPUT on a malformed id) and loads. */
  loadExecution(globalId: string): Promise<Execution | null>;
}

/** Each key settles on its own: one failing upstream rejects only its own keys. */
const settleEach = <K, V>(keys: readonly K[], load: (key: K) => Promise<V>): Promise<(V | Error)[]> =>
  Promise.all(keys.map((key) => load(key).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))))));

/**
 * `memoize: false` is for subscriptions, whose context lives as long as the stream: each event
 * still batches its lookups, but must not be answered from what an earlier event loaded. The
 * DataLoaders are made on first use: most subscription events need none (a context per
 * subscription, 10,000 of them, would otherwise hold 20,000 idle loaders).
 */
export function createLoaders(reader: ExecutionReader, { memoize = true, tally }: { memoize?: boolean; tally?: CallTally } = {}): Loaders {
  return new OperationLoaders(reader, memoize, tally);
}

class OperationLoaders implements Loaders {
  private executionLoader: DataLoader<ExecutionRef, Execution | null, string> | null = null;
  private detailsLoader: DataLoader<Execution, ExecutionDetails | null, string> | null = null;
  /** Ids as the client wrote them, and their lookups: an id that aliases repeat is parsed once. */
  private lookups: Map<string, Promise<Execution | null>> | null = null;

  constructor(
    private readonly reader: ExecutionReader,
    private readonly memoize: boolean,
    /** The operation's: every upstream call its lookups make counts there. */
    private readonly tally: CallTally | undefined,
  ) {}

  get execution(): DataLoader<ExecutionRef, Execution | null, string> {
    return (this.executionLoader ??= new DataLoader<ExecutionRef, Execution | null, string>(
      (refs) => settleEach(refs, (ref) => this.reader.cachedExecution(ref, this.tally)),
      { cacheKeyFn: formatGlobalId, cache: this.memoize },
    ));
  }

  get details(): DataLoader<Execution, ExecutionDetails | null, string> {
    return (this.detailsLoader ??= new DataLoader<Execution, ExecutionDetails | null, string>(
      (executions) => settleEach(executions, (snapshot) => this.reader.getDetails(snapshot, this.tally)),
      { cacheKeyFn: formatGlobalId, cache: this.memoize },
    ));
  }

  loadExecution(globalId: string): Promise<Execution | null> {
    if (!this.memoize) return this.parseAndLoad(globalId);
    const lookups = (this.lookups ??= new Map());
    let lookup = lookups.get(globalId);
    if (lookup === undefined) lookups.set(globalId, (lookup = this.parseAndLoad(globalId)));
    return lookup;
  }

  // async: a malformed id must reject this one promise, not throw out of a list resolver.
  private async parseAndLoad(globalId: string): Promise<Execution | null> {
    const ref = parseGlobalId(globalId);
    this.reader.assertConfigured(ref);
    // A terminal execution held here needs no batch: it can no longer change.
    return this.reader.heldExecution(canonicalGlobalId(globalId, ref)) ?? this.execution.load(ref);
  }
}
