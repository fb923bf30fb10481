/* eslint-disable */
import * as types from './graphql.js';



/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  subscription ExecutionProgress($id: ID!) {\n    executionUpdated(id: $id) {\n      id\n      provider\n      upstreamId\n      workflowId\n      status\n      statusReason\n      upstreamStatus\n      terminal\n      startedAt\n      completedAt\n      durationSeconds\n      retryCount\n      progress {\n        completed\n        total\n      }\n      steps {\n        number\n        name\n        status\n        error\n        durationSeconds\n      }\n      nodes {\n        name\n        status\n        error\n        isOutput\n      }\n      output\n      error {\n        code\n        message\n      }\n    }\n  }\n": typeof types.ExecutionProgressDocument,
};
const documents: Documents = {
    "\n  subscription ExecutionProgress($id: ID!) {\n    executionUpdated(id: $id) {\n      id\n      provider\n      upstreamId\n      workflowId\n      status\n      statusReason\n      upstreamStatus\n      terminal\n      startedAt\n      completedAt\n      durationSeconds\n      retryCount\n      progress {\n        completed\n        total\n      }\n      steps {\n        number\n        name\n        status\n        error\n        durationSeconds\n      }\n      nodes {\n        name\n        status\n        error\n        isOutput\n      }\n      output\n      error {\n        code\n        message\n      }\n    }\n  }\n": types.ExecutionProgressDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ExecutionProgress($id: ID!) {\n    executionUpdated(id: $id) {\n      id\n      provider\n      upstreamId\n      workflowId\n      status\n      statusReason\n      upstreamStatus\n      terminal\n      startedAt\n      completedAt\n      durationSeconds\n      retryCount\n      progress {\n        completed\n        total\n      }\n      steps {\n        number\n        name\n        status\n        error\n        durationSeconds\n      }\n      nodes {\n        name\n        status\n        error\n        isOutput\n      }\n      output\n      error {\n        code\n        message\n      }\n    }\n  }\n"): typeof import('./graphql.js').ExecutionProgressDocument;


export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}
