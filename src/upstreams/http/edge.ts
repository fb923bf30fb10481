/**
 * An adapter's edge: how it reads the answers it gets, bound once to its provider so that every
 * error names that provider and every adapter says the same thing the same way. A read answered
 * outside its expected statuses is an unexpected status; a request carrying the client's input
 * (start, cancel, list) answered with a 4xx is that input rejected; a body is parsed and
 * validated before anything reads it.
 */
import type { z } from 'zod';
import { GatewayError, type GatewayErrorCode } from '../../domain/errors.js';
import type { Provider } from '../../domain/ids.js';
import type { UpstreamResponse } from './client.js';
import { jsonObjectInput, parseBody, rejectedInput, unexpectedStatus, upstreamIdFrom } from './json.js';

export interface Edge {
  readonly provider: Provider;
  /**
   * The body of a read (`what`: "status" names "the status request" and "status response"):
   * a status outside `ok` is UPSTREAM_BAD_RESPONSE.
   */
  read<Schema extends z.ZodType>(response: UpstreamResponse, ok: readonly number[], schema: Schema, what: string): z.infer<Schema>;
  /** The body of a request carrying the client's input: as `read`, but a 4xx is BAD_USER_INPUT. */
  accepted<Schema extends z.ZodType>(response: UpstreamResponse, ok: readonly number[], schema: Schema, what: string): z.infer<Schema>;
  /** A body validated with `schema` (`what` names it in errors: "callback body"). */
  parse<Schema extends z.ZodType>(response: UpstreamResponse, schema: Schema, what: string): z.infer<Schema>;
  /** The error for a request carrying the client's input that was not answered as expected (a 4xx: rejected). */
  refused(response: UpstreamResponse, what: string): GatewayError;
  /** An execution id the upstream handed over, checked as part of a global id. */
  upstreamId(raw: string | number): string;
  /** The client's input where the upstream wants a JSON object (null: {}). */
  objectInput(input: unknown): Record<string, unknown>;
  error(code: GatewayErrorCode, message: string): GatewayError;
}

export function createEdge(provider: Provider): Edge {
  const refused = (response: UpstreamResponse, what: string) =>
    response.status >= 400 && response.status < 500 ? rejectedInput(provider, response, `${what} request`) : unexpectedStatus(provider, response, `the ${what} request`);
  return {
    provider,
    read(response, ok, schema, what) {
      if (!ok.includes(response.status)) throw unexpectedStatus(provider, response, `the ${what} request`);
      return parseBody(provider, response, schema, `${what} response`);
    },
    accepted(response, ok, schema, what) {
      if (!ok.includes(response.status)) throw refused(response, what);
      return parseBody(provider, response, schema, `${what} response`);
    },
    parse: (response, schema, what) => parseBody(provider, response, schema, what),
    refused,
    upstreamId: (raw) => upstreamIdFrom(provider, raw),
    objectInput: (input) => jsonObjectInput(provider, input),
    error: (code, message) => new GatewayError(code, message, provider),
  };
}
