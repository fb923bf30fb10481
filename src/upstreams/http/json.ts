/**
 * Parsing and validating upstream bodies, shared by the adapters so that every shape error
 * becomes the same UPSTREAM_BAD_RESPONSE, named after its provider, and never a crash.
 */
import { isSafeNumber, parse as parseLossless } from 'lossless-json';
import type { z } from 'zod';
import { GatewayError } from '../../domain/errors.js';
import type { Provider } from '../../domain/ids.js';
import { providerName, type UpstreamResponse } from './client.js';

/**
 * JSON.parse, except that integers too large for a double are kept as decimal strings instead
 * of being silently rounded (PromptLayer ids are int64; outputs may hold any number).
 */
export function parseJsonLossless(text: string): unknown {
  return parseLossless(text, null, (digits) => (isSafeNumber(digits, { approx: true }) ? Number(digits) : digits));
}

export function parseBody<Schema extends z.ZodType>(
  provider: Provider,
  response: UpstreamResponse,
  schema: Schema,
  what: string,
): z.infer<Schema> {
  let json: unknown;
  try {
    json = parseJsonLossless(response.body);
  } catch {
    throw badResponse(provider, `${what} is not valid JSON (HTTP ${response.status}).`);
  }
  const result = schema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
    throw badResponse(provider, `${what} has an unexpected shape${where}: ${issue?.message ?? 'invalid'}.`);
  }
  return result.data;
}

/** The body of an error response, when it is JSON; never throws. */
export function tryParseJson(body: string): unknown {
  try {
    return body === '' ? undefined : JSON.parse(body);
  } catch {
    return undefined;
  }
}

export const badResponse = (provider: Provider, detail: string): GatewayError =>
  new GatewayError('UPSTREAM_BAD_RESPONSE', `${providerName(provider)} ${detail}`, provider);

/** A status the adapter has no meaning for: report it without the body (it may echo inputs). */
export const unexpectedStatus = (provider: Provider, response: UpstreamResponse, what: string): GatewayError =>
  badResponse(provider, `answered ${what} with unexpected HTTP ${response.status}.`);
