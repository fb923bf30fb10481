/**
 * Child processes for the benchmark: each target (fake upstreams, gateway, naive gateway,
 * subscriber clients) runs in a process of its own, compiled (see BENCH_BUILD), and answers small RPCs
 * over the IPC channel (usage figures, counters, configuration, stop). A child exits when its
 * parent goes away, so an interrupted run leaves nothing behind.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Usage {
  /** process.cpuUsage(): microseconds. */
  readonly cpu: { readonly user: number; readonly system: number };
  readonly rss: number;
  readonly heapUsed: number;
  /** performance.now() of the child when sampled. */
  readonly at: number;
}

export const usage = (): Usage => {
  const memory = process.memoryUsage();
  return { cpu: process.cpuUsage(), rss: memory.rss, heapUsed: memory.heapUsed, at: performance.now() };
};

/** CPU time between two samples as a share of one core, and per unit of work. */
export const cpuBetween = (before: Usage, after: Usage): { percent: number; ms: number } => {
  const ms = (after.cpu.user + after.cpu.system - before.cpu.user - before.cpu.system) / 1000;
  return { ms, percent: (100 * ms) / (after.at - before.at) };
};

/**
 * CPU pinning for the query benchmarks (BENCH_PIN; on by default where `taskset` exists and there
 * are two CPUs or more): the process measured (a target: gateway, naive gateway, proxy, or the
 * client micro-benchmark) on CPU 0, the load (autocannon, the direct client, the fake upstreams)
 * on the others. Unpinned, on a 2-core machine the target's threads (V8's GC helpers among them)
 * and the load generator take turns on both cores, and a target's throughput depends on how much
 * of the load's core it can take: the naive gateway's W2 figure moved between 111 and 219 req/s
 * from run to run. Pinned, every target has exactly one core and the load never waits for it.
 */
export type CpuRole = 'target' | 'load';

const PIN_CPUS: Readonly<Record<CpuRole, string>> | null = (() => {
  if (process.env.BENCH_PIN === '0' || availableParallelism() < 2) return null;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
  } catch {
    return null; // no taskset here: unpinned
  }
  return { target: '0', load: availableParallelism() === 2 ? '1' : `1-${availableParallelism() - 1}` };
})();

/** How this run places its processes, for the report's header. */
export const pinningFacts = (): string =>
  PIN_CPUS ? `pinned: the target on CPU ${PIN_CPUS.target}, load generator and fake upstreams on CPU ${PIN_CPUS.load} (BENCH_PIN=0: unpinned)` : 'unpinned (BENCH_PIN=0, or no taskset)';

/** Puts a process and all its threads (V8's among them) on its role's CPUs; threads started later inherit them. */
export function pin(pid: number, role: CpuRole): void {
  if (PIN_CPUS) execFileSync('taskset', ['-a', '-cp', PIN_CPUS[role], String(pid)], { stdio: 'ignore' });
}

type Handler = (args: any) => unknown;

interface RpcRequest {
  readonly rpc: number;
  readonly cmd: string;
  readonly args?: unknown;
}

/** What every child answers besides its own commands. */
const COMMON_HANDLERS: Record<string, Handler> = {
  /** The monotonic clock V8's profiler stamps samples with (µs): a profile's window (bench/run.ts). */
  clock: () => Number(process.hrtime.bigint() / 1000n),
};

