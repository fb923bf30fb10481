/**
 * Apollo Server as the HTTP transport of the operation pipeline. Apollo keeps what is HTTP's:
 * GET and POST, batching, CSRF prevention, content negotiation, the response head; the
 * pipeline does everything about the operation (parse, validate, limits, execute, mask, log,
 * metrics), the same way it does for WebSocket. Three of Apollo's extension points connect them:
 *
 * - `requestDidStart` begins the pipeline operation and resolves its document text: Apollo is
 *   handed that text (or, for a refusal, a placeholder), never a persisted-query extension, so
 *   that document resolution is the pipeline's on HTTP as on every transport;
 * - `didResolveSource` prepares it, and the `documentStore` below hands Apollo the pipeline's
 *   DocumentNode for it, so Apollo never parses or validates on its own (a refused text gets a
 *   placeholder document: the refusal itself is sent from the next hook);
 * - `responseForOperation` sends the pipeline's refusal (400) or executes through the pipeline.
 *
 * Requests Apollo answers on its own (no query, a GET mutation) still end their operation in
 * `willSendResponse`, so they are logged and counted like any other refusal.
 */
import { HeaderMap, type ApolloServerPlugin, type GraphQLRequest, type GraphQLResponse } from '@apollo/server';
import { parse, type DocumentNode, type FormattedExecutionResult, GraphQLError } from 'graphql';
import { LRUCache } from 'lru-cache';
import type { GatewayContext } from '../graphql/context.js';
import type { Pipeline, Prepared } from './pipeline/index.js';

export interface ApolloTransport {
  readonly plugin: ApolloServerPlugin<GatewayContext>;
  /** Apollo's `documentStore` option. */
  readonly documentStore: {
    get(key: string): Promise<DocumentNode | undefined>;
    set(key: string, value: DocumentNode): Promise<void>;
    delete(key: string): Promise<boolean>;
  };
}

/** What Apollo is given for a text the pipeline refused: any valid document will do, it never runs. */
const PLACEHOLDER_TEXT = '{ __typename }';
const PLACEHOLDER = parse(PLACEHOLDER_TEXT);
/** Apollo's store keys end with the sha256 hex of the text (after a schema prefix). */
const hashOf = (key: string): string => key.slice(-64);

export function apolloTransport(pipeline: Pipeline): ApolloTransport {
  // Filled by didResolveSource for the request about to read it; keyed by text hash, so concurrent
  // requests for one text share an entry. Small: an entry is needed only between two hooks.
  const documents = new LRUCache<string, DocumentNode>({ max: 1_000 });
  const plugin: ApolloServerPlugin<GatewayContext> = {
    requestDidStart: async ({ request, contextValue }) => {
      const operation = pipeline.begin({ transport: 'http', request: { ...request, documentId: documentIdOf(request) }, headers: request.http?.headers, facts: contextValue.facts });
      const resolved = await operation.resolveDocument();
      request.query = typeof resolved === 'string' ? resolved : PLACEHOLDER_TEXT;
      if (request.extensions?.persistedQuery !== undefined) request.extensions = withoutPersistedQuery(request.extensions);
      let prepared: Prepared | undefined;
      return {
        didResolveSource: async ({ queryHash }) => {
          prepared = await operation.prepare();
          documents.set(queryHash, prepared.ok ? prepared.document : PLACEHOLDER);
        },
        responseForOperation: async ({ contextValue }) => {
          if (!prepared) return null;
          if (!prepared.ok) return response(400, { errors: prepared.errors.map((error) => error.toJSON()) });
          if (prepared.operationType === 'subscription') {
            return response(400, { errors: operation.refuse(subscriptionOverHttp()).map((error) => error.toJSON()) });
          }
          const result = (await operation.execute(contextValue)) as FormattedExecutionResult;
          // No data at all: the request itself was wrong (its variables), as Apollo answers it.
          return response(result.data === undefined ? 400 : 200, result);
        },
        willSendResponse: async ({ errors }) => operation.endWith(errors ?? []),
      };
    },
  };
  return {
    plugin,
    documentStore: {
      get: async (key) => documents.get(hashOf(key)),
      set: async () => {},
      delete: async (key) => documents.delete(hashOf(key)),
    },
  };
}

const withoutPersistedQuery = ({ persistedQuery: _resolved, ...rest }: Record<string, unknown>): Record<string, unknown> => rest;

/** GraphQL over HTTP's `documentId` (POST body, GET search), which Apollo's request does not carry. */
const documentIdOf = ({ http }: GraphQLRequest): unknown =>
  http?.method === 'GET' ? (new URLSearchParams(http.search).get('documentId') ?? undefined) : (http?.body as { documentId?: unknown } | undefined)?.documentId;

const response = (status: number, singleResult: FormattedExecutionResult): GraphQLResponse => ({
  http: { status, headers: new HeaderMap() },
  body: { kind: 'single', singleResult },
});

const subscriptionOverHttp = (): GraphQLError =>
  new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) on this path.', { extensions: { code: 'BAD_REQUEST' } });
