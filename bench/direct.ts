/**
 * The "direct" baseline, the floor: a client that issues the upstream REST calls itself, in
 * parallel, over undici keep-alive pools as large as the gateway's (UPSTREAM_MAX_CONNECTIONS),
 * and parses each body with JSON.parse. No GraphQL anywhere. Runs in the benchmark's own
 * process, like autocannon does for the GraphQL targets.
 */
import { Pool } from 'undici';
import { Samples, upstreamIdOf, type Provider, type UpstreamCall } from './shared.js';

export interface LoadResult {
  /** Requests answered in time. */
  readonly requests: number;
  /** Requests started (autocannon abandons those in flight when the time is up). */
  readonly sent: number;
  readonly seconds: number;
  readonly rps: number;
  /** Sorted latencies, ms. */
  readonly latencies: Float64Array;
  /** Transport errors, non-2xx answers, or GraphQL errors in the body. */
  readonly errors: number;
}

const HEADERS: Record<Provider, Record<string, string>> = {
  flowker: { accept: 'application/json', 'x-api-key': 'bench-flowker-key' },
  promptlayer: { accept: 'application/json', 'x-api-key': 'bench-promptlayer-key' },
  polos: { accept: 'application/json', authorization: 'Bearer sk_bench-polos-key', 'x-project-id': '11111111-2222-4333-8444-555555555555' },
};

const pathOf = (call: UpstreamCall): string => {
  const id = upstreamIdOf(call.provider, call.n);
  if (call.provider === 'flowker') return `/v1/executions/${id}`;
  if (call.provider === 'polos') return `/api/v1/executions/${id}`;
  return `/workflow-version-execution-results?workflow_version_execution_id=${id}&return_all_outputs=true`;
};

export class DirectClient {
  private readonly pools: Record<Provider, Pool>;

  constructor(urls: Record<Provider, string>, connections: number) {
    const pool = (url: string) => new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
    this.pools = { flowker: pool(urls.flowker), promptlayer: pool(urls.promptlayer), polos: pool(urls.polos) };
  }

  async call(call: UpstreamCall): Promise<unknown> {
    const response = await this.pools[call.provider].request({ method: 'GET', path: pathOf(call), headers: HEADERS[call.provider] });
    const text = await response.body.text();
    if (response.statusCode >= 300 && response.statusCode !== 202) throw new Error(`HTTP ${response.statusCode}`);
    return JSON.parse(text);
  }

  /** `connections` loops, each issuing one logical request (its calls in parallel) after another. */
  async run(callsFor: () => UpstreamCall[], connections: number, seconds: number): Promise<LoadResult> {
    const samples = new Samples();
    let errors = 0;
    const started = performance.now();
    const end = started + seconds * 1000;
    const loop = async () => {
      while (performance.now() < end) {
        const calls = callsFor();
        const t = performance.now();
        try {
          await Promise.all(calls.map((call) => this.call(call)));
          samples.push(performance.now() - t);
        } catch {
          errors++;
        }
      }
    };
    await Promise.all(Array.from({ length: connections }, loop));
    const elapsed = (performance.now() - started) / 1000;
    return { requests: samples.length, sent: samples.length + errors, seconds: elapsed, rps: samples.length / elapsed, latencies: samples.sorted(), errors };
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((pool) => pool.close()));
  }
}
