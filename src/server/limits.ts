/**
 * Operation limits, the same for HTTP and WebSocket: depth, aliases, directives and tokens from
 * GraphQL Armor; a cost limit from graphql-query-complexity with this schema's own weights,
 * because the generic cost models cannot know that `executions(ids)` costs one upstream call
 * per id while a scalar costs nothing upstream.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, type DocumentNode, type GraphQLSchema, type ValidationRule } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { GatewayContext } from '../graphql/context.js';

export interface OperationLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
  /** Per `executions(ids)` / `executionsUpdated(ids)` call. */
  readonly maxIds: number;
}

/** One upstream lookup (possibly an HTTP call) weighs this much; a plain field weighs 1. */
export const LOOKUP_COST = 10;
const LOOKUP_FIELDS = new Set(['execution', 'node', 'parent', 'root', 'executionUpdated']);
const LIST_FIELDS = new Set(['executions', 'executionsUpdated']);

/** A paged list is one upstream call returning up to `first` items; children an unknown few. */
const PAGED_FIELDS: Readonly<Record<string, (args: Record<string, unknown>) => number>> = {
  executionsConnection: (args) => (typeof args.first === 'number' ? args.first : 20),
  children: () => 10,
};

const estimateCost: ComplexityEstimator = ({ field, args, childComplexity }) => {
  const pageSize = PAGED_FIELDS[field.name];
  if (pageSize) return LOOKUP_COST + pageSize(args) * childComplexity;
  if (LIST_FIELDS.has(field.name)) {
    const ids = Array.isArray(args.ids) ? args.ids.length : 1;
    return ids * (LOOKUP_COST + childComplexity);
  }
  if (LOOKUP_FIELDS.has(field.name)) return LOOKUP_COST + childComplexity;
  return 1 + childComplexity;
};

export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string): number {
  return getComplexity({ schema, query: document, variables, estimators: [estimateCost], ...(operationName ? { operationName } : {}) });
}

export type CostMeter = (document: DocumentNode, variables?: Record<string, unknown>, operationName?: string) => number;

/** Distinct variable shapes remembered per document; a document seen with more starts over. */
const SHAPES_PER_DOCUMENT = 32;
/** Variables whose shape key is longer than this (a large JSON input) are not worth remembering. */
const MAX_SHAPE_KEY_LENGTH = 512;

/**
 * `operationCost`, remembered. The cost depends on the document, the operation name and the
 * variables' shape only (list lengths, numbers such as `first`), never on string values such as
 * ids; and Apollo's document cache hands back the same DocumentNode for the same query text. So a
 * client repeating one query pays for the analysis once, where it was the largest removable cost
 * of a cached lookup (docs/benchmarks.md). Documents are weakly held: they go with Apollo's cache.
 */
export function createCostMeter(schema: GraphQLSchema): CostMeter {
  const byDocument = new WeakMap<DocumentNode, Map<string, number>>();
  return (document, variables = {}, operationName) => {
    const key = shapeKey(variables, operationName);
    if (key === null) return operationCost(schema, document, variables, operationName);
    let costs = byDocument.get(document);
    if (!costs) byDocument.set(document, (costs = new Map()));
    let cost = costs.get(key);
    if (cost === undefined) {
      cost = operationCost(schema, document, variables, operationName);
      if (costs.size >= SHAPES_PER_DOCUMENT) costs.clear();
      costs.set(key, cost);
    }
    return cost;
  };
}

/** Strings are blanked: the estimator above reads only list lengths and numbers. */
function shapeKey(variables: Record<string, unknown>, operationName: string | undefined): string | null {
  const key = `${operationName ?? ''}\u0000${JSON.stringify(variables, (_name, value: unknown) => (typeof value === 'string' ? '' : value))}`;
  return key.length <= MAX_SHAPE_KEY_LENGTH ? key : null;
}

export function costError(cost: number, limits: OperationLimits): GraphQLError | null {
  if (cost <= limits.maxCost) return null;
  return new GraphQLError(
    `Operation cost ${cost} exceeds the limit of ${limits.maxCost} (MAX_COST). Each execution lookup costs ${LOOKUP_COST}, each id of executions(ids) counts as one lookup.`,
    { extensions: { code: 'OPERATION_TOO_COSTLY', cost, maxCost: limits.maxCost } },
  );
}

export interface ArmorProtection {
  readonly plugins: ApolloServerPlugin<GatewayContext>[];
  readonly validationRules: ValidationRule[];
}

export function armorFor(limits: OperationLimits): ArmorProtection {
  const { plugins, validationRules } = new ApolloArmor({
    maxDepth: { n: limits.maxDepth, flattenFragments: true },
    maxAliases: { n: limits.maxAliases },
    maxTokens: { enabled: false }, // enforced by the parser itself (parseOptions), as a 400
    maxDirectives: { n: limits.maxDirectives },
    costLimit: { enabled: false }, // replaced by the schema-aware cost above
    blockFieldSuggestion: { enabled: false }, // the schema is public and introspectable
  }).protect();
  // Armor's typings name Apollo's CommonJS build; the plugins are the same objects under ESM.
  return { plugins: plugins as unknown as ApolloServerPlugin<GatewayContext>[], validationRules };
}
