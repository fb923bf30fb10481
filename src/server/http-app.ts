/**
 * The HTTP surface. `/graphql`, the hot path, is served on node:http directly: request id, CORS,
 * gateway auth, CSRF prevention, body and batch limits, then GraphQL over HTTP
 * (`http-transport.ts`: graphql-http's handler in front of the operation pipeline). Everything
 * else (health, readiness, metrics, the browser UI) goes through a small Express app. Every
 * rejection is GraphQL-shaped JSON with an `extensions.code`, so clients handle one error format
 * whatever layer refused them.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import cors from 'cors';
import express from 'express';
import type { GraphQLError } from 'graphql';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import { badRequestError, type HttpOperationHandler, type HttpRequest } from './http-transport.js';
import { MISSING_KEY, type KeyCheck } from './auth.js';
import { readCappedBody } from './body.js';
import type { NodeHandler } from './callbacks.js';
import { limitExceeded } from './limits.js';
import type { Metrics } from './metrics.js';
import { requestIdFor } from './request-context.js';

export interface HttpAppOptions {
  /** GraphQL over HTTP, one operation at a time (http-transport.ts). */
  readonly graphql: HttpOperationHandler;
  /** The operations' context, for the request they came in (a batch shares one). */
  readonly context: (facts: RequestFacts) => GatewayContext;
  readonly keyCheck: KeyCheck;
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxBatchOperations: number;
  readonly metrics: Metrics;
  /** Whether the gateway takes traffic, and extra facts for the JSON (providers, Redis). */
  readonly readiness: () => { ready: boolean; details: Record<string, unknown> };
  /** Upstream callbacks (`/callbacks/…`): authenticated by their own tokens, so before the gateway keys. Null: none. */
  readonly callbacks?: NodeHandler | null;
  /** Routes mounted before `/graphql` (the browser UI). */
  readonly beforeGraphQL?: (app: express.Express) => void;
}

const GRAPHQL_PATH = '/graphql';

export function createHttpApp(options: HttpAppOptions): RequestListener {
  const graphql = graphqlHandler(options);
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.get('/healthz', (_req, res) => void res.json({ status: 'ok' }));
  app.get('/readyz', (_req, res) => {
    const { ready, details } = options.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', ...details });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', options.metrics.registry.contentType);
    res.send(await options.metrics.registry.metrics());
  });
  if (options.callbacks) app.post('/callbacks/*path', (req, res) => void options.callbacks?.(req, res));
  options.beforeGraphQL?.(app);
  app.use(GRAPHQL_PATH, (req, res) => void graphql(req, res));
  return (req, res) => {
    if (req.method === 'POST' && pathOf(req.url) === GRAPHQL_PATH) void graphql(req, res);
    else app(req, res);
  };
}

