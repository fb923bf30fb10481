/** The request id: the client's `x-request-id` when it is sane, else a new one. */
import { randomUUID } from 'node:crypto';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

export const requestIdFor = (header: string | string[] | undefined): string =>
  typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
