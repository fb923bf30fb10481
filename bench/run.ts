/**
 * `npm run bench`: query throughput and latency of the gateway against two baselines, on
 * loopback, in about 3–4 minutes; it stops by itself.
 *
 * Processes: fake upstreams (bench/upstreams.ts), the gateway (bench/gateway-child.ts), the
 * naive Apollo gateway (bench/naive.ts) and the bare REST proxy (bench/proxy.ts) each in a child
 * process of their own; autocannon and the direct client (bench/direct.ts) run here; the client
 * micro-benchmark (bench/client-call.ts) runs last, in a child of its own. For every workload and target: 2 s warm-up, then N s
 * measured; requests/s, p50/p99 latency, upstream requests per client request (fake upstream
 * counters), the target's CPU (process.cpuUsage) and RSS. Writes its tables to
 * docs/benchmarks.md (section `bench:run:<BENCH_LABEL>`).
 *
 * Environment:
 *   BENCH_FULL=1          10 s per workload (BENCH_DURATION_S overrides; default 5)
 *   BENCH_SOAK=1          add a 60 s W2 soak of the gateway, printing RSS start/end (BENCH_SOAK_S=n)
 *   BENCH_PROFILE=1       add `node --cpu-prof` runs of the gateway under W2 and W4, summarized
 *                         (BENCH_PROFILE_WORKLOADS=W1,…; BENCH_PROFILE_TARGETS=gateway,proxy: the proxy too, side by side)
 *   BENCH_ONLY=W1,W2,...  workloads to run (W0,W1,W1c1,W2,W3,W4,W5,growth,client)
 *   BENCH_TARGETS=gateway,naive,proxy,direct
 *   BENCH_CONNECTIONS=50  autocannon connections (and direct client loops)
 *   BENCH_PIN=0           do not pin (default: each target on CPU 0, load and upstreams on the others; ipc.ts)
 *   BENCH_RATE=n          offer every target the same n requests/s instead of as many as it answers (CPU per request at equal load)
 *   BENCH_CLIENT_CONCURRENCY=10  calls in flight in the client micro-benchmark
 *   UPSTREAM_MAX_CONNECTIONS=256  upstream sockets per upstream for gateway, proxy and direct (see workloads.ts)
 *   BENCH_LATENCY_MS=20   W3's fixed upstream latency
 *   BENCH_LABEL=latest    names the docs section (e.g. before / after)
 *   BENCH_GATEWAY_ROOT=…  benchmark another project tree's gateway (bench/gateway-child.ts there) in this harness
 *   BENCH_WRITE=0         do not touch docs/benchmarks.md
 *   BENCH_LOG_LEVEL=info  the gateway's LOG_LEVEL (its stdout is discarded)
 *   UPSTREAM_*, MAX_* …   passed to the gateway as they are
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DirectClient } from './direct.js';
import { buildFacts, pin, pinningFacts, startChild, type Child, type Usage } from './ipc.js';
import { profileMarkdown, summarize } from './profile.js';
import { machineFacts, table, writeSection } from './report.js';
import { fmt, mib, percentile, type Provider } from './shared.js';
import {
  cannon,
  CONNECTIONS,
  DURATION_S,
  env,
  FULL,
  LABEL,
  measure,
  ONLY,
  POOL_CONNECTIONS,
  PROFILE,
  SOAK_S,
  requestBodies,
  serves,
  startBaseline,
  startGatewayChild,
  startUpstreams,
  targetEnv,
  TARGETS,
  W4_SETS,
  w5,
  WARMUP_S,
  WORKLOADS,
  type Processes,
  type Row,
  type ServerTarget,
  type Target,
  type Workload,
} from './workloads.js';

const CLIENT_CONCURRENCY = Number(env.BENCH_CLIENT_CONCURRENCY ?? 10);
const PROFILE_DIR = fileURLToPath(new URL('./profiles/', import.meta.url));

interface Soak {
  readonly samples: { at: number; rss: number }[];
  readonly row: Row;
  /** Usage after a forced full GC, before and after the soak. */
  readonly collected: [Usage, Usage];
}

