/**
 * What the benchmark processes agree on: the id scheme the fake upstreams answer from, the
 * workloads' GraphQL documents and variables, and small statistics helpers.
 *
 * Ids carry their own state, so the fake upstreams need no table: an execution number below
 * TERMINAL_BASE is running, at or above it completed. Workloads draw fresh numbers from a
 * counter, so that concurrent client requests never ask for the same execution (which would let
 * the gateway's cross-request single-flight flatter it); W4 cycles through a fixed pool of
 * terminal ids so that the terminal cache holds all of them after warm-up.
 */

import { readFileSync } from 'node:fs';

export type Provider = 'flowker' | 'promptlayer' | 'polos';

/**
 * The Node flags the gateway ships with (package.json's `start:prod`: heap sizes, source maps):
 * the benchmarks start their gateway with them too, so that they measure it as it runs. Read from
 * package.json so that the two cannot drift apart; the baselines run with Node's defaults.
 */
export const GATEWAY_NODE_FLAGS: readonly string[] =
  (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> }).scripts['start:prod']!.match(/--[a-z][a-z-]*(?:=\S+)?/g) ?? [];

/** Execution numbers at or above this are terminal (completed) upstream. */
export const TERMINAL_BASE = 100_000_000;

export const uuidOf = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/** The execution number in a Flowker/Polos UUID or a PromptLayer decimal id. */
export const numberOf = (upstreamId: string): number => Number(upstreamId.slice(-12));

export const upstreamIdOf = (provider: Provider, n: number): string => (provider === 'promptlayer' ? String(n) : uuidOf(n));
export const globalIdOf = (provider: Provider, n: number): string => `${provider}:${upstreamIdOf(provider, n)}`;

/** W2's mix, as in test/graphql/query.e2e.test.ts: 4 Flowker, 3 Polos, 3 PromptLayer. */
export const W2_MIX: readonly Provider[] = ['flowker', 'flowker', 'flowker', 'flowker', 'polos', 'polos', 'polos', 'promptlayer', 'promptlayer', 'promptlayer'];
/** For executions(ids): round-robin over the three providers. */
export const ROUND_ROBIN: readonly Provider[] = ['flowker', 'polos', 'promptlayer'];

export interface UpstreamCall {
  readonly provider: Provider;
  readonly n: number;
}

/** The distinct upstream calls behind a set of ids (what the direct client issues). */
export const callsFor = (providers: readonly Provider[], first: number): UpstreamCall[] =>
  providers.map((provider, i) => ({ provider, n: first + i }));

// ---------------------------------------------------------------- GraphQL documents

/** W1: one execution, nine scalar fields (Polos has them all). */
export const W1_QUERY = `query W1($id: ID!) {
  execution(id: $id) { id provider upstreamId workflowId status upstreamStatus terminal createdAt retryCount }
}`;

const LOOKUP_FIELDS = 'id status upstreamStatus terminal';

/** W2/W3/W4: 20 aliased lookups over 10 distinct ids (each id twice), ids as variables. */
export const W2_QUERY = (() => {
  const variables = W2_MIX.map((_, i) => `$i${i}: ID!`).join(', ');
  const aliases = Array.from({ length: 20 }, (_, i) => `  a${i}: execution(id: $i${i % 10}) { ${LOOKUP_FIELDS} }`).join('\n');
  return `query W2(${variables}) {\n${aliases}\n}`;
})();

export const w2Variables = (first: number): Record<string, string> =>
  Object.fromEntries(W2_MIX.map((provider, i) => [`i${i}`, globalIdOf(provider, first + i)]));

/** W5: executions(ids). */
export const W5_QUERY = `query W5($ids: [ID!]!) { executions(ids: $ids) { ${LOOKUP_FIELDS} } }`;

export const w5Providers = (count: number): Provider[] => Array.from({ length: count }, (_, i) => ROUND_ROBIN[i % 3]!);
export const w5Variables = (first: number, count: number): { ids: string[] } => ({
  ids: w5Providers(count).map((provider, i) => globalIdOf(provider, first + i)),
});

// ---------------------------------------------------------------- live (Task B)

/** The query every live subscriber runs. */
export const LIVE_SUBSCRIPTION = `subscription Live($id: ID!) {
  executionUpdated(id: $id) { id status upstreamStatus progress { completed total } retryCount terminal }
}`;

/**
 * Live executions change on a fixed schedule known to every process: execution n's step k
 * (k ≥ 1) becomes visible upstream at `t0 + offset(n) + (k - 1) * periodMs`, where the offsets
 * spread the executions evenly over one period. Before its first step an execution is at step 0.
 */
export interface LiveSchedule {
  readonly t0: number;
  readonly periodMs: number;
  readonly executions: number;
}

export const liveProviderOf = (n: number): Provider => ROUND_ROBIN[n % 3]!;
/** Live execution numbers start here, well apart from anything else. */
export const LIVE_BASE = 1_000;
/** PromptLayer runs started through the gateway in the live benchmark get ids from here. */
export const PROMPTLAYER_RUN_BASE = 5_000_000;

export const liveOffset = (schedule: LiveSchedule, n: number): number =>
  Math.floor(((n - LIVE_BASE) * schedule.periodMs) / schedule.executions);

export const liveStepAt = (schedule: LiveSchedule, n: number, now: number): number =>
  Math.max(0, Math.floor((now - schedule.t0 - liveOffset(schedule, n)) / schedule.periodMs) + 1);

export const liveVisibleAt = (schedule: LiveSchedule, n: number, step: number): number =>
  schedule.t0 + liveOffset(schedule, n) + (step - 1) * schedule.periodMs;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallClock = (): number => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- statistics

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

export const sortedCopy = (values: readonly number[] | Float64Array): Float64Array => Float64Array.from(values).sort();

/** A growable list of latencies (ms). */
export class Samples {
  private values = new Float64Array(4096);
  length = 0;

  push(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }

  sorted(): Float64Array {
    return this.values.slice(0, this.length).sort();
  }
}

export const fmt = (value: number, digits = 1): string => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
export const mib = (bytes: number): number => bytes / 1024 / 1024;
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
