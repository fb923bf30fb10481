/**
 * `npm run bench:live`: subscriptions through real graphql-ws clients (bench/live-client.ts, in
 * processes of their own) against the gateway in its own process, over fake upstreams that push
 * (bench/upstreams.ts --live: Polos event streams, PromptLayer callbacks). Two parts, about six
 * minutes in all; it stops by itself.
 *
 * 1. **Push vs poll** at POLL_INTERVAL_MS=5000 (BENCH_LIVE_PUSH_INTERVAL_MS), one gateway per
 *    row: `poll` (no push: POLOS_MAX_STREAMS=0, no GATEWAY_PUBLIC_URL), `push` (streams and
 *    callbacks healthy), `push failing` (push configured, but the upstream refuses every stream
 *    with 500 and loses every callback). Workload: Polos executions that change every
 *    BENCH_LIVE_PUSH_PERIOD_MS [30000], staggered, and PromptLayer runs started through the
 *    gateway that finish at spread times during the window; 3 subscribers each. Measured per
 *    provider: change → client latency (from the moment the upstream shows the change), upstream
 *    reads per watched execution per minute, and whether every change arrived.
 * 2. **Scale**: N subscribers over M executions (BENCH_LIVE_SUBSCRIBERS [10000] /
 *    BENCH_LIVE_EXECUTIONS [1000], one WebSocket each unless BENCH_LIVE_PER_SOCKET), each moving
 *    one step every BENCH_LIVE_PERIOD_MS [3 × interval] at POLL_INTERVAL_MS
 *    BENCH_LIVE_INTERVAL_MS [1000]: once polling (Flowker, PromptLayer, Polos in turn) and once
 *    with push (all Polos, one stream per execution). Polls per interval vs executions,
 *    change → client percentiles and their two legs, heap and RSS per subscriber, CPU,
 *    event-loop lateness.
 *
 * Other knobs: BENCH_LIVE_ONLY=push|scale|scale-polling (one part; the last without the push row), BENCH_LIVE_DURATION_S (measured window of
 * each scale row [40]), BENCH_LIVE_PUSH_WINDOW_S [60], BENCH_LIVE_CLIENTS [2],
 * BENCH_LIVE_HEAP_DIR (write the gateway's heap snapshots idle and subscribed, scale rows),
 * BENCH_LIVE_GATEWAY_ROOT (measure another tree's gateway, e.g. the code before a change),
 * BENCH_LABEL (docs section `bench:live:<label>`), BENCH_WRITE=0 (do not touch docs/benchmarks.md).
 */
import { createServer } from 'node:net';
import { once } from 'node:events';
import { request } from 'undici';
import { startChild, cpuBetween, type Child, type Usage } from './ipc.js';
import { machineFacts, table, writeSection } from './report.js';
import {
  fmt,
  GATEWAY_NODE_FLAGS,
  globalIdOf,
  LIVE_BASE,
  liveProviderOf,
  liveVisibleAt,
  mib,
  percentile,
  PROMPTLAYER_RUN_BASE,
  sleep,
  sortedCopy,
  wallClock,
  type LiveSchedule,
  type Provider,
} from './shared.js';
import { targetEnv } from './workloads.js';

