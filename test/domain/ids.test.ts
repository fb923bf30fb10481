import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/domain/errors.js';
import { PROVIDERS, canonicalGlobalId, formatGlobalId, normalizeUpstreamId, parseGlobalId, type ExecutionRef, type Provider } from '../../src/domain/ids.js';
import { gatewayExtensions } from '../../src/server/pipeline/mask.js';
import { INT64_MAX, INT64_MAX_PLUS_ONE, PROMPTLAYER_ID_ABOVE_2_53 } from '../support/payloads.js';

const UUID = '3f2b8c1e-9d4a-4e6b-8f10-2a3b4c5d6e7f';

/** The GatewayError parseGlobalId threw, failing the test when it returned or threw something else. */
function parseError(id: string): GatewayError {
  try {
    parseGlobalId(id);
  } catch (error) {
    expect(error).toBeInstanceOf(GatewayError);
    return error as GatewayError;
  }
  throw new Error(`parseGlobalId(${JSON.stringify(id)}) did not throw`);
}

describe('parseGlobalId: valid ids', () => {
  it.each([
    ['flowker', `flowker:${UUID}`, UUID],
    ['polos', `polos:${UUID}`, UUID],
    ['promptlayer', 'promptlayer:98765', '98765'],
    ['promptlayer (1)', 'promptlayer:1', '1'],
  ] as const)('%s', (provider, id, upstreamId) => {
    const ref = parseGlobalId(id);
    expect(ref).toEqual({ provider: provider.split(' ')[0], upstreamId });
    expect(formatGlobalId(ref)).toBe(id);
  });

  it.each(['flowker', 'polos'] as const)('%s: an upper-case UUID is normalized to lower case', (provider) => {
    const ref = parseGlobalId(`${provider}:${UUID.toUpperCase()}`);
    expect(ref).toEqual({ provider, upstreamId: UUID });
    expect(formatGlobalId(ref)).toBe(`${provider}:${UUID}`);
  });

  it('a mixed-case UUID parses to the same ref as its lower-case spelling', () => {
    const mixed = 'F7e6D5c4-B3a2-1098-7654-321FEDCBA098';
    expect(parseGlobalId(`flowker:${mixed}`)).toEqual(parseGlobalId(`flowker:${mixed.toLowerCase()}`));
  });

  it.each([
    ['2^53 + 1', PROMPTLAYER_ID_ABOVE_2_53],
    ['int64 max', INT64_MAX],
    ['2^53', '9007199254740992'],
    ['a 19-digit id', '1000000000000000001'],
  ])('promptlayer: %s round-trips exactly as a string', (_label, digits) => {
    const ref = parseGlobalId(`promptlayer:${digits}`);
    expect(ref.upstreamId).toBe(digits);
    expect(typeof ref.upstreamId).toBe('string');
    expect(formatGlobalId(ref)).toBe(`promptlayer:${digits}`);
    // A double would have rounded it: the string is what keeps it exact.
    if (BigInt(digits) > BigInt(Number.MAX_SAFE_INTEGER) + 1n) expect(String(Number(digits))).not.toBe(digits);
  });
});