/** A request URL's path, without its search. */
export function pathOf(url: string | undefined = ''): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/** `/graphql` on raw node:http: nothing here allocates more than the request needs. */
function graphqlHandler(options: HttpAppOptions): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  const allowOrigin = corsFor(options.corsOrigins);
  const serve = async (req: IncomingMessage, res: ServerResponse, facts: RequestFacts): Promise<void> => {
    if (allowOrigin && !(await passes(allowOrigin, req, res))) return; // a preflight, answered
    if (req.method !== 'GET' && req.method !== 'POST') {
      res.setHeader('allow', 'GET, POST');
      return sendErrors(res, 405, [badRequestError('GraphQL over HTTP takes GET and POST.')]);
    }
    if (!options.keyCheck(req.headers.authorization)) {
      res.setHeader('www-authenticate', MISSING_KEY.headers['www-authenticate']);
      return sendErrors(res, MISSING_KEY.status, [MISSING_KEY.error]);
    }
    if (!preflighted(req)) return sendErrors(res, 400, [CSRF_REFUSAL]);
    const body = req.method === 'POST' ? await readBody(req, options.maxBodyBytes) : null;
    if (body instanceof BodyRefusal) return sendErrors(res, body.status, [body.error]);
    if (body === undefined && req.method === 'POST' && !isJson(req.headers['content-type'])) return sendErrors(res, 415, [UNSUPPORTED_BODY]);
    const context = { facts, gateway: options.context(facts), headers: new NodeRequestHeaders(req) };
    if (!Array.isArray(body)) return sendResponse(res, await options.graphql(httpRequest(req, context, body)));
    if (body.length > options.maxBatchOperations) {
      const refusal = limitExceeded('MAX_BATCH_OPERATIONS', options.maxBatchOperations, `A batched request holds ${body.length} operations, more than one request may`, {
        operations: body.length,
      });
      return sendErrors(res, 400, [refusal.toJSON()]);
    }
    // A batch: its operations run together (one context: their lookups are batched and
    // deduplicated as one), and the answer is the array of their results.
    const responses = await Promise.all(body.map((entry) => options.graphql(httpRequest(req, context, entry))));
    const text = `[${responses.map(([result]) => result ?? 'null').join(',')}]`;
    sendResponse(res, [text, { status: 200, statusText: 'OK', headers: { 'content-type': 'application/json; charset=utf-8' } }]);
  };
  return (req, res) => {
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    return serve(req, res, { requestId, upstreamCalls: 0 }).catch(() => {
      if (!res.headersSent) sendErrors(res, 500, [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
      else res.destroy();
    });
  };
}

/** CORS_ORIGINS as connect-style middleware; null with no allowed origin: nothing for CORS to do, keep it off the request path. */
export const corsFor = (origins: readonly string[]) => (origins.length > 0 ? cors({ origin: corsOrigin(origins), credentials: false, maxAge: 600 }) : null);

/** Runs connect-style middleware (cors); false when it answered the request itself. */
export const passes = (middleware: (req: IncomingMessage, res: ServerResponse, next: () => void) => void, req: IncomingMessage, res: ServerResponse): Promise<boolean> =>
  new Promise((resolve) => {
    res.once('finish', () => resolve(false));
    middleware(req, res, () => resolve(true));
  });

export function sendErrors(res: ServerResponse, status: number, errors: readonly ReturnType<GraphQLError['toJSON']>[]): void {
  const text = JSON.stringify({ errors });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export class BodyRefusal {
  constructor(
    readonly status: number,
    readonly error: ReturnType<GraphQLError['toJSON']>,
  ) {}
}

const badRequest = (message: string) => new BodyRefusal(400, badRequestError(message));

/**
 * The parsed JSON body of a JSON request (an object or an array, as express.json's strict mode),
 * undefined for any other content type (refused with 415 below).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const encoding = req.headers['content-encoding'];
  if (encoding !== undefined && encoding.toLowerCase() !== 'identity') {
    req.resume();
    return Promise.resolve(new BodyRefusal(415, badRequestError(`Content-Encoding "${encoding.slice(0, 32)}" is not supported: send the body uncompressed.`)));
  }
  return readCappedBody(req, maxBytes).then(
    (body) => {
      if (body === null) {
        req.resume(); // drain the rest: the connection stays usable for the answer
        return bodyTooLarge(maxBytes);
      }
      return isJson(req.headers['content-type']) ? parseJsonBody(body) : undefined;
    },
    () => badRequest('The request could not be read.'),
  );
}

const bodyTooLarge = (maxBytes: number): BodyRefusal =>
  new BodyRefusal(413, limitExceeded('MAX_BODY_BYTES', maxBytes, 'The request body is larger than the gateway accepts, in bytes').toJSON());

function parseJsonBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.length === 0) return undefined;
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') return badRequest('Request body is not valid JSON.');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return badRequest('Request body is not valid JSON.');
  }
}

const isJson = (contentType: string | undefined): boolean => {
  const type = contentType?.split(';', 1)[0]!.trim().toLowerCase();
  return type === 'application/json';
};

/**
 * The request's headers as the pipeline reads them (tracing's `traceparent`). A class, as the
 * other per-request objects of this path: no closure to allocate (or, under tsx, to name).
 */
class NodeRequestHeaders {
  constructor(private readonly req: IncomingMessage) {}

  get(name: string): string | undefined {
    const value = this.req.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  }
}

/** One operation of the request (a batch has several), as graphql-http's handler takes it. */
const httpRequest = (req: IncomingMessage, context: HttpRequest['context'], entry: unknown): HttpRequest => ({
  method: req.method ?? 'GET',
  url: req.url ?? GRAPHQL_PATH,
  headers: req.headers,
  body: entry as HttpRequest['body'],
  raw: req,
  context,
});

function sendResponse(res: ServerResponse, [body, init]: Awaited<ReturnType<HttpOperationHandler>>): void {
  res.writeHead(init.status, { ...init.headers, 'content-length': body === null ? 0 : Buffer.byteLength(body) });
  res.end(body ?? undefined);
}

/**
 * CSRF prevention, as Apollo Server's: a browser sends a cross-site GET, or a POST of a "simple"
 * content type, without a preflight, so such requests must carry a header no simple request can
 * (a non-simple `content-type`, `apollo-require-preflight` or `x-apollo-operation-name`).
 */
const SIMPLE_CONTENT_TYPES = new Set(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data']);

function preflighted(req: IncomingMessage): boolean {
  const type = req.headers['content-type']?.split(';', 1)[0]!.trim().toLowerCase();
  if (type && !SIMPLE_CONTENT_TYPES.has(type)) return true;
  return Boolean(req.headers['apollo-require-preflight'] || req.headers['x-apollo-operation-name']);
}

const CSRF_REFUSAL = badRequestError(
  "This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight",
);

const UNSUPPORTED_BODY = badRequestError('A GraphQL POST body is JSON: send it with content-type application/json.');

const corsOrigin = (origins: readonly string[]): boolean | string[] => (origins.includes('*') ? true : [...origins]);
