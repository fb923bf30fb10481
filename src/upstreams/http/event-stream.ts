/**
 * Long-lived server-sent-event requests to one upstream (Polos' `GET /api/v1/events/stream`).
 * Beside the request/response client rather than inside it: a stream holds its connection for as
 * long as it is followed, so streams get a pool of their own, sized to the number of streams
 * allowed, and never take the sockets that polls and queries need. Nothing here is retried: the
 * caller decides when to reconnect (and from which sequence). Frames are split with
 * eventsource-parser; what a frame *means* is left to the adapter.
 */
import { createParser } from 'eventsource-parser';
import { Pool, errors as undiciErrors } from 'undici';
import { GatewayError } from '../../domain/errors.js';
import type { Provider } from '../../domain/ids.js';
import { providerName, type HttpObserver } from './client.js';

export interface EventStreamOptions {
  readonly provider: Provider;
  /** Origin with an optional path prefix, as for the request client. */
  readonly baseUrl: string;
  /** Credentials, sent on every stream. Never logged. */
  readonly headers: Readonly<Record<string, string>>;
  readonly connectTimeoutMs: number;
  /** How long to wait for the response headers. */
  readonly headersTimeoutMs: number;
  /** A stream that sends nothing (not even a keepalive) for this long is dead: it fails. */
  readonly idleTimeoutMs: number;
  /** Streams held at once: the size of the pool. */
  readonly maxStreams: number;
  /** One frame larger than this fails the stream (UPSTREAM_BAD_RESPONSE). */
  readonly maxFrameBytes: number;
  readonly observer?: HttpObserver | undefined;
}

export interface EventStreamRequest {
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** For metrics, as for the request client. */
  readonly endpoint: string;
  /** Aborting it ends the stream quietly (the iterator just finishes). */
  readonly signal: AbortSignal;
}

export class EventStreamClient {
  private readonly pool: Pool;
  private readonly pathPrefix: string;

  constructor(private readonly options: EventStreamOptions) {
    const base = new URL(options.baseUrl);
    this.pathPrefix = base.pathname.replace(/\/+$/, '');
    this.pool = new Pool(base.origin, {
      connections: Math.max(1, options.maxStreams),
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.idleTimeoutMs, // undici's "time between two chunks": exactly an idle timeout
    });
  }

  /**
   * Resolves once the upstream answered 200 with an event stream, with the `data` of each frame
   * (comments, such as SSE keep-alive lines, are dropped); rejects with a GatewayError otherwise.
   * The iterator fails when the connection drops or goes idle, and finishes when the upstream
   * closes the stream or the signal aborts.
   */
  async open(request: EventStreamRequest): Promise<AsyncIterable<string>> {
    const started = performance.now();
    const name = providerName(this.options.provider);
    let outcome = 'network_error';
    try {
      const response = await this.pool.request({
        method: 'GET',
        path: `${this.pathPrefix}${request.path}?${new URLSearchParams(request.query).toString()}`,
        headers: { accept: 'text/event-stream', ...this.options.headers },
        signal: request.signal,
      });
      outcome = String(response.statusCode);
      const type = String(response.headers['content-type'] ?? '');
      if (response.statusCode !== 200 || !type.startsWith('text/event-stream')) {
        await response.body.dump().catch(() => {});
        throw refusal(this.options.provider, response.statusCode, type);
      }
      return this.frames(response.body, request.signal);
    } catch (error) {
      if (error instanceof GatewayError) throw error;
      if (error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) outcome = 'timeout';
      throw new GatewayError('UPSTREAM_UNAVAILABLE', `${name}'s event stream could not be opened.`, this.options.provider, { cause: error });
    } finally {
      this.options.observer?.onAttempt?.({ provider: this.options.provider, endpoint: request.endpoint, outcome, durationMs: performance.now() - started });
    }
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }

  private async *frames(body: AsyncIterable<Buffer | string> & { setEncoding(encoding: 'utf8'): unknown; destroy(): void }, signal: AbortSignal): AsyncGenerator<string> {
    const pending: string[] = [];
    let tooLarge = false;
    const parser = createParser({
      onEvent: (message) => void pending.push(message.data),
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') tooLarge = true;
      },
      maxBufferSize: this.options.maxFrameBytes,
    });
    body.setEncoding('utf8');
    try {
      for await (const chunk of body) {
        parser.feed(String(chunk));
        if (tooLarge) {
          throw new GatewayError('UPSTREAM_BAD_RESPONSE', `${providerName(this.options.provider)} sent an event larger than ${this.options.maxFrameBytes} bytes.`, this.options.provider);
        }
        while (pending.length > 0) yield pending.shift()!;
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof GatewayError) throw error;
      const idle = error instanceof undiciErrors.BodyTimeoutError;
      throw new GatewayError(idle ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', `${providerName(this.options.provider)}'s event stream ${idle ? 'went silent' : 'dropped'}.`, this.options.provider, { cause: error });
    } finally {
      body.destroy();
    }
  }
}

function refusal(provider: Provider, status: number, type: string): GatewayError {
  const name = providerName(provider);
  if (status === 401 || status === 403) return new GatewayError('UPSTREAM_UNAUTHORIZED', `${name} refused the event stream (HTTP ${status}).`, provider);
  if (status === 200) return new GatewayError('UPSTREAM_BAD_RESPONSE', `${name} answered the event stream with ${type || 'no content type'}, not text/event-stream.`, provider);
  return new GatewayError('UPSTREAM_UNAVAILABLE', `${name} refused the event stream (HTTP ${status}).`, provider);
}
