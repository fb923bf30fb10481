/**
 * Child process: the micro-benchmark of one upstream call through the gateway's own client, as a
 * query makes it: the adapter's `fetchExecution` (undici request through breaker and bulkhead,
 * body read, JSON parse, zod validation, mapping to the domain object) with the metrics observer
 * the gateway installs. `run` makes `calls` such calls, `concurrency` at a time, to fresh ids, and
 * reports this process's CPU per call (µs); the fake upstream runs in a process of its own.
 */
import { loadConfig } from '../src/config.js';
import { Metrics } from '../src/server/metrics.js';
import { createAdapters } from '../src/upstreams/registry.js';
import { serveRpc, usage } from './ipc.js';
import { upstreamIdOf, type Provider } from './shared.js';

const config = loadConfig(process.env);
const metrics = new Metrics(config.upstreams.map((upstream) => upstream.provider));
const adapters = new Map(createAdapters(config.upstreams, config.http, metrics.http).map((adapter) => [adapter.provider, adapter]));
let next = 1;

async function run({ provider, calls, concurrency }: { provider: Provider; calls: number; concurrency: number }) {
  const adapter = adapters.get(provider)!;
  let left = calls;
  const loop = async () => {
    while (left-- > 0) await adapter.fetchExecution(upstreamIdOf(provider, next++));
  };
  const before = usage();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const after = usage();
  const cpuUs = after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system;
  return { cpuUsPerCall: cpuUs / calls, callsPerSecond: calls / ((after.at - before.at) / 1000) };
}

serveRpc({ run, usage: () => usage(), stop: () => process.exit(0) }, {});
