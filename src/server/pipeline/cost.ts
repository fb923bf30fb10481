/**
 * Phase 3, cost: the schema-aware cost limit (MAX_COST) and the ids-per-call limit
 * (MAX_IDS_PER_CALL), checked before anything executes, from graphql-query-complexity with this
 * schema's own weights: each field is priced by the upstream calls it can cause at most, which the
 * generic cost models cannot know (`executions(ids)` makes one per id, a Polos page one per item
 * plus the list, a scalar none).
 *
 * Both depend on the document, the operation name and the variables' shape only (list lengths,
 * numbers such as `first`), never on string values such as ids: so they are remembered per
 * document and shape, and a client repeating one query pays for the analysis once.
 */
import { visit, type ASTNode, type DocumentNode, type GraphQLError, type GraphQLSchema } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { fromProviderEnum, PROVIDERS, toProviderEnum, type ProviderEnum } from '../../domain/ids.js';
import { MAX_PAGE_SIZE } from '../../graphql/resolvers/connection.js';
import { MAX_CHILDREN_SCAN } from '../../graphql/resolvers/execution.js';
import { capabilitiesOf } from '../../upstreams/registry.js';
import { limitExceeded, type OperationLimits } from '../limits.js';

/** One upstream call (at most: a cache may answer it) weighs this much; a field that makes none weighs 1. */
const CALL_COST = 10;

/** Fields (`Type.field`) that cause a fixed number of calls: a lookup, a details read (Flowker `/results`), a command. */
const CALLS: Readonly<Record<string, number>> = {
  'Query.execution': 1,
  'Query.node': 1,
  'Execution.parent': 1,
  'Execution.root': 1,
  'Subscription.executionUpdated': 1,
  'Execution.output': 1,
  'Execution.steps': 1,
  'Mutation.startExecution': 1,
  // The cancel, then a read of the execution's new state.
  'Mutation.cancelExecution': 2,
};

/** Fields that look up each of their `ids`. */
const LIST_FIELDS = new Set(['Query.executions', 'Subscription.executionsUpdated']);

/**
 * Fields that read one upstream list, returning up to `items`, each of which may cost a read. A
 * size beyond the field's bound is refused by its resolver before any call: it costs no more.
 */
interface Page {
  readonly items: number;
  readonly callsPerItem: number;
}
const PAGED_FIELDS: Readonly<Record<string, (args: Record<string, unknown>) => Page>> = {
  'Query.executionsConnection': (args) => ({
    items: Math.min(args.first as number, MAX_PAGE_SIZE),
    callsPerItem: capabilitiesOf(fromProviderEnum(args.provider as ProviderEnum)).partialListItems ? 1 : 0,
  }),
  // Polos (the one provider with children) lists `scan` runs, then reads each child it finds.
  'Execution.children': (args) => ({ items: Math.min(args.scan as number, MAX_CHILDREN_SCAN), callsPerItem: 1 }),
};

/** The names of the fields whose arguments the cost reads (their variables are part of its key). */
const COSTED_ARGUMENT_FIELDS = new Set([...LIST_FIELDS, ...Object.keys(PAGED_FIELDS)].map((name) => name.slice(name.indexOf('.') + 1)));

/** Provider names in variables change the cost (a Polos page reads each item): the shape keeps them. */
const PROVIDER_ENUMS: ReadonlySet<unknown> = new Set(PROVIDERS.map(toProviderEnum));

export interface Cost {
  readonly cost: number;
  /** The longest `ids` list of any one call in the operation. */
  readonly mostIds: number;
}

export function operationCost(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string): Cost {
  let mostIds = 0;
  const estimateCost: ComplexityEstimator = ({ type, field, args, childComplexity }) => {
    const name = `${type.name}.${field.name}`;
    const paged = PAGED_FIELDS[name];
    if (paged) {
      const { items, callsPerItem } = paged(args);
      return CALL_COST + items * (callsPerItem * CALL_COST + childComplexity);
    }
    if (LIST_FIELDS.has(name)) {
      const ids = Array.isArray(args.ids) ? args.ids.length : 1;
      mostIds = Math.max(mostIds, ids);
      return ids * (CALL_COST + childComplexity);
    }
    const calls = CALLS[name];
    return (calls === undefined ? 1 : calls * CALL_COST) + childComplexity;
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
      if (COSTED_ARGUMENT_FIELDS.has(field.name.value)) for (const argument of field.arguments ?? []) collect(argument);
    },
    Directive: (directive) => {
      for (const argument of directive.arguments ?? []) collect(argument);
    },
  });
  return [...names].sort();
}

/**
 * Only the cost's own variables count, and of them only what the estimator reads: list lengths,
 * numbers and provider names (other strings are blanked). A lookup's `$id` never enters the key,
 * so W1-like operations have one entry per document and pay no serialisation per request.
 */
function shapeKey(names: readonly string[], variables: Record<string, unknown>, operationName: string | undefined): string | null {
  if (names.length === 0) return operationName ?? '';
  const shape = names.map((name) => variables[name]);
  const key = `${operationName ?? ''}\u0000${JSON.stringify(shape, (_name, value: unknown) => (typeof value === 'string' && !PROVIDER_ENUMS.has(value) ? '' : value))}`;
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
        `Operation cost ${cost} exceeds the limit. Each upstream call a field can cause costs ${CALL_COST} (a lookup one, executions(ids) one per id, a Polos page and children one per item plus the list), each other field 1`,
        { cost },
      );
    }
    return null;
  };
}
