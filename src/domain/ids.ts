/**
 * Providers and global ids, and every spelling of them: the provider as the domain writes it
 * (`polos`), as the schema's enum does (`POLOS`), as people read it (`Polos`), and the global id
 * `<provider>:<upstream id>`. Parsing is strict so that a malformed id is caught here, as
 * BAD_USER_INPUT, instead of costing an upstream call; parsing also normalizes (lower-case
 * UUIDs) so that two spellings of one execution share one upstream request.
 */
import { GatewayError } from './errors.js';

export const PROVIDERS = ['flowker', 'promptlayer', 'polos'] as const;
export type Provider = (typeof PROVIDERS)[number];
/** The schema's `Provider` enum values. */
export type ProviderEnum = Uppercase<Provider>;

const DISPLAY_NAMES: Readonly<Record<Provider, string>> = { flowker: 'Flowker', promptlayer: 'PromptLayer', polos: 'Polos' };

/** How messages name the provider. */
export const providerName = (provider: Provider): string => DISPLAY_NAMES[provider];

export const toProviderEnum = (provider: Provider): ProviderEnum => provider.toUpperCase() as ProviderEnum;

export const fromProviderEnum = (value: ProviderEnum): Provider => value.toLowerCase() as Provider;

export interface ExecutionRef {
  readonly provider: Provider;
  readonly upstreamId: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const DECIMAL = /^[1-9][0-9]{0,18}$/;
const INT64_MAX = 2n ** 63n - 1n;

const isProvider = (value: string): value is Provider => (PROVIDERS as readonly string[]).includes(value);

/** Returns the canonical form of an upstream id, or null when it is not valid for that provider. */
export function normalizeUpstreamId(provider: Provider, raw: string): string | null {
  if (provider === 'promptlayer') {
    // PromptLayer ids are int64: kept as decimal strings end to end so ids above 2^53 stay exact.
    return DECIMAL.test(raw) && BigInt(raw) <= INT64_MAX ? raw : null;
  }
  const lower = raw.toLowerCase();
  return UUID.test(lower) ? lower : null;
}

export function parseGlobalId(id: string): ExecutionRef {
  const separator = id.indexOf(':');
  const prefix = separator === -1 ? '' : id.slice(0, separator);
  if (!isProvider(prefix)) {
    throw new GatewayError(
      'BAD_USER_INPUT',
      `Invalid id "${truncate(id)}": expected "<provider>:<upstream id>" with provider one of ${PROVIDERS.join(', ')}.`,
    );
  }
  const upstreamId = normalizeUpstreamId(prefix, id.slice(separator + 1));
  if (upstreamId === null) {
    const expected = prefix === 'promptlayer' ? 'a positive decimal int64' : 'a UUID';
    throw new GatewayError('BAD_USER_INPUT', `Invalid ${prefix} id "${truncate(id)}": expected ${expected}.`, prefix);
  }
  return { provider: prefix, upstreamId };
}

export const formatGlobalId = (ref: ExecutionRef): string => `${ref.provider}:${ref.upstreamId}`;

/**
 * The global id of `ref`, parsed from `id`: `id` itself when it was written canonically, as ids the
 * gateway handed out are. A string built by `formatGlobalId` is a new concatenation, which a map
 * lookup must first copy into one piece; the client's own string is one piece already.
 */
export const canonicalGlobalId = (id: string, ref: ExecutionRef): string =>
  id.length === ref.provider.length + 1 + ref.upstreamId.length && id.endsWith(ref.upstreamId) ? id : formatGlobalId(ref);

/** The provider of a global id this gateway formatted (or parsed) itself. */
export const providerOfGlobalId = (globalId: string): Provider => globalId.slice(0, globalId.indexOf(':')) as Provider;

/** Ids come from clients: never echo an unbounded string back into an error or a log. */
const truncate = (value: string): string => (value.length > 80 ? `${value.slice(0, 80)}…` : value);
