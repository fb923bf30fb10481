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
  return new Promise((resolve, reject) => new CappedBody(req, maxBytes, resolve, reject));
}

/**
 * One body being read. A class rather than closures: the request path creates one per request,
 * and under tsx (`npm start`) every named closure costs a `defineProperty` of its name.
 */
class CappedBody {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly onData = this.take.bind(this);
  private readonly onEnd = this.end.bind(this);

  constructor(
    private readonly req: IncomingMessage,
    private readonly maxBytes: number,
    private readonly resolve: (body: Buffer | null) => void,
    private readonly reject: (error: Error) => void,
  ) {
    req.on('data', this.onData).on('end', this.onEnd).on('error', reject);
  }

  private take(chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size <= this.maxBytes) return void this.chunks.push(chunk);
    this.req.pause();
    this.done(null);
  }

  private end(): void {
    const { chunks } = this;
    this.done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.size));
  }

  private done(result: Buffer | null): void {
    this.req.off('data', this.onData).off('end', this.onEnd).off('error', this.reject);
    this.resolve(result);
  }
}
