/**
 * `tsx bench/ab.ts <tree> [<tree>…]`: this tree's gateway (A) against other trees' (B, C…, e.g.
 * a copy of the project from before a change, with its own node_modules), and the baselines
 * named in BENCH_AB_BASELINES (default `proxy,naive`), under the same fake upstreams, in
 * rotating runs so that all see the same machine noise. Prints, per workload, the median
 * requests/s, p50 and CPU per request of each, relative to A, with the spread over the rounds.
 *
 * Environment: BENCH_AB_WORKLOADS (default W1,W2,W4), BENCH_AB_ROUNDS (default 3),
 * BENCH_AB_BASELINES (proxy,naive; empty for none), BENCH_AB_OTHER_NODE_ARGS (Node flags for the
 * other trees' gateways only: `bench/ab.ts .` with `--max-semi-space-size=64` compares a flag on
 * the same code), BENCH_AB_OTHER_BUILD (`tsx` or `tsc`: how the other trees' gateways run, see
 * BENCH_BUILD in ipc.ts: `bench/ab.ts .` with `tsx` compares the shipped build with tsx on the same
 * code), BENCH_PIN (ipc.ts), and the BENCH_* variables of bench/run.ts (BENCH_DURATION_S per run,
 * BENCH_WARMUP_S, BENCH_CONNECTIONS…).
 */
import { resolve } from 'node:path';
import { DirectClient } from './direct.js';
import { BUILD, buildFacts, parseBuild, pin, pinningFacts, type Child } from './ipc.js';
import { fmt, type Provider } from './shared.js';
import { measure, POOL_CONNECTIONS, startBaseline, startGatewayChild, startUpstreams, WORKLOADS, type Processes, type Row, type Target } from './workloads.js';

const others = process.argv.slice(2).map((tree) => resolve(tree));
const keys = (process.env.BENCH_AB_WORKLOADS ?? 'W1,W2,W4').split(',');
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 3);
const baselines = (process.env.BENCH_AB_BASELINES ?? 'proxy,naive').split(',').filter(Boolean) as ('proxy' | 'naive' | 'direct')[];
const otherNodeArgs = (process.env.BENCH_AB_OTHER_NODE_ARGS ?? '').split(' ').filter(Boolean);
const otherBuild = process.env.BENCH_AB_OTHER_BUILD ? parseBuild(process.env.BENCH_AB_OTHER_BUILD, 'BENCH_AB_OTHER_BUILD') : BUILD;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

interface Side {
  readonly name: string;
  readonly target: Target;
  readonly processes: Processes;
}

pin(process.pid, 'load');
const upstreams = await startUpstreams();
const { urls } = upstreams.ready;
const none = { gateway: null, naive: null, proxy: null, direct: null };
const sides: Side[] = [{ name: 'A', target: 'gateway', processes: { upstreams, ...none, gateway: await startGatewayChild(urls) } }];
for (const [i, tree] of others.entries()) {
  sides.push({ name: String.fromCharCode(66 + i), target: 'gateway', processes: { upstreams, ...none, gateway: await startGatewayChild(urls, otherNodeArgs, tree, otherBuild) } });
}
for (const baseline of baselines) {
  const processes: Processes =
    baseline === 'direct'
      ? { upstreams, ...none, direct: new DirectClient(urls, POOL_CONNECTIONS) }
      : { upstreams, ...none, [baseline]: await startBaseline(baseline, urls) };
  sides.push({ name: baseline, target: baseline, processes });
}
const results = new Map<string, Row[][]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) {
      const workload = WORKLOADS.find((candidate) => candidate.key === key);
      if (!workload) throw new Error(`unknown workload ${key}`);
      const entry = results.get(key) ?? sides.map(() => []);
      results.set(key, entry);
      // Rotate the order every round so that no side always runs first.
      for (let k = 0; k < sides.length; k++) {
        const index = (k + round) % sides.length;
        const side = sides[index]!;
        process.stdout.write(`round ${round + 1} ${side.name}:`);
        const row = await measure(side.processes, workload, side.target);
        if (row) entry[index]!.push(row);
      }
    }
  }
} finally {
  for (const side of sides) await Promise.all([side.processes.gateway?.stop(), side.processes.naive?.stop(), side.processes.proxy?.stop(), side.processes.direct?.close()]);
  await upstreams.stop();
}

const range = (values: number[], digits: number) => `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;
process.stdout.write(`\nA = ${process.cwd()}${others.map((tree, i) => `, ${String.fromCharCode(66 + i)} = ${tree}`).join('')}; medians of ${rounds} rotating runs (range in brackets); ${pinningFacts()}; A and baselines ${buildFacts()}${otherBuild === BUILD ? '' : `; other trees ${buildFacts(otherBuild)}`}\n\n`);
process.stdout.write('| workload | side | req/s | vs A | p50 ms | CPU ms / req | vs A | best CPU ms / req |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n');
for (const [key, rows] of results) {
  const rps = rows.map((side) => median(side.map((row) => row.rps)));
  const cpu = rows.map((side) => median(side.map((row) => row.cpuMsPerRequest ?? Number.NaN)));
  rows.forEach((side, i) => {
    if (side.length === 0) return;
    const cpus = side.map((row) => row.cpuMsPerRequest ?? Number.NaN);
    process.stdout.write(
      `| ${key} | ${sides[i]!.name} | ${fmt(rps[i]!, 0)} (${range(side.map((row) => row.rps), 0)}) | ${fmt(rps[i]! / rps[0]!, 2)} | ${fmt(median(side.map((row) => row.p50)), 2)} | ${fmt(cpu[i]!, 3)} (${range(cpus, 3)}) | ${fmt(cpu[i]! / cpu[0]!, 2)} | ${fmt(Math.min(...cpus), 3)} |\n`,
    );
  });
}
