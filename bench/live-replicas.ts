/**
 * `npx tsx bench/live-replicas.ts`: 3 gateway replicas in this process over one fake Polos
 * upstream whose executions change on a schedule, with subscribers spread over the replicas;
 * first coordinated through Redis, then, for comparison, as 3 independent replicas (no REDIS_URL).
 * Prints per mode: upstream polls per poll interval against the distinct executions watched,
 * change-to-client latency (upstream change → client event) p50/p99, and the fan-out delay
 * (a client's event minus the first client's for the same change: what hearing it through
 * another replica adds) p50/p99. Everything shares one process and its CPU: latencies are upper bounds.
 *
 * Environment [defaults]: BENCH_REDIS_URL [redis://127.0.0.1:6379], BENCH_SUBSCRIBERS [300],
 * BENCH_EXECUTIONS [60], BENCH_INTERVAL_MS [500], BENCH_PERIOD_MS [3 × interval],
 * BENCH_DURATION_S [10], BENCH_LEASE_MS [2000].
 */
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startGateway, type Gateway } from '../src/server/gateway.js';
import { startFakeUpstream, type FakeUpstream } from '../test/support/fake-upstream.js';
import { fmt, numberOf, percentile, sleep, sortedCopy, uuidOf, wallClock } from './shared.js';

const env = process.env;
const REDIS_URL = env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SUBSCRIBERS = Number(env.BENCH_SUBSCRIBERS ?? 300);
const EXECUTIONS = Number(env.BENCH_EXECUTIONS ?? 60);
const INTERVAL_MS = Number(env.BENCH_INTERVAL_MS ?? 500);
const PERIOD_MS = Number(env.BENCH_PERIOD_MS ?? 3 * INTERVAL_MS);
const DURATION_S = Number(env.BENCH_DURATION_S ?? 10);
const LEASE_MS = Number(env.BENCH_LEASE_MS ?? 2_000);
const REPLICAS = 3;
/** Well under MAX_SUBSCRIPTIONS_PER_SOCKET. */
const PER_SOCKET = 50;
/** The rate cap must not bind, even for a replica that polls every execution. */
const MAX_PER_SECOND = Math.max(200, Math.ceil((EXECUTIONS / (INTERVAL_MS / 1_000)) * 1.5));

const t0 = wallClock();
/** Execution n moves to its next retry count every period, offset so that changes are spread out. */
const offsetOf = (n: number) => (n / EXECUTIONS) * PERIOD_MS;
const stepAt = (n: number, now: number) => Math.max(0, Math.floor((now - t0 - offsetOf(n)) / PERIOD_MS));
const visibleAt = (n: number, step: number) => t0 + offsetOf(n) + step * PERIOD_MS;

interface Received {
  readonly key: string; // execution and step
  readonly at: number;
  readonly latency: number;
}

interface ModeResult {
  readonly mode: string;
  readonly pollsPerInterval: number;
  readonly latency: Float64Array;
  readonly fanOut: Float64Array;
  readonly errors: number;
  /** High when this one process (replicas, clients, upstream) is saturated: then so are the other numbers. */
  readonly loopDelayP99Ms: number;
}

