/**
 * GraphQL over HTTP for the operation pipeline, on graphql-http's handler: the reference
 * implementation of the GraphQL over HTTP specification, by the author of graphql-ws and
 * graphql-sse and with their hook shape, so the pipeline plugs in here as it does for WebSocket
 * and SSE (`onSubscribe` begins and prepares, `execute` runs the operation). It replaced Apollo
 * Server's `executeHTTPGraphQLRequest`, which cost ≈ 20 % of a one-lookup operation's CPU
 * (docs/benchmarks.md). graphql-http keeps content negotiation, GET and POST, and the status
 * codes of the spec; what is this gateway's own, as Apollo Server answered it before:
 *
 * - every refusal (parse, validation, a limit, a persisted document, variables that do not fit)
 *   is 400 whatever the `Accept` (graphql-http answers `application/json` clients 200, which the
 *   spec allows but clients of this gateway never saw);
 * - `documentId` (trusted documents) with no `query`, and a missing `query` refused by the
 *   pipeline in its own words;
 * - batches: an array of operations, each its own result, one context for the whole request
 *   (its lookups batched and deduplicated together), at most MAX_BATCH_OPERATIONS (http-app);
 * - CSRF prevention runs before any of this, in http-app.ts (`preflighted`).
 */
import type { IncomingMessage } from 'node:http';
import { GraphQLError, type ExecutionArgs, type FormattedExecutionResult, type GraphQLSchema } from 'graphql';
import { createHandler, type OperationArgs, type Request, type RequestParams, type Response } from 'graphql-http';
import { isJsonObject } from '../domain/execution.js';
import type { GatewayContext, RequestFacts } from '../graphql/context.js';
import type { Operation, Pipeline, RequestHeaders } from './pipeline/index.js';

/** What one HTTP request brings to each of its operations. */
export interface HttpRequestContext {
  readonly facts: RequestFacts;
  /** One for the request: a batch's operations share its loaders. */
  readonly gateway: GatewayContext;
  readonly headers: RequestHeaders;
}

export interface HttpTransportOptions {
  readonly schema: GraphQLSchema;
  readonly pipeline: Pipeline;
}

export type HttpRequest = Request<IncomingMessage, HttpRequestContext>;

/** Answers one GraphQL request (one operation: a batch calls it once per entry). */
export type HttpOperationHandler = (request: HttpRequest) => Promise<Response>;

export function createHttpTransport({ schema, pipeline }: HttpTransportOptions): HttpOperationHandler {
  /** graphql-http hands `execute` the arguments `onSubscribe` returned: that is how it finds the operation. */
  const operations = new WeakMap<ExecutionArgs, Operation>();
  // The context type is graphql-http's loose record: ours travels in `onSubscribe`'s arguments.
  return createHandler<IncomingMessage, HttpRequestContext, Record<PropertyKey, unknown>>({
    schema,
    // Our parameters are graphql-http's plus `documentId`, with `query` optional (see requestParams).
    parseRequestParams: (request) => requestParams(request) as RequestParams | Response,
    onSubscribe: async (request, params) => {
      const { facts, gateway, headers } = request.context;
      const operation = pipeline.begin({ transport: 'http', request: params, headers, facts });
      const prepared = await operation.prepare();
      if (!prepared.ok) return refusal(request, 400, prepared.errors.map((error) => error.toJSON()));
      if (prepared.operationType === 'subscription') return refusal(request, 400, operation.refuse(subscriptionOverHttp()).map((error) => error.toJSON()));
      if (prepared.operationType === 'mutation' && request.method === 'GET') {
        return refusal(request, 405, operation.refuse(new GraphQLError('Mutations are sent with POST.', { extensions: { code: 'BAD_REQUEST' } })).map((error) => error.toJSON()), { allow: 'POST' });
      }
      const args: ExecutionArgs = { schema, document: prepared.document, operationName: (params.operationName as string | undefined) ?? null, variableValues: operation.variables, contextValue: gateway as unknown as Record<PropertyKey, unknown>, rootValue: undefined };
      operations.set(args, operation);
      return args as OperationArgs<Record<PropertyKey, unknown>>;
    },
    execute: ((args: ExecutionArgs) => operations.get(args)!.execute(args.contextValue)) as never,
    onOperation: (request, _args, result) => {
      const formatted = result as FormattedExecutionResult;
      // No data at all: the request itself was wrong (its variables), answered 400 like every refusal.
      if (formatted.data === undefined) return refusal(request, 400, formatted.errors ?? []);
      // Serialized here rather than by graphql-http, whose error replacer sends JSON.stringify down
      // its slow path (a JavaScript call per key: ≈ 8 % of a 20-alias operation's CPU). The
      // pipeline's results are masked and formatted already: plain data, nothing to replace.
      return [JSON.stringify(formatted), { status: 200, statusText: 'OK', headers: { 'content-type': mediaTypeFor(request) } }];
    },
  });
}

