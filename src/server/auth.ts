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
