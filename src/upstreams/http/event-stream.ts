/**
 * Long-lived server-sent-event requests to one upstream (Polos' `GET /api/v1/events/stream`).
 * Beside the request/response client rather than inside it: a stream holds its connection for as
 * long as it is followed, so streams get a pool of their own, sized to the number of streams
 * allowed, and never take the sockets that polls and queries need. Nothing here is retried: the
 * caller decides when to reconnect (and from which sequence). Frames are split with
 * eventsource-parser; what a frame *means* is left to the adapter.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createParser } from 'eventsource-parser';
import { Pool, errors as undiciErrors } from 'undici';
import { GatewayError } from '../../domain/errors.js';
import { providerName, type Provider } from '../../domain/ids.js';
import type { HttpObserver } from './client.js';

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
   * Resolves once the upstream answered 200 with an event stream (rejects with a GatewayError
   * otherwise); from then on `onData` gets the `data` of each frame, synchronously as it arrives
   * (comments, such as SSE keep-alive lines, are dropped: no promise per frame, streams are busy).
   * `ended` settles when the stream ends: resolved when the upstream closes it or the signal
   * aborts, rejected when the connection drops or goes idle.
   */
  async open(request: EventStreamRequest, onData: (data: string) => void): Promise<{ readonly ended: Promise<void> }> {
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
      return { ended: this.pump(response.body, request.signal, onData) };
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

  private pump(body: Readable, signal: AbortSignal, onData: (data: string) => void): Promise<void> {
    const { provider, maxFrameBytes } = this.options;
    return new Promise((resolve, reject) => {
      const parser = createParser({
        onEvent: (message) => onData(message.data),
        onError: (error) => {
          if (error.type === 'max-buffer-size-exceeded') {
            body.destroy(new GatewayError('UPSTREAM_BAD_RESPONSE', `${providerName(provider)} sent an event larger than ${maxFrameBytes} bytes.`, provider));
          }
        },
        maxBufferSize: maxFrameBytes,
      });
      // Not setEncoding: undici's body hands out Buffers whatever it is told. A character split across chunks is joined.
      const decoder = new StringDecoder('utf8');
      body.on('data', (chunk: Buffer) => {
        try {
          parser.feed(decoder.write(chunk));
        } catch (error) {
          body.destroy(error as Error); // a bug in a frame's handler ends this stream, never the process
        }
      });
      body.once('end', () => resolve());
      body.once('error', (error) => {
        if (signal.aborted) return resolve();
        if (error instanceof GatewayError) return reject(error);
        const idle = error instanceof undiciErrors.BodyTimeoutError;
        reject(new GatewayError(idle ? 'UPSTREAM_TIMEOUT' : 'UPSTREAM_UNAVAILABLE', `${providerName(provider)}'s event stream ${idle ? 'went silent' : 'dropped'}.`, provider, { cause: error }));
      });
      // A destroyed body that never reports an error (closed without one) has ended too.
      body.once('close', () => resolve());
    });
  }
}

function refusal(provider: Provider, status: number, type: string): GatewayError {
  const name = providerName(provider);
  if (status === 401 || status === 403) return new GatewayError('UPSTREAM_UNAUTHORIZED', `${name} refused the event stream (HTTP ${status}).`, provider);
  if (status === 200) return new GatewayError('UPSTREAM_BAD_RESPONSE', `${name} answered the event stream with ${type || 'no content type'}, not text/event-stream.`, provider);
  return new GatewayError('UPSTREAM_UNAVAILABLE', `${name} refused the event stream (HTTP ${status}).`, provider);
}
