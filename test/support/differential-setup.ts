/** vitest setup file: after each test file, the differential executor found no difference (test/support/differential.ts). */
import { afterAll, expect } from 'vitest';
import { differential } from './differential.js';

afterAll(() => {
  if (differential.compared > 0) process.stdout.write(`differential: ${differential.compared} operations executed on graphql-jit and graphql-js, ${differential.mismatches.length} differing\n`);
  expect(differential.mismatches).toEqual([]);
});
