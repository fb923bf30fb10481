/**
 * Phase 4, execute: graphql-jit compiles each document (per operation name) once into a
 * function that runs it, where graphql-js would walk the AST again on every request; a document
 * graphql-jit cannot compile runs on graphql-js, which is also the reference the differential
 * test (test/server/pipeline-executors.test.ts) holds graphql-jit to. Subscriptions run on
 * graphql-js, whatever the executor: each event is one small execution (the pipeline's
 * SubscriptionStream, index.ts).
 */
import {
  BREAK,
  execute as graphqlExecute,
  visit,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';

export type ExecutorName = 'jit' | 'graphql-js';

/** graphql-js's `execute` interface, so that any GraphQL transport library can be handed it. */
export interface Executor {
  readonly name: string;
  execute(args: ExecutionArgs): Promise<ExecutionResult> | ExecutionResult;
}

export type ExecutorFactory = (schema: GraphQLSchema) => Executor;

export function createExecutor(schema: GraphQLSchema, name: ExecutorName): Executor {
  if (name === 'graphql-js') return { name, execute: graphqlExecute };
  const compiled = new WeakMap<DocumentNode, Map<string, CompiledQuery | null>>();
  const compile = (document: DocumentNode, operationName: string | null | undefined): CompiledQuery | null => {
    let byName = compiled.get(document);
    if (!byName) compiled.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let query = byName.get(key);
    if (query === undefined) {
      query = compileOrNull(schema, document, operationName ?? undefined);
      byName.set(key, query);
    }
    return query;
  };
  return {
    name,
    execute: (args) => {
      const query = args.schema === schema ? compile(args.document, args.operationName) : null;
      return query ? query.query(args.rootValue, args.contextValue, args.variableValues) : graphqlExecute(args);
    },
  };
}

/** null: graphql-js runs it (graphql-jit answers errors, e.g. an unknown operation, as graphql-js words them differently). */
function compileOrNull(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | null {
  if (hasNestedVariable(document)) return null;
  try {
    const query = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
    return isCompiledQuery(query) ? query : null;
  } catch {
    return null;
  }
}

/**
 * graphql-jit 0.8 drops a variable inside an object or list literal given to a custom scalar
 * (`input: { blob: $big }` for a JSON argument reaches the resolver as `{}`); graphql-js passes it.
 * Such documents are rare (mutation inputs) and run on graphql-js.
 */
function hasNestedVariable(document: DocumentNode): boolean {
  let found = false;
  let depth = 0;
  const enter = () => void depth++;
  const leave = () => void depth--;
  visit(document, {
    ObjectValue: { enter, leave },
    ListValue: { enter, leave },
    Variable: () => {
      if (depth === 0) return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}