const env = process.env;
const ONLY = env.BENCH_LIVE_ONLY;
const CLIENTS = Number(env.BENCH_LIVE_CLIENTS ?? 2);
const SUBSCRIBERS = Number(env.BENCH_LIVE_SUBSCRIBERS ?? 10_000);
const EXECUTIONS = Number(env.BENCH_LIVE_EXECUTIONS ?? 1_000);
const INTERVAL_MS = Number(env.BENCH_LIVE_INTERVAL_MS ?? 1_000);
const PERIOD_MS = Number(env.BENCH_LIVE_PERIOD_MS ?? 3 * INTERVAL_MS);
const DURATION_S = Number(env.BENCH_LIVE_DURATION_S ?? 40);
const PER_SOCKET = Number(env.BENCH_LIVE_PER_SOCKET ?? 1);
/** Where to write the gateway's heap snapshots, idle and with subscribers (compare them with bench/heap.ts). */
const HEAP_DIR = env.BENCH_LIVE_HEAP_DIR;
/** Another copy of the project whose gateway to measure (e.g. the code before a change), as bench/ab.ts does. */
const GATEWAY_ROOT = env.BENCH_LIVE_GATEWAY_ROOT;
const PUSH_INTERVAL_MS = Number(env.BENCH_LIVE_PUSH_INTERVAL_MS ?? 5_000);
const PUSH_PERIOD_MS = Number(env.BENCH_LIVE_PUSH_PERIOD_MS ?? 30_000);
const PUSH_WINDOW_S = Number(env.BENCH_LIVE_PUSH_WINDOW_S ?? 60);
const PUSH_POLOS = 100;
const PUSH_RUNS = 60;
const PUSH_SUBSCRIBERS_EACH = 3;
const SAFETY_MS = 15_000;
/** The fake Polos' idle frames: the slow end of the real server's 50–200 ms. */
const KEEPALIVE_MS = 200;

interface ClientReport {
  readonly changes: number[];
  readonly counters: { events: number; missedSteps: number; repeatedOrOlder: number; errors: number; completed: number };
}

interface LiveRecords {
  polls: [number, number][];
  firstServed: [number, (number | null)[]][];
  runReads: [number, number][];
  streamsOpened: number;
  callbacksSent: number;
}

/** One gateway, its subscribers, one measured window. */
interface Run {
  readonly label: string;
  readonly schedule: LiveSchedule;
  readonly windowMs: number;
  readonly subscribers: number;
  readonly pollers: number;
  readonly reports: ClientReport[];
  readonly records: LiveRecords;
  readonly idle: Usage;
  readonly before: Usage;
  readonly after: Usage;
  readonly steady: Usage;
  readonly loopDelay: { p50: number; p99: number; max: number };
  readonly upstreamBefore: Usage;
  readonly upstreamAfter: Usage;
  /** When each PromptLayer run (by id number) finished upstream. */
  readonly finishAt: Map<number, number>;
  readonly windowStart: number;
  /** From the clients' `record` to their `collect`: the span their changes cover. */
  readonly recordedMs: number;
  /** When every subscription had its first event: PromptLayer runs are read from then on. */
  readonly subscribedAt: number;
}

/**
 * Push rows count the changes that became visible from the window's start until this long before
 * its end, so that a change found by a slow poll (POLL_MAX_INTERVAL_MS, or the safety net when push
 * fails: POLL_SAFETY_INTERVAL_MS, jittered) is not cut off.
 */
const SETTLE_MS = 18_000;

interface RunSpec {
  readonly label: string;
  readonly gatewayEnv: Record<string, string>;
  readonly push: { refuseStreams: boolean; loseCallbacks: boolean };
  /** Stepping executions (numbers from LIVE_BASE) and their provider. */
  readonly executions: number;
  readonly providerOf: (n: number) => Provider;
  readonly periodMs: number;
  readonly subscribers: number;
  /** PromptLayer runs to start through the gateway, finishing during the window. */
  readonly runs: number;
  readonly windowMs: number;
  readonly heapTag?: string;
}

async function main(): Promise<void> {
  const began = performance.now();
  process.stdout.write(`live benchmark\n${machineFacts()}\n`);
  const upstreams = await startChild<{ urls: Record<Provider, string> }>('upstreams.ts', { args: ['--live'] });
  const sections: string[] = [`### Live subscriptions: ${machineFacts()}`];
  try {
    if (ONLY !== 'scale' && ONLY !== 'scale-polling') sections.push(await pushVsPoll(upstreams));
    if (ONLY !== 'push') sections.push(await scale(upstreams));
  } finally {
    await upstreams.stop();
  }
  const markdown = sections.join('\n\n');
  process.stdout.write(`\n${markdown}\n`);
  if (env.BENCH_WRITE !== '0') writeSection(env.BENCH_LABEL ? `bench:live:${env.BENCH_LABEL}` : 'bench:live', markdown);
  process.stdout.write(`\ndone in ${fmt((performance.now() - began) / 1000, 0)} s${env.BENCH_WRITE !== '0' ? ', written to docs/benchmarks.md' : ''}\n`);
}

