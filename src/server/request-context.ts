/**
 * Per-request facts that deep code needs but should not be passed everywhere: the request id
 * for logs, and how many upstream calls the operation made. AsyncLocalStorage carries them
 * through every await of the request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestFacts {
  readonly requestId: string;
  upstreamCalls: number;
}

export const requestContext = new AsyncLocalStorage<RequestFacts>();

export function countUpstreamCall(): void {
  const facts = requestContext.getStore();
  if (facts) facts.upstreamCalls++;
}
