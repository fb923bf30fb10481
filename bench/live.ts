/**
 * `npm run bench:live`: N subscribers over M executions that change on a schedule, through real
 * graphql-ws clients (bench/live-client.ts, in K processes of their own) against the gateway in
 * its own process, over fake upstreams in a third (bench/upstreams.ts --live). About a minute
 * with the defaults; it stops by itself. Measures:
 *
 * - upstream polls per poll interval against the distinct executions being watched (one poller
 *   per execution, whatever the number of subscribers, means these are equal);
 * - change-to-client latency: from the moment the upstream started answering with a new step
 *   (its schedule) to the moment a client received it; split into "until the gateway polled it"
 *   and "from that poll to the client";
 * - gateway RSS per 1,000 subscribers (RSS with subscribers minus RSS before them) and CPU.
 *
 * Environment (defaults in brackets): BENCH_LIVE_SUBSCRIBERS [2000], BENCH_LIVE_EXECUTIONS [200]
 * (up to 10,000 / 1,000), BENCH_LIVE_INTERVAL_MS [1000] (the gateway's POLL_INTERVAL_MS),
 * BENCH_LIVE_PERIOD_MS [3 × interval] (each execution's step length), BENCH_LIVE_DURATION_S [40]
 * (measured window), BENCH_LIVE_CLIENTS [2] (client processes), BENCH_LIVE_PER_SOCKET [1]
 * (subscriptions per WebSocket), BENCH_LABEL (docs section `bench:live:<label>` instead of
 * `bench:live`), BENCH_WRITE=0 (do not touch docs/benchmarks.md).
 */
import { startChild, cpuBetween, type Child, type Usage } from './ipc.js';
import { machineFacts, table, writeSection } from './report.js';
import { fmt, globalIdOf, LIVE_BASE, liveProviderOf, liveVisibleAt, mib, percentile, sleep, sortedCopy, wallClock, type LiveSchedule, type Provider } from './shared.js';
import { targetEnv } from './workloads.js';

const env = process.env;
const SUBSCRIBERS = Number(env.BENCH_LIVE_SUBSCRIBERS ?? 2_000);
const EXECUTIONS = Number(env.BENCH_LIVE_EXECUTIONS ?? 200);
const INTERVAL_MS = Number(env.BENCH_LIVE_INTERVAL_MS ?? 1_000);
const PERIOD_MS = Number(env.BENCH_LIVE_PERIOD_MS ?? 3 * INTERVAL_MS);
const DURATION_S = Number(env.BENCH_LIVE_DURATION_S ?? 40);
const CLIENTS = Number(env.BENCH_LIVE_CLIENTS ?? 2);
const PER_SOCKET = Number(env.BENCH_LIVE_PER_SOCKET ?? 1);
/** Where to write the gateway's heap snapshots, idle and with subscribers (compare them with bench/heap.ts). */
const HEAP_DIR = env.BENCH_LIVE_HEAP_DIR;
/** Polls per second per provider the schedule needs; the gateway's cap (POLL_MAX_PER_SECOND, 200) must not bind. */
const NEEDED_PER_PROVIDER = Math.ceil(EXECUTIONS / 3 / (INTERVAL_MS / 1000));
const MAX_PER_SECOND = Math.max(200, Math.ceil(NEEDED_PER_PROVIDER * 1.5));

interface ClientReport {
  readonly changes: number[];
  readonly counters: { events: number; missedSteps: number; repeatedOrOlder: number; errors: number; completed: number };
}

