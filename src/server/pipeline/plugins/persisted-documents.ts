/**
 * Trusted documents. PERSISTED_DOCUMENTS names a manifest `{ "<id>": "<document>" }`, as
 * graphql-codegen's client preset writes it with `persistedDocuments: true` (ids `sha256:<hex>`,
 * the sha256 of the document text; bare hex ids are accepted too), read and checked once at
 * start-up. A request names a document by GraphQL over HTTP's `documentId` or by Apollo's
 * `extensions.persistedQuery.sha256Hash`; as a pipeline plugin this serves HTTP, WebSocket and
 * SSE alike. With PERSISTED_DOCUMENTS_ONLY, document text that is not in the manifest is refused
 * before it is even parsed by the pipeline, except an introspection query while INTROSPECTION
 * allows introspection (a locked-down public gateway sets INTROSPECTION=false as well).
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { GraphQLError, Kind, parse, type DocumentNode, type SelectionSetNode } from 'graphql';
import { ConfigError } from '../../../config.js';
import { isJsonObject } from '../../../domain/execution.js';
import type { Operation, PipelinePlugin } from '../index.js';

/** Document text by its sha256, as lower-case hex. */
export type PersistedDocuments = ReadonlyMap<string, string>;

export interface PersistedDocumentsOptions {
  /** PERSISTED_DOCUMENTS_ONLY: nothing but the manifest's documents (and maybe introspection) runs. */
  readonly only: boolean;
  /** INTROSPECTION: whether an introspection query may still be sent as text when `only` is set. */
  readonly introspection: boolean;
  /** MAX_TOKENS, for the one parse an introspection check needs. */
  readonly maxTokens: number;
}

const SHA256_ID = /^(?:sha256:)?([0-9a-f]{64})$/i;

/** Reads and checks the manifest; anything wrong with it is one ConfigError naming PERSISTED_DOCUMENTS. */
export async function loadPersistedDocuments(path: string): Promise<PersistedDocuments> {
  const bad = (problem: string) => new ConfigError(`Invalid configuration: PERSISTED_DOCUMENTS ${problem}.`);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw bad(`cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}: ${path})`);
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw bad(`is not JSON (${path})`);
  }
  if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
    throw bad(`must be a JSON object { "sha256:<hex>": "<document>" } (${path})`);
  }
  const documents = new Map<string, string>();
  for (const [id, document] of Object.entries(manifest)) {
    const hash = SHA256_ID.exec(id)?.[1]?.toLowerCase();
    if (!hash) throw bad(`has a key that is not a sha256 document id ("${id.slice(0, 80)}"; expected "sha256:<64 hex digits>")`);
    if (typeof document !== 'string') throw bad(`maps "${id}" to a ${Array.isArray(document) ? 'array' : typeof document}, not a document string`);
    if (sha256(document) !== hash) throw bad(`maps "${id}" to a document whose sha256 is ${sha256(document)}: the manifest does not match its documents`);
    documents.set(hash, document);
  }
  return documents;
}

export function persistedDocumentsPlugin(documents: PersistedDocuments, options: PersistedDocumentsOptions): PipelinePlugin {
  return {
    name: 'persisted-documents',
    resolveDocument: (operation) => {
      const id = requestedId(operation);
      if (id instanceof GraphQLError) return id;
      if (id !== undefined) {
        const hash = typeof id === 'string' ? SHA256_ID.exec(id)?.[1]?.toLowerCase() : undefined;
        const document = hash === undefined ? undefined : documents.get(hash);
        if (document !== undefined) return document;
        // Not a trusted id: an open gateway still runs the text the request carries along.
        if (!options.only && hasText(operation)) return undefined;
        return notFound(id, hash !== undefined);
      }
      if (!options.only) return undefined;
      const { query } = operation.request;
      if (options.introspection && typeof query === 'string' && isIntrospectionQuery(query, options.maxTokens)) return undefined;
      return required();
    },
  };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const hasText = (operation: Operation): boolean => typeof operation.request.query === 'string' && operation.request.query.length > 0;

/** The id the request names: `documentId`, else Apollo's persisted-query extension (version 1); undefined: none. */
function requestedId({ request }: Operation): unknown {
  if (request.documentId !== undefined && request.documentId !== null) return request.documentId;
  const persistedQuery = isJsonObject(request.extensions) ? request.extensions.persistedQuery : undefined;
  if (!isJsonObject(persistedQuery)) return undefined;
  if (persistedQuery.version !== undefined && persistedQuery.version !== 1) {
    return new GraphQLError('Unsupported persisted query version: send `version: 1` (or `documentId`).', { extensions: { code: 'BAD_REQUEST' } });
  }
  return persistedQuery.sha256Hash;
}

const notFound = (id: unknown, wellFormed: boolean): GraphQLError =>
  new GraphQLError(
    wellFormed ? `No trusted document has the id "${String(id)}".` : 'A document id is a sha256 hash: "sha256:<64 hex digits>" (or the bare hex digits).',
    { extensions: { code: 'PERSISTED_DOCUMENT_NOT_FOUND' } },
  );

const required = (): GraphQLError =>
  new GraphQLError(
    'This gateway runs trusted documents only (PERSISTED_DOCUMENTS_ONLY): send the id of a document in its manifest (`documentId`, or `extensions.persistedQuery.sha256Hash`) instead of document text.',
    { extensions: { code: 'PERSISTED_DOCUMENT_REQUIRED' } },
  );

/** Queries that select nothing but `__schema`, `__type` and `__typename` at their root (through fragments too). */
function isIntrospectionQuery(source: string, maxTokens: number): boolean {
  let document: DocumentNode;
  try {
    document = parse(source, { maxTokens, noLocation: true });
  } catch {
    return false;
  }
  const fragments = new Map(document.definitions.flatMap((definition) => (definition.kind === Kind.FRAGMENT_DEFINITION ? [[definition.name.value, definition]] : [])));
  const visited = new Set<string>();
  const onlyMetaFields = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.every((selection) => {
      if (selection.kind === Kind.FIELD) return selection.name.value.startsWith('__');
      if (selection.kind === Kind.INLINE_FRAGMENT) return onlyMetaFields(selection.selectionSet);
      const name = selection.name.value;
      if (visited.has(name)) return true;
      visited.add(name);
      const fragment = fragments.get(name);
      return fragment !== undefined && onlyMetaFields(fragment.selectionSet);
    });
  const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  return operations.length > 0 && operations.every((operation) => operation.operation === 'query' && onlyMetaFields(operation.selectionSet));
}
