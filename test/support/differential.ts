/**
 * The differential test of the two executors. Every gateway the tests start (startTestGateway,
 * startGatewayForTest) executes queries and mutations with this executor: graphql-jit runs the
 * operation for real (what production runs, and what the test then asserts on) while every
 * resolver's answer is recorded by response path; then graphql-js executes the same document,
 * variables and context against those recorded answers: no second upstream call, no mutation run
 * twice, and any difference is the executors' own (completion, nulling, lists, errors, scalars).
 * The two results, as clients see them (masked), must be identical: data byte for byte in JSON,
 * errors by message, path, locations and extensions (error ids aside).
 *
 * Mismatches are collected and failed on by test/support/differential-setup.ts after each file.
 */
import {
  defaultFieldResolver,
  execute as graphqlExecute,
  isObjectType,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLFieldResolver,
  type GraphQLSchema,
} from 'graphql';
import { mapSchema, MapperKind } from '@graphql-tools/utils';
import { createExecutor, type Executor } from '../../src/server/pipeline/execute.js';
import { maskError } from '../../src/server/pipeline/mask.js';

export interface Mismatch {
  readonly operation: string;
  readonly jit: unknown;
  readonly graphqlJs: unknown;
}

/** Per test file (vitest isolates modules per file). */
export const differential = { compared: 0, mismatches: [] as Mismatch[] };

const TAPE = Symbol('differential tape');
type Tape = Map<string, unknown>;

const pathKey = (path: { prev: unknown; key: string | number } | undefined): string => {
  const keys: (string | number)[] = [];
  for (let at = path; at; at = at.prev as typeof path) keys.push(at.key);
  return keys.reverse().join('.');
};

/** The schema with every object field's resolver replaced by `wrap(original)` (subscription roots kept). */
function withResolvers(schema: GraphQLSchema, wrap: (resolve: GraphQLFieldResolver<unknown, any>) => GraphQLFieldResolver<unknown, any>): GraphQLSchema {
  const subscriptionType = schema.getSubscriptionType();
  return mapSchema(schema, {
    [MapperKind.OBJECT_FIELD]: (field, _name, typeName) => (typeName === subscriptionType?.name ? field : { ...field, resolve: wrap(field.resolve ?? defaultFieldResolver) }),
  });
}

const withTape = (context: unknown, tape: Tape): unknown => Object.create(context as object, { [TAPE]: { value: tape } });

export function differentialExecutor(schema: GraphQLSchema): Executor {
  const recording = withResolvers(schema, (resolve) => (source, args, context, info) => {
    const value = resolve(source, args, context, info);
    (context as { [TAPE]: Tape })[TAPE].set(pathKey(info.path), value);
    return value;
  });
  const replaying = withResolvers(schema, () => (_source, _args, context, info) => {
    const tape = (context as { [TAPE]: Tape })[TAPE];
    const key = pathKey(info.path);
    if (!tape.has(key)) throw new Error(`graphql-js resolved ${key}, which graphql-jit never did`);
    return tape.get(key);
  });
  const jit = createExecutor(recording, 'jit');
  if (!isObjectType(recording.getQueryType())) throw new Error('no query type');
  return {
    name: 'differential',
    async execute(args: ExecutionArgs) {
      const tape: Tape = new Map();
      const served = await jit.execute({ ...args, schema: recording, contextValue: withTape(args.contextValue, tape) });
      const reference = await graphqlExecute({ ...args, schema: replaying, contextValue: withTape(args.contextValue, tape) });
      compare(args, served, reference);
      return served;
    },
  };
}

/** What a client would see, error ids aside; data as JSON text, so that field order counts too. */
function asClientSees(result: ExecutionResult): { data: string; errors: unknown[] } {
  const errors = (result.errors ?? []).map((error) => {
    const { extensions, ...rest } = maskError(error, []);
    const { errorId: _id, ...kept } = (extensions ?? {}) as Record<string, unknown>;
    return { ...rest, extensions: kept };
  });
  errors.sort((a, b) => JSON.stringify(a.path ?? []).localeCompare(JSON.stringify(b.path ?? [])));
  return { data: JSON.stringify(result.data), errors };
}

function compare(args: ExecutionArgs, jit: ExecutionResult, graphqlJs: ExecutionResult): void {
  differential.compared++;
  const [a, b] = [asClientSees(jit), asClientSees(graphqlJs)];
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const operation = args.document.loc?.source.body ?? '(document without source)';
  differential.mismatches.push({ operation: `${operation} ${JSON.stringify(args.variableValues ?? {})}`.slice(0, 2_000), jit: a, graphqlJs: b });
}