// ------------------------------------------------------------------------------------ push vs poll

async function pushVsPoll(upstreams: Child<{ urls: Record<Provider, string> }>): Promise<string> {
  const base = { POLL_INTERVAL_MS: String(PUSH_INTERVAL_MS), POLL_SAFETY_INTERVAL_MS: String(SAFETY_MS) };
  const common = {
    executions: PUSH_POLOS,
    providerOf: (): Provider => 'polos',
    periodMs: PUSH_PERIOD_MS,
    subscribers: (PUSH_POLOS + PUSH_RUNS) * PUSH_SUBSCRIBERS_EACH,
    runs: PUSH_RUNS,
    windowMs: PUSH_WINDOW_S * 1000,
  };
  const pushEnv = { ...base, POLOS_MAX_STREAMS: String(PUSH_POLOS), PUBLIC: '1' };
  const specs: RunSpec[] = [
    { ...common, label: 'poll', gatewayEnv: { ...base, POLOS_MAX_STREAMS: '0' }, push: { refuseStreams: false, loseCallbacks: false } },
    { ...common, label: 'push', gatewayEnv: pushEnv, push: { refuseStreams: false, loseCallbacks: false } },
    { ...common, label: 'push failing (streams refused, callbacks lost)', gatewayEnv: pushEnv, push: { refuseStreams: true, loseCallbacks: true } },
  ];
  const rows: (string | number)[][] = [];
  const verdicts: (string | number)[][] = [];
  for (const spec of specs) {
    const run = await measure(upstreams, spec);
    for (const provider of ['polos', 'promptlayer'] as const) {
      const latency = latencies(run, provider);
      const reads = readsPerMinute(run, provider);
      const seen = deliveries(run, provider);
      rows.push([
        spec.label,
        provider === 'polos' ? 'Polos (stream)' : 'PromptLayer (callback)',
        `${latency.count} / ${seen.expected}`,
        `${fmt(percentile(latency.sorted, 50), 0)} / ${fmt(percentile(latency.sorted, 99), 0)} / ${fmt(latency.sorted.at(-1) ?? Number.NaN, 0)}`,
        fmt(reads, 1),
        `${seen.missed} / ${seen.errors}`,
      ]);
      if (spec.label === 'push') {
        verdicts.push(
          [`${provider} change → client p50 ≤ 150 ms, p99 ≤ 500 ms (push)`, `${fmt(percentile(latency.sorted, 50), 0)} / ${fmt(percentile(latency.sorted, 99), 0)} ms`, percentile(latency.sorted, 50) <= 150 && percentile(latency.sorted, 99) <= 500 ? 'yes' : '**no**'],
          [`${provider} upstream reads per watched execution per minute ≤ 5 (push)`, fmt(reads, 1), reads <= 5 ? 'yes' : '**no**'],
        );
      } else if (spec.label !== 'poll') {
        verdicts.push([`${provider}: every change arrives with push failing`, `${latency.count} of ${seen.expected}, ${seen.missed} missed`, latency.count >= seen.expected && seen.missed === 0 ? 'yes' : '**no**']);
      }
    }
  }
  return [
    '#### Push vs poll',
    '',
    `POLL_INTERVAL_MS ${PUSH_INTERVAL_MS}, POLL_SAFETY_INTERVAL_MS ${SAFETY_MS}, one gateway per row. ${PUSH_POLOS} Polos executions (each its own tree, so one stream each; ` +
      `POLOS_MAX_STREAMS ${PUSH_POLOS}) moving one step every ${PUSH_PERIOD_MS / 1000} s, staggered, and ${PUSH_RUNS} PromptLayer runs started through the gateway ` +
      `that finish at spread times during the ${PUSH_WINDOW_S} s window; ${PUSH_SUBSCRIBERS_EACH} subscribers each (${(PUSH_POLOS + PUSH_RUNS) * PUSH_SUBSCRIBERS_EACH} in all). ` +
      'Latency is from the moment the fake upstream shows the change; "reads" are upstream GETs per watched execution per minute (Polos: over the window; PromptLayer: over each run\'s life, first read and the callback\'s read included).',
    '',
    table(['row', 'provider', 'changes delivered / expected', 'change → client p50 / p99 / max ms', 'reads / execution / min', 'missed / errors'], rows, ['l', 'l', 'r', 'r', 'r', 'r']),
    '',
    table(['target', 'measured', 'met'], verdicts, ['l', 'r', 'l']),
  ].join('\n');
}

