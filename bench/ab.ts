/**
 * `tsx bench/ab.ts <tree> [<tree>…]`: this tree's gateway (A) against other trees' (B, C…, e.g.
 * a copy of the project from before a change, with bench/ and a node_modules link in it), under
 * the same fake upstreams, in alternating runs so that all see the same machine noise. Prints,
 * per workload, the median requests/s, p50 and gateway CPU per request of each, relative to A.
 *
 * Environment: BENCH_AB_WORKLOADS (default W1,W2,W4), BENCH_AB_ROUNDS (default 3), and the
 * BENCH_* variables of bench/run.ts (BENCH_DURATION_S per run, BENCH_WARMUP_S…).
 */
import { resolve } from 'node:path';
import { startChild, type Child } from './ipc.js';
import { fmt, type Provider } from './shared.js';
import { measure, startGatewayChild, WORKLOADS, type Processes, type Row } from './workloads.js';

const others = process.argv.slice(2).map((tree) => resolve(tree));
if (others.length === 0) throw new Error('usage: tsx bench/ab.ts <other project tree> [<tree>…]');
const keys = (process.env.BENCH_AB_WORKLOADS ?? 'W1,W2,W4').split(',');
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 3);
const names = ['A', ...others.map((_, i) => String.fromCharCode(66 + i))];

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

const upstreams = await startChild<{ urls: Record<Provider, string> }>('upstreams.ts');
const gateways: Child<{ url: string }>[] = [await startGatewayChild(upstreams.ready.urls)];
for (const tree of others) gateways.push(await startGatewayChild(upstreams.ready.urls, [], tree));
const results = new Map<string, Row[][]>();
try {
  for (let round = 0; round < rounds; round++) {
    for (const key of keys) {
      const workload = WORKLOADS.find((candidate) => candidate.key === key);
      if (!workload) throw new Error(`unknown workload ${key}`);
      const entry = results.get(key) ?? gateways.map(() => []);
      results.set(key, entry);
      // Rotate the order every round so that no side always runs first.
      const order = gateways.map((_, i) => (i + round) % gateways.length);
      for (const side of order) {
        process.stdout.write(`round ${round + 1} ${names[side]}:`);
        const processes: Processes = { upstreams, gateway: gateways[side]!, naive: null, direct: null };
        const row = await measure(processes, workload, 'gateway');
        if (row) entry[side]!.push(row);
      }
    }
  }
} finally {
  await Promise.all(gateways.map((gateway) => gateway.stop()));
  await upstreams.stop();
}

process.stdout.write(`\n${names.map((name, i) => `${name} = ${i === 0 ? process.cwd() : others[i - 1]}`).join(', ')}; medians of ${rounds} rotating runs\n\n`);
process.stdout.write('| workload | tree | req/s | vs A | p50 ms | CPU ms / req (median) | vs A | CPU ms / req (best) | vs A |\n| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n');
for (const [key, sides] of results) {
  const rps = sides.map((rows) => median(rows.map((row) => row.rps)));
  const cpu = sides.map((rows) => median(rows.map((row) => row.cpuMsPerRequest ?? Number.NaN)));
  // The least-disturbed run: on a shared machine, contention only ever adds CPU time.
  const best = sides.map((rows) => Math.min(...rows.map((row) => row.cpuMsPerRequest ?? Number.NaN)));
  sides.forEach((rows, i) => {
    process.stdout.write(
      `| ${key} | ${names[i]} | ${fmt(rps[i]!, 0)} | ${fmt(rps[i]! / rps[0]!, 2)} | ${fmt(median(rows.map((row) => row.p50)), 2)} | ${fmt(cpu[i]!, 3)} | ${fmt(cpu[i]! / cpu[0]!, 2)} | ${fmt(best[i]!, 3)} | ${fmt(best[i]! / best[0]!, 2)} |\n`,
    );
  });
}
