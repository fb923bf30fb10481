/**
 * The one fake upstream of the suite: a real HTTP server on port 0 that records every request and
 * answers from a handler the test controls (status, body, headers, delays, hangs, resets, or a
 * response the test writes itself). Bodies come from test/support/payloads.ts.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  /** 0-based order of arrival: "the first request fails, the second succeeds". */
  readonly index: number;
  readonly method: string;
  /** The path with its query string, as sent. */
  readonly url: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The body's bytes, for bodies that are not text (protobuf). */
  readonly rawBody: Buffer;
}

export interface FakeResponse {
  readonly status?: number;
  /** A string is sent as is; anything else as JSON. */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly delayMs?: number;
  /** Never answer (until the server closes). */
  readonly hang?: boolean;
  /** Drop the connection without a response. */
  readonly reset?: boolean;
  /** Take over the response (server-sent events): the function writes the head and frames, and ends it if ever. */
  readonly stream?: (res: ServerResponse) => void;
}

export type FakeHandler = (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

export interface FakeUpstream {
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** Requests whose path starts with the prefix (all when omitted). */
  count(pathPrefix?: string): number;
  setHandler(handler: FakeHandler): void;
  close(): Promise<void>;
}

export async function startFakeUpstream(handler: FakeHandler): Promise<FakeUpstream> {
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let current = handler;

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      index: requests.length,
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: rawBody.toString('utf8'),
      rawBody,
    };
    requests.push(recorded);
    const response = await current(recorded);
    if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs));
    if (response.hang) return;
    if (response.stream) return response.stream(res);
    if (response.reset) {
      req.socket.destroy();
      return;
    }
    const body = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    res.writeHead(response.status ?? 200, { 'content-type': 'application/json', ...response.headers });
    res.end(body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    count: (prefix) => requests.filter((request) => prefix === undefined || request.path.startsWith(prefix)).length,
    setHandler: (next) => {
      current = next;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A port nothing listens on: bound once, then released (for "connection refused", or to bind later). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
