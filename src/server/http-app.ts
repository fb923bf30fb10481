/**
 * The HTTP surface: health, readiness, metrics, and `/graphql` behind request ids, CORS, gateway
 * auth and body/batch limits. Every rejection is GraphQL-shaped JSON with an `extensions.code`,
 * so clients handle one error format whatever layer refused them.
 */
import { randomUUID } from 'node:crypto';
import type { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { GatewayContext } from '../graphql/context.js';
import type { KeyCheck } from './auth.js';
import type { NodeHandler } from './callbacks.js';
import type { Metrics } from './metrics.js';
import { requestContext } from './request-context.js';

export interface HttpAppOptions {
  readonly apollo: ApolloServer<GatewayContext>;
  readonly context: () => GatewayContext;
  readonly keyCheck: KeyCheck;
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxBatchOperations: number;
  readonly metrics: Metrics;
  /** Null when ready; otherwise why not (shutting down…). Extra facts go in the JSON. */
  readonly readiness: () => { ready: boolean; details: Record<string, unknown> };
  /** Upstream callbacks (`/callbacks/…`): authenticated by their own tokens, so before the gateway keys. Null: none. */
  readonly callbacks?: NodeHandler | null;
  /** Routes mounted before `/graphql` (the browser UI). */
  readonly beforeGraphQL?: (app: express.Express) => void;
}

export function sendGraphQLError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** A request id per request (the client's, if sane), carried through every await by AsyncLocalStorage. */
const withRequestContext: RequestHandler = (req, res, next) => {
  const header = req.headers['x-request-id'];
  const requestId = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  res.setHeader('x-request-id', requestId);
  requestContext.run({ requestId, upstreamCalls: 0 }, next);
};

const requireKey =
  (keyCheck: KeyCheck): RequestHandler =>
  (req, res, next) => {
    if (keyCheck(req.headers.authorization)) return next();
    res.setHeader('www-authenticate', 'Bearer');
    sendGraphQLError(res, 401, 'UNAUTHENTICATED', 'Missing or invalid gateway API key: send "Authorization: Bearer <key>".');
  };

const limitBatch =
  (max: number): RequestHandler =>
  (req, res, next) => {
    if (!Array.isArray(req.body) || req.body.length <= max) return next();
    sendGraphQLError(res, 400, 'BATCH_TOO_LARGE', `A batched request may hold at most ${max} operations (MAX_BATCH_OPERATIONS); got ${req.body.length}.`);
  };

/** body-parser's failures (too large, not JSON) as GraphQL errors instead of HTML pages. */
const bodyErrors =
  (maxBodyBytes: number): ErrorRequestHandler =>
  (error: { type?: string; status?: number }, _req, res, next) => {
    if (res.headersSent) return next(error);
    if (error.type === 'entity.too.large') {
      return sendGraphQLError(res, 413, 'PAYLOAD_TOO_LARGE', `Request body exceeds ${maxBodyBytes} bytes (MAX_BODY_BYTES).`);
    }
    if (error.type === 'entity.parse.failed') return sendGraphQLError(res, 400, 'BAD_REQUEST', 'Request body is not valid JSON.');
    if (error.status && error.status >= 400 && error.status < 500) {
      return sendGraphQLError(res, error.status, 'BAD_REQUEST', 'The request could not be read.');
    }
    sendGraphQLError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error.');
  };

export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
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
  // With no allowed origin, cors() does nothing but call next(): keep it off the request path.
  const corsHandlers = options.corsOrigins.length > 0 ? [cors({ origin: corsOrigin(options.corsOrigins), credentials: false, maxAge: 600 })] : [];
  app.use(
    '/graphql',
    withRequestContext,
    ...corsHandlers,
    requireKey(options.keyCheck),
    express.json({ limit: options.maxBodyBytes }),
    limitBatch(options.maxBatchOperations),
    expressMiddleware(options.apollo, { context: async () => options.context() }),
  );
  app.use(bodyErrors(options.maxBodyBytes));
  return app;
}

const corsOrigin = (origins: readonly string[]): boolean | string[] =>
  origins.includes('*') ? true : origins.length > 0 ? [...origins] : false;
