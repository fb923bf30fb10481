/**
 * GraphQL over Server-Sent Events (graphql-sse) at `/graphql/stream`, in both of the protocol's
 * modes: "distinct connections" (each operation its own event stream: a GET with `?query=` or a
 * POST that accepts `text/event-stream`) and "single connection" (PUT reserves a stream token, a
 * GET with the token opens the stream, POSTs with the token add operations to it, DELETE with
 * `?operationId=` stops one). A thin adapter from graphql-sse's hooks to the operation pipeline,
 * as websocket.ts is for graphql-ws: parsing, limits, execution, masking, the log line and metrics
 * are the pipeline's. What is the stream's own:
 *
 * - the gateway key in `Authorization` on every request (else 401, as on HTTP); the body is read
 *   as `POST /graphql` reads it (MAX_BODY_BYTES, JSON only), CORS is CORS_ORIGINS';
 * - MAX_SUBSCRIPTIONS_PER_SOCKET operations per single-connection stream (a distinct connection
 *   holds one operation, as a socket holding one subscription would);
 * - a reserved stream that is not opened within `reservationTimeoutMs` is dropped with its
 *   operations (graphql-sse would keep it, polling and buffering, for ever);
 * - refusals (a limit, a syntax error, a trusted-documents refusal) are sent as the stream's
 *   one `next` event with `errors`, then `complete`, as graphql-sse does for validation errors.
 *
 * `handle(req, res)` is a plain node:http handler: the server routes `/graphql/stream` to it
 * before anything else, whatever serves the other routes.
 */
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ExecutionArgs, ExecutionResult, GraphQLError, GraphQLSchema } from 'graphql';
import { createHandler, TOKEN_HEADER_KEY, TOKEN_QUERY_KEY, type Request, type Response } from 'graphql-sse';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import type { Logger } from '../logger.js';
import { MISSING_KEY, type KeyCheck } from './auth.js';
import { BodyRefusal, corsFor, passes, pathOf, readBody, sendErrors } from './http-app.js';
import { limitExceeded } from './limits.js';
import type { Operation, Pipeline } from './pipeline/index.js';
import { newRequestId, requestIdFor } from './request-context.js';

const SSE_PATH = '/graphql/stream';

export interface SseOptions {
  readonly schema: GraphQLSchema;
  readonly pipeline: Pipeline;
  readonly context: (facts: RequestFacts) => GatewayContext;
  readonly keyCheck: KeyCheck;
  readonly logger: Logger;
  readonly corsOrigins: readonly string[];
  readonly maxBodyBytes: number;
  readonly maxOperationsPerStream: number;
  /** How long a reserved single-connection stream may wait to be opened. */
  readonly reservationTimeoutMs: number;
}

export interface SseTransport {
  /** Whether a request is for this transport (its path is SSE_PATH). */
  handles(req: IncomingMessage): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** Ends every open stream (their operations end too) and drops every reservation. */
  dispose(): Promise<void>;
}

/** What the adapter hands graphql-sse's hooks with each request. */
interface SseRequestContext {
  readonly requestId: string;
  readonly documentId: unknown;
  /** The adapter's own request (dropping an expired reservation): no key to check. */
  readonly internal?: boolean;
}

type SseRequest = Request<IncomingMessage | null, SseRequestContext>;

const json = (status: number, statusText: string, body: unknown, headers: Record<string, string> = {}): Response => [
  JSON.stringify(body),
  { status, statusText, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } },
];

const unauthenticated = json(MISSING_KEY.status, 'Unauthorized', { errors: [MISSING_KEY.error] }, MISSING_KEY.headers);