describe('parseGlobalId: malformed ids are BAD_USER_INPUT', () => {
  it.each([
    ['empty string', ''],
    ['only a colon', ':'],
    ['missing colon', `flowker${UUID}`],
    ['no provider', `:${UUID}`],
    ['unknown provider', `jenkins:${UUID}`],
    ['provider in upper case', `FLOWKER:${UUID}`],
    ['provider with whitespace', ` flowker:${UUID}`],
    ['a bare uuid', UUID],
    ['flowker: empty id', 'flowker:'],
    ['flowker: not a uuid', 'flowker:123'],
    ['flowker: uuid without dashes', `flowker:${UUID.replaceAll('-', '')}`],
    ['flowker: uuid with braces', `flowker:{${UUID}}`],
    ['flowker: trailing text', `flowker:${UUID}:x`],
    ['flowker: trailing newline', `flowker:${UUID}\n`],
    ['flowker: non-hex letters', 'flowker:g7e6d5c4-b3a2-1098-7654-321fedcba098'],
    ['polos: a promptlayer-style id', 'polos:98765'],
    ['polos: empty id', 'polos:'],
    ['promptlayer: empty id', 'promptlayer:'],
    ['promptlayer: zero', 'promptlayer:0'],
    ['promptlayer: leading zero', 'promptlayer:0123'],
    ['promptlayer: leading zeros on int64 max', `promptlayer:000${INT64_MAX}`],
    ['promptlayer: negative', 'promptlayer:-1'],
    ['promptlayer: plus sign', 'promptlayer:+1'],
    ['promptlayer: int64 max + 1', `promptlayer:${INT64_MAX_PLUS_ONE}`],
    ['promptlayer: 20 digits', 'promptlayer:18446744073709551615'],
    ['promptlayer: decimal point', 'promptlayer:1.0'],
    ['promptlayer: exponent', 'promptlayer:1e3'],
    ['promptlayer: hex', 'promptlayer:0x10'],
    ['promptlayer: whitespace', 'promptlayer: 1'],
    ['promptlayer: a uuid', `promptlayer:${UUID}`],
    ['promptlayer: full-width digits', 'promptlayer:１２３'],
  ])('%s', (_label, id) => {
    const error = parseError(id);
    expect(error.code).toBe('BAD_USER_INPUT');
    expect(gatewayExtensions(error).code).toBe('BAD_USER_INPUT');
  });

  it('names the provider when the prefix is known but the id is not', () => {
    const error = parseError('promptlayer:-1');
    expect(error.provider).toBe('promptlayer');
    expect(gatewayExtensions(error)).toEqual({ code: 'BAD_USER_INPUT', provider: 'PROMPTLAYER' });
  });

  it('names no provider when the prefix is unknown', () => {
    expect(parseError(`jenkins:${UUID}`).provider).toBeUndefined();
  });

  it.each([
    ['a long unknown-provider id', `${'x'.repeat(10_000)}:1`],
    ['a long id without colon', 'y'.repeat(10_000)],
    ['a long flowker id', `flowker:${'z'.repeat(10_000)}`],
    ['a long promptlayer id', `promptlayer:${'9'.repeat(10_000)}`],
  ])('never echoes more than ~80 chars of the input: %s', (_label, id) => {
    const error = parseError(id);
    expect(error.code).toBe('BAD_USER_INPUT');
    // The longest run of one repeated input character that made it into the message.
    const longestRun = Math.max(...(error.message.match(/(.)\1*/g) ?? ['']).map((run) => run.length));
    expect(longestRun).toBeLessThanOrEqual(81);
    expect(error.message.length).toBeLessThan(250);
    expect(JSON.stringify(error).length).toBeLessThan(500);
  });
});

