/**
 * Flowker: `GET /v1/executions/{id}` is the cheap status call; `/results` carries the steps and
 * the final output, exists only for terminal executions, and answers 422 FLK-0502 before that.
 * Starting requires an Idempotency-Key, which also makes the start safe to retry; there is no cancel.
 */
import { randomUUID } from 'node:crypto';
import type { Execution, ExecutionDetails } from '../../domain/execution.js';
import { normalizeUpstreamId } from '../../domain/ids.js';
import type { ExecutionStatus } from '../../domain/status.js';
import { HttpExecutionAdapter, capabilities, type ListPage, type ListRequest, type StartRequest, type StartResult } from '../adapter.js';
import type { CallTally, UpstreamResponse } from '../http/client.js';
import { createEdge } from '../http/edge.js';
import { tryParseJson } from '../http/json.js';
import { toDetails, fromFlowkerStatus } from './mapping.js';
import { FlowkerErrorBody, FlowkerExecutionStatusBody, FlowkerListBody, FlowkerResultsBody } from './wire.js';

/** Flowker refuses bodies over 1 MB (FLK-0506); checked here so the refusal is ours and clear. */
const MAX_START_BODY_BYTES = 1024 * 1024;
/** The statuses Flowker executions can have; other filters match nothing. */
const LIST_STATUS: Partial<Record<ExecutionStatus, string>> = { PENDING: 'pending', RUNNING: 'running', COMPLETED: 'completed', FAILED: 'failed' };
const edge = createEdge('flowker');

export class FlowkerAdapter extends HttpExecutionAdapter {
  static readonly capabilities = capabilities({ start: true, nativeIdempotencyKey: true, list: true, listByStatus: true });

  readonly provider = edge.provider;
  readonly capabilities = FlowkerAdapter.capabilities;

  async fetchExecution(upstreamId: string, tally?: CallTally): Promise<Execution | null> {
    const response = await this.http.request({ path: `/v1/executions/${upstreamId}`, endpoint: 'execution', tally });
    if (response.status === 404) return null;
    return fromFlowkerStatus(upstreamId, edge.read(response, [200], FlowkerExecutionStatusBody, 'status'));
  }

  override async fetchDetails(upstreamId: string, tally?: CallTally): Promise<ExecutionDetails | null> {
    const response = await this.http.request({ path: `/v1/executions/${upstreamId}/results`, endpoint: 'results', tally });
    if (response.status === 404 || isStillRunning(response)) return null;
    return toDetails(edge.read(response, [200], FlowkerResultsBody, 'results'));
  }

  async startExecution({ workflowId, input, idempotencyKey, tally }: StartRequest): Promise<StartResult> {
    const body = { inputData: edge.objectInput(input) };
    if (Buffer.byteLength(JSON.stringify(body)) > MAX_START_BODY_BYTES) throw edge.error('BAD_USER_INPUT', 'Flowker input must be at most 1 MB as JSON.');
    const key = idempotencyKey ?? randomUUID();
    const response = await this.http.request({
      method: 'POST',
      path: `/v1/workflows/${workflowUuid(workflowId)}/executions`,
      headers: { 'idempotency-key': key },
      body,
      endpoint: 'start',
      tally,
      // The key makes a repeated start return the same execution: the one start that is safe to retry.
      idempotent: true,
    });
    const started = edge.accepted(response, [200, 201], FlowkerExecutionStatusBody, 'start');
    const execution = fromFlowkerStatus(edge.upstreamId(started.executionId), started);
    return { execution, idempotencyKey: key, replayed: response.status === 200 };
  }

  async listExecutions({ workflowId, status, first, after, tally }: ListRequest): Promise<ListPage> {
    const statusFilter = status === null ? undefined : LIST_STATUS[status];
    if (status !== null && statusFilter === undefined) return { executions: [], next: null };
    const query: Record<string, string> = { limit: String(first) };
    if (workflowId !== null) query.workflowId = workflowUuid(workflowId);
    if (statusFilter) query.status = statusFilter;
    // The cursor carries its own sort: sending sortBy/sortOrder with it is a 400 (FLK-0304).
    if (after !== null) query.cursor = after;
    const response = await this.http.request({ path: '/v1/executions', query, endpoint: 'list', tally });
    const page = edge.accepted(response, [200], FlowkerListBody, 'list');
    const executions = page.items.map((item) => fromFlowkerStatus(edge.upstreamId(item.executionId), item));
    return { executions, next: page.hasMore !== false && page.nextCursor ? page.nextCursor : null };
  }
}

function workflowUuid(workflowId: string): string {
  const uuid = normalizeUpstreamId('flowker', workflowId);
  if (uuid === null) throw edge.error('BAD_USER_INPUT', 'Flowker workflow ids are UUIDs.');
  return uuid;
}

/** 422 is overloaded in Flowker; only FLK-0502 means "not terminal yet". */
function isStillRunning(response: UpstreamResponse): boolean {
  if (response.status !== 422) return false;
  const body = FlowkerErrorBody.safeParse(tryParseJson(response.body));
  return body.success && body.data.code === 'FLK-0502';
}
