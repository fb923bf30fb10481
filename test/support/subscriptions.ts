/** Real graphql-ws (over `ws`) and graphql-sse clients, and a helper that records one subscription's stream. */
import { createClient as createSseClient, type Client as SseClient } from 'graphql-sse';
import { createClient, type Client, type FormattedExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';

export function wsClient(httpUrl: string, connectionParams?: Record<string, unknown>): Client {
  return createClient({
    url: httpUrl.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
  });
}

/**
 * A graphql-sse client for `/graphql/stream`: "distinct connections" mode by default, "single
 * connection" mode with `singleConnection`.
 */
export function sseClient(httpUrl: string, options: { singleConnection?: boolean; headers?: Record<string, string> } = {}): SseClient {
  // A copy: in single connection mode graphql-sse's client adds the stream token to the object it is given.
  return createSseClient({ url: `${httpUrl}/stream`, retryAttempts: 0, singleConnection: options.singleConnection ?? false, headers: { ...options.headers } }) as SseClient;
}

/** What both clients have in common: subscribe with a payload and a sink, get the unsubscribe function. */
interface Subscriber {
  subscribe(
    payload: { query: string; variables: Record<string, unknown> },
    // graphql-ws types events as formatted results, graphql-sse as ExecutionResult: the JSON is the same.
    sink: { next(event: any): void; error(error: unknown): void; complete(): void },
  ): () => void;
}

export interface RecordedStream {
  readonly events: FormattedExecutionResult<Record<string, any>, unknown>[];
  /** Resolves when the server completes the stream, or rejects with its error. */
  readonly done: Promise<void>;
  unsubscribe(): void;
}

export function record(client: Subscriber, query: string, variables: Record<string, unknown> = {}): RecordedStream {
  const events: FormattedExecutionResult<Record<string, any>, unknown>[] = [];
  let unsubscribe = () => {};
  const done = new Promise<void>((resolve, reject) => {
    unsubscribe = client.subscribe(
      { query, variables },
      { next: (event) => void events.push(event), complete: resolve, error: reject },
    );
  });
  done.catch(() => {}); // observed by the test when it cares
  return { events, done, unsubscribe: () => unsubscribe() };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls a condition (for states with no event to await, e.g. "the poller has stopped"). */
export async function eventually(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
