/**
 * GraphiQL for the gateway, bundled from npm (no CDN): queries and mutations over HTTP POST
 * (JSON, which Apollo's CSRF prevention accepts), subscriptions over graphql-ws on the same path,
 * the docs explorer and history plugins (GraphiQL's defaults).
 *
 * The gateway's API key, when it needs one, goes in the headers editor as
 * `{"Authorization": "Bearer <key>"}`: HTTP requests send the headers as they are, and
 * subscriptions send the same value as the graphql-ws `connectionParams.authorization`
 * (one WebSocket per distinct key).
 */
import { createGraphiQLFetcher, type Fetcher } from '@graphiql/toolkit';
import { GraphiQL } from 'graphiql';
import 'graphiql/style.css';
import { createClient } from 'graphql-ws';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { endpoints, gatewayAuthorization, readPageConfig } from '../shared/page-config.js';
import { installMonacoWorkers } from './workers.js';
import './graphiql-page.css';

const config = readPageConfig();
installMonacoWorkers(config.workers ?? {});
const { http, ws } = endpoints(config.graphqlPath);

/** One fetcher (and so one lazy WebSocket) per Authorization value of the headers editor. */
const fetchers = new Map<string, Fetcher>();
function fetcherFor(authorization: string | undefined): Fetcher {
  const key = authorization ?? '';
  let fetcher = fetchers.get(key);
  if (!fetcher) {
    const wsClient = createClient({
      url: ws,
      lazy: true,
      retryAttempts: 3,
      connectionParams: authorization ? { authorization } : {},
    });
    fetcher = createGraphiQLFetcher({ url: http, wsClient, enableIncrementalDelivery: false });
    fetchers.set(key, fetcher);
  }
  return fetcher;
}

const headerValue = (headers: Record<string, unknown> | undefined, name: string): string | undefined => {
  const entry = Object.entries(headers ?? {}).find(([header]) => header.toLowerCase() === name);
  return typeof entry?.[1] === 'string' ? entry[1] : undefined;
};

const fetcher: Fetcher = (params, options) => fetcherFor(headerValue(options?.headers, 'authorization'))(params, options);

const DEFAULT_QUERY = `# Execution gateway: one API over Flowker, PromptLayer and Polos executions.
#
# Global ids: flowker:<uuid>, promptlayer:<int64>, polos:<uuid>.
# Open the docs (book icon, top left) to browse the schema; history is under the clock icon.
# Subscriptions run over WebSocket on this same endpoint.
#
# A progress page for any execution: /executions/<global id>

query Execution($id: ID!) {
  execution(id: $id) {
    id
    provider
    status
    statusReason
    progress { completed total }
    steps { number name status }
    nodes { name status isOutput }
    output
    error { code message }
  }
}

subscription Follow($id: ID!) {
  executionUpdated(id: $id) {
    status
    progress { completed total }
    output
    error { message }
  }
}
`;

const authorization = gatewayAuthorization();
const container = document.getElementById('graphiql');
if (!container) throw new Error('#graphiql is missing from the page');
createRoot(container).render(
  <StrictMode>
    <GraphiQL
      fetcher={fetcher}
      defaultQuery={DEFAULT_QUERY}
      defaultHeaders={authorization ? JSON.stringify({ Authorization: authorization }, null, 2) : ''}
      initialVariables={'{\n  "id": "polos:00000000-0000-4000-8000-000000000000"\n}'}
    />
  </StrictMode>,
);
