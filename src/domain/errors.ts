/**
 * The gateway's error vocabulary. Every failure that reaches a client carries one of these
 * codes (see the contract's "Errors" section); the GraphQL layer turns them into
 * `extensions` (src/server/pipeline/mask.ts) without knowing where they came from.
 */
import type { Provider } from './ids.js';

export type GatewayErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'NOT_SUPPORTED'
  /** An idempotency key whose first start has no known outcome (in flight, or failed or stopped half-way). */
  | 'IDEMPOTENCY_KEY_IN_USE'
  | 'UPSTREAM_UNAUTHORIZED'
  | 'UPSTREAM_RATE_LIMITED'
  | 'UPSTREAM_TIMEOUT'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE';

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  /** How long the upstream asked us to wait (429 Retry-After), for callers that poll. */
  readonly retryAfterMs: number | undefined;
  /**
   * True when the (last) attempt certainly never reached the upstream: circuit open, the gateway's
   * queue full or the deadline spent in it, connection refused. A start that failed so started
   * nothing, which is what idempotency keys need to know (src/executions/idempotency.ts).
   */
  readonly notSent: boolean;

  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** The upstream involved, when there is one. */
    readonly provider?: Provider,
    options?: { cause?: unknown; retryAfterMs?: number | undefined; notSent?: boolean },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.notSent = options?.notSent ?? false;
  }
}

export const isGatewayError = (error: unknown): error is GatewayError => error instanceof GatewayError;
