/**
 * What clients see of an error. Gateway errors carry their own code (see domain/errors.ts);
 * GraphQL's own validation errors keep theirs; anything else is a bug, reported without its
 * message, which might hold internals.
 */
import { unwrapResolverError } from '@apollo/server/errors';
import type { GraphQLFormattedError } from 'graphql';
import { isGatewayError } from '../domain/errors.js';

export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = unwrapResolverError(error);
  if (isGatewayError(original)) return { ...formatted, message: original.message, extensions: original.extensions };
  if (formatted.extensions?.code !== 'INTERNAL_SERVER_ERROR') return formatted;
  return { ...formatted, message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
}