async function main(): Promise<void> {
  const began = performance.now();
  process.stdout.write(
    `live benchmark: ${SUBSCRIBERS} subscribers over ${EXECUTIONS} executions, poll interval ${INTERVAL_MS} ms, a change every ${PERIOD_MS} ms per execution, ${DURATION_S} s measured\n${machineFacts()}\n`,
  );
  const schedule: LiveSchedule = { t0: wallClock(), periodMs: PERIOD_MS, executions: EXECUTIONS };
  const upstreams = await startChild<{ urls: Record<Provider, string> }>('upstreams.ts', { args: ['--live'] });
  await upstreams.call('configure', { schedule });
  const gateway = await startChild<{ url: string }>('gateway-child.ts', {
    env: {
      ...targetEnv(upstreams.ready.urls),
      LOG_LEVEL: env.BENCH_LOG_LEVEL ?? 'warn',
      POLL_INTERVAL_MS: String(INTERVAL_MS),
      POLL_MAX_PER_SECOND: String(MAX_PER_SECOND),
    },
    nodeArgs: ['--expose-gc'],
  });
  const clients: Child[] = [];
  try {
    for (let i = 0; i < CLIENTS; i++) clients.push(await startChild('live-client.ts'));
    await sleep(500);
    const idle = await gateway.call<Usage>('usage', { gc: true });
    if (HEAP_DIR) await gateway.call('heapSnapshot', { path: `${HEAP_DIR}/idle.heapsnapshot` });

    // Subscriber i watches execution i mod M: every execution has N/M subscribers.
    const ids = Array.from({ length: SUBSCRIBERS }, (_, i) => {
      const n = LIVE_BASE + (i % EXECUTIONS);
      return globalIdOf(liveProviderOf(n), n);
    });
    const shares = clients.map((_, c) => ids.filter((_, i) => i % CLIENTS === c));
    process.stdout.write(`connecting ${SUBSCRIBERS} subscriptions over ${Math.ceil(SUBSCRIBERS / PER_SOCKET)} sockets from ${CLIENTS} client processes…\n`);
    const connected = await Promise.all(
      clients.map((client, c) => client.call<{ subscriptions: number; sockets: number; ms: number }>('start', { url: gateway.ready.url, ids: shares[c], subscriptionsPerSocket: PER_SOCKET, batch: 100 })),
    );
    process.stdout.write(`  all subscribed in ${fmt(Math.max(...connected.map((c) => c.ms)) / 1000)} s; ${(await gateway.call<{ pollers: number }>('live')).pollers} pollers\n`);
    await sleep(PERIOD_MS); // every poller past its first poll

    await Promise.all(clients.map((client) => client.call('record')));
    await upstreams.call('reset');
    const windowStart = wallClock();
    await gateway.call('loopDelay');
    const before = await gateway.call<Usage>('usage');
    const upstreamBefore = await upstreams.call<Usage>('usage');
    process.stdout.write(`measuring for ${DURATION_S} s…\n`);
    await sleep(DURATION_S * 1000);
    const after = await gateway.call<Usage>('usage');
    const upstreamAfter = await upstreams.call<Usage>('usage');
    const loopDelay = await gateway.call<{ p50: number; p99: number; max: number }>('loopDelay');
    const windowEnd = wallClock();
    const pollers = (await gateway.call<{ pollers: number }>('live')).pollers;
    const reports = await Promise.all(clients.map((client) => client.call<ClientReport>('collect')));
    const records = await upstreams.call<{ polls: [number, number][]; pollLog: { n: number; at: number }[]; firstServed: [number, (number | null)[]][] }>('liveRecords');
    const steady = await gateway.call<Usage>('usage', { gc: true });
    if (HEAP_DIR) await gateway.call('heapSnapshot', { path: `${HEAP_DIR}/subscribed.heapsnapshot` });
    const clientUsage = await Promise.all(clients.map((client) => client.call<Usage>('usage')));

    const markdown = report({ schedule, idle, before, after, steady, pollers, reports, records, windowMs: windowEnd - windowStart, windowStart, clientUsage, loopDelay, upstreamCpu: cpuBetween(upstreamBefore, upstreamAfter).percent });
    process.stdout.write(`\n${markdown}\n`);
    if (env.BENCH_WRITE !== '0') writeSection(env.BENCH_LABEL ? `bench:live:${env.BENCH_LABEL}` : 'bench:live', markdown);
  } finally {
    await Promise.all(clients.map((client) => client.stop()));
    await gateway.stop();
    await upstreams.stop();
  }
  process.stdout.write(`\ndone in ${fmt((performance.now() - began) / 1000, 0)} s${env.BENCH_WRITE !== '0' ? ', written to docs/benchmarks.md' : ''}\n`);
}

