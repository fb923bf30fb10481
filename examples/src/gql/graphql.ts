/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { DocumentTypeDecoration } from '@graphql-typed-document-node/core';
/** Normalized lifecycle status of an execution, the same for every provider. */
export type ExecutionStatus =
  /** Cancelled by a user or by a timeout. Terminal. */
  | 'CANCELLED'
  /** Cancel requested, waiting for the worker to confirm (Polos `pending_cancel`). Not terminal. */
  | 'CANCELLING'
  /** Finished successfully. Terminal. */
  | 'COMPLETED'
  /** Finished with an error. Terminal. */
  | 'FAILED'
  /** Created, not yet picked up. */
  | 'PENDING'
  /** Waiting for a worker (Polos `queued`/`claimed`, a retry, or PromptLayer with every node queued). */
  | 'QUEUED'
  /** Executing. */
  | 'RUNNING'
  /** Suspended on a child execution, timer, event or approval (Polos `waiting`). Not terminal. */
  | 'WAITING';

/** The upstream workflow-execution service an execution lives in. */
export type Provider =
  /** Lerian Flowker (`flowker:<uuid>` ids). */
  | 'FLOWKER'
  /** Polos durable executions (`polos:<uuid>` ids). */
  | 'POLOS'
  /** PromptLayer workflows/agents (`promptlayer:<int64>` ids). */
  | 'PROMPTLAYER';

export type ExecutionSummaryQueryVariables = Exact<{
  id: string | number;
}>;


export type ExecutionSummaryQuery = { readonly execution: { readonly id: string, readonly provider: Provider, readonly status: ExecutionStatus, readonly progress: { readonly completed: number, readonly total: number } | null } | null };

export type FollowExecutionSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type FollowExecutionSubscription = { readonly executionUpdated: { readonly status: ExecutionStatus, readonly terminal: boolean, readonly output: unknown, readonly progress: { readonly completed: number, readonly total: number } | null, readonly error: { readonly message: string } | null } };

export class TypedDocumentString<TResult, TVariables>
  extends String
  implements DocumentTypeDecoration<TResult, TVariables>
{
  __apiType?: NonNullable<DocumentTypeDecoration<TResult, TVariables>['__apiType']>;
  private value: string;
  public __meta__?: Record<string, any> | undefined;

  constructor(value: string, __meta__?: Record<string, any> | undefined) {
    super(value);
    this.value = value;
    this.__meta__ = __meta__;
  }

  override toString(): string & DocumentTypeDecoration<TResult, TVariables> {
    return this.value;
  }
}

export const ExecutionSummaryDocument = new TypedDocumentString(`
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
    `, {"hash":"sha256:72ed1c8dd5927840620f4480e89b0c2c4f0bd64e21185ce30fb9dd5f868e85c9"}) as unknown as TypedDocumentString<ExecutionSummaryQuery, ExecutionSummaryQueryVariables>;
export const FollowExecutionDocument = new TypedDocumentString(`
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
    `, {"hash":"sha256:9cadd00c41d8a4c19b91962a5fe86810f779ecc9d320dd717f1cec7407178f0d"}) as unknown as TypedDocumentString<FollowExecutionSubscription, FollowExecutionSubscriptionVariables>;