/** The run with the median p50 (of two: the faster one), whole, so that its figures belong together. */
const medianRow = (rows: Row[]): Row => [...rows].sort((a, b) => a.p50 - b.p50)[Math.floor((rows.length - 1) / 2)]!;

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = performance.now();
  process.stdout.write(`execution-gateway benchmark (${FULL ? 'full' : 'quick'}: ${WARMUP_S} s warm-up + ${DURATION_S} s per run, ${CONNECTIONS} connections)\n${machineFacts()}\n${pinningFacts()}\n${buildFacts()}\n\n`);
  pin(process.pid, 'load');
  const upstreams = await startUpstreams();
  const urls = upstreams.ready.urls;
  const gateway = TARGETS.has('gateway') ? await startGatewayChild(urls) : null;
  const naive = TARGETS.has('naive') ? await startBaseline('naive', urls) : null;
  const proxy = TARGETS.has('proxy') ? await startBaseline('proxy', urls) : null;
  const direct = TARGETS.has('direct') ? new DirectClient(urls, POOL_CONNECTIONS) : null;
  const processes: Processes = { upstreams, gateway, naive, proxy, direct };
  const gatewayRssStart = gateway ? (await gateway.call<Usage>('usage')).rss : 0;

  const rows: Row[] = [];
  const growth: Row[] = [];
  let soak: Soak | null = null;
  const profiles: string[] = [];
  let clientCall: ClientCall | null = null;
  try {
    for (const workload of WORKLOADS) {
      if (!ONLY.has(workload.key)) continue;
      process.stdout.write(`${workload.key}: ${workload.title}, ${workload.connections} connection(s)\n`);
      for (const target of ['gateway', 'naive', 'proxy', 'direct'] as const) {
        const row = await measure(processes, workload, target);
        if (row) rows.push(row);
      }
    }
    if (ONLY.has('growth') && gateway) {
      // Sizes interleaved over two rounds, median kept: slow drift on a shared machine hits all alike.
      process.stdout.write('growth: executions(ids) latency vs ids, gateway, 1 connection, 2 interleaved rounds\n');
      const sizes = [10, 50, 100];
      const runs = new Map<number, Row[]>(sizes.map((ids) => [ids, []]));
      for (let round = 0; round < 2; round++) {
        for (const ids of round === 0 ? sizes : [...sizes].reverse()) {
          const row = await measure(processes, w5(ids, 1, `W5×${ids}`), 'gateway', Math.min(DURATION_S, 4));
          if (row) runs.get(ids)!.push(row);
        }
      }
      for (const ids of sizes) {
        const measured = runs.get(ids)!;
        if (measured.length > 0) growth.push(medianRow(measured));
      }
    }
    if (SOAK_S > 0 && gateway) {
      process.stdout.write(`soak: W2 against the gateway for ${SOAK_S} s, RSS every 5 s\n`);
      const samples: { at: number; rss: number }[] = [];
      const t0 = performance.now();
      const sample = async () => samples.push({ at: (performance.now() - t0) / 1000, rss: (await gateway.call<Usage>('usage')).rss });
      const collected = await gateway.call<Usage>('usage', { gc: true });
      await sample();
      const timer = setInterval(() => void sample(), 5_000);
      const w2 = WORKLOADS.find((workload) => workload.key === 'W2')!;
      const row = await measure(processes, w2, 'gateway', SOAK_S);
      clearInterval(timer);
      await sample();
      const after = await gateway.call<Usage>('usage', { gc: true });
      if (row) soak = { samples, row, collected: [collected, after] };
      const raw = samples.map((s) => s.rss);
      process.stdout.write(
        `  RSS start ${fmt(mib(raw[0]!))} MiB, end ${fmt(mib(raw.at(-1)!))} MiB, max ${fmt(mib(Math.max(...raw)))} MiB; ` +
          `after a full GC: RSS ${fmt(mib(collected.rss))} → ${fmt(mib(after.rss))} MiB, heap ${fmt(mib(collected.heapUsed))} → ${fmt(mib(after.heapUsed))} MiB\n`,
      );
    }
    if (ONLY.has('client')) clientCall = await measureClientCall(urls, upstreams);
    if (PROFILE) {
      for (const key of (env.BENCH_PROFILE_WORKLOADS ?? 'W2,W4').split(',')) {
        const workload = WORKLOADS.find((candidate) => candidate.key === key)!;
        for (const target of (env.BENCH_PROFILE_TARGETS ?? 'gateway').split(',') as ServerTarget[]) {
          if (serves(target, workload)) profiles.push(await profileTarget(target, urls, upstreams, workload));
        }
      }
    }
  } finally {
    await Promise.all([gateway?.stop(), naive?.stop(), proxy?.stop(), direct?.close()]);
    await upstreams.stop();
  }

  const gatewayRssEnd = rows.filter((row) => row.target === 'gateway').at(-1)?.rssMiB ?? null;
  const markdown = report(rows, growth, soak, profiles, clientCall, { gatewayRssStart: mib(gatewayRssStart), gatewayRssEnd });
  process.stdout.write(`\n${markdown}\n`);
  if (env.BENCH_WRITE !== '0') writeSection(`bench:run:${LABEL}`, markdown);
  process.stdout.write(`\ndone in ${fmt((performance.now() - started) / 1000, 0)} s${env.BENCH_WRITE !== '0' ? ', written to docs/benchmarks.md' : ''}\n`);
}

