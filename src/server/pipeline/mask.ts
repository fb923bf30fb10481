/**
 * Phase 5, mask: what clients see of an error. A gateway error thrown anywhere below a resolver
 * (domain/errors.ts) is sent with its message, its code and its provider as the schema spells it,
 * over every transport alike, without glue in each resolver; refusals (limits, validation, parse) and errors about the request's
 * variables keep theirs; anything else is a bug, reported as "Internal server error." with
 * `INTERNAL_SERVER_ERROR` and an `errorId`, its cause (message, stack, path) kept for the
 * operation's log line under the same id, so an operator can go from a client's report to the
 * stack trace.
 */
import { randomUUID } from 'node:crypto';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { isGatewayError, type GatewayError } from '../../domain/errors.js';
import { toProviderEnum } from '../../domain/ids.js';

export const INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR';

/** A masked error as the log line reports it. */
export interface Failure {
  readonly errorId: string;
  readonly message: string;
  readonly stack: string | undefined;
  readonly path: readonly (string | number)[] | undefined;
}

export function maskError(error: GraphQLError, failures: Failure[]): GraphQLFormattedError {
  const original = error.originalError;
  if (isGatewayError(original)) return { message: original.message, ...located(error), extensions: gatewayExtensions(original) };
  if (typeof error.extensions?.code === 'string' && !isPlainError(original)) return error.toJSON();
  // graphql-js reports bad variables (coercion, a scalar refusing an input) without a path:
  // they are about the request, before any resolver ran.
  if (error.path === undefined) return { ...error.toJSON(), extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } };
  const errorId = randomUUID();
  failures.push({ errorId, message: original?.message ?? error.message, stack: original?.stack ?? error.stack, path: error.path });
  return { message: 'Internal server error.', ...located(error), extensions: { code: INTERNAL_SERVER_ERROR, errorId } };
}

/** A gateway error's `extensions`: its code, and its provider as the schema's enum spells it. */
export const gatewayExtensions = ({ code, provider }: GatewayError): { code: string; provider?: string } =>
  provider ? { code, provider: toProviderEnum(provider) } : { code };

/** A thrown Error that is not a GraphQLError: a code on it is no promise that its message is fit for clients. */
const isPlainError = (error: Error | undefined): boolean => error !== undefined && !(error instanceof GraphQLError);

const located = (error: GraphQLError): Omit<GraphQLFormattedError, 'message'> => ({
  ...(error.locations ? { locations: error.locations } : {}),
  ...(error.path ? { path: error.path } : {}),
});