const counted = (run: Run, visibleAt: number) => visibleAt >= run.windowStart && visibleAt <= run.windowStart + run.windowMs - SETTLE_MS;

function latencies(run: Run, provider: Provider): { sorted: Float64Array; count: number } {
  const values: number[] = [];
  for (const { changes } of run.reports) {
    for (let i = 0; i < changes.length; i += 3) {
      const [n, step, receivedAt] = [changes[i]!, changes[i + 1]!, changes[i + 2]!];
      const isRun = n >= PROMPTLAYER_RUN_BASE;
      if ((provider === 'promptlayer') !== isRun) continue;
      const visibleAt = isRun ? run.finishAt.get(n)! : liveVisibleAt(run.schedule, n, step);
      if (counted(run, visibleAt)) values.push(receivedAt - visibleAt);
    }
  }
  return { sorted: sortedCopy(values), count: values.length };
}

/** Changes the subscribers should have received, and what the clients counted as lost. */
function deliveries(run: Run, provider: Provider): { expected: number; missed: number; errors: number } {
  const missed = run.reports.reduce((sum, report) => sum + report.counters.missedSteps, 0);
  const errors = run.reports.reduce((sum, report) => sum + report.counters.errors, 0);
  if (provider === 'promptlayer') return { expected: run.finishAt.size * PUSH_SUBSCRIBERS_EACH, missed, errors };
  let steps = 0;
  for (let n = LIVE_BASE; n < LIVE_BASE + run.schedule.executions; n++) {
    for (let step = 1, at = liveVisibleAt(run.schedule, n, 1); at <= run.windowStart + run.windowMs; at = liveVisibleAt(run.schedule, n, ++step)) {
      if (counted(run, at)) steps++;
    }
  }
  return { expected: steps * PUSH_SUBSCRIBERS_EACH, missed, errors };
}

function readsPerMinute(run: Run, provider: Provider): number {
  if (provider === 'polos') {
    const polls = run.records.polls.filter(([n]) => n < PROMPTLAYER_RUN_BASE).reduce((sum, [, count]) => sum + count, 0);
    return polls / run.schedule.executions / (run.windowMs / 60_000);
  }
  let reads = 0;
  let minutes = 0;
  for (const [n, count] of run.records.runReads) {
    const finish = run.finishAt.get(n);
    if (finish === undefined) continue;
    reads += count;
    minutes += (finish - run.subscribedAt) / 60_000;
  }
  return reads / minutes;
}

// ------------------------------------------------------------------------------------------ scale

