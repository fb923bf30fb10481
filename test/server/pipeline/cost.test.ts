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

describe('operationCost prices each field by the upstream calls it can cause', () => {
  const cost = (query: string, variables: Record<string, unknown> = {}) => operationCost(schema, parse(query), variables).cost;
  /** The selection `{ id }` of each item: one field, no call. */
  const ITEM = 1;

  it('a lookup is one call; a scalar none', () => {
    expect(cost('{ execution(id: "polos:a") { id } }')).toBe(10 + ITEM);
    expect(cost('{ execution(id: "polos:a") { id parent { id } } }')).toBe(10 + ITEM + 10 + ITEM);
  });

  it('executions(ids) is one call per id', () => {
    expect(cost('{ executions(ids: ["polos:a", "polos:b", "polos:c"]) { id } }')).toBe(3 * (10 + ITEM));
  });

  it('a Polos page of N is N + 1 calls (the list, then a read per item); a Flowker page one call', () => {
    const page = (provider: string, first: number) => cost(`{ executionsConnection(provider: ${provider}, first: ${first}) { edges { node { id } } } }`);
    const EDGE = 3; // edges, node, id
    expect(page('POLOS', 50)).toBe((50 + 1) * 10 + 50 * EDGE);
    expect(page('FLOWKER', 50)).toBe(10 + 50 * EDGE);
    expect(cost('{ executionsConnection(provider: POLOS) { edges { node { id } } } }')).toBe(page('POLOS', 20)); // the schema's default
  });

  it('children(scan: N) can read N executions after its list call', () => {
    const children = (scan: number) => cost(`{ execution(id: "polos:a") { children(scan: ${scan}) { id } } }`) - (10 + 0);
    expect(children(500)).toBe(10 + 500 * (10 + ITEM));
    expect(children(1)).toBe(10 + 1 * (10 + ITEM));
    expect(cost('{ execution(id: "polos:a") { children { id } } }')).toBe(10 + children(200)); // the schema's default
  });

  it('output and steps may each cost a details read (Flowker /results); a cancel two calls', () => {
    expect(cost('{ execution(id: "flowker:a") { output } }')).toBe(10 + 10);
    expect(cost('mutation { cancelExecution(id: "polos:a") { execution { id } } }')).toBe(2 * 10 + 1 + ITEM);
  });

  it('the remembered cost follows the provider in a variable', () => {
    const meter = createCostMeter(schema);
    const paged = parse('query P($provider: Provider!) { executionsConnection(provider: $provider, first: 10) { edges { node { id } } } }');
    const polos = meter(paged, { provider: 'POLOS' }, 'P').cost;
    const flowker = meter(paged, { provider: 'FLOWKER' }, 'P').cost;
    expect(polos).toBe(operationCost(schema, paged, { provider: 'POLOS' }, 'P').cost);
    expect(flowker).toBe(operationCost(schema, paged, { provider: 'FLOWKER' }, 'P').cost);
    expect(polos - flowker).toBe(10 * 10);
  });
});
