/**
 * Reading a request body up to a cap: the one way the gateway's own endpoints (GraphQL over HTTP
 * and SSE, upstream callbacks) take a body. Read with plain 'data' events: a stream's async
 * iterator costs several promises per request on the hot path.
 */
import type { IncomingMessage } from 'node:http';

/**
 * The whole body, or null as soon as it is known to exceed `maxBytes` (by its declared length, or
 * as it arrives). On null the rest is left unread: the caller drains it (`req.resume()`, keeping the
 * connection) or leaves it and closes the connection. Rejects when the request fails.
 */
export function readCappedBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | null> {
  if (Number(req.headers['content-length'] ?? 0) > maxBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (result: Buffer | null) => {
      req.off('data', onData).off('end', onEnd).off('error', reject);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      req.pause();
      done(null);
    };
    const onEnd = () => done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req.on('data', onData).on('end', onEnd).on('error', reject);
  });
}