async function scale(upstreams: Child<{ urls: Record<Provider, string> }>): Promise<string> {
  const common = { executions: EXECUTIONS, periodMs: PERIOD_MS, subscribers: SUBSCRIBERS, runs: 0, windowMs: DURATION_S * 1000 };
  const base = { POLL_INTERVAL_MS: String(INTERVAL_MS), POLL_MAX_PER_SECOND: String(Math.max(200, Math.ceil(((EXECUTIONS / (INTERVAL_MS / 1000)) * 1.5)))) };
  const specs: RunSpec[] = [
    { ...common, label: 'polling', providerOf: liveProviderOf, gatewayEnv: { ...base, POLOS_MAX_STREAMS: '0' }, push: { refuseStreams: false, loseCallbacks: false }, heapTag: 'polling' },
    {
      ...common,
      label: 'push',
      providerOf: () => 'polos',
      gatewayEnv: { ...base, POLOS_MAX_STREAMS: String(EXECUTIONS), POLL_SAFETY_INTERVAL_MS: String(SAFETY_MS) },
      push: { refuseStreams: false, loseCallbacks: false },
      heapTag: 'push',
    },
  ];
  const rows: ScaleRow[] = [];
  for (const spec of specs.filter((candidate) => ONLY !== 'scale-polling' || candidate.label === 'polling')) rows.push(scaleRow(await measure(upstreams, spec)));
  const target = INTERVAL_MS + 100;
  const targets: (string | number)[][] = [];
  for (const row of rows) {
    const limit = row.run.label === 'polling' ? target : 300;
    targets.push(
      [`${row.run.label}: change → client p99 ≤ ${row.run.label === 'polling' ? `interval + 100 ms (${target} ms)` : '300 ms'}`, `${fmt(row.p99, 0)} ms`, row.p99 <= limit ? 'yes' : '**no**'],
      [`${row.run.label}: heap ≤ 8 KiB per subscriber`, `${fmt(row.heapPerSubscriberKiB, 1)} KiB`, row.heapPerSubscriberKiB <= 8 ? 'yes' : '**no**'],
      [`${row.run.label}: event-loop lateness p99 ≤ 50 ms`, `${fmt(row.run.loopDelay.p99, 0)} ms`, row.run.loopDelay.p99 <= 50 ? 'yes' : '**no**'],
    );
  }
  return [
    `#### Scale: ${SUBSCRIBERS} subscribers over ${EXECUTIONS} executions`,
    '',
    `${SUBSCRIBERS} subscribers (${Math.ceil(SUBSCRIBERS / PER_SOCKET)} WebSockets, graphql-ws, from ${CLIENTS} client processes) over ${EXECUTIONS} executions, each moving one step every ${PERIOD_MS} ms, staggered; ` +
      `POLL_INTERVAL_MS ${INTERVAL_MS}; ${DURATION_S} s measured, from one step after every subscription had its first event. "polling": Flowker, PromptLayer, Polos in turn, no push. ` +
      `"push": all Polos, one event stream per execution (POLOS_MAX_STREAMS ${EXECUTIONS}, POLL_SAFETY_INTERVAL_MS ${SAFETY_MS}). Heap per subscriber: heap used with subscribers minus idle, after a full GC, over the subscribers.`,
    '',
    table(['measure', ...rows.map((row) => row.run.label)], SCALE_MEASURES.map((name, i) => [name, ...rows.map((row) => row[i]!)]), ['l', ...rows.map(() => 'r' as const)]),
    '',
    table(['target', 'measured', 'met'], targets, ['l', 'r', 'l']),
  ].join('\n');
}

type ScaleRow = (string | number)[] & { p99: number; heapPerSubscriberKiB: number; run: Run };

const SCALE_MEASURES = [
  'distinct executions watched (gateway pollers)',
  'upstream polls per interval (= executions when polling)',
  'changes delivered (expected ≈)',
  'change → client p50 / p99 / max ms',
  '… change → gateway read p50 / p99 ms',
  '… gateway read → client p50 / p99 ms',
  'events received / s (all clients)',
  'missed steps / repeated events / errors / completed',
  'gateway heap per subscriber (KiB)',
  'gateway heap used idle → with subscribers (MiB)',
  'gateway RSS per 1,000 subscribers (MiB)',
  'gateway CPU (% of one core)',
  'gateway event-loop lateness p50 / p99 / max ms',
  'upstream streams opened',
  'fake upstreams CPU (% of one core)',
];

