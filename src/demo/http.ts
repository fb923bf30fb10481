/**
 * The one small HTTP server behind the three demo upstreams: each provider is a pure function
 * from request to response mounted under its own path prefix (`/flowker`, …), so that a single
 * port serves all three and the gateway's support for base URLs with a path prefix is exercised.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonValue } from '../domain/execution.js';

export interface DemoRequest {
  readonly method: string;
  /** The path below the provider's prefix, e.g. `/v1/executions/…` for `/flowker/v1/executions/…`. */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The request body as UTF-8 text; '' when there is none. */
  readonly body: string;
  header(name: string): string | undefined;
}

export interface DemoResponse {
  readonly status: number;
  readonly contentType?: string;
  readonly body: string;
  /**
   * A response that stays open (server-sent events): called once the head is written, with a way
   * to write and to end; returns what to stop when the connection closes. `body` is written first.
   */
  readonly stream?: (write: (chunk: string) => void, end: () => void) => () => void;
}

export type DemoHandler = (request: DemoRequest) => DemoResponse;

/** A provider: its HTTP behaviour, and a way to add an execution (a plan) to the ones it serves. */
export interface DemoUpstream<Plan> {
  readonly handle: DemoHandler;
  add(plan: Plan, startMs?: number): void;
  /** Stops what it does on its own (PromptLayer's pending callbacks). */
  close?(): void;
}

/** One of the executions `npm start` serves, with the line that the start-up banner prints for it. */
export interface DemoExample<Plan> {
  readonly plan: Plan;
  readonly description: string;
}

/** A workflow a demo upstream can start, as `startExecution` names it, with an input it accepts. */
export interface DemoWorkflow {
  readonly workflowId: string;
  readonly description: string;
  readonly input: JsonValue;
}

export const json = (status: number, value: unknown): DemoResponse => ({ status, contentType: 'application/json', body: JSON.stringify(value) });
export const text = (status: number, body: string): DemoResponse => ({ status, contentType: 'text/plain; charset=utf-8', body });
/** Some real handlers answer with a bare status code (Polos' 400 and 500): no body, no content type. */
export const empty = (status: number): DemoResponse => ({ status, body: '' });

/** Server-sent events: `frames()` is asked every `everyMs` for what to send now (null: end the stream after what it returned). */
export function eventStream(everyMs: number, frames: () => { readonly data: readonly string[]; readonly end: boolean }): DemoResponse {
  return {
    status: 200,
    contentType: 'text/event-stream',
    body: ': connected\n\n',
    stream: (write, end) => {
      const tick = () => {
        const next = frames();
        for (const data of next.data) write(`data: ${data}\n\n`);
        if (next.end) {
          clearInterval(timer);
          end();
        }
      };
      const timer = setInterval(tick, everyMs);
      tick();
      return () => clearInterval(timer);
    },
  };
}

/** Far above any real start body (Flowker refuses more than 1 MB itself); beyond it the demo answers 413. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The lower-case UUID, or null: Flowker and Polos both reject a malformed id before any lookup. */
export function parseUuid(raw: string): string | null {
  const lower = raw.toLowerCase();
  return UUID.test(lower) ? lower : null;
}

export interface DemoServer {
  readonly origin: string;
  /** Requests received, for one prefix or in all. */
  requests(prefix?: string): number;
  close(): Promise<void>;
}

export async function startDemoServer(host: string, routes: Readonly<Record<string, DemoHandler>>): Promise<DemoServer> {
  const counts = new Map<string, number>();
  let total = 0;

  const server = createServer((req, res) => {
    total += 1;
    const url = new URL(req.url ?? '/', 'http://demo');
    const [, prefix = '', ...rest] = url.pathname.split('/');
    counts.set(prefix, (counts.get(prefix) ?? 0) + 1);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const handler = routes[prefix];
      const response =
        size > MAX_BODY_BYTES
          ? text(413, `Demo upstream: request body over ${MAX_BODY_BYTES} bytes.`)
          : handler
            ? respond(handler, {
                method: req.method ?? 'GET',
                path: `/${rest.join('/')}`,
                query: url.searchParams,
                body: Buffer.concat(chunks).toString('utf8'),
                header: headerOf(req),
              })
            : text(404, `No demo upstream at /${prefix}; try ${Object.keys(routes).map((name) => `/${name}`).join(', ')}.`);
      res.writeHead(response.status, response.contentType ? { 'content-type': response.contentType } : {});
      if (!response.stream) return void res.end(response.body);
      res.write(response.body);
      const stop = response.stream(
        (chunk) => void res.write(chunk),
        () => void res.end(),
      );
      res.on('close', stop);
    });
  });
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    requests: (prefix) => (prefix === undefined ? total : (counts.get(prefix) ?? 0)),
    close: async () => {
      const closed = once(server, 'close');
      server.close();
      // The gateway keeps connections alive; without this, close would wait for them to idle out.
      server.closeAllConnections();
      await closed;
    },
  };
}

/** A bug in a handler must cost one 500, not the process (the gateway runs in the same one). */
function respond(handler: DemoHandler, request: DemoRequest): DemoResponse {
  try {
    return handler(request);
  } catch (error) {
    return text(500, `Demo upstream error: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Node joins repeated headers with ", " except a few (e.g. set-cookie) that it keeps as arrays. */
const headerOf = (req: IncomingMessage) => (name: string): string | undefined => {
  const value = req.headers[name.toLowerCase()];
  return typeof value === 'string' ? value : undefined;
};

/** The parsed JSON body, or null when it is not JSON (each provider words that refusal its own way). */
export function parseJsonBody(body: string): { readonly value: unknown } | null {
  try {
    return { value: JSON.parse(body) as unknown };
  } catch {
    return null;
  }
}

export const isJsonObject = (value: unknown): value is { readonly [key: string]: JsonValue } =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A non-empty string a workflow's input names, or the fallback (the demo timelines print it back). */
export const textIn = (input: JsonValue, key: string, fallback: string): string => {
  const value = isJsonObject(input) ? input[key] : undefined;
  return typeof value === 'string' && value !== '' ? value : fallback;
};
