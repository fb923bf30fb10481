/** The executable schema: SDL from schema/*.graphql (the source of truth) plus resolvers. */
import { readdirSync, readFileSync } from 'node:fs';
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { GraphQLSchema } from 'graphql';
import type { Resolvers } from '../generated/graphql.js';
import { executionResolvers, stepResultResolvers } from './resolvers/execution.js';
import { nodeResolvers, queryResolvers } from './resolvers/query.js';
import { mutationResolvers } from './resolvers/mutation.js';
import { subscriptionResolvers } from './resolvers/subscription.js';
import { scalars } from './scalars.js';

const SCHEMA_DIR = new URL('../../schema/', import.meta.url);

function loadTypeDefs(): string[] {
  return readdirSync(SCHEMA_DIR)
    .filter((file) => file.endsWith('.graphql'))
    .sort()
    .map((file) => readFileSync(new URL(file, SCHEMA_DIR), 'utf8'));
}

/** `extraResolvers` are merged per type: `{ Execution: { statusReason } }` replaces that one field's resolver. */
export function buildSchema(extraResolvers: Partial<Resolvers> = {}): GraphQLSchema {
  const own = { Query: queryResolvers, Node: nodeResolvers, Execution: executionResolvers, StepResult: stepResultResolvers, Mutation: mutationResolvers, Subscription: subscriptionResolvers };
  const merged: Record<string, unknown> = { ...scalars, ...own };
  for (const [type, fields] of Object.entries(extraResolvers)) merged[type] = type in own ? { ...own[type as keyof typeof own], ...fields } : fields;
  return makeExecutableSchema({ typeDefs: loadTypeDefs(), resolvers: merged as never });
}
