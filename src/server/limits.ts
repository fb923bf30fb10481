/**
 * The operation limits and the one shape of their refusal. Whatever refuses (the parser, a
 * validation rule, the cost phase, the HTTP body reader, the WebSocket subscribe), the client
 * gets `extensions.code: "LIMIT_EXCEEDED"`, `extensions.limit` naming the environment variable
 * to raise, and `extensions.max` its value; the message says the same in words. Identical on
 * every transport, because every transport refuses through `limitExceeded`.
 */
import { GraphQLError } from 'graphql';

export interface OperationLimits {
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxTokens: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
  /** Per `executions(ids)` / `executionsUpdated(ids)` call. */
  readonly maxIds: number;
}

export const LIMIT_EXCEEDED = 'LIMIT_EXCEEDED';

export type LimitName =
  | 'MAX_TOKENS'
  | 'MAX_DEPTH'
  | 'MAX_ALIASES'
  | 'MAX_DIRECTIVES'
  | 'MAX_COST'
  | 'MAX_IDS_PER_CALL'
  | 'MAX_BODY_BYTES'
  | 'MAX_BATCH_OPERATIONS'
  | 'MAX_SUBSCRIPTIONS_PER_SOCKET';

export interface LimitExtensions {
  readonly code: typeof LIMIT_EXCEEDED;
  readonly limit: LimitName;
  readonly max: number;
  readonly [detail: string]: unknown;
}

/** `message` says what was too large; the variable and its value are appended. */
export function limitExceeded(limit: LimitName, max: number, message: string, details: Record<string, unknown> = {}): GraphQLError {
  const extensions: LimitExtensions = { code: LIMIT_EXCEEDED, limit, max, ...details };
  return new GraphQLError(`${message} (${limit}=${max}).`, { extensions });
}
