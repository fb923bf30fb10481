/**
 * The query workloads and how one of them is measured against one target; shared by
 * bench/run.ts (the benchmark) and bench/ab.ts (A/B comparison of two source trees).
 */
import autocannon from 'autocannon';
import { request } from 'undici';
import { DirectClient, type LoadResult } from './direct.js';
import { cpuBetween, startChild, type Build, type Child, type Usage } from './ipc.js';
import {
  callsFor,
  fmt,
  GATEWAY_NODE_FLAGS,
  globalIdOf,
  mib,
  percentile,
  Samples,
  sleep,
  TERMINAL_BASE,
  W1_QUERY,
  W2_MIX,
  W2_QUERY,
  w2Variables,
  W5_QUERY,
  w5Providers,
  w5Variables,
  type Provider,
  type UpstreamCall,
} from './shared.js';

export const env = process.env;
export const FULL = env.BENCH_FULL === '1';
export const DURATION_S = Number(env.BENCH_DURATION_S ?? (FULL ? 10 : 5));
export const WARMUP_S = Number(env.BENCH_WARMUP_S ?? 2);
export const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 50);
/**
 * Requests/s offered by all connections together (0, the default: as many as the target answers).
 * Set, every target gets the same load, so CPU per request compares work with work: at its own
 * top speed a faster server also gets more requests per event-loop turn and per system call.
 */
export const RATE = Number(env.BENCH_RATE ?? 0);
export const LATENCY_MS = Number(env.BENCH_LATENCY_MS ?? 20);
export const SOAK_S = env.BENCH_SOAK === '1' ? 60 : Number(env.BENCH_SOAK_S ?? 0);
export const PROFILE = env.BENCH_PROFILE === '1';
export const ONLY = new Set((env.BENCH_ONLY ?? 'W0,W1,W1c1,W2,W3,W4,W5,growth,client').split(',').map((item) => item.trim()));
export const TARGETS = new Set((env.BENCH_TARGETS ?? 'gateway,naive,proxy,direct').split(',').map((item) => item.trim()));
export const LABEL = env.BENCH_LABEL ?? 'latest';
/**
 * Upstream sockets per upstream, for the gateway (UPSTREAM_MAX_CONNECTIONS), the proxy and the
 * direct client alike. Sized so that latency, not the pool, bounds W3: 50 client connections,
 * each request with 4 Flowker calls in flight at once, need 200 Flowker sockets to never queue.
 */
export const POOL_CONNECTIONS = Number(env.UPSTREAM_MAX_CONNECTIONS ?? 256);

export type Target = 'gateway' | 'naive' | 'proxy' | 'direct';
/** The targets that are servers of their own (the direct client is not). */
export type ServerTarget = Exclude<Target, 'direct'>;

export interface Workload {
  readonly key: string;
  readonly title: string;
  readonly connections: number;
  readonly latencyMs: number;
  /** The next client request's GraphQL body. */
  readonly body: () => string;
  /** The next logical request's upstream calls, for the direct client; null where meaningless. */
  readonly calls: (() => UpstreamCall[]) | null;
  /** The targets it is measured on, when not all. */
  readonly targets?: readonly Target[];
  /** Runs once before warm-up (W4 fills the terminal cache). */
  readonly prime?: (url: string) => Promise<void>;
}

export interface Row {
  readonly workload: string;
  readonly target: Target;
  readonly connections: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly upstreamPerRequest: number;
  readonly cpuPercent: number | null;
  readonly cpuMsPerRequest: number | null;
  readonly rssMiB: number | null;
  readonly upstreamCpuPercent: number;
  readonly errors: number;
}

// ------------------------------------------------------------------ workloads

/** Fresh execution numbers: no two client requests share an execution (see shared.ts). */
let nextNumber = 1;
const allocate = (count: number): number => {
  const first = nextNumber;
  nextNumber += count;
  return first;
};

export const gql = (query: string, variables: Record<string, unknown>): string => JSON.stringify({ query, variables });

export const W4_SETS = 100;
let w4Cursor = 0;
const w4First = (): number => TERMINAL_BASE + (w4Cursor++ % W4_SETS) * 10;

const w2Calls = (first: number): UpstreamCall[] => callsFor(W2_MIX, first);

export function w5(ids: number, connections: number, key = 'W5'): Workload {
  return {
    key,
    title: `executions(ids) with ${ids} ids`,
    connections,
    latencyMs: 0,
    body: () => gql(W5_QUERY, w5Variables(allocate(ids), ids)),
    calls: () => callsFor(w5Providers(ids), allocate(ids)),
  };
}

export const w1 = (connections: number, key: string): Workload => ({
  key,
  title: 'one execution, 9 scalar fields',
  connections,
  latencyMs: 0,
  body: () => gql(W1_QUERY, { id: globalIdOf('polos', allocate(1)) }),
  calls: () => [{ provider: 'polos', n: allocate(1) }],
});

/**
 * W0, the fixed cost of a request, for reading W1 against the proxy: the gateway answering a
 * document with no resolver (`{ __typename }`, through the whole pipeline: GraphQL over HTTP, the
 * cached prepare, execution, the log line, metrics), the proxy an empty list of calls (node:http
 * in and out, `JSON.parse` and `JSON.stringify`: the floor of any server here).
 */
