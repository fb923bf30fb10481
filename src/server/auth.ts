/**
 * Gateway authentication: `Authorization: Bearer <key>` on HTTP, the same value in
 * `connectionParams.authorization` on WebSocket. Keys are compared in constant time (digests
 * of equal length, so not even the key length leaks); no key ever reaches a log.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

export type KeyCheck = (authorization: unknown) => boolean;

/** With no keys configured the gateway is open, and every request passes. */
export function createKeyCheck(keys: readonly string[]): KeyCheck {
  if (keys.length === 0) return () => true;
  const expected = keys.map(digest);
  return (authorization) => {
    if (typeof authorization !== 'string') return false;
    const match = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (!match) return false;
    const presented = digest(match[1]!);
    // Compare against every key, always, so timing does not tell which one matched.
    return expected.reduce((found, key) => timingSafeEqual(key, presented) || found, false);
  };
}

/**
 * What an HTTP request without a valid key is answered (HTTP and SSE alike; WebSocket closes with
 * 4403 instead, as graphql-ws does): status 401, this challenge header and this error.
 */
export const MISSING_KEY = {
  status: 401,
  headers: { 'www-authenticate': 'Bearer' },
  error: { message: 'Missing or invalid gateway API key: send "Authorization: Bearer <key>".', extensions: { code: 'UNAUTHENTICATED' } },
} as const;
