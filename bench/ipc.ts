/**
 * Child processes for the benchmark: each target (fake upstreams, gateway, naive gateway,
 * subscriber clients) runs in a process of its own, started with tsx, and answers small RPCs
 * over the IPC channel (usage figures, counters, configuration, stop). A child exits when its
 * parent goes away, so an interrupted run leaves nothing behind.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
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

/** In a child: answer the parent's RPCs; `ready` is sent once with the given facts. */
export function serveRpc(handlers: Record<string, Handler>, ready: Record<string, unknown>): void {
  if (!process.send) throw new Error('This script is a benchmark child process; run `npm run bench`.');
  process.on('message', async (message: RpcRequest) => {
    if (typeof message?.rpc !== 'number') return;
    try {
      const handler = handlers[message.cmd];
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
  readonly args?: readonly string[];
  /** Where the child's stdout goes (its logs); stderr is always shown. */
  readonly stdout?: 'ignore' | 'inherit';
  /** Pinned to this role's CPUs once started (see BENCH_PIN); unset: left where the OS puts it. */
  readonly cpus?: CpuRole;
}

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));

export async function startChild<Ready = Record<string, unknown>>(script: string, options: ForkOptions = {}): Promise<Child<Ready>> {
  const root = options.root ?? ROOT;
  const child = fork(options.root ? `${root.replace(/\/?$/, '/')}bench/${script}` : `${BENCH_DIR}${script}`, [...(options.args ?? [])], {
    cwd: root,
    env: { ...process.env, ...options.env },
    execArgv: [...(options.nodeArgs ?? []), '--import', 'tsx'],
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
