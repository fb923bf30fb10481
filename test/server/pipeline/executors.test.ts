/**
 * The executors at the seam: graphql-jit's known divergences from graphql-js are either avoided
 * (execute.ts falls back) or caught (the differential executor every end-to-end test runs on).
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import { execute, parse } from 'graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { describe, expect, it } from 'vitest';
import { createExecutor } from '../../../src/server/pipeline/execute.js';
import { differential, differentialExecutor } from '../../support/differential.js';

const schema = makeExecutableSchema({
  typeDefs: 'scalar JSON type T { s: String } type Query { list: [T]! echo(input: JSON): String }',
  resolvers: {
    JSON: GraphQLJSON,
    Query: {
      // The last item fails after the first has resolved: graphql-jit 0.8 drops it instead of nulling it.
      list: () => [new Promise((resolve) => setTimeout(() => resolve({ s: 'a' }), 5)), Promise.reject(new Error('item failed'))],
      echo: (_root: unknown, args: { input: unknown }) => JSON.stringify(args.input),
    },
  },
});

describe('the differential executor', () => {
  it('catches a difference between graphql-jit and graphql-js (a failed last list item)', async () => {
    const before = differential.mismatches.length;
    const document = parse('{ list { s } }');
    const served = await differentialExecutor(schema).execute({ schema, document, contextValue: {} });
    expect(served.data).toEqual({ list: [{ s: 'a' }] }); // graphql-jit's answer, served
    const found = differential.mismatches.splice(before);
    expect(found).toHaveLength(1);
    expect(found[0]!.graphqlJs).toMatchObject({ data: JSON.stringify({ list: [{ s: 'a' }, null] }) });
  });

  it('passes an operation both answer alike, counting it', async () => {
    const compared = differential.compared;
    const served = await differentialExecutor(schema).execute({ schema, document: parse('{ echo(input: 1) }'), contextValue: {} });
    expect(served).toEqual({ data: { echo: '1' } });
    expect(differential.compared).toBe(compared + 1);
    expect(differential.mismatches).toEqual([]);
  });
});

describe('createExecutor("jit")', () => {
  it('runs a variable inside a literal on graphql-js, where graphql-jit would drop it', async () => {
    const document = parse('query($big: JSON) { echo(input: { blob: $big, n: 1 }) }');
    const args = { schema, document, variableValues: { big: 'xyz' }, contextValue: {} };
    expect(await createExecutor(schema, 'jit').execute(args)).toEqual({ data: { echo: '{"blob":"xyz","n":1}' } });
    expect(await execute(args)).toEqual({ data: { echo: '{"blob":"xyz","n":1}' } });
  });
});