interface ClientCall {
  readonly provider: Provider;
  readonly cpuUsPerCall: number;
  readonly callsPerSecond: number;
}

/** One upstream call through the gateway's client (bench/client-call.ts): warm-up, then the median of 3 runs. */
async function measureClientCall(urls: Record<Provider, string>, upstreams: Child<{ urls: Record<Provider, string> }>): Promise<ClientCall> {
  process.stdout.write(`client: one upstream call through the client (request, parse, validate, map), Polos, ${CLIENT_CONCURRENCY} at a time\n`);
  await upstreams.call('configure', { latencyMs: 0 });
  const root = env.BENCH_GATEWAY_ROOT;
  const child = await startChild('client-call.ts', { env: targetEnv(urls), cpus: 'target', ...(root ? { root } : {}) });
  try {
    const args = { provider: 'polos', calls: 5_000, concurrency: CLIENT_CONCURRENCY };
    await child.call('run', args);
    const runs: Omit<ClientCall, 'provider'>[] = [];
    for (let i = 0; i < 3; i++) runs.push(await child.call('run', args));
    const median = [...runs].sort((a, b) => a.cpuUsPerCall - b.cpuUsPerCall)[1]!;
    process.stdout.write(`  ${fmt(median.cpuUsPerCall, 0)} µs CPU per call (runs: ${runs.map((run) => fmt(run.cpuUsPerCall, 0)).join(', ')}), ${fmt(median.callsPerSecond, 0)} calls/s\n`);
    return { provider: 'polos', ...median };
  } finally {
    await child.stop();
  }
}

/** A fresh gateway (or baseline) under `node --cpu-prof`; the summary covers the measured run only. */
async function profileTarget(target: ServerTarget, urls: Record<Provider, string>, upstreams: Child<{ urls: Record<Provider, string> }>, workload: Workload): Promise<string> {
  // One directory per profile: every thread writes a file of its own.
  const name = `${target}-${workload.key}-${LABEL}`;
  const dir = `${PROFILE_DIR}${name}/`;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`profile: ${target} under ${workload.key}, node --cpu-prof\n`);
  const profilerArgs = ['--cpu-prof', `--cpu-prof-dir=${dir}`];
  const child = target === 'gateway' ? await startGatewayChild(urls, profilerArgs) : await startBaseline(target, urls, profilerArgs);
  let window: { fromUs: number; toUs: number };
  try {
    await upstreams.call('configure', { latencyMs: workload.latencyMs });
    await workload.prime?.(child.ready.url);
    const bodies = requestBodies(workload, target);
    await cannon(child.ready.url, bodies, workload.connections, WARMUP_S);
    const fromUs = await child.call<number>('clock');
    const result = await cannon(child.ready.url, bodies, workload.connections, DURATION_S);
    window = { fromUs, toUs: await child.call<number>('clock') };
    process.stdout.write(`  ${workload.key} ${target} (profiled) ${fmt(result.rps, 0)} req/s, p50 ${fmt(percentile(result.latencies, 50), 2)} ms, errors ${result.errors}\n`);
  } finally {
    await child.stop();
  }
  // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile: the main thread is thread 0.
  const file = readdirSync(dir).find((candidate) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(candidate));
  if (!file) return `(no profile written for ${target} under ${workload.key})`;
  const relative = `bench/profiles/${name}/${file}`;
  return profileMarkdown(`${workload.key}, ${target} (${relative})`, summarize(`${dir}${file}`, 25, window), 15);
}

