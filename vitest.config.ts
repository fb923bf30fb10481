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
  },
});
