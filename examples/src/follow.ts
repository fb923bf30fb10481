/**
 * A tiny typed client of the gateway: documents written with the client preset's `graphql()`
 * get their result and variable types from docs/schema.graphql, so a typo in a field or a wrong
 * variable is a compile error (`npm run examples:check`).
 *
 *   npx tsx examples/src/follow.ts <global id> [http://localhost:4000/graphql]
 *
 * Queries go over HTTP POST with `fetch`; the subscription over graphql-ws.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from './gql/graphql.js';
import { graphql } from './gql/index.js';

const ExecutionSummary = graphql(`
  query ExecutionSummary($id: ID!) {
    execution(id: $id) {
      id
      provider
      status
      progress {
        completed
        total
      }
    }
  }
`);

const FollowExecution = graphql(`
  subscription FollowExecution($id: ID!) {
    executionUpdated(id: $id) {
      status
      terminal
      progress {
        completed
        total
      }
      output
      error {
        message
      }
    }
  }
`);

/** POSTs a typed document; the result is typed by the document. */
async function execute<Result, Variables>(url: string, document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify({ query: document.toString(), variables }),
  });
  const body = (await response.json()) as { data?: Result | null; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`);
  return body.data;
}

/** Subscribes with a typed document; calls `onEvent` with typed data until the server completes. */
function subscribe<Result, Variables extends Record<string, unknown>>(
  url: string,
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
  onEvent: (data: Result) => void,
): Promise<void> {
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 });
  return new Promise<void>((resolve, reject) => {
    client.subscribe<Result>(
      { query: document.toString(), variables },
      {
        next: (result) => (result.data ? onEvent(result.data) : reject(new Error(result.errors?.map((error) => error.message).join('; ')))),
        complete: resolve,
        error: reject,
      },
    );
  }).finally(() => client.dispose());
}

async function main(id: string, url: string): Promise<void> {
  const { execution } = await execute(url, ExecutionSummary, { id });
  if (!execution) throw new Error(`No execution ${id}`);
  // `execution.provider` is typed 'FLOWKER' | 'PROMPTLAYER' | 'POLOS'; `progress` may be null.
  console.log(`${execution.id} (${execution.provider}) is ${execution.status}`);
  await subscribe(url, FollowExecution, { id }, ({ executionUpdated: update }) => {
    const progress = update.progress ? ` ${update.progress.completed}/${update.progress.total}` : '';
    console.log(`${update.status}${progress}`);
    if (update.terminal) console.log(update.error ? `error: ${update.error.message}` : `output: ${JSON.stringify(update.output)}`);
  });
}

const [id, url = 'http://localhost:4000/graphql'] = process.argv.slice(2);
if (!id) {
  console.error('usage: npx tsx examples/src/follow.ts <global id> [graphql url]');
  process.exit(2);
}
main(id, url).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