// ------------------------------------------------------------------ report

function report(
  rows: Row[],
  growth: Row[],
  soak: Soak | null,
  profiles: string[],
  clientCall: ClientCall | null,
  rss: { gatewayRssStart: number; gatewayRssEnd: number | null },
): string {
  const lines: string[] = [];
  lines.push(`### Queries (${LABEL}): ${machineFacts()}`, '');
  lines.push(
    `${FULL ? 'Full' : 'Quick'} mode: ${WARMUP_S} s warm-up + ${DURATION_S} s measured per row; autocannon (or the direct client) with the connections shown; ` +
      `gateway with default settings (UPSTREAM_MAX_CONNECTIONS ${POOL_CONNECTIONS}, LOG_LEVEL ${env.BENCH_LOG_LEVEL ?? 'info'} to /dev/null); ` +
      `every client request asks for executions no other request asks for (W4: a fixed pool of ${W4_SETS * 10} terminal ones). ` +
      '"CPU %" is the target process\'s CPU time over the run as a share of one core; RSS is its peak during the run. ' +
      `CPUs: ${pinningFacts()}. Children: ${buildFacts()}.`,
    '',
  );
  lines.push(
    table(
      ['workload', 'target', 'conns', 'req/s', 'p50 ms', 'p99 ms', 'upstream req / req', 'target CPU %', 'CPU ms / req', 'RSS MiB', 'upstream CPU %', 'errors'],
      rows.map((row) => [
        row.workload,
        row.target,
        row.connections,
        fmt(row.rps, 0),
        fmt(row.p50, 2),
        fmt(row.p99, 2),
        fmt(row.upstreamPerRequest, 2),
        row.cpuPercent === null ? 'n/a' : fmt(row.cpuPercent, 0),
        row.cpuMsPerRequest === null ? 'n/a' : fmt(row.cpuMsPerRequest, 3),
        row.rssMiB === null ? 'n/a' : fmt(row.rssMiB, 0),
        fmt(row.upstreamCpuPercent, 0),
        row.errors,
      ]),
    ),
    '',
  );
  if (growth.length > 0) {
    const base = growth[0]!;
    lines.push('Growth, `executions(ids)` against the gateway, 1 connection:', '');
    lines.push(
      table(
        ['ids', 'req/s', 'p50 ms', 'p99 ms', 'upstream req / req', 'gateway CPU ms / req', 'p50 vs 10 ids', 'CPU / req vs 10 ids', 'ids vs 10 ids'],
        growth.map((row) => {
          const ids = Number(row.workload.split('×')[1]);
          return [
            ids,
            fmt(row.rps, 0),
            fmt(row.p50, 2),
            fmt(row.p99, 2),
            fmt(row.upstreamPerRequest, 2),
            fmt(row.cpuMsPerRequest ?? Number.NaN, 2),
            `${fmt(row.p50 / base.p50, 2)}×`,
            `${fmt((row.cpuMsPerRequest ?? Number.NaN) / (base.cpuMsPerRequest ?? Number.NaN), 2)}×`,
            `${ids / 10}×`,
          ];
        }),
      ),
      '',
    );
  }
  if (soak) {
    const raw = soak.samples.map((s) => s.rss);
    const [before, after] = soak.collected;
    lines.push(
      `Soak: W2 against the gateway for ${fmt(soak.row.requests / soak.row.rps, 0)} s (${soak.row.requests} requests, ${fmt(soak.row.rps, 0)} req/s): ` +
        `RSS after a full GC ${fmt(mib(before.rss))} MiB before, ${fmt(mib(after.rss))} MiB after; heap used ${fmt(mib(before.heapUsed))} → ${fmt(mib(after.heapUsed))} MiB. ` +
        `RSS sampled every 5 s during the run (no GC forced): start ${fmt(mib(raw[0]!))}, end ${fmt(mib(raw.at(-1)!))}, max ${fmt(mib(Math.max(...raw)))} MiB ` +
        `(${raw.map((value) => fmt(mib(value), 0)).join(', ')}).`,
      '',
    );
  }
  if (rss.gatewayRssEnd !== null) lines.push(`Gateway RSS: ${fmt(rss.gatewayRssStart)} MiB after start, ${fmt(rss.gatewayRssEnd)} MiB during the last gateway row.`, '');
  if (clientCall) {
    lines.push(
      `One upstream call through the gateway's client (${clientCall.provider}, bench/client-call.ts): ${fmt(clientCall.cpuUsPerCall, 0)} µs of CPU per call, ${fmt(clientCall.callsPerSecond, 0)} calls/s at ${CLIENT_CONCURRENCY} in flight.`,
      '',
    );
  }
  lines.push('Targets:', '', checks(rows, growth, clientCall), '');
  if (profiles.length > 0) lines.push('Profiles (self time, measured run only):', '', ...profiles);
  return lines.join('\n');
}

