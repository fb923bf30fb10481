import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Typed documents for the example client, generated against the committed SDL artifact
 * (docs/schema.graphql, `npm run schema:print`) with graphql-codegen's client preset.
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
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        // Plain strings on the wire: no GraphQL client library needed, `fetch` and graphql-ws do.
        documentMode: 'string',
        useTypeImports: true,
        enumsAsTypes: true,
        scalars: { DateTime: 'string', DateTimeISO: 'string', JSON: 'unknown' },
      },
    },
  },
};

export default config;