function scaleRow(run: Run): ScaleRow {
  const intervals = run.windowMs / INTERVAL_MS;
  const totalPolls = run.records.polls.reduce((sum, [, count]) => sum + count, 0);
  const firstServed = new Map(run.records.firstServed);
  const total: number[] = [];
  const untilRead: number[] = [];
  const fanOut: number[] = [];
  let events = 0;
  const counters = { missedSteps: 0, repeatedOrOlder: 0, errors: 0, completed: 0 };
  for (const { changes, counters: c } of run.reports) {
    events += c.events;
    for (const key of Object.keys(counters) as (keyof typeof counters)[]) counters[key] += c[key];
    for (let i = 0; i < changes.length; i += 3) {
      const [n, step, receivedAt] = [changes[i]!, changes[i + 1]!, changes[i + 2]!];
      const visibleAt = liveVisibleAt(run.schedule, n, step);
      total.push(receivedAt - visibleAt);
      const served = firstServed.get(n)?.[step];
      if (served !== undefined && served !== null) {
        untilRead.push(served - visibleAt);
        fanOut.push(receivedAt - served);
      }
    }
  }
  const [t, u, f] = [sortedCopy(total), sortedCopy(untilRead), sortedCopy(fanOut)];
  const cpu = cpuBetween(run.before, run.after);
  const heapPerSubscriber = (run.steady.heapUsed - run.idle.heapUsed) / run.subscribers;
  const expectedChanges = (run.subscribers * run.recordedMs) / run.schedule.periodMs;
  const row = [
    run.pollers,
    fmt(totalPolls / intervals, 1),
    `${total.length} (${fmt(expectedChanges, 0)})`,
    `${fmt(percentile(t, 50), 0)} / ${fmt(percentile(t, 99), 0)} / ${fmt(t.at(-1) ?? Number.NaN, 0)}`,
    `${fmt(percentile(u, 50), 0)} / ${fmt(percentile(u, 99), 0)}`,
    `${fmt(percentile(f, 50), 1)} / ${fmt(percentile(f, 99), 1)}`,
    fmt(events / (run.windowMs / 1000), 0),
    `${counters.missedSteps} / ${counters.repeatedOrOlder} / ${counters.errors} / ${counters.completed}`,
    fmt(heapPerSubscriber / 1024, 1),
    `${fmt(mib(run.idle.heapUsed))} → ${fmt(mib(run.steady.heapUsed))}`,
    fmt(mib((run.steady.rss - run.idle.rss) / (run.subscribers / 1000)), 1),
    fmt(cpu.percent, 1),
    `${fmt(run.loopDelay.p50, 0)} / ${fmt(run.loopDelay.p99, 0)} / ${fmt(run.loopDelay.max, 0)}`,
    run.records.streamsOpened,
    fmt(cpuBetween(run.upstreamBefore, run.upstreamAfter).percent, 0),
  ];
  return Object.assign(row, { p99: percentile(t, 99), heapPerSubscriberKiB: heapPerSubscriber / 1024, run });
}

// ---------------------------------------------------------------------------------------- a run