function checks(rows: Row[], growth: Row[], clientCall: ClientCall | null): string {
  const get = (workload: string, target: Target) => rows.find((row) => row.workload === workload && row.target === target);
  const results: [string, string, boolean | null][] = [];
  const ratio = (a: number | null | undefined, b: number | null | undefined) => (a != null && b != null && b > 0 ? a / b : Number.NaN);
  const throughput = (key: string, times: number) => {
    const speedup = ratio(get(key, 'gateway')?.rps, get(key, 'naive')?.rps);
    if (!Number.isNaN(speedup)) results.push([`${key} gateway ≥ ${times}× naive throughput`, `${fmt(speedup, 2)}×`, speedup >= times]);
  };
  const cpuVsProxy = (key: string, times: number, what: string) => {
    const share = ratio(get(key, 'gateway')?.cpuMsPerRequest, get(key, 'proxy')?.cpuMsPerRequest);
    if (!Number.isNaN(share)) results.push([`${key} gateway CPU per operation ≤ ${times}× the proxy's per request (${what})`, `${fmt(share, 2)}×`, share <= times]);
  };
  throughput('W1', 2);
  cpuVsProxy('W1', 1.5, '1 upstream call');
  throughput('W2', 5);
  cpuVsProxy('W2', 2, 'its 10 calls');
  throughput('W3', 3);
  for (const key of ['W2', 'W3']) {
    const gateway = get(key, 'gateway');
    const naive = get(key, 'naive');
    if (gateway) results.push([`${key} gateway upstream requests per request = 10`, fmt(gateway.upstreamPerRequest, 2), Math.abs(gateway.upstreamPerRequest - 10) < 0.1]);
    if (naive) results.push([`${key} naive upstream requests per request = 20`, fmt(naive.upstreamPerRequest, 2), Math.abs(naive.upstreamPerRequest - 20) < 0.2]);
  }
  const w4 = get('W4', 'gateway');
  if (w4) results.push(['W4 zero upstream requests after warm-up', `${Math.round(w4.upstreamPerRequest * w4.requests)} requests`, w4.upstreamPerRequest === 0]);
  const w4Speedup = ratio(w4?.rps, get('W2', 'gateway')?.rps);
  if (!Number.isNaN(w4Speedup)) results.push(['W4 ≥ 5× W2 throughput (gateway)', `${fmt(w4Speedup, 2)}×`, w4Speedup >= 5]);
  const c1 = { gateway: get('W1c1', 'gateway'), direct: get('W1c1', 'direct') };
  if (c1.gateway && c1.direct) {
    const overhead = c1.gateway.p50 - c1.direct.p50;
    results.push(['p50 overhead over direct at 1 connection ≤ 1 ms (W1c1: gateway p50 − direct p50)', `${fmt(overhead, 2)} ms`, overhead <= 1]);
  }
  if (clientCall) results.push(['one upstream call through the client ≤ 100 µs of CPU', `${fmt(clientCall.cpuUsPerCall, 0)} µs`, clientCall.cpuUsPerCall <= 100]);
  if (growth.length >= 2) {
    const first = growth[0]!;
    const last = growth.at(-1)!;
    const idsRatio = Number(last.workload.split('×')[1]) / Number(first.workload.split('×')[1]);
    const latencyRatio = last.p50 / first.p50;
    results.push([`W5 latency grows at most linearly with ids (p50 ×${fmt(latencyRatio, 2)} for ids ×${idsRatio})`, `${fmt(latencyRatio, 2)}×`, latencyRatio <= idsRatio]);
  }
  return table(
    ['target', 'measured', 'met'],
    results.map(([name, value, ok]) => [name, value, ok === null ? '—' : ok ? 'yes' : '**no**']),
    ['l', 'r', 'l'],
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`benchmark failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
