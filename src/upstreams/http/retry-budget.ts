/**
 * A retry budget (as in Finagle and gRPC): every request earns a fraction of a retry token and
 * every retry spends a whole one. In normal operation the occasional retry is always affordable;
 * during an outage, when every request fails, retries are capped at `ratio` of the traffic
 * instead of multiplying it by the attempt count.
 */
export class RetryBudget {
  private tokens: number;

  constructor(
    /** Retries allowed per request, on average (0.2 = at most 20 % extra load). */
    private readonly ratio = 0.2,
    /** Tokens kept in reserve so that a quiet gateway can still retry its first failures. */
    private readonly maxTokens = 10,
  ) {
    if (!(ratio >= 0 && ratio <= 1)) throw new TypeError(`RetryBudget ratio must be within [0, 1], got ${ratio}.`);
    if (!(maxTokens >= 1)) throw new TypeError(`RetryBudget maxTokens must be at least 1, got ${maxTokens}.`);
    this.tokens = maxTokens;
  }

  recordRequest(): void {
    this.tokens = Math.min(this.maxTokens, this.tokens + this.ratio);
  }

  /** Spends one token when there is one; false means "do not retry". */
  tryWithdraw(): boolean {
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
