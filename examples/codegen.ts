import type { CodegenConfig } from '@graphql-codegen/cli';
import { typedDocuments } from '../codegen.js';

/**
 * Typed documents for the example client, generated against the committed SDL artifact
 * (docs/schema.graphql, `npm run schema:print`) with graphql-codegen's client preset, set up as
 * for the gateway's own clients (`typedDocuments` in the root codegen.ts).
 * Run from the repository root: `npm run examples:check` (codegen, then tsc).
 */
const config: CodegenConfig = {
  schema: 'docs/schema.graphql',
  documents: ['examples/src/**/*.ts', '!examples/src/gql/**'],
  ignoreNoDocuments: false,
  // NodeNext: relative imports in the generated files end in .js.
  emitLegacyCommonJSImports: false,
  generates: {
    'examples/src/gql/': {
      ...typedDocuments,
      // persisted-documents.json: `{ "sha256:<hex>": "<document>" }`, the gateway's PERSISTED_DOCUMENTS
      // manifest; each document carries its id (`__meta__.hash`), which the client sends instead of the text.
      presetConfig: { ...typedDocuments.presetConfig, persistedDocuments: { hashAlgorithm: 'sha256' } },
    },
  },
};

export default config;
