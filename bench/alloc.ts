/**
 * Where a workload's garbage comes from: V8's sampling heap profiler in the gateway child,
 * collected objects included, during one autocannon run; prints bytes allocated per request by
 * the allocating function and by component. `npx tsx bench/alloc.ts [W1|W2] [seconds]`.
 */
import { writeFileSync } from 'node:fs';
import { pin } from './ipc.js';
import { cannon, startGatewayChild, startUpstreams, WORKLOADS } from './workloads.js';
import { componentOf } from './profile.js';

interface SampleNode {
  readonly id: number;
  readonly selfSize: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children: readonly SampleNode[];
}
interface SamplingProfile {
  readonly head: SampleNode;
  readonly samples: readonly { readonly size: number; readonly nodeId: number }[];
}

const [key = 'W2', seconds = '5'] = process.argv.slice(2);
const workload = WORKLOADS.find((candidate) => candidate.key === key);
if (!workload) throw new Error(`No workload ${key}: one of ${WORKLOADS.map((w) => w.key).join(', ')}.`);

pin(process.pid, 'load');
const upstreams = await startUpstreams();
const gateway = await startGatewayChild(upstreams.ready.urls);
try {
  await cannon(gateway.ready.url, workload.body, workload.connections, 2);
  await gateway.call('startAllocations');
  const result = await cannon(gateway.ready.url, workload.body, workload.connections, Number(seconds));
  const profile = await gateway.call<SamplingProfile>('stopAllocations');
  if (process.env.BENCH_ALLOC_FILE) writeFileSync(process.env.BENCH_ALLOC_FILE, JSON.stringify(profile));
  report(profile, result.requests);
} finally {
  await Promise.all([gateway.stop(), upstreams.stop()]);
}

function report(profile: SamplingProfile, requests: number): void {
  const bySite = new Map<string, number>();
  const byComponent = new Map<string, number>();
  let total = 0;
  const visit = (node: SampleNode, owner: string | null) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const component = componentOf(url, functionName);
    // Charge native frames (JSON.parse, Buffer…) to the nearest JavaScript caller.
    const site = url === '' ? owner : `${functionName || '(anonymous)'} ${component}:${lineNumber + 1}`;
    if (node.selfSize > 0) {
      const name = site ?? functionName;
      bySite.set(name, (bySite.get(name) ?? 0) + node.selfSize);
      const comp = url === '' && owner ? owner.split(' ').at(-1)!.replace(/:\d+$/, '') : component;
      byComponent.set(comp, (byComponent.get(comp) ?? 0) + node.selfSize);
      total += node.selfSize;
    }
    for (const child of node.children) visit(child, site);
  };
  visit(profile.head, null);
  const perRequest = (bytes: number) => `${(bytes / requests / 1024).toFixed(2)} KiB`;
  console.log(`${key}: ${requests} requests, ${perRequest(total)} allocated per request (sampled)`);
  for (const [title, map, top] of [['component', byComponent, 20], ['allocating function', bySite, 40]] as const) {
    console.log(`\n| ${title} | per request | share |\n| --- | ---: | ---: |`);
    for (const [name, bytes] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`| ${name} | ${perRequest(bytes)} | ${((100 * bytes) / total).toFixed(1)} % |`);
    }
  }
}
