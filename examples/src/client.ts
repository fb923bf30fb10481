/**
 * A typed client of the gateway that sends trusted-document ids, never document text: codegen
 * (examples/codegen.ts, `persistedDocuments`) gives every document its sha256 id (`__meta__.hash`)
 * and writes the manifest the gateway loads (`PERSISTED_DOCUMENTS=examples/src/gql/persisted-documents.json`,
 * with `PERSISTED_DOCUMENTS_ONLY=true` to refuse anything else). One request shape for all three
 * transports: queries over HTTP POST with `fetch`, subscriptions over graphql-ws or graphql-sse.
 */
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient } from 'graphql-ws';
import WebSocket from 'ws';
import type { TypedDocumentString } from './gql/graphql.js';

/**
 * The request naming `document` by its id. `query` is empty because graphql-ws and graphql-sse
 * insist on a string there; the gateway reads `documentId` (GraphQL over HTTP's name for it).
 */
export function byId<Variables>(document: TypedDocumentString<unknown, Variables>, variables: Variables): { query: string; documentId: string; variables: Variables } {
  const documentId = document.__meta__?.hash;
  if (typeof documentId !== 'string') throw new Error('This document has no id: run codegen with persistedDocuments (npm run examples:check).');
  return { query: '', documentId, variables };
}

/** POSTs a typed document by id; the result is typed by the document. */
export async function execute<Result, Variables>(url: string, document: TypedDocumentString<Result, Variables>, variables: Variables): Promise<Result> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
    body: JSON.stringify(byId(document, variables)),
  });
  const body = (await response.json()) as { data?: Result | null; errors?: { message: string }[] };
  if (body.errors?.length || !body.data) throw new Error(body.errors?.map((error) => error.message).join('; ') ?? `HTTP ${response.status}`);
  return body.data;
}

export type Transport = 'ws' | 'sse';

/**
 * Subscribes by id over graphql-ws (`ws://…/graphql`) or graphql-sse (`http://…/graphql/stream`);
 * calls `onEvent` with typed data until the server completes the stream.
 */
export function subscribe<Result, Variables extends Record<string, unknown>>(
  url: string,
  document: TypedDocumentString<Result, Variables>,
  variables: Variables,
  onEvent: (data: Result) => void,
  transport: Transport = 'ws',
): Promise<void> {
  const client =
    transport === 'ws'
      ? createWsClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, retryAttempts: 0 })
      : createSseClient({ url: `${url}/stream`, retryAttempts: 0 });
  return new Promise<void>((resolve, reject) => {
    client.subscribe<Result>(byId(document, variables), {
      next: (result) => (result.data ? onEvent(result.data) : reject(new Error(result.errors?.map((error) => error.message).join('; ')))),
      complete: resolve,
      error: reject,
    });
  }).finally(() => client.dispose());
}
