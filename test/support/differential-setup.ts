/** vitest setup file: after each test file, the differential executor found no difference (test/support/differential.ts). */
import { afterAll, beforeAll, expect } from 'vitest';
import { differential } from './differential.js';

// Test files share one module graph per worker (`isolate: false`): count each file's operations afresh.
beforeAll(() => {
  differential.compared = 0;
  differential.mismatches.length = 0;
});

afterAll(() => {
  if (differential.compared > 0) process.stdout.write(`differential: ${differential.compared} operations executed on graphql-jit and graphql-js, ${differential.mismatches.length} differing\n`);
  expect(differential.mismatches).toEqual([]);
});
