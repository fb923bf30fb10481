/**
 * Parsing and validating upstream bodies, shared by the adapters so that every shape error
 * becomes the same UPSTREAM_BAD_RESPONSE, named after its provider, and never a crash.
 */
import type { z } from 'zod';
import { GatewayError } from '../../domain/errors.js';
import { normalizeUpstreamId, providerName, type Provider } from '../../domain/ids.js';
import type { UpstreamResponse } from './client.js';

/**
 * JSON.parse, except that integers too large for a double are kept as decimal strings instead
 * of being silently rounded (PromptLayer ids are int64; outputs may hold any number).
 *
 * Only an integer literal of 16 digits or more can exceed 2^53, and most bodies have none: for
 * those this is JSON.parse itself (V8's native parser; every upstream call goes through here).
 * Otherwise each such literal that is unsafe is quoted before JSON.parse reads the text: strings
 * are matched first, so digits inside them are never touched, and a literal JSON.parse would
 * refuse (a leading zero) is left for it to refuse.
 */
export function parseJsonLossless(text: string): unknown {
  return JSON.parse(MAY_BE_UNSAFE.test(text) ? text.replace(STRING_OR_LONG_INTEGER, quoteUnsafe) : text);
}

const MAY_BE_UNSAFE = /\d{16}/;
/** A JSON string, or an integer literal of 16+ digits (not part of a fraction or an exponent). */
const STRING_OR_LONG_INTEGER = /"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?[1-9]\d{15,}(?![\d.eE])/g;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

function quoteUnsafe(token: string): string {
  if (token.startsWith('"')) return token;
  const digits = token.startsWith('-') ? token.slice(1) : token;
  const safe = digits.length < MAX_SAFE_DIGITS.length || (digits.length === MAX_SAFE_DIGITS.length && digits <= MAX_SAFE_DIGITS);
  return safe ? token : `"${token}"`;
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

const badResponse = (provider: Provider, detail: string): GatewayError =>
  new GatewayError('UPSTREAM_BAD_RESPONSE', `${providerName(provider)} ${detail}`, provider);

/** A status the adapter has no meaning for: report it without the body (it may echo inputs). */
export const unexpectedStatus = (provider: Provider, response: UpstreamResponse, what: string): GatewayError =>
  badResponse(provider, `answered ${what} with unexpected HTTP ${response.status}.`);

/**
 * An upstream's 4xx answer to something the client sent (unknown workflow, invalid input):
 * BAD_USER_INPUT with the upstream's own explanation, whichever field it uses for it
 * (Flowker `message`, PromptLayer `message`/`error`/FastAPI `detail`, Polos `error`).
 */
export function rejectedInput(provider: Provider, response: UpstreamResponse, what: string): GatewayError {
  const explanation = errorText(tryParseJson(response.body));
  const detail = explanation ? `: ${explanation.length > 300 ? `${explanation.slice(0, 300)}…` : explanation}` : '';
  return new GatewayError('BAD_USER_INPUT', `${providerName(provider)} rejected the ${what} (HTTP ${response.status})${detail}`, provider);
}

function errorText(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const record = body as Record<string, unknown>;
  for (const key of ['message', 'error']) if (typeof record[key] === 'string') return record[key];
  if (typeof record.detail === 'string') return record.detail;
  if (Array.isArray(record.detail)) {
    const messages = record.detail.map((item) => (item as { msg?: unknown })?.msg).filter((msg) => typeof msg === 'string');
    return messages.length > 0 ? messages.join('; ') : null;
  }
  return null;
}

/** Inputs that must be a JSON object upstream (Flowker `inputData`, PromptLayer `input_variables`); null means {}. */
export function jsonObjectInput(provider: Provider, input: unknown): Record<string, unknown> {
  if (input === null || input === undefined) return {};
  if (typeof input === 'object' && !Array.isArray(input)) return input as Record<string, unknown>;
  throw new GatewayError('BAD_USER_INPUT', `${providerName(provider)} input must be a JSON object.`, provider);
}

/** An execution id an upstream handed us becomes part of a global id: it must parse as one. */
export function upstreamIdFrom(provider: Provider, raw: string | number): string {
  const id = normalizeUpstreamId(provider, String(raw));
  if (id === null) throw badResponse(provider, 'returned an execution id of the wrong form.');
  return id;
}
