/**
 * Per-operation DataLoaders. Every execution lookup in one operation (aliases,
 * `executions(ids)`, nested `parent`/`root`) goes through these, so each distinct upstream
 * resource is requested once per operation. They cache for the operation's life only: the
 * next operation sees fresh non-terminal data.
 */
import DataLoader from 'dataloader';
import type { Execution, ExecutionDetails } from '../domain/execution.js';
import { formatGlobalId, parseGlobalId, type ExecutionRef } from '../domain/ids.js';
import type { ExecutionReader } from '../executions/reader.js';

export interface Loaders {
  /** Keyed by the normalized global id; the value is null when the upstream has no such execution. */
  readonly execution: DataLoader<string, Execution | null>;
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
 * still batches its lookups, but must not be answered from what an earlier event loaded.
 */
export function createLoaders(reader: ExecutionReader, { memoize = true }: { memoize?: boolean } = {}): Loaders {
  const execution = new DataLoader<string, Execution | null>(
    (ids) => settleEach(ids, (id) => reader.cachedExecution(parseGlobalId(id))),
    { cache: memoize },
  );
  const details = new DataLoader<Execution, ExecutionDetails | null, string>(
    (executions) => settleEach(executions, (snapshot) => reader.getDetails(snapshot)),
    { cacheKeyFn: formatGlobalId, cache: memoize },
  );
  return {
    execution,
    details,
    // async: a malformed id must reject this one promise, not throw out of a list resolver.
    async loadExecution(globalId) {
      const ref: ExecutionRef = parseGlobalId(globalId);
      reader.assertConfigured(ref);
      return execution.load(formatGlobalId(ref));
    },
  };
}
