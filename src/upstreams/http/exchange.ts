/**
 * One HTTP request/response over undici's `dispatch`, the body collected into one string.
 *
 * Why not `pool.request()`: for every call it builds an AsyncResource, a Readable for the body
 * and an abort listener on an AbortSignal (which the caller must create per attempt to bound
 * it). A gateway read is a small JSON body read whole, so none of that is needed: the handler
 * below takes the chunks as they arrive, caps their size, and settles one promise. It is the
 * largest share of an upstream call's CPU that the gateway itself controls (docs/benchmarks.md).
 */
import type { Dispatcher } from 'undici';

/** The answer as the client hands it to adapters (client.ts `UpstreamResponse`). */
export interface Exchange {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw body text; adapters parse it (some need a lossless JSON parser). */
  readonly body: string;
}

export interface ExchangeOptions {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string | null;
  /** Whole exchange, headers and body: past it the request is aborted with a `TimeoutError`. */
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  /** The error for a body over `maxBodyBytes` (the socket is dropped, the rest never read). */
  readonly tooLarge: () => Error;
}

export function exchange(dispatcher: Dispatcher, options: ExchangeOptions): Promise<Exchange> {
  return new Promise((resolve, reject) => {
    const handler = new CollectingHandler(options, resolve, reject);
    dispatcher.dispatch({ method: options.method, path: options.path, headers: options.headers, body: options.body }, handler);
  });
}

/** undici's DispatchHandler that collects the body; settles its promise exactly once. */
class CollectingHandler implements Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private status = 0;
  private headers: Exchange['headers'] = {};
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private settled = false;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly options: ExchangeOptions,
    private readonly resolve: (exchange: Exchange) => void,
    private readonly reject: (error: unknown) => void,
  ) {
    this.timer = setTimeout(() => this.abort(timeoutError()), options.timeoutMs).unref();
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    // Timed out while queued in the pool: the request is dropped before it is written.
    if (this.settled) controller.abort(timeoutError());
  }

  onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[]>): void {
    this.status = status;
    this.headers = headers;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.size += chunk.length;
    if (this.size > this.options.maxBodyBytes) return this.abort(this.options.tooLarge());
    this.chunks.push(chunk);
  }

  onResponseEnd(): void {
    const { chunks } = this;
    const body = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, this.size).toString('utf8');
    this.settle(() => this.resolve({ status: this.status, headers: this.headers, body }));
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.settle(() => this.reject(error));
  }

  /** Settles with `error` now and tells undici to drop the request (or, once it starts, at once). */
  private abort(error: Error): void {
    this.settle(() => this.reject(error));
    this.controller?.abort(error);
  }

  private settle(outcome: () => void): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    outcome();
  }
}

/** What `AbortSignal.timeout` would abort with: the client classifies it as UPSTREAM_TIMEOUT. */
const timeoutError = (): Error => new DOMException('The operation was aborted due to timeout', 'TimeoutError');
