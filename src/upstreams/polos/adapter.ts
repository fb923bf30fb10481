/**
 * Polos: `GET /api/v1/executions/{id}` always answers 200 with the state in `status`. For an
 * unknown id the orchestrator's project lookup fails first and it answers 500 with an empty
 * body; we read that as "not found" (without retrying it or counting it against the circuit
 * breaker), while a 500 with a body, a 502-504 or a connection error remains an outage.
 */
import type { Execution } from '../../domain/execution.js';
import { HttpExecutionAdapter, capabilities, type EventStreamSource, type ListPage, type ListRequest, type StartRequest, type StartResult } from '../adapter.js';
import type { CallTally, UpstreamHttpClient } from '../http/client.js';
import { createEdge } from '../http/edge.js';
import { fromPolosExecution, startedExecution } from './mapping.js';
import { PolosExecutionBody, PolosRunBody, PolosRunsBody } from './wire.js';

const edge = createEdge('polos');

const isEmptyNotFound = (status: number, body: string): boolean => status === 500 && body.trim() === '';

/** Cancel looks the execution up (for its project) before anything else; for an unknown id that lookup is this 500. */
const isUnknownOnCancel = (status: number, body: string): boolean => status === 500 && body.includes('Failed to get execution');

export class PolosAdapter extends HttpExecutionAdapter {
  static readonly capabilities = capabilities({ start: true, cancel: true, list: true, partialListItems: true, children: true, push: true });

  readonly provider = edge.provider;
  readonly capabilities = PolosAdapter.capabilities;

  /** `events`: the event stream (see events.ts), unless streams are disabled (POLOS_MAX_STREAMS=0). */
  constructor(
    http: UpstreamHttpClient,
    readonly events: EventStreamSource | undefined = undefined,
  ) {
    super(http);
  }

  override async close(): Promise<void> {
    await Promise.all([super.close(), this.events?.close()]);
  }

  async fetchExecution(upstreamId: string, tally?: CallTally): Promise<Execution | null> {
    const response = await this.http.request({
      path: `/api/v1/executions/${upstreamId}`,
      endpoint: 'execution',
      handles: isEmptyNotFound,
      tally,
    });
    if (response.status === 404 || isEmptyNotFound(response.status, response.body)) return null;
    return fromPolosExecution(upstreamId, edge.read(response, [200], PolosExecutionBody, 'execution'));
  }

  /** Not retried: Polos has no idempotency key, so a retried run could run twice (the gateway's idempotency keys: src/executions/idempotency.ts). */
  async startExecution({ workflowId, input, tally }: StartRequest): Promise<StartResult> {
    const response = await this.http.request({
      method: 'POST',
      path: `/api/v1/workflows/${encodeURIComponent(workflowId)}/run`,
      body: { payload: input ?? {} },
      endpoint: 'run',
      tally,
    });
    const run = edge.accepted(response, [200, 201], PolosRunBody, 'run');
    return { execution: startedExecution(edge.upstreamId(run.execution_id), workflowId, run.created_at), idempotencyKey: null, replayed: false };
  }

  /** Asynchronous, and it spreads through the tree: descendants and ancestors are cancelled too. */
  async cancelExecution(upstreamId: string, tally?: CallTally): Promise<void> {
    const response = await this.http.request({
      method: 'POST',
      path: `/api/v1/executions/${upstreamId}/cancel`,
      endpoint: 'cancel',
      handles: isUnknownOnCancel,
      tally,
    });
    if (response.status === 200) return;
    if (response.status === 404 || isUnknownOnCancel(response.status, response.body)) throw edge.error('NOT_FOUND', `Polos has no execution ${upstreamId}.`);
    throw edge.refused(response, 'cancel');
  }

  /** Offset paging; one extra item is asked for to know whether another page follows. */
  async listExecutions({ workflowId, first, after, tally }: ListRequest): Promise<ListPage> {
    const offset = after === null ? 0 : Number(after);
    if (!Number.isSafeInteger(offset) || offset < 0) throw edge.error('BAD_USER_INPUT', 'Invalid cursor.');
    const query: Record<string, string> = { limit: String(first + 1), offset: String(offset) };
    if (workflowId !== null) query.workflow_id = workflowId;
    const response = await this.http.request({ path: '/api/v1/workflows/runs', query, endpoint: 'list', tally });
    const items = edge.accepted(response, [200], PolosRunsBody, 'list');
    const executions = items.slice(0, first).map((item) => fromPolosExecution(edge.upstreamId(item.id), item));
    return { executions, next: items.length > first ? String(offset + first) : null };
  }

  /**
   * Polos has no children endpoint, and its list carries only the root: the runs under a root are
   * those of the `scan` most recent whose root it is (so a non-root execution has none here).
   */
  async listChildren(upstreamId: string, scan: number, tally?: CallTally): Promise<ListPage> {
    const recent = await this.listExecutions({ workflowId: null, status: null, first: scan, after: null, tally });
    const executions = recent.executions.filter((candidate) => candidate.rootId === upstreamId && candidate.upstreamId !== upstreamId);
    return { executions, next: null };
  }
}

