/**
 * Per-request facts that deep code needs but should not be passed everywhere: the request id
 * for logs, and how many upstream calls the operation made. AsyncLocalStorage carries them
 * through every await of the request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';

export interface RequestFacts {
  readonly requestId: string;
  upstreamCalls: number;
}

export const requestContext = new AsyncLocalStorage<RequestFacts>();

export function countUpstreamCall(): void {
  const facts = requestContext.getStore();
  if (facts) facts.upstreamCalls++;
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The client's `x-request-id` when it is sane, else a new one. */
export const requestIdFor = (header: string | string[] | undefined): string =>
  typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