async function measure(upstreams: Child<{ urls: Record<Provider, string> }>, spec: RunSpec): Promise<Run> {
  process.stdout.write(`\n[${spec.label}] ${spec.subscribers} subscribers, ${spec.executions} stepping executions${spec.runs ? ` + ${spec.runs} PromptLayer runs` : ''}…\n`);
  // Executions step from now on, so that pollers keep their pace while subscribers connect; the
  // window starts once they all should have (PromptLayer runs are planned to finish inside it).
  const schedule: LiveSchedule = { t0: wallClock(), periodMs: spec.periodMs, executions: spec.executions };
  let windowStart = wallClock() + 10_000 + spec.subscribers * 5;
  await upstreams.call('configure', { schedule, push: { ...spec.push, keepaliveMs: KEEPALIVE_MS } });
  const port = await freePort();
  const { PUBLIC, ...gatewayEnv } = spec.gatewayEnv;
  const gateway = await startChild<{ url: string }>('gateway-child.ts', {
    ...(GATEWAY_ROOT ? { root: GATEWAY_ROOT } : {}),
    env: {
      ...targetEnv(upstreams.ready.urls),
      PORT: String(port),
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      ...(PUBLIC ? { GATEWAY_PUBLIC_URL: `http://127.0.0.1:${port}` } : {}),
      ...gatewayEnv,
    },
    nodeArgs: [...GATEWAY_NODE_FLAGS, '--expose-gc'],
  });
  const clients: Child[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await startChild('live-client.ts'));
    await sleep(500);
    const idle = await gateway.call<Usage>('usage', { gc: true });
    if (HEAP_DIR && spec.heapTag) await gateway.call('heapSnapshot', { path: `${HEAP_DIR}/${spec.heapTag}-idle.heapsnapshot` });

    // PromptLayer runs, started through the gateway (so with a callback URL when it has one).
    const finishAt = new Map<number, number>();
    const runIds: string[] = [];
    for (let i = 0; i < spec.runs; i++) {
      const finish = windowStart + 5_000 + Math.floor(((spec.windowMs - 5_000 - SETTLE_MS) * i) / Math.max(1, spec.runs - 1));
      const id = await startRun(gateway.ready.url, finish);
      finishAt.set(Number(id), finish);
      runIds.push(`promptlayer:${id}`);
    }
    const stepping = Array.from({ length: spec.executions }, (_, i) => globalIdOf(spec.providerOf(LIVE_BASE + i), LIVE_BASE + i));
    const targets = [...stepping, ...runIds];
    const ids = Array.from({ length: spec.subscribers }, (_, i) => targets[i % targets.length]!);
    const shares = clients.map((_, c) => ids.filter((_, i) => i % CLIENTS === c));
    const connected = await Promise.all(
      clients.map((client, c) => client.call<{ ms: number }>('start', { url: gateway.ready.url, ids: shares[c], subscriptionsPerSocket: PER_SOCKET, batch: 100 })),
    );
    const subscribedAt = wallClock();
    process.stdout.write(`  all subscribed in ${fmt(Math.max(...connected.map((c) => c.ms)) / 1000)} s\n`);
    // Without runs the window just starts one step after the last subscription (every poller past its first read).
    if (spec.runs === 0) windowStart = subscribedAt + spec.periodMs;
    else if (subscribedAt > windowStart) process.stdout.write('  (warning: subscribing took longer than planned: some runs may have finished before their subscribers came)\n');
    await Promise.all(clients.map((client) => client.call('record')));
    const recordAt = wallClock();
    await sleep(Math.max(0, windowStart - wallClock()));
    await upstreams.call('reset');
    await gateway.call('loopDelay');
    const before = await gateway.call<Usage>('usage');
    const upstreamBefore = await upstreams.call<Usage>('usage');
    await sleep(spec.windowMs);
    const after = await gateway.call<Usage>('usage');
    const upstreamAfter = await upstreams.call<Usage>('usage');
    const loopDelay = await gateway.call<{ p50: number; p99: number; max: number }>('loopDelay');
    const pollers = (await gateway.call<{ pollers: number }>('live')).pollers;
    const reports = await Promise.all(clients.map((client) => client.call<ClientReport>('collect')));
    const recordedMs = wallClock() - recordAt;
    const records = await upstreams.call<LiveRecords>('liveRecords');
    const steady = await gateway.call<Usage>('usage', { gc: true });
    if (HEAP_DIR && spec.heapTag) await gateway.call('heapSnapshot', { path: `${HEAP_DIR}/${spec.heapTag}-subscribed.heapsnapshot` });
    return { label: spec.label, schedule, windowMs: spec.windowMs, subscribers: spec.subscribers, pollers, reports, records, idle, before, after, steady, loopDelay, upstreamBefore, upstreamAfter, finishAt, windowStart, recordedMs, subscribedAt };
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await gateway.stop();
  }
}

const START = `mutation($finish: JSON) { startExecution(input: { provider: PROMPTLAYER, workflowId: "bench", input: $finish }) { execution { id } } }`;

async function startRun(graphqlUrl: string, finishAt: number): Promise<string> {
  const response = await request(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: START, variables: { finish: { finish_at: finishAt } } }),
  });
  const body = (await response.body.json()) as { data?: { startExecution: { execution: { id: string } } }; errors?: unknown };
  if (!body.data) throw new Error(`startExecution failed: ${JSON.stringify(body.errors)}`);
  return body.data.startExecution.execution.id.slice('promptlayer:'.length);
}

/** A port nothing listens on now: the gateway's, known in advance so that GATEWAY_PUBLIC_URL can name it. */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

main().catch((error: unknown) => {
  process.stderr.write(`live benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