const W0_BODY = gql('query W0 { __typename }', {});

export const WORKLOADS: Workload[] = [
  {
    key: 'W0',
    title: 'no upstream call: `{ __typename }` (proxy: an empty list of calls), the fixed cost of a request',
    connections: CONNECTIONS,
    latencyMs: 0,
    body: () => W0_BODY,
    calls: () => [],
    // With no calls to make, the direct client would have nothing to measure.
    targets: ['gateway', 'naive', 'proxy'],
  },
  w1(CONNECTIONS, 'W1'),
  w1(1, 'W1c1'),
  {
    key: 'W2',
    title: '20 aliased lookups over 10 distinct ids (4 Flowker, 3 Polos, 3 PromptLayer)',
    connections: CONNECTIONS,
    latencyMs: 0,
    body: () => gql(W2_QUERY, w2Variables(allocate(10))),
    calls: () => w2Calls(allocate(10)),
  },
  {
    key: 'W3',
    title: `W2 with ${LATENCY_MS} ms upstream latency`,
    connections: CONNECTIONS,
    latencyMs: LATENCY_MS,
    body: () => gql(W2_QUERY, w2Variables(allocate(10))),
    calls: () => w2Calls(allocate(10)),
  },
  {
    key: 'W4',
    title: `W2 over terminal executions (${W4_SETS} id sets, cached after warm-up)`,
    connections: CONNECTIONS,
    latencyMs: 0,
    body: () => gql(W2_QUERY, w2Variables(w4First())),
    calls: null,
    prime: async (url) => {
      for (let i = 0; i < W4_SETS; i++) await postGraphQL(url, gql(W2_QUERY, w2Variables(TERMINAL_BASE + i * 10)));
    },
  },
  w5(100, CONNECTIONS),
];

// ------------------------------------------------------------------ load generation

export async function postGraphQL(url: string, body: string): Promise<any> {
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const json = (await response.body.json()) as { data?: unknown; errors?: { message: string }[] };
  if (response.statusCode !== 200 || json.errors) throw new Error(`${url} answered ${response.statusCode}: ${JSON.stringify(json.errors ?? json).slice(0, 500)}`);
  return json.data;
}

