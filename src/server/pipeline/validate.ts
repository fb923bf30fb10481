/**
 * Phase 2, validate: graphql-js's specified rules, GraphQL Armor's depth, aliases and directives
 * rules (MAX_DEPTH, MAX_ALIASES, MAX_DIRECTIVES) and, with INTROSPECTION=false, the no-introspection
 * rule. Armor's rules report through `limitExceeded`, so a too-deep document is refused as a limit,
 * not as a malformed one. Remembered per DocumentNode (the parse phase hands back the same node
 * for the same text), weakly, so the entries go when the parse cache lets a document go.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import {
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { limitExceeded, type LimitName, type OperationLimits } from '../limits.js';

export interface ValidationOptions {
  readonly limits: OperationLimits;
  readonly introspection: boolean;
}

/**
 * Armor's rules word their refusals "Syntax Error: Query depth limit of 10 exceeded, found 16.";
 * `limitRule` gives each the limit's own shape. Armor calls `onReject` with the context and error.
 */
const armorRule = (
  rule: (options: object) => ValidationRule,
  limit: LimitName,
  max: number,
  extra: object = {},
): ValidationRule =>
  rule({
    n: max,
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [(context: ValidationContext, error: GraphQLError) => context.reportError(limitExceeded(limit, max, error.message.replace(/^Syntax Error: /, '').replace(/\.$/, '')))],
    ...extra,
  });

/** The introspection switch answers as Apollo Server's own did: a validation error saying why. */
const noIntrospection: ValidationRule = (context) =>
  NoSchemaIntrospectionCustomRule(
    Object.assign(Object.create(context) as ValidationContext, {
      reportError: (error: GraphQLError) =>
        context.reportError(
          new GraphQLError('GraphQL introspection is not allowed by this gateway (INTROSPECTION=false).', {
            nodes: error.nodes ?? null,
            extensions: { validationErrorCode: 'INTROSPECTION_DISABLED' },
          }),
        ),
    }),
  );

export function createValidator(schema: GraphQLSchema, { limits, introspection }: ValidationOptions): (document: DocumentNode) => readonly GraphQLError[] {
  const rules: ValidationRule[] = [
    ...specifiedRules,
    ...(introspection ? [] : [noIntrospection]),
    armorRule(maxDepthRule as never, 'MAX_DEPTH', limits.maxDepth, { flattenFragments: true }),
    armorRule(maxAliasesRule as never, 'MAX_ALIASES', limits.maxAliases),
    armorRule(maxDirectivesRule as never, 'MAX_DIRECTIVES', limits.maxDirectives),
  ];
  const cache = new WeakMap<DocumentNode, readonly GraphQLError[]>();
  return (document) => {
    let errors = cache.get(document);
    if (!errors) {
      errors = validate(schema, document, rules).map(withValidationCode);
      cache.set(document, errors);
    }
    return errors;
  };
}

/** Limits keep their code; every other rule's error is a GRAPHQL_VALIDATION_FAILED, as Apollo names it. */
const withValidationCode = (error: GraphQLError): GraphQLError => {
  if (error.extensions.code) return error;
  const message = error.message === VALIDATION_ABORTED ? BUDGET_SPENT : error.message;
  return new GraphQLError(message, { nodes: error.nodes ?? null, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
};

/**
 * graphql-js stops validating a document whose field comparisons or fragment walks exceed a fixed
 * budget of its own (about a thousand repeated fields, well within MAX_TOKENS, do that) and says
 * only this; the client is told why.
 */
const VALIDATION_ABORTED = 'Validation aborted.';
const BUDGET_SPENT =
  'Validation aborted: the document repeats fields or fragments more than graphql-js will compare (its fixed validation budget). Send fewer repeated selections.';
