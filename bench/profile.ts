/**
 * Summarizes a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per
 * component (a node_modules package, a src/ file, node internals, GC), as shares of the
 * non-idle time. Also usable alone: `tsx bench/profile.ts file.cpuprofile [top]`.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly startTime: number;
  readonly endTime: number;
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileEntry {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
}

export interface ProfileSummary {
  readonly busyMs: number;
  readonly functions: ProfileEntry[];
  readonly components: ProfileEntry[];
  /** Inclusive time of a few functions worth watching (parse, validate, execute…). */
  readonly inclusive: ProfileEntry[];
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const IDLE = new Set(['(idle)', '(root)']);

/**
 * A compiled child's module (bench/ipc.ts, BENCH_BUILD=tsc: `bench/.build/src/x.js`) named as its
 * source (`src/x.ts`), so that both modes are reported alike. Line numbers stay the compiled ones.
 */
const sourceUrl = (url: string): string => {
  const at = url.indexOf('/bench/.build/');
  return at === -1 ? url : `${url.slice(0, at)}/${url.slice(at + '/bench/.build/'.length).replace(/\.js$/, '.ts')}`;
};

/** Where a frame's code lives. */
export function componentOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = sourceUrl(url).replace(/^file:\/\//, '');
  const modules = path.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const rest = path.slice(modules + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  return path.startsWith(ROOT) ? path.slice(ROOT.length) : path;
}

type Frame = ProfileNode['callFrame'];
const inGraphql = (frame: Frame) => frame.url.includes('/node_modules/graphql/');
const WATCHED: readonly [string, (frame: Frame) => boolean][] = [
  ['graphql parse', (frame) => inGraphql(frame) && frame.functionName === 'parse'],
  ['graphql validate', (frame) => inGraphql(frame) && frame.functionName === 'validate'],
  ['graphql execute', (frame) => inGraphql(frame) && frame.functionName === 'execute'],
  ['cost analysis (getComplexity)', (frame) => frame.functionName === 'getComplexity'],
  ['upstream body parsing (parseBody)', (frame) => frame.functionName === 'parseBody'],
  ['upstream attempt (client.ts attempt, synchronous part)', (frame) => frame.functionName === 'attempt' && frame.url.endsWith('/src/upstreams/http/client.ts')],
  ["Apollo's request pipeline (processGraphQLRequest, synchronous part)", (frame) => frame.url.includes('/node_modules/@apollo/server/') && frame.functionName === 'processGraphQLRequest'],
  ['pipeline: prepare (parse, validate, cost: cached)', (frame) => frame.functionName === 'prepare' && frame.url.endsWith('/src/server/pipeline/index.ts')],
  ['pino log line (LOG)', (frame) => frame.url.includes('/node_modules/pino/') && frame.functionName === 'LOG'],
  ['prom-client observe/inc', (frame) => frame.url.includes('/node_modules/prom-client/') && (frame.functionName === 'observe' || frame.functionName === 'inc')],
];

/**
 * `window`: only samples taken between these monotonic clock readings (µs, the clock of
 * `process.hrtime`, which V8's profiler also uses), e.g. one measured run without start-up.
 */
export function summarize(file: string, top = 25, window?: { fromUs: number; toUs: number }): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map(profile.nodes.map((node): [number, Frame] => [node.id, { ...node.callFrame, url: sourceUrl(node.callFrame.url) }]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i]!;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0) / 1000);
  }
  let busyMs = 0;
  const functions = new Map<string, number>();
  const components = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, ms] of self) {
    const { functionName, url, lineNumber } = frames.get(id)!;
    if (IDLE.has(functionName)) continue;
    busyMs += ms;
    const component = componentOf(url, functionName);
    const name = `${functionName || '(anonymous)'} ${url ? `${component}:${lineNumber + 1}` : ''}`.trim();
    functions.set(name, (functions.get(name) ?? 0) + ms);
    components.set(component, (components.get(component) ?? 0) + ms);
    // Inclusive time of watched functions: walk up once per distinct label.
    const seen = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const frame = frames.get(up)!;
      for (const [label, matches] of WATCHED) {
        if (!seen.has(label) && matches(frame)) {
          seen.add(label);
          inclusive.set(label, (inclusive.get(label) ?? 0) + ms);
        }
      }
    }
  }
  const entries = (map: Map<string, number>, limit: number): ProfileEntry[] =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, ms]) => ({ name, ms, percent: (100 * ms) / busyMs }));
  return { busyMs, functions: entries(functions, top), components: entries(components, top), inclusive: entries(inclusive, WATCHED.length) };
}

export function profileMarkdown(title: string, summary: ProfileSummary, top = 15): string {
  const rows = (entries: ProfileEntry[]) => entries.slice(0, top).map((entry) => `| ${entry.name.replaceAll('|', '\\|')} | ${entry.ms.toFixed(0)} | ${entry.percent.toFixed(1)} % |`);
  return [
    `#### ${title}: ${summary.busyMs.toFixed(0)} ms busy CPU sampled`,
    '',
    '| component (self time) | ms | share |',
    '| --- | ---: | ---: |',
    ...rows(summary.components),
    '',
    '| function (self time) | ms | share |',
    '| --- | ---: | ---: |',
    ...rows(summary.functions),
    '',
    '| inclusive | ms | share |',
    '| --- | ---: | ---: |',
    ...rows(summary.inclusive),
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [file, top] = process.argv.slice(2);
  if (!file) throw new Error('usage: tsx bench/profile.ts <file.cpuprofile> [top]');
  process.stdout.write(profileMarkdown(file, summarize(file, Number(top ?? 25)), Number(top ?? 25)));
}
