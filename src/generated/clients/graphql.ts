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

/** Why an execution is in its status, when the status alone loses information the upstream gave. */
export type ExecutionStatusReason =
  /** Cancelled by an explicit request (Polos `cancelled_by=manual`). */
  | 'MANUAL_CANCEL'
  /** Back in the queue after a failed attempt; `error` holds the last attempt's error (Polos). */
  | 'RETRYING'
  /** Ended because a time limit was reached (Polos `cancelled_by=timeout`, Flowker's 5-minute limit). */
  | 'TIMEOUT'
  /** The upstream reported a status this gateway does not know; see `upstreamStatus`. */
  | 'UNKNOWN_UPSTREAM_STATUS';

/** The upstream workflow-execution service an execution lives in. */
export type Provider =
  /** Lerian Flowker (`flowker:<uuid>` ids). */
  | 'FLOWKER'
  /** Polos durable executions (`polos:<uuid>` ids). */
  | 'POLOS'
  /** PromptLayer workflows/agents (`promptlayer:<int64>` ids). */
  | 'PROMPTLAYER';

/** Normalized status of one step (Flowker) or node (PromptLayer). */
export type StepStatus =
  /** Not run because the execution was cancelled. Terminal. */
  | 'CANCELLED'
  /** Finished successfully. Terminal. */
  | 'COMPLETED'
  /** Finished with an error. Terminal. */
  | 'FAILED'
  /** Not started. */
  | 'PENDING'
  /** Waiting to run. */
  | 'QUEUED'
  /** Running. */
  | 'RUNNING'
  /** Not run because its branch was not taken. Terminal. */
  | 'SKIPPED';

export type ExecutionProgressSubscriptionVariables = Exact<{
  id: string | number;
}>;


export type ExecutionProgressSubscription = { readonly executionUpdated: { readonly id: string, readonly provider: Provider, readonly upstreamId: string, readonly workflowId: string | null, readonly status: ExecutionStatus, readonly statusReason: ExecutionStatusReason | null, readonly upstreamStatus: string | null, readonly terminal: boolean, readonly startedAt: string | null, readonly completedAt: string | null, readonly durationSeconds: number | null, readonly retryCount: number | null, readonly output: unknown, readonly progress: { readonly completed: number, readonly total: number } | null, readonly steps: ReadonlyArray<{ readonly number: number | null, readonly name: string, readonly status: StepStatus, readonly error: string | null, readonly durationSeconds: number | null }>, readonly nodes: ReadonlyArray<{ readonly name: string, readonly status: StepStatus, readonly error: string | null, readonly isOutput: boolean }>, readonly error: { readonly code: string | null, readonly message: string } | null } };

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

export const ExecutionProgressDocument = new TypedDocumentString(`
    subscription ExecutionProgress($id: ID!) {
  executionUpdated(id: $id) {
    id
    provider
    upstreamId
    workflowId
    status
    statusReason
    upstreamStatus
    terminal
    startedAt
    completedAt
    durationSeconds
    retryCount
    progress {
      completed
      total
    }
    steps {
      number
      name
      status
      error
      durationSeconds
    }
    nodes {
      name
      status
      error
      isOutput
    }
    output
    error {
      code
      message
    }
  }
}
    `) as unknown as TypedDocumentString<ExecutionProgressSubscription, ExecutionProgressSubscriptionVariables>;