function report(facts: {
  schedule: LiveSchedule;
  idle: Usage;
  before: Usage;
  after: Usage;
  steady: Usage;
  pollers: number;
  reports: ClientReport[];
  records: { polls: [number, number][]; pollLog: { n: number; at: number }[]; firstServed: [number, (number | null)[]][] };
  windowMs: number;
  windowStart: number;
  clientUsage: Usage[];
  loopDelay: { p50: number; p99: number; max: number };
  upstreamCpu: number;
}): string {
  const { schedule, records } = facts;
  const intervals = facts.windowMs / INTERVAL_MS;
  const totalPolls = records.polls.reduce((sum, [, count]) => sum + count, 0);
  const perExecution = sortedCopy(records.polls.map(([, count]) => count / intervals));
  const firstServed = new Map(records.firstServed);

  // Change-to-client latency, and its two legs.
  const total: number[] = [];
  const untilPolled: number[] = [];
  const fanOut: number[] = [];
  let events = 0;
  const counters = { missedSteps: 0, repeatedOrOlder: 0, errors: 0, completed: 0 };
  for (const { changes, counters: c } of facts.reports) {
    events += c.events;
    counters.missedSteps += c.missedSteps;
    counters.repeatedOrOlder += c.repeatedOrOlder;
    counters.errors += c.errors;
    counters.completed += c.completed;
    for (let i = 0; i < changes.length; i += 3) {
      const [n, step, receivedAt] = [changes[i]!, changes[i + 1]!, changes[i + 2]!];
      const visibleAt = liveVisibleAt(schedule, n, step);
      total.push(receivedAt - visibleAt);
      const served = firstServed.get(n)?.[step];
      if (served !== undefined && served !== null) {
        untilPolled.push(served - visibleAt);
        fanOut.push(receivedAt - served);
      }
    }
  }
  const [t, u, f] = [sortedCopy(total), sortedCopy(untilPolled), sortedCopy(fanOut)];
  const cpu = cpuBetween(facts.before, facts.after);
  const rssPerThousand = (facts.steady.rss - facts.idle.rss) / (SUBSCRIBERS / 1000);
  const expectedChanges = (SUBSCRIBERS * facts.windowMs) / PERIOD_MS;
  const target = INTERVAL_MS + 100;

  const lines = [
    `### Live subscriptions: ${machineFacts()}`,
    '',
    `${SUBSCRIBERS} subscribers (${Math.ceil(SUBSCRIBERS / PER_SOCKET)} WebSockets, graphql-ws, from ${CLIENTS} client processes) over ${EXECUTIONS} executions ` +
      `(Flowker, PromptLayer, Polos in turn), each moving one step every ${PERIOD_MS} ms, staggered; POLL_INTERVAL_MS ${INTERVAL_MS} ` +
      `(POLL_MAX_INTERVAL_MS default), POLL_MAX_PER_SECOND ${MAX_PER_SECOND}; ${fmt(facts.windowMs / 1000, 0)} s measured after every subscription had its first event.`,
    '',
    table(
      ['measure', 'value', 'target'],
      [
        ['distinct executions watched (gateway pollers)', facts.pollers, `${EXECUTIONS}`],
        ['upstream polls per interval', fmt(totalPolls / intervals, 1), `= executions (${EXECUTIONS})`],
        ['polls per execution per interval (min / median / max)', `${fmt(perExecution[0] ?? Number.NaN, 2)} / ${fmt(percentile(perExecution, 50), 2)} / ${fmt(perExecution.at(-1) ?? Number.NaN, 2)}`, '1'],
        ['changes delivered (expected ≈)', `${total.length} (${fmt(expectedChanges, 0)})`, ''],
        ['change → client p50 / p99 / max ms', `${fmt(percentile(t, 50), 0)} / ${fmt(percentile(t, 99), 0)} / ${fmt(t.at(-1) ?? Number.NaN, 0)}`, `p99 ≤ ${target}`],
        ['… change → gateway poll p50 / p99 ms', `${fmt(percentile(u, 50), 0)} / ${fmt(percentile(u, 99), 0)}`, ''],
        ['… gateway poll → client p50 / p99 ms', `${fmt(percentile(f, 50), 1)} / ${fmt(percentile(f, 99), 1)}`, ''],
        ['events received / s (all clients)', fmt(events / (facts.windowMs / 1000), 0), ''],
        ['missed steps / repeated events / errors / completed', `${counters.missedSteps} / ${counters.repeatedOrOlder} / ${counters.errors} / ${counters.completed}`, '0 / 0 / 0 / 0'],
        ['gateway RSS idle → with subscribers (MiB)', `${fmt(mib(facts.idle.rss))} → ${fmt(mib(facts.steady.rss))}`, ''],
        ['gateway RSS per 1,000 subscribers (MiB)', fmt(mib(rssPerThousand), 1), ''],
        ['gateway heap used with subscribers (MiB)', fmt(mib(facts.steady.heapUsed), 1), ''],
        ['gateway CPU (% of one core)', fmt(cpu.percent, 1), ''],
        ['gateway CPU per delivered event (µs)', fmt((cpu.ms * 1000) / Math.max(1, events), 0), ''],
        ['gateway event-loop lateness p50 / p99 / max ms', `${fmt(facts.loopDelay.p50, 0)} / ${fmt(facts.loopDelay.p99, 0)} / ${fmt(facts.loopDelay.max, 0)}`, ''],
        ['fake upstreams CPU (% of one core)', fmt(facts.upstreamCpu, 0), ''],
        ['client processes CPU (% of one core, whole run)', facts.clientUsage.map((u) => fmt((u.cpu.user + u.cpu.system) / 10 / u.at, 0)).join(' + '), ''],
      ],
      ['l', 'r', 'l'],
    ),
    '',
    'Targets:',
    '',
    table(
      ['target', 'measured', 'met'],
      [
        ['upstream polls per interval = distinct active executions', `${fmt(totalPolls / intervals, 1)} vs ${facts.pollers}`, Math.abs(totalPolls / intervals - facts.pollers) <= facts.pollers * 0.05 ? 'yes' : '**no**'],
        [`change → client p99 ≤ interval + 100 ms (${target} ms)`, `${fmt(percentile(t, 99), 0)} ms`, percentile(t, 99) <= target ? 'yes' : '**no**'],
      ],
      ['l', 'r', 'l'],
    ),
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`live benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
