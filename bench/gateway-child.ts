/**
 * Child process: the real gateway (startGateway, configured from the environment exactly as
 * `npm start` is), so that its CPU time and RSS are its own. Logs go to this process's stdout,
 * which the benchmark discards by default: the per-operation log line is still produced.
 */
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { writeHeapSnapshot } from 'node:v8';
import { loadConfig } from '../src/config.js';
import { startGateway } from '../src/server/gateway.js';
import { serveRpc, usage } from './ipc.js';

const config = loadConfig(process.env);
// Its own logger, as `npm start` has it (LOG_BUFFER_BYTES and all).
const gateway = await startGateway(config);
/** Connected only when bench/alloc.ts asks: no other run has an inspector session attached. */
let inspector: Session | undefined;
/** Event-loop delay: how late timers (pollers) and sockets are served under load. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();

serveRpc(
  {
    /** `gc: true` collects garbage first (when started with --expose-gc), for steadier RSS figures. */
    usage: (args?: { gc?: boolean }) => {
      if (args?.gc) (globalThis as { gc?: () => void }).gc?.();
      return usage();
    },
    live: () => ({ pollers: gateway.live.activePollers }),
    /** A V8 heap snapshot after a full GC (bench/heap.ts compares two): where the memory goes. */
    heapSnapshot: (args: { path: string }) => {
      (globalThis as { gc?: () => void }).gc?.();
      return writeHeapSnapshot(args.path);
    },
    /**
     * Starts V8's sampling heap profiler, counting objects the scavenger already collected too:
     * where the garbage comes from (bench/alloc.ts), which a heap snapshot cannot show.
     */
    startAllocations: async () => {
      inspector ??= new Session();
      inspector.connect();
      await inspector.post('HeapProfiler.startSampling', { samplingInterval: 8192, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
    },
    stopAllocations: async () => {
      const { profile } = await inspector!.post('HeapProfiler.stopSampling');
      inspector!.disconnect();
      return profile;
    },
    /** Event-loop delay since the last call (ms), then starts over. */
    loopDelay: () => {
      // The histogram counts the 10 ms sampling period itself: report only the lateness beyond it.
      const late = (ns: number) => Math.max(0, ns / 1e6 - 10);
      const result = { p50: late(loopDelay.percentile(50)), p99: late(loopDelay.percentile(99)), max: late(loopDelay.max) };
      loopDelay.reset();
      return result;
    },
    stop: async () => {
      await gateway.close();
      process.exit(0); // --cpu-prof writes its profile here
    },
  },
  { url: gateway.url },
);
