/**
 * Custom scalars: the parsing and serialising come from graphql-scalars rather than being
 * hand-written; the names and descriptions stay those of schema/ (the contract's `DateTime`, not
 * the library's `DateTimeISO`). graphql-tools copies every own field of a resolver object onto the
 * SDL's scalar, so only the functions are passed.
 */
import type { GraphQLScalarType } from 'graphql';
import { DateTimeISOResolver, JSONResolver } from 'graphql-scalars';

function behaviourOf(scalar: GraphQLScalarType): Pick<GraphQLScalarType, 'serialize' | 'parseValue' | 'parseLiteral'> {
  const { serialize, parseValue, parseLiteral } = scalar.toConfig();
  return { serialize, parseValue, parseLiteral } as Pick<GraphQLScalarType, 'serialize' | 'parseValue' | 'parseLiteral'>;
}

export const scalars = { DateTime: behaviourOf(DateTimeISOResolver), JSON: behaviourOf(JSONResolver) };
