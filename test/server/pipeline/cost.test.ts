/** The remembered cost equals the computed one for every variable shape, whatever came first. */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { buildSchema } from '../../../src/graphql/schema.js';
import { createCostMeter, operationCost } from '../../../src/server/pipeline/cost.js';

const schema = buildSchema();
const document = parse(`
  query Many($ids: [ID!]!) { executions(ids: $ids) { id parent { id } } }
  query Page($first: Int) { executionsConnection(provider: POLOS, first: $first) { edges { node { id } } } }
`);
const ids = (count: number, prefix = 'a') => Array.from({ length: count }, (_, i) => `polos:${prefix}${i}`);

describe('createCostMeter', () => {
  it('remembers per document, operation and variable shape, never per id value', () => {
    const meter = createCostMeter(schema);
    const cases: [Record<string, unknown>, string][] = [
      [{ ids: ids(2) }, 'Many'],
      [{ ids: ids(90) }, 'Many'],
      [{ ids: ids(2, 'b') }, 'Many'],
      [{ first: 5 }, 'Page'],
      [{ first: 100 }, 'Page'],
    ];
    for (const [variables, operationName] of cases) {
      expect(meter(document, variables, operationName)).toEqual(operationCost(schema, document, variables, operationName));
    }
    expect(meter(document, { ids: ids(90) }, 'Many').cost).toBeGreaterThan(meter(document, { ids: ids(2) }, 'Many').cost);
    expect(meter(document, { first: 100 }, 'Page').cost).toBeGreaterThan(meter(document, { first: 5 }, 'Page').cost);
  });

  it('keys on the variables the cost can depend on only: list and paged arguments, and directives', () => {
    const meter = createCostMeter(schema);
    const maybe = parse('query Maybe($with: Boolean!, $id: ID!) { execution(id: $id) { id parent @include(if: $with) { id } } }');
    for (const variables of [{ with: true, id: 'polos:a' }, { with: false, id: 'polos:b' }, { with: true, id: 'polos:c' }]) {
      expect(meter(maybe, variables, 'Maybe')).toEqual(operationCost(schema, maybe, variables, 'Maybe'));
    }
    expect(meter(maybe, { with: true, id: 'x' }, 'Maybe').cost).toBeGreaterThan(meter(maybe, { with: false, id: 'x' }, 'Maybe').cost);
  });

  it('still computes variables too large to remember', () => {
    const meter = createCostMeter(schema);
    const big = { ids: ids(100), padding: Array.from({ length: 300 }, () => 0) };
    expect(meter(document, big, 'Many')).toEqual(operationCost(schema, document, big, 'Many'));
  });
});
