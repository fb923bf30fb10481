/**
 * Phase 1, parse: document text → DocumentNode, with the token limit (MAX_TOKENS) enforced by
 * graphql-js's own lexer, so an oversized document is refused before any AST is built. Results
 * are remembered per document text: a client repeating its query is parsed once, and every later
 * phase can key its own cache on the returned DocumentNode's identity.
 */
import { GraphQLError, parse, type DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';
import { limitExceeded } from '../limits.js';

export type Parsed = { readonly document: DocumentNode; readonly errors?: undefined } | { readonly document?: undefined; readonly errors: readonly GraphQLError[] };

/** Documents longer than this are parsed every time: a cache full of 1 MB keys would cost more than it saves. */
const MAX_CACHED_LENGTH = 64 * 1024;
const CACHE_BYTES = 16 * 1024 * 1024;

/** graphql-js words its token-limit error as a syntax error; the limit is the gateway's, so it is refused as one. */
const TOKEN_LIMIT = /^Syntax Error: Document contains more th[ae][nt] (\d+) tokens/;

export function createParser(maxTokens: number): (source: string) => Parsed {
  const cache = new LRUCache<string, Parsed>({ maxSize: CACHE_BYTES, sizeCalculation: (_value, key) => key.length + 64 });
  const parseOnce = (source: string): Parsed => {
    try {
      return { document: parse(source, { maxTokens, noLocation: false }) };
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      if (TOKEN_LIMIT.test(error.message)) {
        return { errors: [limitExceeded('MAX_TOKENS', maxTokens, `The document has more than ${maxTokens} tokens`)] };
      }
      return { errors: [new GraphQLError(error.message, { source: error.source ?? null, positions: error.positions ?? null, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })] };
    }
  };
  return (source) => {
    if (source.length > MAX_CACHED_LENGTH) return parseOnce(source);
    let parsed = cache.get(source);
    if (!parsed) cache.set(source, (parsed = parseOnce(source)));
    return parsed;
  };
}