/**
 * The request's GraphQL parameters: the JSON body of a POST (parsed by http-app), the search
 * parameters of a GET. `query` may be absent (a `documentId`, or a request the pipeline refuses
 * in its own words); anything else malformed is 400 here.
 */
function requestParams(request: HttpRequest): Record<string, unknown> | Response {
  const params = request.method === 'POST' ? request.body : searchParams(request);
  if (!isJsonObject(params)) return isResponse(params) ? params : refusal(request, 400, [badRequestError('The request body must be a JSON object: a GraphQL request.')]);
  for (const [name, isValid] of PARAMETER_CHECKS) {
    if (!isValid(params[name])) return refusal(request, 400, [badRequestError(`The ${name} parameter has the wrong type.`)]);
  }
  return params;
}

/** GraphQL over HTTP's request parameters and the types they may have (absent or null: not given). */
const PARAMETER_CHECKS: readonly (readonly [string, (value: unknown) => boolean])[] = [
  ['query', (value) => value == null || typeof value === 'string'],
  ['operationName', (value) => value == null || typeof value === 'string'],
  ['documentId', (value) => value == null || typeof value === 'string'],
  ['variables', (value) => value == null || isJsonObject(value)],
  ['extensions', (value) => value == null || isJsonObject(value)],
];

const isResponse = (value: unknown): value is Response => Array.isArray(value);

function searchParams(request: HttpRequest): Record<string, unknown> | Response {
  const search = new URL(request.url, 'http://gateway').searchParams;
  const params: Record<string, unknown> = {};
  for (const name of ['query', 'operationName', 'documentId'] as const) {
    const value = search.get(name);
    if (value !== null) params[name] = value;
  }
  for (const name of ['variables', 'extensions'] as const) {
    const value = search.get(name);
    if (value === null) continue;
    try {
      params[name] = JSON.parse(value) as unknown;
    } catch {
      return refusal(request, 400, [badRequestError(`The ${name} parameter is not valid JSON.`)]);
    }
  }
  return params;
}

/** A request GraphQL over HTTP cannot take (its method, body, parameters): what every such refusal says, with its message. */
export const badRequestError = (message: string) => ({ message, extensions: { code: 'BAD_REQUEST' } });

/** A response of errors with this status, in the media type the client accepts. */
function refusal(request: HttpRequest, status: number, errors: readonly unknown[], headers: Record<string, string> = {}): Response {
  return [
    JSON.stringify({ errors }),
    { status, statusText: status === 405 ? 'Method Not Allowed' : 'Bad Request', headers: { 'content-type': mediaTypeFor(request), ...headers } },
  ];
}

/**
 * The media type graphql-http chose for the request (it refused it with 406 if none): the first
 * of the two the client accepts in UTF-8, in the order it lists them; no `Accept`: JSON. A client
 * sends the same `Accept` every time, so the answers for the first few distinct ones are kept.
 */
function mediaTypeFor(request: HttpRequest): string {
  const accept = request.context.headers.get('accept') ?? '*/*';
  let type = mediaTypes.get(accept);
  if (type === undefined) {
    type = negotiate(accept);
    if (mediaTypes.size < MAX_REMEMBERED_ACCEPTS) mediaTypes.set(accept, type);
  }
  return type;
}

const mediaTypes = new Map<string, string>();
const MAX_REMEMBERED_ACCEPTS = 64;

function negotiate(accept: string): string {
  for (const entry of accept.replace(/\s/g, '').toLowerCase().split(',')) {
    const [type, ...params] = entry.split(';');
    const charset = params.find((param) => param.includes('charset=')) ?? 'charset=utf-8';
    if (type === 'application/graphql-response+json' && charset === 'charset=utf-8') return 'application/graphql-response+json; charset=utf-8';
    if ((type === 'application/json' || type === 'application/*' || type === '*/*') && (charset === 'charset=utf-8' || charset === 'charset=utf8')) break;
  }
  return 'application/json; charset=utf-8';
}

const subscriptionOverHttp = (): GraphQLError =>
  new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on this path.', { extensions: { code: 'BAD_REQUEST' } });
