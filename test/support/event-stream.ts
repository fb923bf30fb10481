/**
 * A raw Server-Sent Events reader (what curl -N shows, parsed): for protocol-level tests of
 * `/graphql/stream`, where graphql-sse's client would hide status codes and single-connection
 * bookkeeping.
 */
import { request } from 'undici';

export interface StreamEvent {
  readonly event: string;
  /** The `data` field, parsed as JSON when it is JSON (graphql-sse's `complete` of a distinct stream has none). */
  readonly data: any;
}

export interface EventStream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly events: StreamEvent[];
  /** Every byte received, as text. */
  readonly raw: () => string;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Resolves with the first (already received or future) event matching the predicate. */
  next(predicate: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** Drops the connection, as a client going away does. */
  close(): void;
}

export async function openEventStream(
  url: string,
  options: { method?: 'GET' | 'POST'; headers?: Record<string, string>; body?: string } = {},
): Promise<EventStream> {
  const abort = new AbortController();
  const response = await request(url, {
    method: options.method ?? 'GET',
    headers: { accept: 'text/event-stream', ...options.headers },
    ...(options.body === undefined ? {} : { body: options.body }),
    signal: abort.signal,
  });
  const events: StreamEvent[] = [];
  const waiters: (() => void)[] = [];
  let text = '';
  let pending = '';
  const ended = (async () => {
    try {
      for await (const chunk of response.body) {
        text += String(chunk);
        pending += String(chunk);
        let boundary: number;
        while ((boundary = pending.indexOf('\n\n')) !== -1) {
          const message = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          const event = parse(message);
          if (event) events.push(event);
        }
        for (const wake of waiters.splice(0)) wake();
      }
    } catch {
      // aborted by close()
    }
    for (const wake of waiters.splice(0)) wake();
  })();
  return {
    status: response.statusCode,
    headers: response.headers,
    events,
    raw: () => text,
    ended,
    next: (predicate, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching event in ${timeoutMs} ms: ${text}`)), timeoutMs);
        const check = () => {
          const found = events.find(predicate);
          if (found) {
            clearTimeout(timer);
            resolve(found);
          } else {
            waiters.push(check);
          }
        };
        check();
      }),
    close: () => abort.abort(),
  };
}

/** One message: `event:` and `data:` lines; a comment-only message (graphql-sse's keep-alive `:`) is none. */
function parse(message: string): StreamEvent | null {
  let event = '';
  const data: string[] = [];
  for (const line of message.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trim());
  }
  if (!event) return null;
  const joined = data.join('\n');
  let parsed: unknown = joined;
  try {
    parsed = joined ? JSON.parse(joined) : null;
  } catch {
    // not JSON: kept as text
  }
  return { event, data: parsed };
}