/** In a child: answer the parent's RPCs; `ready` is sent once with the given facts. */
export function serveRpc(handlers: Record<string, Handler>, ready: Record<string, unknown>): void {
  if (!process.send) throw new Error('This script is a benchmark child process; run `npm run bench`.');
  process.on('message', async (message: RpcRequest) => {
    if (typeof message?.rpc !== 'number') return;
    try {
      const handler = handlers[message.cmd] ?? COMMON_HANDLERS[message.cmd];
      if (!handler) throw new Error(`unknown command ${message.cmd}`);
      const result = await handler(message.args);
      process.send?.({ rpc: message.rpc, result });
    } catch (error) {
      process.send?.({ rpc: message.rpc, error: error instanceof Error ? error.stack : String(error) });
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ ready: true, ...ready });
}

export interface Child<Ready = Record<string, unknown>> {
  readonly process: ChildProcess;
  readonly ready: Ready;
  call<T = unknown>(cmd: string, args?: unknown): Promise<T>;
  /** Asks the child to stop (it exits by itself), then waits for it; kills it after a grace period. */
  stop(graceMs?: number): Promise<void>;
}

export interface ForkOptions {
  /** The project tree the child runs in (default: this one); lets bench/ab.ts start another tree's gateway. */
  readonly root?: string;
  readonly env?: Record<string, string>;
  readonly nodeArgs?: readonly string[];
  /** How this child runs (default: BENCH_BUILD's mode). */
  readonly build?: Build;
  readonly args?: readonly string[];
  /** Where the child's stdout goes (its logs); stderr is always shown. */
  readonly stdout?: 'ignore' | 'inherit';
  /** Pinned to this role's CPUs once started (see BENCH_PIN); unset: left where the OS puts it. */
  readonly cpus?: CpuRole;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * How the children run (BENCH_BUILD). `tsc`, the default: compiled by the project's own compiler
 * and settings into `bench/.build/` of their tree, then run by plain node, as `npm run build` and
 * `start:prod` ship the gateway. `tsx`: from source through tsx, as `npm start` runs it. tsx's
 * esbuild transform wraps every named closure in a `__name(...)` call that runs each time the
 * closure is created, which the shipped build does not have; on today's code the two measure the
 * same (docs/benchmarks.md, "The benchmark runs what ships"), and compiled, no such cost can creep
 * into the figures unseen.
 */
export type Build = 'tsc' | 'tsx';

/** `name` is the variable the value came from, for the message. */
export function parseBuild(value: string, name: string): Build {
  if (value !== 'tsc' && value !== 'tsx') throw new Error(`${name} must be "tsc" or "tsx", not "${value}"`);
  return value;
}

export const BUILD: Build = parseBuild(process.env.BENCH_BUILD ?? 'tsc', 'BENCH_BUILD');

/** For the report's header. */
export const buildFacts = (build: Build = BUILD): string =>
  build === 'tsc' ? 'compiled by tsc and run by plain node, as start:prod ships it (BENCH_BUILD=tsx: from source through tsx)' : 'from source through tsx, as npm start runs it (BENCH_BUILD=tsc: compiled)';

const compiledTrees = new Set<string>();

/**
 * Compiles a tree's bench/ scripts and everything they import (src/ among them) into
 * `<tree>/bench/.build/`, once per run, with the tree's own tsconfig and TypeScript. The output
 * keeps the tree's layout one level down, so `schema/`, `web/` and `package.json` (module type,
 * start:prod's flags) are linked in beside it for the paths modules resolve from import.meta.url.
 */
function compileTree(root: string): string {
  const out = join(root, 'bench', '.build');
  if (compiledTrees.has(root)) return out;
  mkdirSync(out, { recursive: true });
  const tsconfig = {
    extends: join(root, 'tsconfig.json'),
    compilerOptions: { noEmit: false, rootDir: root, outDir: out, sourceMap: true, incremental: true, tsBuildInfoFile: join(out, 'tsbuildinfo') },
    include: [join(root, 'bench', '*.ts')],
  };
  writeFileSync(join(out, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  execFileSync(join(root, 'node_modules', '.bin', 'tsc'), ['-p', join(out, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  for (const entry of ['schema', 'web', 'package.json']) {
    if (!existsSync(join(out, entry))) symlinkSync(join(root, entry), join(out, entry));
  }
  compiledTrees.add(root);
  return out;
}

/** The script's path and the Node flags that run it, in `build`'s mode. */
function entryOf(root: string, script: string, nodeArgs: readonly string[], build: Build): { path: string; execArgv: string[] } {
  if (build === 'tsx') return { path: join(root, 'bench', script), execArgv: [...nodeArgs, '--import', 'tsx'] };
  return { path: join(compileTree(root), 'bench', script.replace(/\.ts$/, '.js')), execArgv: [...nodeArgs] };
}

export async function startChild<Ready = Record<string, unknown>>(script: string, options: ForkOptions = {}): Promise<Child<Ready>> {
  const root = options.root ?? ROOT;
  const entry = entryOf(root, script, options.nodeArgs ?? [], options.build ?? BUILD);
  const child = fork(entry.path, [...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, ...options.env },
    execArgv: entry.execArgv,
    stdio: ['ignore', options.stdout ?? 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  let nextRpc = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<Ready>((resolve, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${script} exited (${code}) before it was ready`));
    child.once('exit', onExit);
    child.on('message', (message: any) => {
      if (message?.ready) {
        child.off('exit', onExit);
        resolve(message as Ready);
      } else if (typeof message?.rpc === 'number') {
        const waiter = pending.get(message.rpc);
        pending.delete(message.rpc);
        if (message.error) waiter?.reject(new Error(`${script}: ${message.error}`));
        else waiter?.resolve(message.result);
      }
    });
  });
  if (options.cpus) pin(child.pid!, options.cpus);
  child.once('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${script} exited`));
    pending.clear();
  });
  return {
    process: child,
    ready,
    call: (cmd, args) =>
      new Promise((resolve, reject) => {
        const rpc = nextRpc++;
        pending.set(rpc, { resolve, reject });
        child.send({ rpc, cmd, args } satisfies RpcRequest);
      }),
    async stop(graceMs = 15_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.send({ rpc: 0, cmd: 'stop' } satisfies RpcRequest);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