describe('normalizeUpstreamId', () => {
  it.each([
    ['flowker', UUID.toUpperCase(), UUID],
    ['polos', UUID, UUID],
    ['promptlayer', '42', '42'],
    ['promptlayer', INT64_MAX, INT64_MAX],
    ['promptlayer', PROMPTLAYER_ID_ABOVE_2_53, PROMPTLAYER_ID_ABOVE_2_53],
  ] as const)('%s %s → %s', (provider, raw, expected) => {
    expect(normalizeUpstreamId(provider, raw)).toBe(expected);
  });

  it.each([
    ['flowker', ''],
    ['flowker', '42'],
    ['polos', `${UUID} `],
    ['promptlayer', ''],
    ['promptlayer', '0'],
    ['promptlayer', '007'],
    ['promptlayer', '-5'],
    ['promptlayer', INT64_MAX_PLUS_ONE],
    ['promptlayer', UUID],
    ['promptlayer', '12a'],
  ] as const)('%s %j → null', (provider, raw) => {
    expect(normalizeUpstreamId(provider, raw)).toBeNull();
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PROVIDERS), fc.string(), (provider, raw) => {
        const once = normalizeUpstreamId(provider, raw);
        if (once !== null) expect(normalizeUpstreamId(provider, once)).toBe(once);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties

const mixCase = (value: string, mask: readonly boolean[]): string =>
  [...value].map((char, index) => (mask[index % Math.max(1, mask.length)] ? char.toUpperCase() : char)).join('');

/** Valid refs in canonical form. */
const validRef: fc.Arbitrary<ExecutionRef> = fc.oneof(
  fc.record({ provider: fc.constantFrom<Provider>('flowker', 'polos'), upstreamId: fc.uuid() }),
  fc.record({
    provider: fc.constant<Provider>('promptlayer'),
    upstreamId: fc.bigInt({ min: 1n, max: 2n ** 63n - 1n }).map(String),
  }),
);

/** Strings that look like ids often enough to reach every branch of the parser. */
const idLike: fc.Arbitrary<string> = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary' }),
  fc.tuple(fc.constantFrom(...PROVIDERS, 'FLOWKER', 'x', ''), fc.string()).map(([provider, rest]) => `${provider}:${rest}`),
  fc.tuple(fc.constantFrom(...PROVIDERS), fc.uuid(), fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), fc.string({ maxLength: 2 }))
    .map(([provider, uuid, mask, suffix]) => `${provider}:${mixCase(uuid, mask)}${suffix}`),
  fc.tuple(fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }), fc.constantFrom('', '0', '00', '+', ' ')).map(
    ([value, prefix]) => `promptlayer:${prefix}${value}`,
  ),
);

describe('properties', () => {
  it('for any string, parseGlobalId returns a ref or throws a BAD_USER_INPUT GatewayError, nothing else', () => {
    fc.assert(
      fc.property(idLike, (id) => {
        let ref: ExecutionRef;
        try {
          ref = parseGlobalId(id);
        } catch (error) {
          expect(error).toBeInstanceOf(GatewayError);
          expect((error as GatewayError).code).toBe('BAD_USER_INPUT');
          expect((error as GatewayError).message.length).toBeLessThan(250);
          return;
        }
        expect(PROVIDERS).toContain(ref.provider);
        expect(normalizeUpstreamId(ref.provider, ref.upstreamId)).toBe(ref.upstreamId);
        // Whatever was accepted is canonical: formatting and parsing again is stable.
        expect(parseGlobalId(formatGlobalId(ref))).toEqual(ref);
        // The client's own string stands for the canonical id only when it is that id.
        expect(canonicalGlobalId(id, ref)).toBe(formatGlobalId(ref));
      }),
      { numRuns: 1_000 },
    );
  });

  it('parse(format(ref)) equals ref for every valid ref', () => {
    fc.assert(
      fc.property(validRef, (ref) => {
        expect(parseGlobalId(formatGlobalId(ref))).toEqual(ref);
      }),
      { numRuns: 1_000 },
    );
  });

  it('UUID case does not matter: every spelling parses to the lower-case ref', () => {
    fc.assert(
      fc.property(fc.constantFrom<Provider>('flowker', 'polos'), fc.uuid(), fc.array(fc.boolean(), { minLength: 1, maxLength: 36 }), (provider, uuid, mask) => {
        const id = `${provider}:${mixCase(uuid, mask)}`;
        expect(parseGlobalId(id)).toEqual({ provider, upstreamId: uuid.toLowerCase() });
        expect(canonicalGlobalId(id, parseGlobalId(id))).toBe(`${provider}:${uuid.toLowerCase()}`);
      }),
    );
  });

  it('promptlayer accepts exactly the decimal integers 1..int64 max without leading zeros', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 66n), max: 2n ** 66n }), (value) => {
        const digits = value.toString();
        const valid = value >= 1n && value <= 2n ** 63n - 1n;
        expect(normalizeUpstreamId('promptlayer', digits)).toBe(valid ? digits : null);
        expect(normalizeUpstreamId('promptlayer', `0${digits}`)).toBeNull();
      }),
      { numRuns: 1_000 },
    );
  });
});