export function createSseTransport(options: SseOptions): SseTransport {
  const { schema, pipeline, maxOperationsPerStream } = options;
  /** graphql-sse hands the arguments onSubscribe returned to execute/subscribe: that is how they find their operation. */
  const operations = new WeakMap<ExecutionArgs, Operation>();
  /** The operations of each single-connection stream, by token (ended ones are pruned as they complete). */
  const streamOperations = new Map<string, Set<Operation>>();
  const reservations = new Map<string, NodeJS.Timeout>();
  const openStreams = new Set<AsyncGenerator<string>>();
  const cors = corsFor(options.corsOrigins);

  const run = (args: ExecutionArgs) => {
    const operation = operations.get(args);
    if (!operation) throw new Error('execution arguments that did not come from onSubscribe');
    operations.delete(args); // found once: no entry kept for the operation's life
    // The pipeline's results are formatted already; graphql-sse sends them as they are.
    return operation.execute(args.contextValue) as Promise<ExecutionResult | AsyncGenerator<ExecutionResult>>;
  };

  /** The one result a refused operation's stream carries (graphql-sse sends it as `next`, then `complete`). */
  const refusal = (errors: readonly GraphQLError[]): ExecutionResult =>
    // `data` present (and left out of the JSON): how graphql-sse tells a result from its arguments.
    ({ data: undefined, errors: errors.map((error) => error.toJSON()) }) as unknown as ExecutionResult;

  const handler = createHandler<IncomingMessage | null, SseRequestContext>({
    schema,
    // The pipeline has validated the document (with the gateway's limits) before graphql-sse sees it.
    validate: () => [],
    authenticate: (req) => {
      if (!req.context.internal && !options.keyCheck(req.headers.get('authorization'))) return unauthenticated;
      return tokenOf(req) ?? randomUUID();
    },
    onSubscribe: async (req, params) => {
      const operation = pipeline.begin({
        transport: 'sse',
        request: { ...params, documentId: req.context.documentId },
        headers: req.headers,
        facts: { requestId: req.context.requestId, upstreamCalls: 0 },
      });
      const token = isStreamOperation(req) ? tokenOf(req) : null;
      if (token) {
        const held = streamOperations.get(token) ?? new Set();
        streamOperations.set(token, held);
        prune(held);
        if (held.size >= maxOperationsPerStream) {
          return refusal(operation.refuse(limitExceeded('MAX_SUBSCRIPTIONS_PER_SOCKET', maxOperationsPerStream, 'This event stream has as many operations as it may hold')));
        }
        held.add(operation);
      }
      const prepared = await operation.prepare();
      if (!prepared.ok) return refusal(prepared.errors);
      const args: ExecutionArgs = { schema, document: prepared.document, operationName: params.operationName ?? null, variableValues: operation.variables, contextValue: options.context(operation.facts) };
      operations.set(args, operation);
      return args as ExecutionArgs & { contextValue: undefined };
    },
    execute: run,
    subscribe: run,
    onComplete: (_ctx, req) => {
      const token = tokenOf(req);
      const held = token ? streamOperations.get(token) : undefined;
      if (!held) return;
      prune(held);
      if (held.size === 0) streamOperations.delete(token!);
    },
  });

  /** Opens an expired reservation's stream and closes it at once: graphql-sse then forgets it and ends its operations. */
  const dropReservation = async (token: string): Promise<void> => {
    reservations.delete(token);
    const [body] = await handler({
      method: 'GET',
      url: SSE_PATH,
      headers: { get: (name) => (name === 'accept' ? 'text/event-stream' : name === TOKEN_HEADER_KEY ? token : undefined) },
      body: null,
      raw: null,
      context: { requestId: newRequestId(), documentId: undefined, internal: true },
    });
    if (typeof body === 'object' && body !== null) await body.return(undefined);
  };

  const reserve = (token: string) =>
    reservations.set(token, setTimeout(() => void dropReservation(token), options.reservationTimeoutMs).unref());

  const opened = (token: string | null) => {
    if (!token) return;
    clearTimeout(reservations.get(token));
    reservations.delete(token);
  };

  async function serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = requestIdFor(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    if (cors && !(await passes(cors, req, res))) return; // a preflight, answered
    const body = req.method === 'POST' ? await readBody(req, options.maxBodyBytes) : undefined;
    if (body instanceof BodyRefusal) return sendErrors(res, body.status, [body.error]);
    const request = graphQLRequestOf(req, body);
    const sseRequest: SseRequest = {
      method: req.method ?? 'GET',
      url: request.url,
      headers: { get: (name) => headerOf(req, name) },
      body: request.body,
      raw: req,
      context: { requestId, documentId: request.documentId },
    };
    const response = await handler(sseRequest);
    const [stream, init] = response;
    if (req.method === 'PUT' && init.status === 201 && typeof stream === 'string') reserve(stream);
    if (typeof stream === 'object' && stream !== null) {
      opened(tokenOf(sseRequest));
      return pipe(res, init, stream);
    }
    send(res, response);
  }

  async function pipe(res: ServerResponse, init: Response[1], stream: AsyncGenerator<string>): Promise<void> {
    openStreams.add(stream);
    const stop = () => void stream.return(undefined);
    res.once('close', stop);
    res.writeHead(init.status, init.statusText, init.headers);
    try {
      for await (const chunk of stream) {
        // A slow reader holds the stream back (graphql-sse queues its events), not the process's memory.
        if (!res.write(chunk)) await Promise.race([once(res, 'drain'), once(res, 'close')]);
        if (res.destroyed) break;
      }
    } finally {
      res.off('close', stop);
      openStreams.delete(stream);
      res.end();
    }
  }

  return {
    handles: (req) => pathOf(req.url) === SSE_PATH,
    handle: (req, res) =>
      void serve(req, res).catch((error: unknown) => {
        // A bug in a hook (graphql-sse rejects with it): logged, the client gets a 500, the process carries on.
        options.logger.error({ err: error, path: SSE_PATH }, 'SSE request failed');
        if (!res.headersSent) sendErrors(res, 500, [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
        else res.end();
      }),
    dispose: async () => {
      await Promise.all([...reservations.keys()].map((token) => {
        clearTimeout(reservations.get(token));
        return dropReservation(token);
      }));
      await Promise.all([...openStreams].map((stream) => stream.return(undefined)));
    },
  };
}

/**
 * What graphql-sse is given, and the `documentId` it does not read. graphql-sse insists on a
 * `query`; a request naming a persisted document may leave it out (GraphQL over HTTP), so it gets
 * an empty one and the pipeline resolves the id (or says what is missing).
 */
function graphQLRequestOf(req: IncomingMessage, body: unknown): { url: string; body: SseRequest['body']; documentId: unknown } {
  const url = req.url ?? SSE_PATH;
  if (req.method !== 'POST') {
    const search = new URL(url, 'http://localhost').searchParams;
    const documentId = search.get('documentId') ?? undefined;
    if (search.has('query') || (documentId === undefined && !search.has('extensions'))) return { url, body: null, documentId };
    search.set('query', '');
    return { url: `${SSE_PATH}?${search.toString()}`, body: null, documentId };
  }
  // Not a JSON object (no body, another content type, a batch): graphql-sse says what is wrong with it.
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { url, body: null, documentId: undefined };
  const fields = body as Record<string, unknown>;
  const namesDocument = fields.documentId !== undefined || fields.extensions !== undefined;
  return { url, body: fields.query === undefined && namesDocument ? { ...fields, query: '' } : fields, documentId: fields.documentId };
}

const headerOf = (req: IncomingMessage, name: string): string | undefined => {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
};

/** A single-connection stream's token: graphql-sse's header, or its `token` search parameter. */
function tokenOf(req: SseRequest): string | null {
  return req.headers.get(TOKEN_HEADER_KEY) || new URL(req.url, 'http://localhost').searchParams.get(TOKEN_QUERY_KEY) || null;
}

/** An operation sent to a single-connection stream (not an event stream of its own). */
const isStreamOperation = (req: SseRequest): boolean => req.headers.get('accept') !== 'text/event-stream';

const prune = (held: Set<Operation>): void => {
  for (const operation of held) if (operation.isEnded) held.delete(operation);
};

function send(res: ServerResponse, [body, init]: Response): void {
  res.writeHead(init.status, init.statusText, init.headers);
  res.end(typeof body === 'string' ? body : undefined);
}
