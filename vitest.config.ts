import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  // One copy of graphql: otherwise vitest may load both its ESM and CJS builds ("another realm").
  resolve: { alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }] },
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/support/differential-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Measured on the shared 2-core machine: re-importing the gateway's module graph for every
    // file cost more than the tests themselves (import 68 s of a 103 s run; 8 s of 44 s without).
    // Test files hold no state in src modules (each starts its own gateways, registries and
    // caches), so files in one worker share the graph.
    isolate: false,
    // Most test time is waiting on sockets, timers and child processes: two files at a time even
    // where vitest's default (cores - 1) would run one.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