async function run(mode: string, upstream: FakeUpstream, redisUrl: string | null): Promise<ModeResult> {
  const keyPrefix = `execution-gateway-bench:${randomUUID()}:`;
  const replicaEnv = {
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    POLOS_BASE_URL: upstream.baseUrl,
    POLOS_API_KEY: 'bench',
    POLOS_PROJECT_ID: '11111111-2222-4333-8444-555555555555',
    POLL_INTERVAL_MS: String(INTERVAL_MS),
    POLL_MAX_INTERVAL_MS: String(INTERVAL_MS), // steady pace, so that polls per interval read plainly
    POLL_MAX_PER_SECOND: String(MAX_PER_SECOND),
    ...(redisUrl ? { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: keyPrefix, REDIS_LEASE_MS: String(LEASE_MS) } : {}),
  };
  const replicas: Gateway[] = [];
  const clients = new Map<string, Client>();
  const received: Received[] = [];
  let recording = false;
  let errors = 0;
  const clientFor = (replica: Gateway, i: number): Client => {
    const key = `${replica.url} ${Math.floor(i / (PER_SOCKET * REPLICAS))}`;
    let client = clients.get(key);
    if (!client) {
      client = createClient({ url: replica.url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0, lazy: true });
      clients.set(key, client);
    }
    return client;
  };
  try {
    for (let i = 0; i < REPLICAS; i++) replicas.push(await startGateway(loadConfig(replicaEnv), { logger: createLogger('silent') }));
    for (let i = 0; i < SUBSCRIBERS; i++) {
      // Each execution's subscribers on every replica in turn, its first one (the likely lease
      // holder) on replica n % 3, so that the pollers are spread as in a balanced deployment.
      const n = i % EXECUTIONS;
      clientFor(replicas[(n + Math.floor(i / EXECUTIONS)) % REPLICAS]!, i).subscribe<{ executionUpdated: { retryCount: number | null } }>(
        { query: `subscription($id: ID!) { executionUpdated(id: $id) { retryCount } }`, variables: { id: `polos:${uuidOf(n)}` } },
        {
          next: (event) => {
            const step = event.data?.executionUpdated.retryCount;
            if (!recording || step === null || step === undefined) return;
            const at = wallClock();
            received.push({ key: `${n}:${step}`, at, latency: at - visibleAt(n, step) });
          },
          error: () => void errors++,
          complete: () => {},
        },
      );
    }
    await sleep(PERIOD_MS + INTERVAL_MS); // everyone subscribed, pollers elected and in step
    const before = upstream.requests.length;
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    loopDelay.enable();
    recording = true;
    await sleep(DURATION_S * 1_000);
    recording = false;
    loopDelay.disable();
    const polls = upstream.requests.length - before;
    return {
      mode,
      pollsPerInterval: polls / ((DURATION_S * 1_000) / INTERVAL_MS),
      latency: sortedCopy(received.map((event) => event.latency)),
      fanOut: sortedCopy(fanOutDelays(received)),
      errors,
      loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    };
  } finally {
    await Promise.all([...clients.values()].map((client) => client.dispose()));
    await Promise.all(replicas.map((replica) => replica.close()));
  }
}

/** Per change, each client's delay behind the first client that got it. */
function fanOutDelays(received: readonly Received[]): number[] {
  const first = new Map<string, number>();
  for (const event of received) first.set(event.key, Math.min(first.get(event.key) ?? Infinity, event.at));
  return received.map((event) => event.at - first.get(event.key)!);
}

const upstream = await startFakeUpstream((request) => {
  const id = request.path.split('/').pop()!;
  const step = stepAt(numberOf(id), wallClock());
  return { body: { id, workflow_id: 'wf', status: 'running', created_at: '2026-03-17T14:35:00Z', payload: {}, result: null, error: null, retry_count: step } };
});
try {
  process.stdout.write(
    `${REPLICAS} replicas, ${SUBSCRIBERS} subscribers over ${EXECUTIONS} executions, poll interval ${INTERVAL_MS} ms, a change every ${PERIOD_MS} ms per execution, ${DURATION_S} s measured\n\n`,
  );
  const results = [await run(`Redis (lease ${LEASE_MS} ms)`, upstream, REDIS_URL), await run('independent (no REDIS_URL)', upstream, null)];
  process.stdout.write('| replicas | executions | upstream polls / interval | change→client p50 ms | p99 ms | fan-out delay p50 ms | p99 ms | errors | event-loop delay p99 ms |\n');
  process.stdout.write('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
  for (const result of results) {
    const cells = [
      result.mode,
      String(EXECUTIONS),
      fmt(result.pollsPerInterval),
      fmt(percentile(result.latency, 50)),
      fmt(percentile(result.latency, 99)),
      fmt(percentile(result.fanOut, 50)),
      fmt(percentile(result.fanOut, 99)),
      String(result.errors),
      fmt(result.loopDelayP99Ms),
    ];
    process.stdout.write(`| ${cells.join(' | ')} |\n`);
  }
} finally {
  await upstream.close();
}
