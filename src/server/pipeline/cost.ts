/**
 * Phase 3, cost: the schema-aware cost limit (MAX_COST) and the ids-per-call limit
 * (MAX_IDS_PER_CALL), checked before anything executes, from graphql-query-complexity with this
 * schema's own weights, because the generic cost models cannot know that `executions(ids)` costs
 * one upstream call per id while a scalar costs nothing upstream.
 *
 * Both depend on the document, the operation name and the variables' shape only (list lengths,
 * numbers such as `first`), never on string values such as ids: so they are remembered per
 * document and shape, and a client repeating one query pays for the analysis once.
 */
import { visit, type ASTNode, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { limitExceeded, type OperationLimits } from '../limits.js';

/** One upstream lookup (possibly an HTTP call) weighs this much; a plain field weighs 1. */
export const LOOKUP_COST = 10;
const LOOKUP_FIELDS = new Set(['execution', 'node', 'parent', 'root', 'executionUpdated']);
const LIST_FIELDS = new Set(['executions', 'executionsUpdated']);

/** A paged list is one upstream call returning up to `first` items; children an unknown few. */
const PAGED_FIELDS: Readonly<Record<string, (args: Record<string, unknown>) => number>> = {
  executionsConnection: (args) => (typeof args.first === 'number' ? args.first : 20),
  children: () => 10,
};

export interface Cost {
  readonly cost: number;
  /** The longest `ids` list of any one call in the operation. */
  readonly mostIds: number;
}

export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string): Cost {
  let mostIds = 0;
  const estimateCost: ComplexityEstimator = ({ field, args, childComplexity }) => {
    const pageSize = PAGED_FIELDS[field.name];
    if (pageSize) return LOOKUP_COST + pageSize(args) * childComplexity;
    if (LIST_FIELDS.has(field.name)) {
      const ids = Array.isArray(args.ids) ? args.ids.length : 1;
      mostIds = Math.max(mostIds, ids);
      return ids * (LOOKUP_COST + childComplexity);
    }
    if (LOOKUP_FIELDS.has(field.name)) return LOOKUP_COST + childComplexity;
    return 1 + childComplexity;
  };
  const cost = getComplexity({ schema, query: document, variables, estimators: [estimateCost], ...(operationName ? { operationName } : {}) });
  return { cost, mostIds };
}

export type CostCheck = (document: DocumentNode, variables: Record<string, unknown>, operationName: string | undefined) => GraphQLError | null;

/** Distinct variable shapes remembered per document; a document seen with more starts over. */
const SHAPES_PER_DOCUMENT = 32;
/** Variables whose shape key is longer than this (a large JSON input) are not worth remembering. */
const MAX_SHAPE_KEY_LENGTH = 512;

export type CostMeter = (document: DocumentNode, variables?: Record<string, unknown>, operationName?: string) => Cost;

interface DocumentCosts {
  /** The variables the cost can depend on: those in list and paged fields' arguments, and in directives (@include). */
  readonly variables: readonly string[];
  readonly byShape: Map<string, Cost>;
}

/** `operationCost`, remembered per document (weakly: entries go with the parse cache's) and variable shape. */
export function createCostMeter(schema: GraphQLSchema): CostMeter {
  const byDocument = new WeakMap<DocumentNode, DocumentCosts>();
  return (document, variables = {}, operationName) => {
    let costs = byDocument.get(document);
    if (!costs) byDocument.set(document, (costs = { variables: costVariables(document), byShape: new Map() }));
    const key = shapeKey(costs.variables, variables, operationName);
    if (key === null) return operationCost(schema, document, variables, operationName);
    let cost = costs.byShape.get(key);
    if (cost === undefined) {
      cost = operationCost(schema, document, variables, operationName);
      if (costs.byShape.size >= SHAPES_PER_DOCUMENT) costs.byShape.clear();
      costs.byShape.set(key, cost);
    }
    return cost;
  };
}

function costVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) =>
    visit(node, {
      Variable: (variable) => {
        names.add(variable.name.value);
      },
    });
  visit(document, {
    Field: (field) => {
      if (LIST_FIELDS.has(field.name.value) || field.name.value in PAGED_FIELDS) for (const argument of field.arguments ?? []) collect(argument);
    },
    Directive: (directive) => {
      for (const argument of directive.arguments ?? []) collect(argument);
    },
  });
  return [...names].sort();
}

/**
 * Only the cost's own variables count, and of them only what the estimator reads: list lengths
 * and numbers (strings are blanked). A lookup's `$id` never enters the key, so W1-like operations
 * have one entry per document and pay no serialisation per request.
 */
function shapeKey(names: readonly string[], variables: Record<string, unknown>, operationName: string | undefined): string | null {
  if (names.length === 0) return operationName ?? '';
  const shape = names.map((name) => variables[name]);
  const key = `${operationName ?? ''}\u0000${JSON.stringify(shape, (_name, value: unknown) => (typeof value === 'string' ? '' : value))}`;
  return key.length <= MAX_SHAPE_KEY_LENGTH ? key : null;
}

export function createCostCheck(schema: GraphQLSchema, limits: OperationLimits): CostCheck {
  const meter = createCostMeter(schema);
  return (document, variables, operationName) => {
    const { cost, mostIds } = meter(document, variables, operationName);
    if (mostIds > limits.maxIds) {
      return limitExceeded('MAX_IDS_PER_CALL', limits.maxIds, `A call asks for ${mostIds} ids, more than one call may take`, { ids: mostIds });
    }
    if (cost > limits.maxCost) {
      return limitExceeded(
        'MAX_COST',
        limits.maxCost,
        `Operation cost ${cost} exceeds the limit. Each execution lookup costs ${LOOKUP_COST}, each id of executions(ids) counts as one lookup, each other field 1`,
        { cost },
      );
    }
    return null;
  };
}