export async function cannon(url: string, body: () => string, connections: number, seconds: number): Promise<LoadResult> {
  const samples = new Samples();
  const instance = autocannon({
    url,
    connections,
    duration: seconds,
    ...(RATE > 0 ? { overallRate: RATE } : {}), // autocannon refuses an explicit 0
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    requests: [{ setupRequest: (request) => ({ ...request, body: body() }) }],
    // A GraphQL error (a failing upstream, a rejected operation) still answers 200.
    verifyBody: (text) => !text.includes('"errors"'),
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => samples.push(responseTime));
  const result = await instance;
  return {
    requests: samples.length,
    sent: result.requests.sent,
    seconds: result.duration,
    rps: samples.length / result.duration,
    latencies: samples.sorted(),
    errors: result.errors + result.timeouts + result.non2xx + result.mismatches,
  };
}

/** Waits until the upstreams stop receiving requests; returns their counts. */
export async function quiesce(upstreams: Child): Promise<{ total: number }> {
  let last = await upstreams.call<{ total: number }>('counts');
  for (let stable = 0; stable < 2; ) {
    await sleep(100);
    const now = await upstreams.call<{ total: number }>('counts');
    stable = now.total === last.total ? stable + 1 : 0;
    last = now;
  }
  return last;
}

export interface Processes {
  readonly upstreams: Child<{ urls: Record<Provider, string> }>;
  readonly gateway: Child<{ url: string }> | null;
  readonly naive: Child<{ url: string }> | null;
  readonly proxy: Child<{ url: string }> | null;
  readonly direct: DirectClient | null;
}

/** Samples a child's RSS once a second while a run lasts; returns the peak. */
function rssSampler(child: Child | null): { stop(): Promise<number | null> } {
  if (!child) return { stop: async () => null };
  let peak = 0;
  const timer = setInterval(() => void child.call<Usage>('usage').then((u) => (peak = Math.max(peak, u.rss)), () => {}), 1000);
  return {
    async stop() {
      clearInterval(timer);
      const last = await child.call<Usage>('usage');
      return Math.max(peak, last.rss);
    },
  };
}

/**
 * Whether `target` can take `workload`: the proxy and the direct client only make the upstream
 * calls a workload lists (W4, a cache, has none), and a workload may name its targets (W0).
 */
export const serves = (target: Target, workload: Workload): boolean =>
  (workload.calls !== null || (target !== 'direct' && target !== 'proxy')) && (!workload.targets || workload.targets.includes(target));

/** The next client request's body as `target` takes it: GraphQL, or the proxy's list of calls. */
export const requestBodies = (workload: Workload, target: ServerTarget): (() => string) =>
  target === 'proxy' ? () => JSON.stringify({ calls: workload.calls!() }) : workload.body;

export async function measure(processes: Processes, workload: Workload, target: Target, seconds = DURATION_S): Promise<Row | null> {
  const child = target === 'direct' ? null : processes[target];
  if (target !== 'direct' && !child) return null;
  if (target === 'direct' && !processes.direct) return null;
  if (!serves(target, workload)) return null;
  await processes.upstreams.call('configure', { latencyMs: workload.latencyMs });
  const url = child?.ready.url ?? '';
  const run = (duration: number): Promise<LoadResult> =>
    target === 'direct'
      ? processes.direct!.run(workload.calls!, workload.connections, duration)
      : cannon(url, requestBodies(workload, target), workload.connections, duration);

  if (target === 'gateway' || target === 'naive') {
    await workload.prime?.(url);
    await postGraphQL(url, workload.body()); // fails loudly if the target answers with errors
  }
  if (WARMUP_S > 0) await run(WARMUP_S);
  await quiesce(processes.upstreams); // requests abandoned by the warm-up may still be in the target
  await processes.upstreams.call('reset');
  const before = { target: await child?.call<Usage>('usage'), upstream: await processes.upstreams.call<Usage>('usage') };
  const rss = rssSampler(child);
  const result = await run(seconds);
  const peakRss = await rss.stop();
  const after = { target: await child?.call<Usage>('usage'), upstream: await processes.upstreams.call<Usage>('usage') };
  // Every request sent, answered in time or not, makes its upstream calls: count them all.
  const counts = await quiesce(processes.upstreams);
  const cpu = before.target && after.target ? cpuBetween(before.target, after.target) : null;
  const row: Row = {
    workload: workload.key,
    target,
    connections: workload.connections,
    rps: result.rps,
    p50: percentile(result.latencies, 50),
    p99: percentile(result.latencies, 99),
    requests: result.requests,
    upstreamPerRequest: counts.total / Math.max(1, result.sent),
    cpuPercent: cpu?.percent ?? null,
    cpuMsPerRequest: cpu ? cpu.ms / Math.max(1, result.requests) : null,
    rssMiB: peakRss === null ? null : mib(peakRss),
    upstreamCpuPercent: cpuBetween(before.upstream, after.upstream).percent,
    errors: result.errors,
  };
  process.stdout.write(
    `  ${row.workload.padEnd(5)} ${target.padEnd(8)} ${fmt(row.rps, 0).padStart(7)} req/s  p50 ${fmt(row.p50, 2).padStart(7)} ms  p99 ${fmt(row.p99, 2).padStart(7)} ms  upstream/req ${fmt(row.upstreamPerRequest, 2).padStart(6)}  cpu ${row.cpuPercent === null ? '  n/a' : `${fmt(row.cpuPercent, 0)}%`}  rss ${row.rssMiB === null ? 'n/a' : fmt(row.rssMiB, 0)} MiB  errors ${row.errors}\n`,
  );
  return row;
}

// ------------------------------------------------------------------ processes

const UPSTREAM_KEYS = {
  FLOWKER_API_KEY: 'bench-flowker-key',
  PROMPTLAYER_API_KEY: 'bench-promptlayer-key',
  POLOS_API_KEY: 'sk_bench-polos-key',
  POLOS_PROJECT_ID: '11111111-2222-4333-8444-555555555555',
};

export const targetEnv = (urls: Record<Provider, string>): Record<string, string> => ({
  UPSTREAM_MAX_CONNECTIONS: String(POOL_CONNECTIONS),
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'info',
  FLOWKER_BASE_URL: urls.flowker,
  PROMPTLAYER_BASE_URL: urls.promptlayer,
  POLOS_BASE_URL: urls.polos,
  ...UPSTREAM_KEYS,
});

/**
 * With the Node flags the gateway ships with (GATEWAY_NODE_FLAGS); `--expose-gc` only makes
 * `usage({ gc: true })` possible (the soak's before/after figures). BENCH_GATEWAY_ROOT runs another
 * tree's gateway (e.g. a copy from before a change) in this harness, with this tree's flags.
 */
export const startGatewayChild = (urls: Record<Provider, string>, nodeArgs: readonly string[] = [], root = env.BENCH_GATEWAY_ROOT, build?: Build) =>
  startChild<{ url: string }>('gateway-child.ts', {
    env: targetEnv(urls),
    nodeArgs: [...GATEWAY_NODE_FLAGS, '--expose-gc', ...nodeArgs],
    cpus: 'target',
    ...(root ? { root } : {}),
    ...(build ? { build } : {}),
  });

/** The fake upstreams, on the load's CPUs (with this process, which runs autocannon: `pin(process.pid, 'load')`). */
export const startUpstreams = () => startChild<{ urls: Record<Provider, string> }>('upstreams.ts', { cpus: 'load' });

/** A baseline server (bench/naive.ts, bench/proxy.ts), a target like the gateway. */
export const startBaseline = (name: 'naive' | 'proxy', urls: Record<Provider, string>, nodeArgs: readonly string[] = []) =>
  startChild<{ url: string }>(`${name}.ts`, { env: targetEnv(urls), nodeArgs, cpus: 'target' });

